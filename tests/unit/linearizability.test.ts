import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkLinearizable, formatOp, type CheckResult, type HistoryOp, type KvInput, type KvOutput, type Value } from '../support/linearizability.js';

// ---------------------------------------------------------------------------------------------
// Hand-written histories. Times are [call, ret]; a missing ret means the outcome is unknown.

let nextId = 0;
function op(key: string, client: number, input: KvInput, call: number, ret?: number, output?: KvOutput): HistoryOp {
  return ret === undefined ? { id: ++nextId, client, key, input, call } : { id: ++nextId, client, key, input, call, ret, output };
}
const put = (c: number, v: string, call: number, ret?: number, key = 'k') => op(key, c, { kind: 'put', value: v }, call, ret, { kind: 'ok' });
const del = (c: number, call: number, ret?: number, key = 'k') => op(key, c, { kind: 'delete' }, call, ret, { kind: 'ok' });
const get = (c: number, v: Value, call: number, ret: number, key = 'k') => op(key, c, { kind: 'get' }, call, ret, { kind: 'value', value: v });
const cas = (c: number, expect: Value, value: Value, ok: boolean | undefined, call: number, ret?: number, key = 'k') =>
  op(key, c, { kind: 'cas', expect, value }, call, ok === undefined ? undefined : ret, { kind: 'cas', ok: ok ?? false });

function accepts(history: HistoryOp[], message?: string): CheckResult {
  const r = checkLinearizable(history);
  assert.equal(r.ok, true, `${message ?? 'expected linearizable'}\n${r.explanation}`);
  assert.equal(r.stats.timedOut, false);
  return r;
}
function rejects(history: HistoryOp[], key = 'k', message?: string): CheckResult {
  const r = checkLinearizable(history);
  assert.equal(r.ok, false, message ?? `expected a rejection of:\n${history.map(formatOp).join('\n')}`);
  assert.equal(r.stats.timedOut, false, r.explanation);
  assert.equal(r.key, key);
  assert.ok(r.explanation && r.explanation.length > 0);
  return r;
}

describe('linearizability checker: hand-written histories', () => {
  it('accepts empty and sequential histories', () => {
    const empty = accepts([]);
    assert.deepEqual(empty.stats, { keys: 0, ops: 0, statesExplored: 0, timedOut: false });
    accepts([get(1, undefined, 0, 1)]);
    const r = accepts([put(1, 'a', 0, 1), get(1, 'a', 2, 3), put(2, 'b', 4, 5), get(1, 'b', 6, 7), del(2, 8, 9), get(1, undefined, 10, 11)]);
    assert.deepEqual({ keys: r.stats.keys, ops: r.stats.ops }, { keys: 1, ops: 6 });
    assert.ok(r.stats.statesExplored >= 6);
  });

  it('rejects a stale read after an acknowledged overwrite, explaining why', () => {
    const h = [put(1, 'a', 0, 1), put(1, 'b', 2, 3), get(2, 'a', 4, 5)];
    const r = rejects(h);
    assert.deepEqual(r.prefix, [h[0].id, h[1].id]);
    const text = r.explanation!;
    for (const o of h) assert.ok(text.includes(formatOp(o)), `explanation lists ${formatOp(o)}:\n${text}`);
    assert.match(text, /Longest linearizable prefix found \(2 ops, 0 of them with an unknown outcome\)/);
    assert.match(text, /returned "a" but the register holds "b"/);
    // The reader's own earlier read of the new value makes a later old read stale too.
    rejects([put(1, 'a', 0, 1), put(1, 'b', 2, 10), get(2, 'b', 3, 4), get(2, 'a', 5, 6)]);
  });

  it('lets a read concurrent with a write see either the old or the new value', () => {
    accepts([put(1, 'a', 0, 1), put(1, 'b', 2, 10), get(2, 'a', 3, 4)]);
    accepts([put(1, 'a', 0, 1), put(1, 'b', 2, 10), get(2, 'b', 3, 4)]);
    // Two sequential reads, both concurrent with the write: old then new is fine, but once the
    // new value was seen the old one is gone.
    accepts([put(1, 'a', 0, 1), put(1, 'b', 2, 10), get(2, 'a', 3, 4), get(3, 'b', 5, 6)]);
    rejects([put(1, 'a', 0, 1), put(1, 'b', 2, 10), get(2, 'b', 3, 4), get(3, 'a', 5, 6)]);
    // Overlapping reads may see the two values in either order.
    accepts([put(1, 'a', 0, 1), put(1, 'b', 2, 10), get(2, 'b', 3, 6), get(3, 'a', 4, 7)]);
  });

  it('orders two concurrent writes by what later reads saw', () => {
    accepts([put(1, 'a', 0, 5), put(2, 'b', 0, 5), get(3, 'a', 6, 7), get(3, 'a', 8, 9)]);
    accepts([put(1, 'a', 0, 5), put(2, 'b', 0, 5), get(3, 'b', 6, 7)]);
    rejects([put(1, 'a', 0, 5), put(2, 'b', 0, 5), get(3, 'b', 6, 7), get(3, 'a', 8, 9)]);
  });

  it('treats equal times as concurrent: only ret < call orders two ops', () => {
    accepts([put(1, 'a', 0, 5), get(2, undefined, 5, 6)]);
    rejects([put(1, 'a', 0, 4), get(2, undefined, 5, 6)]);
    // b may come before a (a returned when b was called), so a read after both may see a.
    accepts([put(1, 'a', 0, 1), put(1, 'b', 1, 2), get(2, 'a', 3, 3)]);
    rejects([put(1, 'a', 0, 1), put(1, 'b', 2, 3), get(2, 'a', 4, 4)]);
    // A read returning when the write is called may precede it.
    accepts([get(2, undefined, 0, 3), put(1, 'a', 3, 4)]);
  });

  it('rejects a lost update: two conditional writes from the same expected value both succeeding', () => {
    rejects([put(1, 'a', 0, 1), cas(1, 'a', 'b', true, 2, 5), cas(2, 'a', 'c', true, 3, 6)]);
    rejects([put(1, 'a', 0, 1), cas(1, 'a', 'b', true, 2, 3), cas(2, 'a', 'c', true, 4, 5)]);
    // One of them failing is fine, whichever it is.
    accepts([put(1, 'a', 0, 1), cas(1, 'a', 'b', true, 2, 5), cas(2, 'a', 'c', false, 3, 6)]);
    accepts([put(1, 'a', 0, 1), cas(1, 'a', 'b', false, 2, 5), cas(2, 'a', 'c', true, 3, 6), get(3, 'c', 7, 8)]);
    // ...and both succeed if the second expects what the first wrote.
    accepts([put(1, 'a', 0, 1), cas(1, 'a', 'b', true, 2, 5), cas(2, 'b', 'c', true, 3, 6), get(3, 'c', 7, 8)]);
  });

  it('checks failed conditional writes and cas from or to absent', () => {
    rejects([put(1, 'a', 0, 1), cas(1, 'a', 'b', false, 2, 3)]);
    // A concurrent overwrite explains the failure.
    accepts([put(1, 'a', 0, 1), put(2, 'x', 2, 10), cas(1, 'a', 'b', false, 3, 4), get(1, 'x', 5, 6)]);
    accepts([cas(1, undefined, 'a', true, 0, 1), cas(2, undefined, 'b', false, 2, 3), get(1, 'a', 4, 5)]);
    rejects([cas(1, undefined, 'a', true, 0, 1), cas(2, undefined, 'b', true, 2, 3)]);
    // cas to absent deletes.
    accepts([put(1, 'a', 0, 1), cas(1, 'a', undefined, true, 2, 3), get(2, undefined, 4, 5), cas(2, undefined, 'c', true, 6, 7)]);
    // A cas from x to x changes nothing but still needs x.
    accepts([put(1, 'a', 0, 1), cas(1, 'a', 'a', true, 2, 3), get(2, 'a', 4, 5)]);
    rejects([put(1, 'b', 0, 1), cas(1, 'a', 'a', true, 2, 3)]);
  });

  it('handles deletes', () => {
    accepts([put(1, 'a', 0, 1), del(1, 2, 3), get(2, undefined, 4, 5)]);
    rejects([put(1, 'a', 0, 1), del(1, 2, 3), get(2, 'a', 4, 5)]);
    accepts([put(1, 'a', 0, 1), del(1, 2, 6), get(2, 'a', 3, 4), get(2, undefined, 7, 8)]);
    rejects([put(1, 'a', 0, 1), del(1, 2, 6), get(2, undefined, 3, 4), get(2, 'a', 5, 6)]);
    // Deleting an absent key is fine; reading absent before any write too.
    accepts([get(1, undefined, 0, 1), del(1, 2, 3), get(1, undefined, 4, 5), put(2, 'a', 6, 7), get(1, 'a', 8, 9)]);
  });

  it('rejects reads of a value never written, or not yet written', () => {
    const h = [put(1, 'a', 0, 1), get(2, 'zzz', 2, 3)];
    const r = rejects(h);
    assert.match(r.explanation!, /saw "zzz", but no write of it was invoked before it returned/);
    rejects([put(1, 'a', 0, 1), get(2, 'b', 2, 3), put(1, 'b', 4, 5)]);
    // A failed cas wrote nothing; a cas that succeeded expecting a never-written value is impossible.
    rejects([cas(1, undefined, 'a', false, 0, 1), get(2, 'a', 2, 3)]);
    rejects([cas(1, 'a', 'b', true, 0, 1)]);
    rejects([cas(1, 'a', 'a', true, 0, 1)]);
  });

  it('uses an op of unknown outcome to explain a later read, or leaves it out', () => {
    accepts([put(1, 'a', 0, 1), put(2, 'b', 2), get(3, 'b', 10, 11)]);
    accepts([put(1, 'a', 0, 1), put(2, 'b', 2), get(3, 'a', 10, 11)]);
    accepts([put(1, 'a', 0, 1), put(2, 'b', 2), get(3, 'a', 10, 11), get(3, 'b', 12, 13)]);
    accepts([put(1, 'a', 0, 1), del(2, 2), get(3, undefined, 10, 11)]);
    // It may take effect long after its call, even after ops that started later completed.
    accepts([put(2, 'b', 0), put(1, 'a', 5, 6), get(1, 'a', 7, 8), get(1, 'b', 100, 101)]);
    // ...but not before it was called...
    rejects([put(1, 'a', 0, 1), get(3, 'b', 2, 3), put(2, 'b', 4)]);
    // ...and only once: it cannot explain a return to the old value.
    rejects([put(1, 'a', 0, 1), put(2, 'b', 2), get(3, 'b', 10, 11), get(3, 'a', 12, 13)]);
  });

  it('applies an unknown-outcome cas only if its condition holds', () => {
    accepts([put(1, 'a', 0, 1), cas(2, 'a', 'b', undefined, 2), get(3, 'b', 5, 6)]);
    accepts([put(1, 'a', 0, 1), cas(2, 'a', 'b', undefined, 2), get(3, 'a', 5, 6)]);
    rejects([put(1, 'x', 0, 1), cas(2, 'a', 'b', undefined, 2), get(3, 'b', 5, 6)]);
    // It can apply after a concurrent write made its condition true.
    accepts([cas(2, 'a', 'b', undefined, 0), put(1, 'a', 1, 2), get(3, 'b', 5, 6)]);
    // Two unknown-outcome cas may chain.
    accepts([put(1, 'a', 0, 1), cas(2, 'b', 'c', undefined, 2), cas(3, 'a', 'b', undefined, 3), get(4, 'c', 9, 10)]);
  });

  it('ignores reads of unknown outcome', () => {
    const lost = op('k', 3, { kind: 'get' }, 2);
    const r = accepts([put(1, 'a', 0, 1), lost, get(2, 'a', 4, 5)]);
    assert.equal(r.stats.ops, 3);
    accepts([lost]);
  });

  it('accepts histories of unknown-outcome ops only', () => {
    accepts([put(1, 'a', 0), del(2, 1), cas(3, 'a', 'b', undefined, 2)]);
  });

  it('checks keys independently and reports the non-linearizable one', () => {
    const good = [put(1, 'a', 0, 1, 'x'), get(2, 'a', 2, 3, 'x'), put(1, 'a', 0, 1, 'z'), get(2, 'a', 2, 3, 'z')];
    // The same ops interleaved on different keys would not be linearizable on one key.
    accepts([put(1, 'a', 0, 1, 'x'), put(1, 'b', 2, 3, 'y'), get(2, 'a', 4, 5, 'x'), get(2, 'b', 4, 5, 'y')]);
    const r = rejects([...good, put(1, 'a', 0, 1, 'y'), put(1, 'b', 2, 3, 'y'), get(2, 'a', 4, 5, 'y'), get(2, 'a', 4, 5, 'w')], 'y');
    assert.equal(r.stats.keys, 4);
    assert.ok(!r.explanation!.includes('"x"') && r.explanation!.includes('"y"'));
    // Two bad keys: the one that appears first in the history.
    rejects([put(1, 'b', 2, 3, 'q'), get(2, 'zzz', 4, 5, 'p'), get(2, 'a', 4, 5, 'q')], 'q');
  });

  it('reports an exhausted search budget as no verdict', () => {
    // n concurrent puts, each read by a concurrent get, then two sequential reads of two of their
    // values: impossible (both would have to be the last put), but only found by trying the
    // orders of the other puts (about n 2^(n-2) (set, value) states).
    const n = 12;
    const h: HistoryOp[] = [];
    for (let i = 0; i < n; i++) h.push(put(i, `v${i}`, 0, 10, 'hard'), get(n + i, `v${i}`, 0, 10, 'hard'));
    h.push(get(100, 'v0', 11, 12, 'hard'), get(100, 'v1', 13, 14, 'hard'));
    const r = checkLinearizable(h, { maxStates: 1000 });
    assert.equal(r.ok, false);
    assert.equal(r.stats.timedOut, true);
    assert.equal(r.key, 'hard');
    assert.match(r.explanation!, /budget of 1000 states/);
    // With a big enough budget: a verdict.
    const full = checkLinearizable(h);
    assert.equal(full.ok, false);
    assert.equal(full.stats.timedOut, false);
    assert.ok(full.stats.statesExplored > 1000);
    console.log(`budget test: verdict after ${full.stats.statesExplored} states`);
    // A bad key found after a key timed out is still reported as such.
    const both = checkLinearizable([...h, put(1, 'a', 0, 1, 'bad'), get(2, 'b', 2, 3, 'bad')], { maxStates: 1000 });
    assert.equal(both.ok, false);
    assert.equal(both.key, 'bad');
    assert.equal(both.stats.timedOut, true);
  });

  it('throws on a malformed history', () => {
    assert.throws(() => checkLinearizable([{ id: 1, client: 1, key: 'k', input: { kind: 'get' }, call: 5, ret: 4, output: { kind: 'value', value: undefined } }]), /before call/);
    assert.throws(() => checkLinearizable([{ id: 1, client: 1, key: 'k', input: { kind: 'get' }, call: 5, ret: 6 }]), /output must be present iff ret/);
    assert.throws(() => checkLinearizable([{ id: 1, client: 1, key: 'k', input: { kind: 'get' }, call: 5, ret: 6, output: { kind: 'ok' } }]), /'value' output/);
    const [x, y] = [put(1, 'a', 0, 1), put(1, 'b', 2, 3)];
    assert.throws(() => checkLinearizable([x, { ...y, id: x.id }]), /duplicate id/);
  });
});

// ---------------------------------------------------------------------------------------------
// Histories of a real atomic register, generated from seeds.

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface GenOptions {
  seed: number;
  ops: number;
  clients: number;
  keys?: number;
  /** Fraction of ops whose outcome is made unknown (their effect may be lost or delayed). */
  unknownRate?: number;
  /** Values drawn from this pool (collisions make the search harder); default: every write unique. */
  pool?: string[];
  /** Max time from call to the atomic point, and from it to the return (integer units). */
  latency?: number;
}

/**
 * Simulates clients issuing ops one at a time against atomic registers: each op takes effect at
 * one instant inside [call, ret] (integer times, so ties happen). An op made unknown-outcome loses
 * its ret and output, and its effect is either dropped or delayed up to long after its call.
 */
function atomicHistory(o: GenOptions): HistoryOp[] {
  const rnd = mulberry32(o.seed);
  const int = (n: number) => Math.floor(rnd() * (n + 1));
  const keys = Array.from({ length: o.keys ?? 1 }, (_, i) => `key${i}`);
  const latency = o.latency ?? 4;
  const free = Array.from({ length: o.clients }, () => int(3));
  const recent = new Map<string, Value[]>(keys.map((k) => [k, []]));
  const value = (id: number, key: string) => (o.pool ? o.pool[int(o.pool.length - 1)] : `${key}/${id}`);
  type Pending = { op: HistoryOp; at: number; effect: boolean; seq: number };
  const pending: Pending[] = [];
  for (let id = 1; id <= o.ops; id++) {
    let c = 0;
    for (let i = 1; i < o.clients; i++) if (free[i] < free[c]) c = i;
    const key = keys[int(keys.length - 1)];
    const call = free[c];
    const at = call + int(latency);
    const ret = at + int(latency);
    const roll = rnd();
    let input: KvInput;
    if (roll < 0.3) input = { kind: 'put', value: value(id, key) };
    else if (roll < 0.38) input = { kind: 'delete' };
    else if (roll < 0.75) input = { kind: 'get' };
    else {
      const seen = recent.get(key)!;
      const expect = rnd() < 0.15 || seen.length === 0 ? undefined : seen[seen.length - 1 - int(Math.min(2, seen.length - 1))];
      input = { kind: 'cas', expect, value: rnd() < 0.15 ? undefined : value(id, key) };
    }
    if (input.kind === 'put' || input.kind === 'cas') recent.get(key)!.push(input.value);
    const unknown = rnd() < (o.unknownRate ?? 0);
    const op: HistoryOp = { id, client: c, key, input, call, ret };
    if (unknown) {
      delete op.ret;
      const effect = rnd() < 0.7;
      const late = rnd() < 0.3 ? call + int(latency * 20) : at;
      pending.push({ op, at: late, effect, seq: id });
      free[c] = call + 2 * latency + int(2);
    } else {
      pending.push({ op, at, effect: true, seq: id });
      free[c] = ret + int(2);
    }
  }
  const register = new Map<string, Value>();
  for (const p of [...pending].sort((x, y) => x.at - y.at || x.seq - y.seq)) {
    if (!p.effect) continue;
    const { op } = p;
    const cur = register.get(op.key);
    let output: KvOutput;
    switch (op.input.kind) {
      case 'put':
        register.set(op.key, op.input.value);
        output = { kind: 'ok' };
        break;
      case 'delete':
        register.set(op.key, undefined);
        output = { kind: 'ok' };
        break;
      case 'get':
        output = { kind: 'value', value: cur };
        break;
      case 'cas':
        if (cur === op.input.expect) register.set(op.key, op.input.value);
        output = { kind: 'cas', ok: cur === op.input.expect };
        break;
    }
    if (op.ret !== undefined) op.output = output;
  }
  return pending.map((p) => p.op);
}

const ret = (o: HistoryOp) => o.ret ?? Infinity;
/** Did `o` certainly write (an acknowledged put or delete, an applied cas)? */
const certainWrite = (o: HistoryOp) =>
  o.ret !== undefined && (o.input.kind === 'put' || o.input.kind === 'delete' || (o.input.kind === 'cas' && o.output?.kind === 'cas' && o.output.ok));
const writtenValue = (o: HistoryOp): Value => (o.input.kind === 'put' || o.input.kind === 'cas' ? o.input.value : undefined);

/**
 * Values that cannot be current anywhere in [from, to] on `key`, for a history whose written values
 * are unique: w's only writer certainly wrote it and was certainly overwritten before `from` (stale),
 * or w's only writer was invoked after `to` (future).
 */
function impossibleValues(h: HistoryOp[], key: string, from: number, to: number): { stale: string[]; future: string[] } {
  const ops = h.filter((o) => o.key === key);
  const stale: string[] = [];
  const future: string[] = [];
  for (const w of ops) {
    const v = writtenValue(w);
    if (v === undefined) continue;
    if (w.call > to) future.push(v);
    else if (certainWrite(w) && ops.some((x) => x !== w && certainWrite(x) && ret(w) < x.call && ret(x) < from)) stale.push(v);
  }
  return { stale, future };
}

function replaceOp(h: HistoryOp[], victim: HistoryOp, changed: HistoryOp): HistoryOp[] {
  return h.map((o) => (o === victim ? changed : o));
}

/**
 * Reference semantics, by brute force: tries every order of every subset of the unknown-outcome ops
 * (with a plain memo of (ops left, value) pairs already tried, and none of the checker's pruning).
 */
function bruteForce(history: HistoryOp[]): boolean {
  const apply = (o: HistoryOp, v: Value): { v: Value } | null => {
    const i = o.input;
    const out = o.output;
    if (i.kind === 'put') return { v: i.value };
    if (i.kind === 'delete') return { v: undefined };
    if (i.kind === 'get') return !out || (out.kind === 'value' && out.value === v) ? { v } : null;
    const applies = v === i.expect;
    if (out && !(out.kind === 'cas' && out.ok === applies)) return null;
    return { v: applies ? i.value : v };
  };
  const keys = new Set(history.map((o) => o.key));
  return [...keys].every((key) => {
    const ops = history.filter((o) => o.key === key);
    const tried = new Set<string>();
    const search = (left: HistoryOp[], v: Value): boolean => {
      if (left.every((o) => o.ret === undefined)) return true;
      const id = `${left.map((o) => o.id).join(',')}|${v ?? ''}|${v === undefined}`;
      if (tried.has(id)) return false;
      tried.add(id);
      return left.some((o) => {
        if (left.some((x) => x.ret !== undefined && x.ret < o.call)) return false;
        const next = apply(o, v);
        return next !== null && search(left.filter((x) => x !== o), next.v);
      });
    };
    return search(ops, undefined);
  });
}

/** Small histories with random outputs (mostly not linearizable), for comparing with bruteForce. */
function randomSmallHistory(seed: number): HistoryOp[] {
  const rnd = mulberry32(seed);
  const int = (n: number) => Math.floor(rnd() * (n + 1));
  const values: Value[] = ['a', 'b', undefined];
  const anyValue = () => values[int(2)];
  const h: HistoryOp[] = [];
  const count = 1 + int(6);
  for (let id = 1; id <= count; id++) {
    const key = rnd() < 0.15 ? 'other' : 'k';
    const call = int(8);
    const roll = rnd();
    let input: KvInput;
    let output: KvOutput;
    if (roll < 0.3) [input, output] = [{ kind: 'put', value: rnd() < 0.5 ? 'a' : 'b' }, { kind: 'ok' }];
    else if (roll < 0.4) [input, output] = [{ kind: 'delete' }, { kind: 'ok' }];
    else if (roll < 0.7) [input, output] = [{ kind: 'get' }, { kind: 'value', value: anyValue() }];
    else [input, output] = [{ kind: 'cas', expect: anyValue(), value: anyValue() }, { kind: 'cas', ok: rnd() < 0.5 }];
    h.push(rnd() < 0.25 ? { id, client: id, key, input, call } : { id, client: id, key, input, call, ret: call + int(4), output });
  }
  return h;
}

describe('linearizability checker: against brute force', () => {
  it('agrees with trying every order on 5000 small random histories', () => {
    const verdicts = { linearizable: 0, not: 0 };
    for (let seed = 1; seed <= 5000; seed++) {
      const h = randomSmallHistory(seed);
      const expected = bruteForce(h);
      const r = checkLinearizable(h);
      assert.equal(r.ok, expected, `seed ${seed}: checker says ${r.ok}, brute force ${expected}:\n${h.map(formatOp).join('\n')}\n${r.explanation ?? ''}`);
      assert.equal(r.stats.timedOut, false);
      verdicts[expected ? 'linearizable' : 'not']++;
    }
    console.log(`brute force, random histories: ${JSON.stringify(verdicts)}`);
    assert.ok(verdicts.linearizable > 1000 && verdicts.not > 1000, JSON.stringify(verdicts));
  });

  it('agrees with it on 2000 atomic-register histories of up to 14 ops with some outputs changed', () => {
    const verdicts = { linearizable: 0, not: 0 };
    for (let seed = 1; seed <= 2000; seed++) {
      const r = mulberry32(seed * 13 + 5);
      const pick = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
      const o: GenOptions = { seed: seed + 1_000_000, ops: pick(4, 14), clients: pick(2, 7), unknownRate: [0.1, 0.3, 0.5][pick(0, 2)], pool: ['a', 'b', 'c'].slice(0, pick(2, 3)), latency: pick(1, 5) };
      const h = atomicHistory(o);
      // Change up to two outputs, to values that may or may not still be explainable.
      const known = h.filter((x) => x.output);
      for (let m = pick(0, 2); m > 0 && known.length > 0; m--) {
        const victim = known[pick(0, known.length - 1)];
        const out = victim.output!;
        if (out.kind === 'value') victim.output = { kind: 'value', value: ['a', 'b', 'c', undefined][pick(0, 3)] };
        else if (out.kind === 'cas') victim.output = { kind: 'cas', ok: !out.ok };
      }
      const expected = bruteForce(h);
      const v = checkLinearizable(h);
      assert.equal(v.ok, expected, `seed ${seed}: checker says ${v.ok}, brute force ${expected}:\n${h.map(formatOp).join('\n')}\n${v.explanation ?? ''}`);
      verdicts[expected ? 'linearizable' : 'not']++;
    }
    console.log(`brute force, perturbed atomic histories: ${JSON.stringify(verdicts)}`);
    assert.ok(verdicts.linearizable > 500 && verdicts.not > 300, JSON.stringify(verdicts));
  });
});

describe('linearizability checker: generated histories', () => {
  /** Parameters varying with the seed: 2-8 clients, 10-160 ops, 1-3 keys, unique or pooled values. */
  const shape = (seed: number): GenOptions => {
    const r = mulberry32(seed * 7919);
    const pick = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
    return {
      seed,
      clients: pick(2, 8),
      ops: pick(10, 160),
      keys: pick(1, 3),
      unknownRate: [0, 0.05, 0.15, 0.3][pick(0, 3)],
      pool: r() < 0.3 ? ['a', 'b', 'c'].slice(0, pick(1, 3)) : undefined,
      latency: pick(1, 8),
    };
  };

  it('accepts 300 random histories of a real atomic register', () => {
    const t0 = performance.now();
    let ops = 0;
    let states = 0;
    let unknown = 0;
    let slowest = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const o = shape(seed);
      const h = atomicHistory(o);
      const t = performance.now();
      const r = checkLinearizable(h);
      slowest = Math.max(slowest, performance.now() - t);
      assert.ok(r.ok, `seed ${seed} ${JSON.stringify(o)}:\n${r.explanation}`);
      ops += h.length;
      unknown += h.filter((x) => x.ret === undefined).length;
      states += r.stats.statesExplored;
    }
    const ms = performance.now() - t0;
    console.log(`300 atomic histories: ${ops} ops (${unknown} unknown outcome), ${states} states, ${ms.toFixed(0)} ms, slowest ${slowest.toFixed(1)} ms`);
  });

  it('rejects them with one read (or cas) changed to a value that cannot be current in its window', () => {
    const t0 = performance.now();
    const counts = { stale: 0, future: 0, fresh: 0, staleCas: 0 };
    let states = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const o = { ...shape(seed), pool: undefined };
      const h = atomicHistory(o);
      const r = mulberry32(seed ^ 0x5bd1e995);
      const reads = h.filter((x) => x.input.kind === 'get' && x.ret !== undefined);
      const mutants: { kind: keyof typeof counts; h: HistoryOp[]; key: string }[] = [];
      if (reads.length > 0) {
        const victim = reads[Math.floor(r() * reads.length)];
        const setValue = (v: Value) => replaceOp(h, victim, { ...victim, output: { kind: 'value', value: v } });
        mutants.push({ kind: 'fresh', h: setValue('never-written'), key: victim.key });
        // Prefer a read whose window admits a stale or future value.
        for (const g of [victim, ...reads]) {
          const { stale, future } = impossibleValues(h, g.key, g.call, g.ret!);
          const mutate = (v: string) => replaceOp(h, g, { ...g, output: { kind: 'value', value: v } });
          if (stale.length > 0 && !mutants.some((m) => m.kind === 'stale')) mutants.push({ kind: 'stale', h: mutate(stale[Math.floor(r() * stale.length)]), key: g.key });
          if (future.length > 0 && !mutants.some((m) => m.kind === 'future')) mutants.push({ kind: 'future', h: mutate(future[0]), key: g.key });
        }
      }
      // A cas that failed, turned into one that applied although its expected value was stale.
      for (const c of h) {
        if (c.input.kind !== 'cas' || c.output?.kind !== 'cas' || c.output.ok || c.input.expect === undefined) continue;
        if (!impossibleValues(h, c.key, c.call, c.ret!).stale.includes(c.input.expect)) continue;
        mutants.push({ kind: 'staleCas', h: replaceOp(h, c, { ...c, output: { kind: 'cas', ok: true } }), key: c.key });
        break;
      }
      for (const m of mutants) {
        const v = checkLinearizable(m.h);
        assert.equal(v.ok, false, `seed ${seed}: ${m.kind} mutation accepted (${JSON.stringify(o)})`);
        assert.equal(v.stats.timedOut, false, `seed ${seed}: ${m.kind} mutation: ${v.explanation}`);
        assert.equal(v.key, m.key);
        counts[m.kind]++;
        states += v.stats.statesExplored;
      }
    }
    console.log(`mutations rejected: ${JSON.stringify(counts)}, ${states} states, ${(performance.now() - t0).toFixed(0)} ms`);
    assert.ok(counts.fresh > 250 && counts.stale > 100 && counts.future > 100 && counts.staleCas > 20, JSON.stringify(counts));
  });

  it('explains a failure in a long history with a window of ops around it', () => {
    const h = atomicHistory({ seed: 7, ops: 400, clients: 6, unknownRate: 0.05 });
    const reads = h.filter((x) => x.input.kind === 'get' && x.ret !== undefined).slice(100);
    const victim = reads.find((g) => impossibleValues(h, g.key, g.call, g.ret!).stale.length > 0)!;
    const stale = impossibleValues(h, victim.key, victim.call, victim.ret!).stale[0];
    const bad = replaceOp(h, victim, { ...victim, output: { kind: 'value', value: stale } });
    const r = checkLinearizable(bad);
    assert.equal(r.ok, false);
    const text = r.explanation!;
    assert.match(text, /\.\.\. \d+ ops/);
    assert.match(text, new RegExp(`#${victim.id} client .*: needs "${stale}", but no write of it still to come`));
    assert.ok(text.includes(formatOp({ ...victim, output: { kind: 'value', value: stale } })), text);
    assert.ok(text.split('\n').length < 200, `${text.split('\n').length} lines`);
    // The prefix is a real linearization of its ops: replaying it on a register satisfies each output.
    let v: Value;
    for (const id of r.prefix!) {
      const o = bad.find((x) => x.id === id)!;
      const i = o.input;
      if (i.kind === 'put') v = i.value;
      else if (i.kind === 'delete') v = undefined;
      else if (i.kind === 'get') assert.equal(o.output?.kind === 'value' && o.output.value, v);
      else {
        if (o.output?.kind === 'cas') assert.equal(o.output.ok, v === i.expect);
        if (v === i.expect) v = i.value;
      }
    }
  });

  it('checks a 2000-op, 16-client history on one key in well under 2 s', () => {
    for (const [label, pool] of [['unique values', undefined], ['values from a pool of 3', ['a', 'b', 'c']]] as const) {
      const h = atomicHistory({ seed: 42, ops: 2000, clients: 16, unknownRate: 0.03, pool: pool ? [...pool] : undefined, latency: 6 });
      const t0 = performance.now();
      const r = checkLinearizable(h);
      const ms = performance.now() - t0;
      console.log(`2000 ops, 16 clients, ${label}: ${ms.toFixed(0)} ms, ${r.stats.statesExplored} states`);
      assert.ok(r.ok, r.explanation);
      assert.ok(ms < 2000, `${ms} ms`);
    }
  });
});
