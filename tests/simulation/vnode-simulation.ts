import { seededRandom } from '@ringdb/core';
import { VnodeReplica, type HardState, type LogEntry, type Mutation, type PeerMsg, type Ready, type ReplicaTimings, type SnapshotPoint } from '@ringdb/storage-node';
import { checkLinearizable, type HistoryOp, type KvInput, type KvOutput, type Value } from '../support/linearizability.js';

/**
 * A deterministic simulation of one vnode's three replicas (the real VnodeReplica state machine)
 * with everything around them simulated from one seed: the clock, the network (delay, loss,
 * duplication, reordering, partitions), durable storage written in atomic batches that complete
 * asynchronously (as the real driver's RocksDB batches do, with messages arriving meanwhile),
 * crashes that lose everything not yet durable, restarts, and clients that put, read with strong
 * consistency and write conditionally through whichever replica they believe leads.
 *
 * The node-side request handling mirrors the storage node: writes only at a leader whose no-op is
 * applied, conditions evaluated against applied data plus the leader's not yet applied proposals,
 * a failed condition that depends on such a proposal answered only once it applies, and any other
 * answer that changes nothing (a failed condition, a delete of a missing key) and strongly
 * consistent reads only at a leader holding its lease.
 *
 * The log is compacted after a few entries, so replicas that fall behind catch up from snapshots
 * of the data (sent in small chunks, acknowledged one by one). In half the runs the vnode also
 * moves: a fourth node `d` joins as a learner and replaces `c` through configuration entries in
 * the log, and "membership" switches placement once the leader reports the move committed.
 *
 * After the faults stop, the network heals and every replica restarts; the run then checks that
 * the history is linearizable per key, no two leaders ever shared a term, every index applied on
 * two replicas holds the same entry, and all replicas converge to the same data.
 */

export interface SimOptions {
  seed: number;
  /** Simulated milliseconds of faults and load. */
  durationMs?: number;
  clients?: number;
  keys?: number;
  /** Print every event (for replaying a failing seed). */
  trace?: (line: string) => void;
}

export interface SimResult {
  ok: boolean;
  seed: number;
  problems: string[];
  stats: { ops: number; acked: number; unknown: number; failed: number; elections: number; crashes: number; applied: number; states: number; deposedReads: number; snapshots: number; moved: number; abandoned: number };
}

const IDS = ['a', 'b', 'c', 'd'];
const INITIAL = ['a', 'b', 'c'];
const TARGET = ['a', 'b', 'd'];
/** Rows per snapshot chunk: small, so snapshots take several acknowledged messages. */
const CHUNK_ROWS = 2;
const SNAPSHOT_TIMEOUT_MS = 300;
const TIMINGS: ReplicaTimings = {
  heartbeatMs: 50,
  electionTimeoutMs: 200,
  resendMs: 150,
  maxEntriesPerMessage: 4,
  retainedEntries: 8, // small: catch-up exercises reading the log back from "disk"
  memoryEntries: 2, // and most applied entries are stubs in memory, their writes read from "disk"
  compactionStep: 4, // and the log is compacted soon after: slow followers need snapshots
  leaseFraction: 0.8,
  transferCooldownMs: 400,
};
const TICK_MS = 10;
const MSG_NAMES: Record<number, string> = {
  1: 'APPEND',
  2: 'APPEND_REPLY',
  3: 'VOTE',
  4: 'VOTE_REPLY',
  5: 'PRE_VOTE',
  6: 'PRE_VOTE_REPLY',
  7: 'COMMIT',
  8: 'TIMEOUT_NOW',
  9: 'SNAPSHOT',
  10: 'SNAPSHOT_REPLY',
};
const WRITE_TIMEOUT_MS = 1_000;
/** A client stops waiting for an answer after this long (the operation's outcome is then unknown). */
const CLIENT_TIMEOUT_MS = 300;

interface Disk {
  log: Map<number, LogEntry>;
  hard: HardState;
  data: Map<string, string>;
}

interface Overlay {
  index: number;
  term: number;
  value: Value;
}

interface PendingWrite {
  op: HistoryOp;
  index: number;
  term: number;
  deadline: number;
}

/** A write whose condition failed against a proposal that is not applied yet: answered when it is. */
interface HeldFailure {
  op: HistoryOp;
  index: number;
  term: number;
  /** The leader's term when it read: the answer needs its lease in that term still. */
  leaderTerm: number;
}

interface Node {
  id: string;
  up: boolean;
  disk: Disk;
  replica: VnodeReplica | null;
  /** A Ready handed to "storage", completing at `doneAt`. */
  inflight: { ready: Ready; doneAt: number } | null;
  overlay: Map<string, Overlay>;
  writes: PendingWrite[];
  held: HeldFailure[];
  /** Bumped on every crash, so events scheduled for an earlier life are ignored. */
  life: number;
  /** A paused process (GC pause, SIGSTOP): everything addressed to it waits until then. */
  pausedUntil: number;
  /** Snapshots this node sends, by peer: the data as of `point`, sent chunk by chunk. */
  sending: Map<string, { point: SnapshotPoint; rows: Mutation[]; seq: number; sentAt: number }>;
}

type Event =
  | { at: number; seq: number; kind: 'tick'; node: string; life: number }
  | { at: number; seq: number; kind: 'deliver'; from: string; to: string; msg: PeerMsg }
  | { at: number; seq: number; kind: 'persisted'; node: string; life: number }
  | { at: number; seq: number; kind: 'reply'; client: number; op: HistoryOp; output: KvOutput | 'retry' | 'unknown' | 'timeout' }
  | { at: number; seq: number; kind: 'client'; client: number }
  | { at: number; seq: number; kind: 'fault' };

type NewEvent = Event extends infer E ? (E extends Event ? Omit<E, 'seq'> : never) : never;

/** Binary min-heap of events by (at, seq). */
class Queue {
  private heap: Event[] = [];
  private seq = 0;
  push(e: NewEvent): void {
    const ev = { ...e, seq: this.seq++ } as Event;
    const h = this.heap;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (less(h[p], h[i])) break;
      [h[p], h[i]] = [h[i], h[p]];
      i = p;
    }
  }
  pop(): Event | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && less(h[l], h[m])) m = l;
        if (r < h.length && less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i], h[m]];
        i = m;
      }
    }
    return top;
  }
  get size(): number {
    return this.heap.length;
  }
}
const less = (a: Event, b: Event) => a.at < b.at || (a.at === b.at && a.seq < b.seq);

const keyBuf = (k: string) => Buffer.from(k);
const TABLE = Buffer.alloc(16);

export function runSimulation(o: SimOptions): SimResult {
  const rnd = seededRandom(o.seed);
  const trace = o.trace;
  const durationMs = o.durationMs ?? 3_000;
  const clientCount = o.clients ?? 4;
  const keys = Array.from({ length: o.keys ?? 4 }, (_, i) => `k${i}`);
  const problems: string[] = [];
  const q = new Queue();
  let now = 0;
  let faults = true;
  let lossRate = rnd() * 0.15;
  let dupRate = rnd() * 0.05;
  const cut = new Set<string>(); // "a>b": messages from a to b are dropped
  const history: HistoryOp[] = [];
  let nextOpId = 1;
  let nextValue = 1;
  const stats = { ops: 0, acked: 0, unknown: 0, failed: 0, elections: 0, crashes: 0, applied: 0, states: 0, deposedReads: 0, snapshots: 0, moved: 0, abandoned: 0 };
  // Placement, as "membership" publishes it: the group, and the target while the vnode moves.
  const moves = rnd() < 0.5;
  const moveAt = moves ? 200 + Math.floor(rnd() * durationMs * 0.6) : Infinity;
  // Sometimes membership abandons the move half way (the node joining is decommissioned again):
  // the group must go back to its placement, whatever configuration entries were made meanwhile.
  const abandonAt = moves && rnd() < 0.3 ? moveAt + Math.floor(rnd() * 600) : Infinity;
  let members = INITIAL.slice();
  let target: string[] = [];
  const configureAll = () => {
    for (const n of nodes.values()) if (n.up && n.replica) n.replica.configure(members, 'a', now, target, target.length ? 'a' : '');
  };
  const leaderOfTerm = new Map<number, string>();
  const appliedAt = new Map<number, string>(); // index -> fingerprint of the entry applied there

  const nodes = new Map<string, Node>(
    IDS.map((id) => [
      id,
      {
        id,
        up: true,
        disk: { log: new Map(), hard: { term: 0, votedFor: '', applied: 0, appliedTerm: 0, logStart: 0, logStartTerm: 0, installing: false, config: [] }, data: new Map() },
        replica: null,
        inflight: null,
        overlay: new Map(),
        writes: [],
        held: [],
        life: 0,
        pausedUntil: 0,
        sending: new Map(),
      },
    ]),
  );
  const say = (line: string) => trace?.(`${String(now).padStart(6)} ${line}`);

  const fingerprint = (e: LogEntry) =>
    `${e.term}:${e.mutations.map((m) => `${m.key.toString()}=${m.delete ? '-' : m.value.toString()}`).join(',')}${e.config?.length ? ` config ${e.config.join(',')}` : ''}`;

  // ------------------------------------------------------------------ nodes

  const boot = (n: Node) => {
    const indices = [...n.disk.log.keys()].sort((x, y) => x - y);
    const lastIndex = indices.length ? indices[indices.length - 1] : n.disk.hard.applied;
    const unapplied = indices.filter((i) => i > n.disk.hard.applied).map((i) => n.disk.log.get(i)!);
    const lastTerm = unapplied.length ? unapplied[unapplied.length - 1].term : n.disk.hard.appliedTerm;
    n.replica = new VnodeReplica(0, n.id, { ...n.disk.hard, lastIndex, lastTerm, unapplied }, TIMINGS, now, rnd);
    n.replica.configure(members, 'a', now, target, target.length ? 'a' : '');
    n.sending.clear();
    n.up = true;
    n.life++;
    q.push({ at: now + TICK_MS, kind: 'tick', node: n.id, life: n.life });
    say(`${n.id} boots: term ${n.disk.hard.term}, applied ${n.disk.hard.applied}, log to ${lastIndex}`);
    pump(n);
  };

  const crash = (n: Node) => {
    if (!n.up) return;
    say(`${n.id} CRASHES${n.inflight ? ' (losing an unfinished batch)' : ''}`);
    stats.crashes++;
    n.up = false;
    n.replica = null;
    n.inflight = null;
    n.overlay.clear();
    n.sending.clear();
    for (const w of n.writes) unknownOutcome(w.op);
    for (const h of n.held) unknownOutcome(h.op);
    n.writes = [];
    n.held = [];
    n.life++;
  };

  /** Hands the replica's next Ready to storage (one batch in flight per replica, like the driver). */
  const pump = (n: Node) => {
    const r = n.replica;
    if (!r || n.inflight || !r.hasReady()) return;
    const ready = r.ready(now);
    n.inflight = { ready, doneAt: now + 1 + Math.floor(rnd() * 6) };
    q.push({ at: n.inflight.doneAt, kind: 'persisted', node: n.id, life: n.life });
  };

  const persisted = (n: Node) => {
    const r = n.replica!;
    const { ready } = n.inflight!;
    n.inflight = null;
    const disk = n.disk;
    if (ready.install?.begin) disk.data.clear();
    for (let i = ready.truncateFrom; i > 0 && i <= ready.truncateTo; i++) disk.log.delete(i);
    for (let i = ready.compactFrom + 1; i <= ready.compactTo; i++) disk.log.delete(i);
    for (const e of ready.entries) disk.log.set(e.index, e);
    if (ready.install) {
      for (const row of ready.install.rows) disk.data.set(row.key.toString(), row.value.toString());
      if (ready.install.end) {
        for (let i = ready.install.dropLogFrom; i <= ready.install.dropLogTo; i++) disk.log.delete(i);
        stats.snapshots++;
        say(`${n.id} installed a snapshot at ${ready.install.index}/${ready.install.term}`);
      }
    }
    for (const e of ready.apply) {
      const fp = fingerprint(e);
      const seen = appliedAt.get(e.index);
      if (seen === undefined) appliedAt.set(e.index, fp);
      else if (seen !== fp) problems.push(`state machine safety: index ${e.index} applied as ${seen} and as ${fp} (at ${n.id})`);
      stats.applied++;
      for (const m of e.mutations) {
        if (m.delete) disk.data.delete(m.key.toString());
        else disk.data.set(m.key.toString(), m.value.toString());
      }
    }
    if (ready.state) disk.hard = { ...ready.state };
    for (const out of ready.messages) send(n.id, out.to, out.msg);
    for (const f of ready.fetch) {
      // Serve the fetch from "disk" right away (the driver reads RocksDB asynchronously).
      const entries: LogEntry[] = [];
      for (let i = f.from; i <= f.to; i++) {
        const e = disk.log.get(i);
        if (!e) break;
        entries.push(e);
      }
      // As the driver does: the entry before the compacted log's first one is known only by its term.
      const atStart = f.from > 1 && f.from - 1 === r.logStart;
      const prevTerm = atStart ? r.logStartTerm : f.from > 1 ? (disk.log.get(f.from - 1)?.term ?? 0) : 0;
      if (f.from > 1 && !atStart && !disk.log.has(f.from - 1)) r.fetched(f.peer, f.from - 1, 0, [], now);
      else r.fetched(f.peer, f.from - 1, prevTerm, entries, now);
    }
    r.advance(ready);
    // The "disk" now holds exactly the applied state: snapshots are taken here, as the driver does.
    for (const req of ready.snapshots) {
      const point = r.snapshotPoint();
      const rows = [...disk.data].sort().map(([k, v]) => ({ tableId: TABLE, key: keyBuf(k), value: Buffer.from(v), delete: false, countDelta: 1, sizeDelta: 0 }));
      n.sending.set(req.peer, { point, rows, seq: -1, sentAt: now });
      say(`${n.id} starts a snapshot at ${point.index}/${point.term} for ${req.peer} (${rows.length} rows)`);
      sendChunk(n, req.peer);
    }
    for (const ack of ready.snapshotAcks) {
      const t = n.sending.get(ack.peer);
      if (!t || t.point.index !== ack.index || t.seq !== ack.seq) continue;
      if (!ack.ok || (t.seq + 1) * CHUNK_ROWS >= t.rows.length) n.sending.delete(ack.peer);
      else sendChunk(n, ack.peer);
    }
    settleWrites(n, ready.apply);
    observe(n);
    pump(n);
  };

  const sendChunk = (n: Node, peer: string) => {
    const t = n.sending.get(peer)!;
    t.seq++;
    t.sentAt = now;
    const rows = t.rows.slice(t.seq * CHUNK_ROWS, (t.seq + 1) * CHUNK_ROWS);
    const last = (t.seq + 1) * CHUNK_ROWS >= t.rows.length;
    const msg = n.replica!.snapshotChunk(peer, t.point, t.seq, rows, last, now);
    if (!msg) {
      n.sending.delete(peer);
      return;
    }
    send(n.id, peer, msg);
  };

  /** "Membership": start the move, and finish it once a leader reports the target configuration applied. */
  const membership = () => {
    if (target.length === 0 && members !== TARGET && now >= moveAt && now < abandonAt) {
      target = TARGET;
      say(`MOVE starts: ${members.join(',')} -> ${target.join(',')}`);
      const d = nodes.get('d')!;
      if (!d.up) boot(d);
      configureAll();
      return;
    }
    if (target.length === 0) return;
    if (now >= abandonAt) {
      target = [];
      stats.abandoned++;
      say(`MOVE abandoned: placement stays ${members.join(',')}`);
      configureAll();
      return;
    }
    for (const n of nodes.values()) {
      const r = n.replica;
      if (!r || r.role !== 'leader') continue;
      const voters = r.appliedVoters;
      if (voters.length === TARGET.length && TARGET.every((x) => voters.includes(x))) {
        members = TARGET;
        target = [];
        stats.moved++;
        say(`MOVE done (reported by ${n.id}): placement is now ${members.join(',')}`);
        configureAll();
        return;
      }
    }
  };

  const observe = (n: Node) => {
    const r = n.replica;
    if (!r || r.role !== 'leader') return;
    const other = leaderOfTerm.get(r.term);
    if (other === undefined) {
      leaderOfTerm.set(r.term, n.id);
      stats.elections++;
      say(`${n.id} LEADS term ${r.term}`);
    } else if (other !== n.id) {
      problems.push(`election safety: ${other} and ${n.id} both led term ${r.term}`);
    }
  };

  const settleWrites = (n: Node, applied: LogEntry[]) => {
    const r = n.replica!;
    const first = applied.length ? applied[0].index : Infinity;
    const settle = <T extends { op: HistoryOp; index: number; term: number }>(list: T[], done: (w: T) => void, dropped: (w: T) => void) => {
      return list.filter((w) => {
        if (w.index >= first && w.index < first + applied.length) {
          if (applied[w.index - first].term === w.term) done(w);
          else dropped(w);
          return false;
        }
        const t = r.entryTerm(w.index);
        if (w.index > r.lastIndex || (t !== undefined && t !== w.term) || w.index <= r.applied) {
          dropped(w);
          return false;
        }
        return true;
      });
    };
    n.writes = settle(
      n.writes,
      (w) => reply(w.op, w.op.input.kind === 'cas' ? { kind: 'cas', ok: true } : { kind: 'ok' }),
      (w) => reply(w.op, 'retry'),
    );
    n.held = settle(
      n.held,
      (h) => {
        // What it saw applied, perhaps committed by a newer leader after writes this one never
        // saw: answered only by a leader of the same term under its lease, as a read is.
        const leased = r.term === h.leaderTerm && r.canReadConsistent(now);
        reply(h.op, !leased ? 'retry' : h.op.input.kind === 'cas' ? { kind: 'cas', ok: false } : { kind: 'ok' });
      },
      (h) => reply(h.op, 'retry'),
    );
    for (const [k, o] of n.overlay) {
      if (r.applied >= o.index || r.entryTerm(o.index) !== o.term) n.overlay.delete(k);
    }
  };

  // ------------------------------------------------------------------ network

  const send = (from: string, to: string, msg: PeerMsg) => {
    if (cut.has(`${from}>${to}`) || rnd() < lossRate) return;
    const copies = rnd() < dupRate ? 2 : 1;
    for (let i = 0; i < copies; i++) q.push({ at: now + 1 + Math.floor(rnd() * 8), kind: 'deliver', from, to, msg: structuredCloneMsg(msg) });
  };

  // ------------------------------------------------------------------ clients

  const believedLeader: string[] = Array.from({ length: clientCount }, () => IDS[Math.floor(rnd() * 3)]);

  const reply = (op: HistoryOp, output: KvOutput | 'retry' | 'unknown') => {
    q.push({ at: now + 1 + Math.floor(rnd() * 3), kind: 'reply', client: op.client, op, output });
  };
  const unknownOutcome = (op: HistoryOp) => reply(op, 'unknown');

  const issue = (client: number) => {
    const key = keys[Math.floor(rnd() * keys.length)];
    const roll = rnd();
    let input: KvInput;
    if (roll < 0.35) input = { kind: 'put', value: `v${nextValue++}` };
    else if (roll < 0.7) input = { kind: 'get' };
    else if (roll < 0.8) input = { kind: 'delete' };
    else {
      // Conditional write: expect a recent value of the key (or absence), as applications do.
      const seen = history.filter((h) => h.key === key && h.output?.kind === 'value').pop();
      const expect = rnd() < 0.3 ? undefined : seen?.output?.kind === 'value' ? seen.output.value : undefined;
      input = { kind: 'cas', expect, value: rnd() < 0.15 ? undefined : `v${nextValue++}` };
    }
    const op: HistoryOp = { id: nextOpId++, client, key, input, call: now };
    stats.ops++;
    const target = nodes.get(believedLeader[client])!;
    // The request travels to the node; it is handled on arrival (if the node is up).
    const arriveAt = now + 1 + Math.floor(rnd() * 3);
    q.push({ at: arriveAt, kind: 'deliver', from: `client${client}`, to: target.id, msg: { op } as unknown as PeerMsg });
    q.push({ at: now + CLIENT_TIMEOUT_MS, kind: 'reply', client, op, output: 'timeout' });
  };

  const handleRequest = (n: Node, op: HistoryOp) => {
    const r = n.replica;
    say(`${n.id} gets #${op.id} ${op.input.kind} ${op.key} from client ${op.client} (${r ? `${r.role} of term ${r.term}` : 'down'})`);
    if (!n.up || !r) return reply(op, 'retry'); // connection refused: it never arrived
    if (op.input.kind === 'get') {
      if (!r.canReadConsistent(now)) return reply(op, 'retry');
      const newest = Math.max(...[...nodes.values()].map((x) => x.replica?.term ?? 0));
      if (r.term < newest) stats.deposedReads++;
      return reply(op, { kind: 'value', value: n.disk.data.get(op.key) });
    }
    if (!r.canWrite) return reply(op, 'retry');
    const o = n.overlay.get(op.key);
    const current: Value = o ? o.value : n.disk.data.get(op.key);
    let value: Value;
    // An answer that changes nothing is a read: given at once only under the leader's lease (a
    // deposed leader that does not know it yet would answer from stale data).
    const unchanged = (output: KvOutput) => {
      if (o) n.held.push({ op, index: o.index, term: o.term, leaderTerm: r.term });
      else if (!r.canReadConsistent(now)) reply(op, 'retry');
      else reply(op, output);
    };
    if (op.input.kind === 'cas') {
      if (current !== op.input.expect) return unchanged({ kind: 'cas', ok: false });
      value = op.input.value;
    } else {
      value = op.input.kind === 'put' ? op.input.value : undefined;
    }
    if (op.input.kind === 'delete' && current === undefined) {
      // Deleting nothing changes nothing; still, it must not be answered before what it saw applies.
      return unchanged({ kind: 'ok' });
    }
    const index = r.propose([{ tableId: TABLE, key: keyBuf(op.key), value: Buffer.from(value ?? ''), delete: value === undefined, countDelta: 0, sizeDelta: 0 }]);
    n.overlay.set(op.key, { index, term: r.term, value });
    n.writes.push({ op, index, term: r.term, deadline: now + WRITE_TIMEOUT_MS });
    pump(n);
  };

  const finished = new Set<number>(); // op ids the client stopped waiting for (answered or timed out)
  const clientReply = (client: number, op: HistoryOp, output: KvOutput | 'retry' | 'unknown' | 'timeout') => {
    if (finished.has(op.id)) return; // a late answer to an operation the client gave up on
    finished.add(op.id);
    if (output === 'timeout') {
      // The client gives up waiting (as a router does) and goes on; like a router that has not
      // learned anything new, it may well send its next request to the same node.
      stats.unknown++;
      history.push(op);
      if (rnd() < 0.5) believedLeader[client] = IDS[Math.floor(rnd() * 3)];
    } else if (output === 'retry') {
      // Definitely not done: the op leaves the history; try another replica for the next one.
      stats.failed++;
      believedLeader[client] = IDS[Math.floor(rnd() * 3)];
    } else if (output === 'unknown') {
      stats.unknown++;
      history.push(op); // no ret: may or may not have happened
      believedLeader[client] = IDS[Math.floor(rnd() * 3)];
    } else {
      stats.acked++;
      history.push({ ...op, ret: now, output });
    }
    if (faults || now < healedAt + 1_000) q.push({ at: now + Math.floor(rnd() * 20), kind: 'client', client });
  };

  // ------------------------------------------------------------------ faults

  const fault = () => {
    const roll = rnd();
    // Half the time the fault hits whoever leads now, where faults matter most.
    const leader = IDS.find((x) => nodes.get(x)!.replica?.role === 'leader');
    const id = leader && rnd() < 0.5 ? leader : IDS[Math.floor(rnd() * 3)];
    const n = nodes.get(id)!;
    if (roll < 0.2) {
      if (n.up) crash(n);
      else boot(n);
    } else if (roll < 0.4) {
      const other = IDS.filter((x) => x !== id)[Math.floor(rnd() * 2)];
      const link = rnd() < 0.5 ? [`${id}>${other}`] : [`${id}>${other}`, `${other}>${id}`];
      for (const l of link) cut.add(l);
      say(`partition ${link.join(' ')}`);
    } else if (roll < 0.65) {
      cut.clear();
      say('partitions healed');
    } else if (roll < 0.75) {
      // Isolate one node completely.
      for (const other of IDS) if (other !== id) cut.add(`${id}>${other}`), cut.add(`${other}>${id}`);
      say(`${id} isolated`);
    } else if (roll < 0.88) {
      // Pause a process for a while (longer than an election timeout, sometimes much longer).
      n.pausedUntil = now + 100 + Math.floor(rnd() * 600);
      say(`${id} PAUSED until ${n.pausedUntil}`);
    } else if (roll < 0.94) {
      lossRate = rnd() * 0.3;
      dupRate = rnd() * 0.1;
      say(`loss ${lossRate.toFixed(2)} dup ${dupRate.toFixed(2)}`);
    } else if (!n.up) {
      boot(n);
    }
    if (faults) q.push({ at: now + 50 + Math.floor(rnd() * 400), kind: 'fault' });
  };

  // ------------------------------------------------------------------ run

  IDS.forEach((id) => boot(nodes.get(id)!));
  for (let c = 0; c < clientCount; c++) q.push({ at: 5 + c, kind: 'client', client: c });
  q.push({ at: 100 + Math.floor(rnd() * 300), kind: 'fault' });
  let healedAt = Infinity;
  const endAt = durationMs + 3_000;
  let states = 0;

  while (q.size > 0) {
    const e = q.pop()!;
    if (e.at > endAt) break;
    now = e.at;
    if (faults && now >= durationMs) {
      faults = false;
      healedAt = now;
      cut.clear();
      lossRate = 0;
      dupRate = 0;
      for (const n of nodes.values()) {
        n.pausedUntil = 0;
        if (!n.up) boot(n);
      }
      say('HEALED: no more faults');
    }
    states++;
    const target = e.kind === 'tick' || e.kind === 'persisted' ? e.node : e.kind === 'deliver' ? e.to : '';
    const paused = target ? nodes.get(target)!.pausedUntil : 0;
    if (paused > now) {
      // The paused process handles it when it resumes: timers and sockets fire late, in any order.
      q.push({ ...e, at: paused + Math.floor(rnd() * 15) } as NewEvent);
      continue;
    }
    switch (e.kind) {
      case 'tick': {
        const n = nodes.get(e.node)!;
        if (!n.up || e.life !== n.life) break;
        n.replica!.tick(now);
        for (const [peer, t] of n.sending) {
          if (now - t.sentAt <= SNAPSHOT_TIMEOUT_MS) continue;
          n.sending.delete(peer);
          n.replica!.snapshotAborted(peer, now);
        }
        observe(n);
        membership();
        for (const w of n.writes.filter((x) => x.deadline <= now)) unknownOutcome(w.op);
        n.writes = n.writes.filter((x) => x.deadline > now);
        pump(n);
        q.push({ at: now + TICK_MS, kind: 'tick', node: n.id, life: n.life });
        break;
      }
      case 'persisted': {
        const n = nodes.get(e.node)!;
        if (!n.up || e.life !== n.life || !n.inflight) break;
        persisted(n);
        break;
      }
      case 'deliver': {
        const n = nodes.get(e.to)!;
        if (e.from.startsWith('client')) {
          handleRequest(n, (e.msg as unknown as { op: HistoryOp }).op);
          break;
        }
        if (!n.up || !n.replica) break;
        if (trace) {
          const m = e.msg;
          const ents = m.entries.length ? ` entries ${m.entries[0].index}..${m.entries[m.entries.length - 1].index}` : '';
          say(`  ${e.from}->${e.to} ${MSG_NAMES[m.type] ?? m.type} term ${m.term} prev ${m.prevIndex}/${m.prevTerm} commit ${m.commit}${ents} ok ${m.ok} last ${m.lastIndex}`);
        }
        n.replica.step(e.from, e.msg, now);
        observe(n);
        settleWrites(n, []);
        pump(n);
        break;
      }
      case 'reply':
        clientReply(e.client, e.op, e.output);
        break;
      case 'client':
        if (!faults && now > healedAt + 1_000) {
          // Final phase: every client reads every key once the cluster has settled.
          break;
        }
        issue(e.client);
        break;
      case 'fault':
        if (faults) fault();
        break;
    }
  }
  stats.states = states;

  // Convergence: after healing, every replica holds the same data.
  if (target.length > 0) problems.push(`the move to ${target.join(',')} did not finish after healing (voters ${IDS.map((id) => `${id}:${nodes.get(id)!.replica?.voters.join('+')}`).join(' ')})`);
  for (const id of members) {
    const voters = nodes.get(id)!.replica?.voters ?? [];
    if (voters.length !== members.length || !members.every((m) => voters.includes(m))) {
      problems.push(`${id} ends with voters ${voters.join(',')}, not the placement's ${members.join(',')}`);
    }
  }
  const datas = members.map((id) => JSON.stringify([...nodes.get(id)!.disk.data].sort()));
  if (datas.some((d) => d !== datas[0])) {
    problems.push(`replicas diverge after healing: ${members.map((id, i) => `${id}=${datas[i]}`).join(' ')}`);
  }
  const applied = members.map((id) => nodes.get(id)!.disk.hard.applied);
  // Final reads: the value every replica converged to must be a linearizable final state.
  const finalNode = nodes.get(IDS[0])!;
  for (const key of keys) {
    history.push({ id: nextOpId++, client: 1_000, key, input: { kind: 'get' }, call: now + 1, ret: now + 2, output: { kind: 'value', value: finalNode.disk.data.get(key) } });
  }
  if (Math.max(...applied) - Math.min(...applied) > 0) {
    problems.push(`replicas did not catch up after healing: applied ${members.map((id, i) => `${id}=${applied[i]}`).join(' ')}`);
  }
  const verdict = checkLinearizable(history, { maxStates: 2_000_000 });
  if (!verdict.ok) problems.push(`not linearizable (key ${verdict.key}): ${verdict.explanation}`);
  return { ok: problems.length === 0, seed: o.seed, problems, stats };
}

function structuredCloneMsg(msg: PeerMsg): PeerMsg {
  // Messages are immutable once sent; entries are shared (the replica never mutates them).
  return { ...msg, entries: msg.entries.slice() };
}

/** runSimulation, with an exception thrown by the code under test reported as a failed run. */
export function runSafely(o: SimOptions): SimResult {
  try {
    return runSimulation(o);
  } catch (err) {
    return {
      ok: false,
      seed: o.seed,
      problems: [`exception: ${(err as Error)?.stack ?? String(err)}`],
      stats: { ops: 0, acked: 0, unknown: 0, failed: 0, elections: 0, crashes: 0, applied: 0, states: 0, deposedReads: 0, snapshots: 0, moved: 0, abandoned: 0 },
    };
  }
}
