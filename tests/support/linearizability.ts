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
   * Search budget per key, in (linearized set, register value) states explored (search nodes
   * neither memoized nor pruned); default 1e6.
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
  /** When the search found `key` non-linearizable: ids of the longest linearizable prefix it found, in order. */
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
  /** The readers of each value id (known reads and applied cas needing it) by ret, likewise. */
  readerList: Int32Array;
  readerStart: Int32Array;
  readerPos: Int32Array;
  /** Register value id of the initial (absent) state. */
  init: number;
  /** Number of value ids: the observed values, plus 0 for all the others. */
  values: number;
  /**
   * Twins: ops with the same effect on every register value (same outcome knowledge, kind and
   * value ids), grouped like the writers: twinOf[i] is i's group, its members by index in
   * twinList[twinStart[g]..twinStart[g + 1]), i at twinPos[i].
   */
  twinOf: Int32Array;
  twinList: Int32Array;
  twinStart: Int32Array;
  twinPos: Int32Array;
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
  const observe = (v: Value) => {
    if (!ids.has(v)) ids.set(v, ids.size + 1);
  };
  for (const op of ops) {
    if (op.input.kind === 'cas') observe(op.input.expect);
    else if (op.input.kind === 'get' && op.output?.kind === 'value') observe(op.output.value);
  }
  const id = (v: Value) => ids.get(v) ?? UNOBSERVED;
  const values = ids.size + 1;

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
    writerStart: new Int32Array(values + 1),
    writerPos: new Int32Array(n),
    readerList: new Int32Array(0),
    readerStart: new Int32Array(values + 1),
    readerPos: new Int32Array(n).fill(-1),
    init: id(undefined),
    values,
    twinOf: new Int32Array(n),
    twinList: new Int32Array(n),
    twinStart: new Int32Array(1),
    twinPos: new Int32Array(n),
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
  for (let v = 0; v < values; v++) p.writerStart[v + 1] += p.writerStart[v];
  const readers = Array.from({ length: nk }, (_, i) => i)
    .filter((i) => p.kind[i] === READ || p.kind[i] === CAS_OK)
    .sort((x, y) => p.a[x] - p.a[y] || p.ret[x] - p.ret[y] || x - y);
  p.readerList = Int32Array.from(readers);
  readers.forEach((i, k) => {
    p.readerStart[p.a[i] + 1]++;
    p.readerPos[i] = k;
  });
  for (let v = 0; v < values; v++) p.readerStart[v + 1] += p.readerStart[v];
  const groups = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const sig = `${i < nk ? 'k' : 'u'}${p.kind[i]},${p.a[i]},${p.b[i]}`;
    const g = groups.get(sig);
    if (g) g.push(i);
    else groups.set(sig, [i]);
  }
  p.twinStart = new Int32Array(groups.size + 1);
  let g = 0;
  let k = 0;
  for (const members of groups.values()) {
    for (const i of members) {
      p.twinOf[i] = g;
      p.twinPos[i] = k;
      p.twinList[k++] = i;
    }
    p.twinStart[++g] = k;
  }
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
  const { twinOf, twinList, twinStart, twinPos } = p;
  /** Per twin group: position in twinList of its first unlinearized member. */
  const firstTwin = twinStart.slice(0, twinStart.length - 1);
  /**
   * Whether op i has an unlinearized twin that was called no later and returned no later (earlier
   * in index order): swapping two twins in a linearization changes no register value, so such a
   * pair can always be linearized in that order (and an unknown-outcome op used in place of an
   * unused earlier twin), and i need not be tried before it.
   */
  const dominated = (i: number): boolean => {
    const end = twinPos[i];
    for (let k = firstTwin[twinOf[i]]; k < end; k++) {
      const j = twinList[k];
      if (!linearized[j] && ret[j] <= ret[i]) return true;
    }
    return false;
  };
  /** Per value id: position in writerList of its first unlinearized writer. */
  const firstWriter = writerStart.slice(0, writerStart.length - 1);
  const { readerList, readerStart, readerPos } = p;
  /** Per value id: position in readerList of its first unlinearized reader. */
  const firstReader = readerStart.slice(0, readerStart.length - 1);
  const wanted: number[] = [];
  /** Per value id: the node stamp at which it was last scanned for writers. */
  const seenValue = new Int32Array(p.values);
  let stamp = 0;
  /** The unknown-outcome cas ops that can change the register, by call. */
  const unknownCas = Int32Array.from({ length: n - nk }, (_, u) => nk + u).filter((i) => kind[i] === CAS_UNKNOWN && a[i] !== b[i]);
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
    const r = readerPos[i];
    if (r >= 0 && firstReader[a[i]] === r) {
      const end = readerStart[a[i] + 1];
      while (firstReader[a[i]] < end && linearized[readerList[firstReader[a[i]]]]) firstReader[a[i]]++;
    }
    const g = twinOf[i];
    if (firstTwin[g] === twinPos[i]) {
      const end = twinStart[g + 1];
      while (firstTwin[g] < end && linearized[twinList[firstTwin[g]]]) firstTwin[g]++;
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
    if (readerPos[i] >= 0 && readerPos[i] < firstReader[a[i]]) firstReader[a[i]] = readerPos[i];
    if (twinPos[i] < firstTwin[twinOf[i]]) firstTwin[twinOf[i]] = twinPos[i];
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
    // Whatever is pruned below, the path itself is a linearizable prefix.
    if (path.length > longest.length) longest = path.slice();
    // The last op moved the register away from v: dead if an unlinearized op needs v again but
    // no unlinearized write of v was invoked before it returned. (The first reader by ret is the
    // one to check; doing this on every move away from v keeps it true at every node.)
    if (path.length > 0 && before[before.length - 1] !== state) {
      const v = before[before.length - 1];
      if (firstReader[v] < readerStart[v + 1]) {
        const q = readerList[firstReader[v]];
        if (firstWriter[v] >= writerStart[v + 1] || call[writerList[firstWriter[v]]] > ret[q]) return 'dead';
      }
    }
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
        } else if (!dominated(i)) candidates.push(i);
      }
    }
    if (!forced && n > nk) {
      for (let k = 0; k < unknownCas.length && call[unknownCas[k]] <= minRet; k++) {
        const i = unknownCas[k];
        if (!linearized[i] && a[i] !== state) wanted.push(a[i]);
      }
      const known = candidates.length;
      if (anyChange) {
        // Any change of the register may help: every unknown-outcome op that makes one.
        for (let i = nk; i < n && call[i] <= minRet; i++) {
          if (!linearized[i] && step(p, i, state) !== state && !dominated(i)) candidates.push(i);
        }
      } else {
        // Only writers of a wanted value: scan those lists (each value once).
        stamp++;
        for (const v of wanted) {
          if (v === state || seenValue[v] === stamp) continue;
          seenValue[v] = stamp;
          for (let k = firstWriter[v]; k < writerStart[v + 1]; k++) {
            const i = writerList[k];
            if (call[i] > minRet) break;
            if (i >= nk && !linearized[i] && step(p, i, state) === v && !dominated(i)) candidates.push(i);
          }
        }
        if (candidates.length - known > 1) {
          const extra = candidates.splice(known).sort((x, y) => x - y);
          for (const i of extra) candidates.push(i);
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

/** The key's ops by call: all of them when few, else those near the `focus` ones (ids). */
function listOps(all: HistoryOp[], focus: Set<number>): string {
  const sorted = [...all].sort((x, y) => x.call - y.call || x.id - y.id);
  const shown = new Uint8Array(sorted.length);
  if (sorted.length <= 80) shown.fill(1);
  else {
    const NEAR = 6;
    sorted.forEach((op, k) => {
      if (focus.has(op.id)) for (let j = Math.max(0, k - NEAR); j <= Math.min(sorted.length - 1, k + NEAR); j++) shown[j] = 1;
    });
  }
  const lines: string[] = [];
  let skipped = 0;
  sorted.forEach((op, k) => {
    if (!shown[k]) {
      skipped++;
      return;
    }
    if (skipped > 0) lines.push(`      ... ${skipped} ops`);
    skipped = 0;
    lines.push(`  ${focus.has(op.id) ? '*' : ' '} ${formatOp(op)}`);
  });
  if (skipped > 0) lines.push(`      ... ${skipped} ops`);
  return lines.join('\n');
}

/** The value an op needs the register to hold (a read's result, an applied cas's expectation). */
function needs(op: HistoryOp): { value: Value } | null {
  const o = op.output;
  if (o?.kind === 'value') return { value: o.value };
  if (o?.kind === 'cas' && o.ok && op.input.kind === 'cas') return { value: op.input.expect };
  return null;
}

/** Whether op may set the register to v from another value. */
function mayWrite(op: HistoryOp, v: Value): boolean {
  const i = op.input;
  if (i.kind === 'put') return i.value === v;
  if (i.kind === 'delete') return v === undefined;
  if (i.kind === 'cas') return i.value === v && i.expect !== v && !(op.output?.kind === 'cas' && !op.output.ok);
  return false;
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
  const done = new Set(prefix);
  const pending = p.ops.filter((op) => !done.has(op));
  const minRet = Math.min(...pending.map((op) => op.ret ?? Infinity));
  const focus = new Set<number>();
  /**
   * A pending op that needs the register's value v and could not get it back once `mover` changes
   * it; preferably one that cannot be linearized before (called after minRet), the latest such.
   */
  const stranded = (mover: HistoryOp): HistoryOp | undefined => {
    const all = pending.filter(
      (q) => q !== mover && q.ret !== undefined && needs(q)?.value === v && !pending.some((w) => w !== mover && mayWrite(w, v) && w.call <= q.ret!),
    );
    return all.filter((q) => q.call > minRet).pop() ?? all[0];
  };
  const blocked: string[] = [];
  for (const op of pending) {
    // (Unknown-outcome ops may come next too, but are not listed: they can always be left out.)
    if (op.call > minRet || op.ret === undefined) continue;
    focus.add(op.id);
    let why = refusal(op, v);
    if (why === null && applyValue(op, v) !== v) {
      const q = stranded(op);
      if (q) {
        focus.add(q.id);
        why = `it would change the register from ${show(v)}, which #${q.id} (returning at ${q.ret}) still needs, and no other write of ${show(v)} was invoked before that`;
      }
    }
    blocked.push(`  ${formatOp(op)}: ${why ?? 'allowed here, but no linearization continues from it'}`);
  }
  // Pending ops that need a value other than the register's which no write still to come can
  // produce in time: the prefix is a dead end whatever follows.
  const doomed: string[] = [];
  for (const q of pending) {
    const need = needs(q);
    if (!need || need.value === v || pending.some((w) => mayWrite(w, need.value) && w.call <= q.ret!)) continue;
    focus.add(q.id);
    if (doomed.length < 10) {
      doomed.push(`  ${formatOp(q)}: needs ${show(need.value)}, but no write of it still to come was invoked before it returned`);
    }
  }
  const unknownUsed = prefix.filter((op) => op.ret === undefined).length;
  return [
    `key ${JSON.stringify(p.key)} is not linearizable: ${p.nk} ops with a known outcome, ${p.n - p.nk} with an unknown one (${r.states} states explored).`,
    `Ops by call time (* marks the ones discussed below):`,
    listOps(p.all, focus),
    `Longest linearizable prefix found (${prefix.length} ops, ${unknownUsed} of them with an unknown outcome):`,
    ...(shownSteps.length ? shownSteps : ['  (empty)']),
    ...(doomed.length
      ? [`After it the register holds ${show(v)}, and these ops can no longer be linearized:`, ...doomed, `The ops that may come next:`]
      : [`After it the register holds ${show(v)}, and no op that may come next leads to a linearization:`]),
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
