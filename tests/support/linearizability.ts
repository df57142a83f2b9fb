/**
 * Linearizability checker for key-value histories: one register per key, starting absent.
 *
 * The search is Wing & Gong's: repeatedly pick an operation that may come next in the
 * linearization (a "minimal" pending one: no unlinearized operation returned before it was called),
 * apply it to the model if its recorded output allows, and backtrack when stuck. Lowe's
 * memoization prunes it: a (set of linearized operations, register value) pair that was explored
 * and failed is never explored again, since what can follow depends on nothing else. Each key is
 * checked on its own (P-compositionality: a history is linearizable iff every key's sub-history is).
 *
 * Operations whose outcome the client never learned (no `ret`) may have taken effect at any point
 * after their call, or never: the search may linearize them to explain what others saw, and is done
 * once every operation with a known outcome is linearized.
 *
 * Pruning beyond that, all exact (none turns a linearizable history into a rejected one, nor the
 * reverse):
 * - an operation that cannot change the register (a read, a failed cas, a cas from x to x) and
 *   whose output holds in the current state is linearized at once, without trying alternatives: any
 *   linearization that places it later stays valid with it moved here;
 * - an unknown-outcome operation is only tried when it changes the register to a value that a
 *   pending operation needs (a read or cas that is not allowed in the current state, or an
 *   unknown-outcome cas it would enable): in any linearization, one that is not immediately
 *   followed by such an observer can be left out (its effect is overwritten unseen);
 * - the memo subsumes on unknown-outcome operations: a node with the same register and known
 *   operations as a failed one, and a superset of its unknown-outcome ones, fails too (those never
 *   constrain the others, and having fewer available only removes options);
 * - a node is dead when a pending read (or cas) needs a value other than the current one and no
 *   unlinearized write of that value was invoked before it returned;
 * - written values that no operation compares against (no read returns them, no cas expects them)
 *   are one "unobserved" register value, since the model only ever tests the register for equality
 *   with those; unknown-outcome reads are dropped;
 * - before searching, a read (or successful cas) of a value that no write of that key had even been
 *   invoked for by the time it returned is reported directly.
 */

/** Value of a key: undefined means absent (never written or deleted). */
export type Value = string | undefined;

export type KvInput =
  /** Unconditional write. */
  | { kind: 'put'; value: string }
  /** Unconditional delete. */
  | { kind: 'delete' }
  /** Strongly consistent read. */
  | { kind: 'get' }
  /** Conditional write: applies iff the current value === expect; then sets value (undefined deletes). */
  | { kind: 'cas'; expect: Value; value: Value };

export type KvOutput =
  /** put/delete acknowledged. */
  | { kind: 'ok' }
  /** get result. */
  | { kind: 'value'; value: Value }
  /** cas applied (true) or its condition failed (false). */
  | { kind: 'cas'; ok: boolean };

export interface HistoryOp {
  /** Unique. */
  id: number;
  /** The issuing client (not relied upon). */
  client: number;
  key: string;
  input: KvInput;
  /** Invocation time (any monotonic clock units). */
  call: number;
  /**
   * Return time, or undefined when the outcome is unknown (timeout, crash, error after sending):
   * such an op may have taken effect at any point after `call`, or never.
   */
  ret?: number;
  /** Present iff ret is. */
  output?: KvOutput;
}

export interface CheckOptions {
  /**
   * Search budget per key, in distinct (linearized set, register value) states; default 1e6.
   * When a key exhausts it the verdict is `ok: false, stats.timedOut: true` (unless another key is
   * found non-linearizable, which is then reported instead).
   */
  maxStates?: number;
}

export interface CheckResult {
  ok: boolean;
  /**
   * When not ok: the first key (in order of first appearance in the history) found
   * non-linearizable, or, if none was, the first whose search ran out of budget.
   */
  key?: string;
  /** When not ok: the ops of that key sorted by call and the longest linearizable prefix found. */
  explanation?: string;
  /** When not ok and the search ran: ids of the longest linearizable prefix found for `key`, in order. */
  prefix?: number[];
  /**
   * keys and ops: of the whole history; statesExplored: summed over the keys searched; timedOut:
   * some key's search exhausted its budget (then ok is false).
   */
  stats: { keys: number; ops: number; statesExplored: number; timedOut: boolean };
}

// ---------------------------------------------------------------------------------------------
// Per-key problem: operations compiled to integer arrays.

/** Unconditional write (put, delete) of value id `a`. */
const WRITE = 0;
/** Read that returned value id `a`. */
const READ = 1;
/** cas that applied: requires register === a, then sets b. */
const CAS_OK = 2;
/** cas whose condition failed: requires register !== a. */
const CAS_FAIL = 3;
/** cas with unknown outcome: sets b iff register === a. */
const CAS_UNKNOWN = 4;

interface KeyProblem {
  key: string;
  /** All ops of the key, for the explanation (including dropped unknown-outcome reads). */
  all: HistoryOp[];
  /** The searched ops: those with a known outcome sorted by call, then the others sorted by call. */
  ops: HistoryOp[];
  n: number;
  /** Number of ops with a known outcome: indices [0, nk). */
  nk: number;
  call: Float64Array;
  /** Infinity for unknown outcomes. */
  ret: Float64Array;
  kind: Uint8Array;
  a: Int32Array;
  b: Int32Array;
  /** 1 for ops that never change the register (reads, failed cas, cas x -> x). */
  readOnly: Uint8Array;
  /** Known ops by ret, and each known op's rank in that order. */
  byRet: Int32Array;
  rank: Int32Array;
  /**
   * The value id an op may set the register to (puts, deletes, cas that applied or may have, from
   * a different value), else -1; the writers of each value id by call, as ranges of `writerList`
   * (value v: [writerStart[v], writerStart[v + 1])); each writer's position in it.
   */
  writes: Int32Array;
  writerList: Int32Array;
  writerStart: Int32Array;
  writerPos: Int32Array;
  /** Register value id of the initial (absent) state. */
  init: number;
  /** Value ids to a printable value, for the ids of observed values (0 is "unobserved"). */
  names: Value[];
}

const UNOBSERVED = 0;

function compileKey(key: string, all: HistoryOp[]): KeyProblem {
  const searched = all.filter((op) => !(op.input.kind === 'get' && op.ret === undefined));
  const byCall = (x: HistoryOp, y: HistoryOp) => x.call - y.call || (x.ret ?? Infinity) - (y.ret ?? Infinity) || x.id - y.id;
  const known = searched.filter((op) => op.ret !== undefined).sort(byCall);
  const unknown = searched.filter((op) => op.ret === undefined).sort(byCall);
  const ops = known.concat(unknown);
  const n = ops.length;
  const nk = known.length;

  // Observed values: those some op compares the register with. Everything else is one value.
  const ids = new Map<Value, number>();
  const names: Value[] = ['(unobserved value)'];
  const observe = (v: Value) => {
    if (!ids.has(v)) {
      ids.set(v, names.length);
      names.push(v);
    }
  };
  for (const op of ops) {
    if (op.input.kind === 'cas') observe(op.input.expect);
    else if (op.input.kind === 'get' && op.output?.kind === 'value') observe(op.output.value);
  }
  const id = (v: Value) => ids.get(v) ?? UNOBSERVED;

  const p: KeyProblem = {
    key,
    all,
    ops,
    n,
    nk,
    call: new Float64Array(n),
    ret: new Float64Array(n),
    kind: new Uint8Array(n),
    a: new Int32Array(n),
    b: new Int32Array(n),
    readOnly: new Uint8Array(n),
    byRet: new Int32Array(nk),
    rank: new Int32Array(nk),
    writes: new Int32Array(n).fill(-1),
    writerList: new Int32Array(0),
    writerStart: new Int32Array(names.length + 1),
    writerPos: new Int32Array(n),
    init: id(undefined),
    names,
  };
  ops.forEach((op, i) => {
    p.call[i] = op.call;
    p.ret[i] = op.ret ?? Infinity;
    const { input, output } = op;
    switch (input.kind) {
      case 'put':
      case 'delete':
        p.kind[i] = WRITE;
        p.a[i] = id(input.kind === 'put' ? input.value : undefined);
        break;
      case 'get':
        p.kind[i] = READ;
        p.a[i] = id((output as { kind: 'value'; value: Value }).value);
        p.readOnly[i] = 1;
        break;
      case 'cas':
        p.a[i] = id(input.expect);
        p.b[i] = id(input.value);
        if (!output) p.kind[i] = CAS_UNKNOWN;
        else if ((output as { kind: 'cas'; ok: boolean }).ok) {
          p.kind[i] = CAS_OK;
          p.readOnly[i] = p.a[i] === p.b[i] ? 1 : 0;
        } else {
          p.kind[i] = CAS_FAIL;
          p.readOnly[i] = 1;
        }
        break;
    }
  });
  const order = Array.from({ length: nk }, (_, i) => i).sort((x, y) => p.ret[x] - p.ret[y] || x - y);
  order.forEach((op, r) => {
    p.byRet[r] = op;
    p.rank[op] = r;
  });
  for (let i = 0; i < n; i++) {
    const k = p.kind[i];
    if (k === WRITE) p.writes[i] = p.a[i];
    else if ((k === CAS_OK || k === CAS_UNKNOWN) && p.a[i] !== p.b[i]) p.writes[i] = p.b[i];
  }
  const writers = Array.from({ length: n }, (_, i) => i)
    .filter((i) => p.writes[i] >= 0)
    .sort((x, y) => p.writes[x] - p.writes[y] || p.call[x] - p.call[y] || x - y);
  p.writerList = Int32Array.from(writers);
  writers.forEach((i, k) => {
    p.writerStart[p.writes[i] + 1]++;
    p.writerPos[i] = k;
  });
  for (let v = 0; v < names.length; v++) p.writerStart[v + 1] += p.writerStart[v];
  return p;
}

/** The register value after op i on `s`, or -1 when its recorded output forbids it there. */
function step(p: KeyProblem, i: number, s: number): number {
  switch (p.kind[i]) {
    case WRITE:
      return p.a[i];
    case READ:
      return s === p.a[i] ? s : -1;
    case CAS_OK:
      return s === p.a[i] ? p.b[i] : -1;
    case CAS_FAIL:
      return s !== p.a[i] ? s : -1;
    default: // CAS_UNKNOWN
      return s === p.a[i] ? p.b[i] : s;
  }
}

// ---------------------------------------------------------------------------------------------
// The search.

interface SearchResult {
  verdict: 'ok' | 'fail' | 'timeout';
  states: number;
  /** Indices (into p.ops) of the longest linearizable prefix found. */
  longest: number[];
}

function search(p: KeyProblem, maxStates: number): SearchResult {
  const { n, nk, call, ret, kind, a, b, byRet, rank, readOnly, writes, writerList, writerStart, writerPos } = p;
  /** Per value id: position in writerList of its first unlinearized writer. */
  const firstWriter = writerStart.slice(0, writerStart.length - 1);
  const wanted: number[] = [];
  const linearized = new Uint8Array(n);
  // Bitsets of the linearized known ops (by call order) and unknown ones, for the memo keys.
  const knownBits = new Uint32Array((nk >>> 5) + 1);
  const unknownBits = new Uint32Array(((n - nk) >>> 5) + 1);
  const unknownWords = (n - nk + 31) >>> 5;
  let state = p.init;
  /** First unlinearized known op in call order, and in ret order. */
  let firstByCall = 0;
  let firstByRet = 0;
  let knownDone = 0;
  const path: number[] = [];
  const before: number[] = [];
  const frames: number[][] = [];
  const framePos: number[] = [];
  const frameKey: string[] = [];
  /**
   * The memo: for each (register, set of linearized known ops), the sets of linearized
   * unknown-outcome ops with which that node was explored and failed. A node is pruned when a
   * failed one had a subset of its unknown-outcome ops: it can only do less (unknown-outcome ops
   * never constrain the others), so it fails too. (Nodes are recorded when they fail rather than
   * when entered; a node cannot be reached again while in progress, as the set only grows.)
   */
  const failed = new Map<string, Uint32Array[]>();
  const noUnknown = new Uint32Array(0);
  let explored = 0;
  let longest: number[] = [];
  const recordFailure = (key: string) => {
    const u = unknownWords === 0 ? noUnknown : unknownBits.slice(0, unknownWords);
    const list = failed.get(key);
    if (!list) {
      failed.set(key, [u]);
      return;
    }
    // Drop the recorded supersets: the new set prunes everything they did.
    let kept = 0;
    for (let k = 0; k < list.length; k++) if (!subset(u, list[k])) list[kept++] = list[k];
    list.length = kept;
    list.push(u);
  };

  const apply = (i: number) => {
    linearized[i] = 1;
    before.push(state);
    path.push(i);
    state = step(p, i, state);
    const v = writes[i];
    if (v >= 0 && firstWriter[v] === writerPos[i]) {
      const end = writerStart[v + 1];
      while (firstWriter[v] < end && linearized[writerList[firstWriter[v]]]) firstWriter[v]++;
    }
    if (i < nk) {
      knownBits[i >>> 5] |= 1 << (i & 31);
      knownDone++;
      while (firstByCall < nk && linearized[firstByCall]) firstByCall++;
      while (firstByRet < nk && linearized[byRet[firstByRet]]) firstByRet++;
    } else {
      const u = i - nk;
      unknownBits[u >>> 5] |= 1 << (u & 31);
    }
  };
  const undo = () => {
    const i = path.pop()!;
    state = before.pop()!;
    linearized[i] = 0;
    const v = writes[i];
    if (v >= 0 && writerPos[i] < firstWriter[v]) firstWriter[v] = writerPos[i];
    if (i < nk) {
      knownBits[i >>> 5] &= ~(1 << (i & 31));
      knownDone--;
      if (i < firstByCall) firstByCall = i;
      if (rank[i] < firstByRet) firstByRet = rank[i];
    } else {
      const u = i - nk;
      unknownBits[u >>> 5] &= ~(1 << (u & 31));
    }
  };

  /**
   * Visits the node reached by `path`: 'ok' when every known op is linearized, 'timeout', 'dead'
   * (already explored, or nothing can come next), or 'open' after pushing a frame of candidates.
   */
  const enter = (): 'ok' | 'timeout' | 'dead' | 'open' => {
    if (knownDone === nk) return 'ok';
    // Every unlinearized op with call <= minRet may come next; all linearized ones have call <=
    // minRet too (minRet never decreases along a path), so the known ones lie below `upper`.
    const minRet = ret[byRet[firstByRet]];
    let lo = firstByCall;
    let hi = nk;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (call[mid] <= minRet) lo = mid + 1;
      else hi = mid;
    }
    const upper = lo;
    // The memo key: the register, the known ops below firstByCall (all linearized, so only the
    // word index is needed) and the words of the window up to `upper`.
    const w0 = firstByCall >>> 5;
    const w1 = (upper - 1) >>> 5;
    let key = `${state},${w0},${w1 - w0},`;
    for (let w = w0; w <= w1; w++) {
      const x = knownBits[w];
      key += String.fromCharCode(x & 0xffff, x >>> 16);
    }
    const seen = failed.get(key);
    if (seen) for (let k = 0; k < seen.length; k++) if (subset(seen[k], unknownBits)) return 'dead';
    if (explored >= maxStates) return 'timeout';
    explored++;
    if (path.length > longest.length) longest = path.slice();

    // Candidates: the known ops allowed in this state (just one if it is read-only, see above),
    // then the unknown-outcome ops that change the register to a value some waiting op needs: in
    // a linearization, an unknown-outcome write not immediately followed by an op that observes it
    // (a read or cas allowed only in its new state, or an unknown-outcome cas it enables) can be
    // left out, so only those need trying.
    let candidates: number[] = [];
    let forced = false;
    wanted.length = 0;
    let anyChange = false;
    for (let i = firstByCall; i < upper; i++) {
      if (linearized[i]) continue;
      if (step(p, i, state) < 0) {
        if (kind[i] === CAS_FAIL) {
          anyChange = true;
          continue;
        }
        // A read (or cas) needing another value: dead unless a write of it may still come first.
        const v = a[i];
        if (firstWriter[v] >= writerStart[v + 1] || call[writerList[firstWriter[v]]] > ret[i]) {
          recordFailure(key);
          return 'dead';
        }
        wanted.push(v);
      } else if (!forced) {
        if (readOnly[i]) {
          candidates = [i];
          forced = true;
        } else candidates.push(i);
      }
    }
    if (!forced && n > nk) {
      for (let i = nk; i < n && call[i] <= minRet; i++) {
        if (!linearized[i] && kind[i] === CAS_UNKNOWN && a[i] !== state && a[i] !== b[i]) wanted.push(a[i]);
      }
      if (anyChange || wanted.length > 0) {
        for (let i = nk; i < n && call[i] <= minRet; i++) {
          if (linearized[i]) continue;
          const next = step(p, i, state);
          if (next !== state && (anyChange || wanted.includes(next))) candidates.push(i);
        }
      }
    }
    if (candidates.length === 0) {
      recordFailure(key);
      return 'dead';
    }
    frames.push(candidates);
    framePos.push(0);
    frameKey.push(key);
    return 'open';
  };

  const result = (verdict: SearchResult['verdict']): SearchResult => ({ verdict, states: explored, longest });
  const first = enter();
  if (first === 'ok' || first === 'timeout') return result(first);
  if (first === 'dead') return result('fail');
  while (frames.length > 0) {
    const top = frames.length - 1;
    const candidates = frames[top];
    if (framePos[top] < candidates.length) {
      apply(candidates[framePos[top]++]);
      const r = enter();
      if (r === 'ok' || r === 'timeout') return result(r);
      if (r === 'dead') undo();
    } else {
      frames.pop();
      framePos.pop();
      recordFailure(frameKey.pop()!);
      if (path.length > 0) undo();
    }
  }
  return result('fail');
}

/** Whether bitset x is a subset of y (x no longer than y). */
function subset(x: Uint32Array, y: Uint32Array): boolean {
  for (let w = 0; w < x.length; w++) if ((x[w] & ~y[w]) !== 0) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Validation, the quick pre-check, explanations.

function validate(history: HistoryOp[]): void {
  const seen = new Set<number>();
  for (const op of history) {
    const where = `history op #${op.id}`;
    if (seen.has(op.id)) throw new Error(`${where}: duplicate id`);
    seen.add(op.id);
    if (typeof op.key !== 'string') throw new Error(`${where}: key must be a string`);
    if (!Number.isFinite(op.call)) throw new Error(`${where}: call must be a finite number`);
    if ((op.ret === undefined) !== (op.output === undefined)) throw new Error(`${where}: output must be present iff ret is`);
    if (op.ret !== undefined && !(op.ret >= op.call)) throw new Error(`${where}: ret ${op.ret} is before call ${op.call}`);
    const kind = op.input.kind;
    if (kind === 'put' && typeof op.input.value !== 'string') throw new Error(`${where}: put value must be a string`);
    if (!op.output) continue;
    const expected = kind === 'get' ? 'value' : kind === 'cas' ? 'cas' : 'ok';
    if (op.output.kind !== expected) throw new Error(`${where}: a ${kind} must have a '${expected}' output, not '${op.output.kind}'`);
  }
}

const show = (v: Value): string => (v === undefined ? 'absent' : JSON.stringify(v));

/** One line describing an op: id, client, [call, ret], input and output. */
export function formatOp(op: HistoryOp): string {
  const i = op.input;
  const input = i.kind === 'put' ? `put ${show(i.value)}` : i.kind === 'cas' ? `cas ${show(i.expect)} -> ${show(i.value)}` : i.kind;
  const o = op.output;
  const output = !o ? 'unknown outcome' : o.kind === 'value' ? show(o.value) : o.kind === 'cas' ? (o.ok ? 'applied' : 'failed') : 'ok';
  return `#${op.id} client ${op.client} [${op.call}, ${op.ret ?? '?'}] ${input} => ${output}`;
}

/** The real register value after `op` on `v` (for explanations; `op` is assumed allowed there). */
function applyValue(op: HistoryOp, v: Value): Value {
  const i = op.input;
  if (i.kind === 'put') return i.value;
  if (i.kind === 'delete') return undefined;
  if (i.kind === 'cas' && v === i.expect && (op.output === undefined || (op.output.kind === 'cas' && op.output.ok))) return i.value;
  return v;
}

/** Why `op` cannot be linearized on register value `v`, or null if it can. */
function refusal(op: HistoryOp, v: Value): string | null {
  const i = op.input;
  const o = op.output;
  if (!o || i.kind === 'put' || i.kind === 'delete') return null;
  if (o.kind === 'value') return o.value === v ? null : `returned ${show(o.value)} but the register holds ${show(v)}`;
  if (i.kind === 'cas' && o.kind === 'cas') {
    if (o.ok && v !== i.expect) return `applied, but the register holds ${show(v)}, not ${show(i.expect)}`;
    if (!o.ok && v === i.expect) return `failed, but the register holds ${show(v)}, which it expected`;
  }
  return null;
}

/** The key's ops by call, all of them when few, else a window of them around `focus` (ids). */
function listOps(all: HistoryOp[], focus: Set<number>): string {
  const sorted = [...all].sort((x, y) => x.call - y.call || x.id - y.id);
  const LIMIT = 80;
  let lo = 0;
  let hi = sorted.length;
  if (sorted.length > LIMIT) {
    const idx = sorted.flatMap((op, k) => (focus.has(op.id) ? [k] : []));
    const first = idx.length ? Math.min(...idx) : sorted.length - 1;
    const last = idx.length ? Math.max(...idx) : sorted.length - 1;
    lo = Math.max(0, first - 30);
    hi = Math.min(sorted.length, Math.max(last + 10, lo + LIMIT));
  }
  const lines: string[] = [];
  if (lo > 0) lines.push(`  ... ${lo} earlier ops`);
  for (let k = lo; k < hi; k++) lines.push(`  ${focus.has(sorted[k].id) ? '*' : ' '} ${formatOp(sorted[k])}`);
  if (hi < sorted.length) lines.push(`  ... ${sorted.length - hi} later ops`);
  return lines.join('\n');
}

/** Describes a failed search: the ops, the longest linearizable prefix and why nothing can follow it. */
function explainFailure(p: KeyProblem, r: SearchResult): string {
  const prefix = r.longest.map((i) => p.ops[i]);
  let v: Value = undefined;
  const steps: string[] = [];
  prefix.forEach((op, k) => {
    v = applyValue(op, v);
    steps.push(`  ${k + 1}. ${formatOp(op)}   register: ${show(v)}`);
  });
  const shownSteps = steps.length > 40 ? [`  ... ${steps.length - 40} earlier steps`, ...steps.slice(-40)] : steps;
  // The known ops that could come next after the prefix, and why none of them can.
  const inPrefix = new Set(r.longest);
  let minRet = Infinity;
  for (let i = 0; i < p.nk; i++) if (!inPrefix.has(i)) minRet = Math.min(minRet, p.ret[i]);
  const blocked: string[] = [];
  const focus = new Set<number>();
  for (let i = 0; i < p.n; i++) {
    if (inPrefix.has(i) || p.call[i] > minRet) continue;
    const op = p.ops[i];
    focus.add(op.id);
    if (i >= p.nk) continue;
    const why = refusal(op, v);
    blocked.push(`  ${formatOp(op)}: ${why ?? 'allowed here, but no linearization continues from it'}`);
  }
  const unknownSkipped = r.longest.filter((i) => i >= p.nk).length;
  return [
    `key ${JSON.stringify(p.key)} is not linearizable: ${p.nk} ops with a known outcome, ${p.n - p.nk} with an unknown one (${r.states} states explored).`,
    `Ops by call time (* marks those that could come next after the prefix below):`,
    listOps(p.all, focus),
    `Longest linearizable prefix found (${prefix.length} ops, ${prefix.length - unknownSkipped} of them with a known outcome):`,
    ...(shownSteps.length ? shownSteps : ['  (empty)']),
    `After it the register holds ${show(v)}, and no op that may come next leads to a linearization:`,
    ...blocked,
  ].join('\n');
}

/** A read, or a successful cas, of a value for which no (other) write was invoked before it returned. */
function impossibleRead(p: KeyProblem): string | null {
  // For each written value, its two earliest writers by call (one may be the reader itself: a
  // successful cas from x to x).
  const writers = new Map<string, HistoryOp[]>();
  for (const op of p.ops) {
    const i = op.input;
    const o = op.output;
    const written = i.kind === 'put' ? i.value : i.kind === 'cas' && !(o?.kind === 'cas' && !o.ok) ? i.value : undefined;
    if (written === undefined) continue;
    const list = writers.get(written) ?? [];
    list.push(op);
    list.sort((x, y) => x.call - y.call);
    if (list.length > 2) list.pop();
    writers.set(written, list);
  }
  for (const op of p.ops) {
    const i = op.input;
    const o = op.output;
    const needed = o?.kind === 'value' ? o.value : i.kind === 'cas' && o?.kind === 'cas' && o.ok ? i.expect : undefined;
    if (needed === undefined) continue;
    if ((writers.get(needed) ?? []).some((w) => w !== op && w.call <= op.ret!)) continue;
    return [
      `key ${JSON.stringify(p.key)} is not linearizable: ${formatOp(op)} saw ${show(needed)}, but no write of it was invoked before it returned.`,
      `Ops by call time:`,
      listOps(p.all, new Set([op.id])),
    ].join('\n');
  }
  return null;
}

// ---------------------------------------------------------------------------------------------

/**
 * Checks that `history` is linearizable with respect to one atomic register per key. Throws on a
 * malformed history (duplicate ids, ret before call, output present without ret or of the wrong
 * kind for the input).
 */
export function checkLinearizable(history: HistoryOp[], options: CheckOptions = {}): CheckResult {
  validate(history);
  const maxStates = options.maxStates ?? 1_000_000;
  const byKey = new Map<string, HistoryOp[]>();
  for (const op of history) {
    let list = byKey.get(op.key);
    if (!list) byKey.set(op.key, (list = []));
    list.push(op);
  }
  const stats = { keys: byKey.size, ops: history.length, statesExplored: 0, timedOut: false };
  let timedOutKey: { key: string; ops: number; states: number } | undefined;
  for (const [key, ops] of byKey) {
    const p = compileKey(key, ops);
    const quick = impossibleRead(p);
    if (quick) return { ok: false, key, explanation: quick, stats };
    const r = search(p, maxStates);
    stats.statesExplored += r.states;
    if (r.verdict === 'fail') {
      return { ok: false, key, explanation: explainFailure(p, r), prefix: r.longest.map((i) => p.ops[i].id), stats };
    }
    if (r.verdict === 'timeout') {
      stats.timedOut = true;
      timedOutKey ??= { key, ops: ops.length, states: r.states };
    }
  }
  if (timedOutKey) {
    const { key, ops, states } = timedOutKey;
    const explanation = `no verdict: the search budget of ${maxStates} states (option maxStates) was exhausted on key ${JSON.stringify(key)} (${ops} ops, ${states} states explored); no other key was found non-linearizable.`;
    return { ok: false, key, explanation, stats };
  }
  return { ok: true, stats };
}
