import type { Logger, Placement } from '@ringdb/runtime';
import type { BatchOp, StorageEngine } from './engine.js';
import { DATA, LOG, META, STATS, dataKey, itemValueSize, logKey, logRange, metaKey, statsKey, tableRange } from './keyspace.js';
import { prefixEnd } from '@ringdb/core';
import type { PeerTransport } from './peer-transport.js';
import { decodeLogEntry, encodeLogEntry } from './replication/log-codec.js';
import type { HardState, LogEntry, Mutation, PeerMsg, Ready, ReplicaTimings } from './replication/types.js';
import { DEFAULT_TIMINGS } from './replication/types.js';
import { VnodeReplica, type ReplicaRestoreState } from './replication/vnode-replica.js';
import { TableStatsBook } from './table-stats.js';
import { SnapshotSender } from './snapshot-sender.js';

/** A replica this node no longer holds keeps its data this long before it is deleted. */
const DROP_GRACE_MS = 10_000;

interface Waiter {
  index: number;
  term: number;
  resolve(): void;
  reject(err: Error): void;
}

/** This replica cannot take the write (not the leader, or not ready yet); nothing was proposed. */
export class NotLeaderError extends Error {
  constructor(vnode: number) {
    super(`not the leader of vnode ${vnode}`);
  }
}

/** The proposed entry was replaced by a newer leader's log: it never took effect and never will. */
export class EntryDroppedError extends Error {
  constructor(vnode: number, index: number) {
    super(`vnode ${vnode}: log entry ${index} was superseded by a new leader`);
  }
}

/**
 * The I/O edge of replication on one storage node. It owns every local vnode replica (pure state
 * machines), and runs the cycle: collect `ready()` from every replica with work, write all their log
 * entries, applied mutations and state in ONE engine batch (group commit), then send the messages
 * (one stream write per peer), serve log fetches, and `advance()`. Writes wait for their entry to be
 * applied at the leader, which happens once two of three replicas hold it.
 */
export class ReplicationDriver {
  readonly replicas: (VnodeReplica | undefined)[] = [];
  private readonly restored = new Map<number, ReplicaRestoreState>();
  private readonly dirty = new Set<number>();
  private readonly waiters = new Map<number, Waiter[]>();
  private readonly dropped = new Set<string>();
  private scheduled = false;
  private cycling = false;
  private ticker: NodeJS.Timeout | undefined;
  /** Work that must run while no replication batch is in flight (see `exclusive`). */
  private readonly exclusiveJobs: (() => Promise<void>)[] = [];
  readonly stats = new TableStatsBook();
  /** How many times a local replica became or stopped being its vnode's leader (for metrics). */
  readonly leadership = { gained: 0, lost: 0 };
  /** Snapshots installed here, log entries compacted away, vnodes whose data was deleted here (for metrics). */
  readonly counters = { snapshotsInstalled: 0, entriesCompacted: 0, vnodesDropped: 0, writeBatches: 0, writeBatchOps: 0 };
  readonly snapshots: SnapshotSender;
  placementVersion = 0;
  private placement: Placement | undefined;
  /** Replicas this node no longer holds, since when (their data is deleted after a grace period). */
  private readonly leaving = new Map<number, number>();
  /** Tables that had statistics in a vnode when a snapshot install began there (zeroed at the end). */
  private readonly installTables = new Map<number, Set<string>>();

  constructor(
    private readonly engine: StorageEngine,
    readonly self: string,
    readonly transport: PeerTransport,
    private readonly log: Logger,
    private readonly sync: boolean,
    private readonly timings: ReplicaTimings = DEFAULT_TIMINGS,
    private readonly tickMs = 50,
  ) {
    this.snapshots = new SnapshotSender(engine, transport, (err, vnode, peer) => this.log.error('snapshot send failed', { vnode, peer, error: err }));
  }

  /** Reads every vnode's durable replica state: term, applied index, log tail, table statistics. */
  async restore(): Promise<void> {
    for (const [key, value] of await this.engine.range({ gte: Buffer.from([META]), lt: Buffer.from([META + 1]) })) {
      const vnode = key.readUInt16BE(1);
      const meta = JSON.parse(value.toString('utf8')) as Partial<HardState> & { term: number; applied: number };
      const last = await this.engine.range({ ...logRange(vnode, 0, Number.MAX_SAFE_INTEGER), reverse: true, limit: 1 });
      const lastIndex = last.length > 0 ? Number(last[0][0].readBigUInt64BE(3)) : meta.applied;
      const unapplied =
        lastIndex > meta.applied
          ? (await this.engine.range(logRange(vnode, meta.applied + 1, lastIndex))).map(([k, v]) => decodeLogEntry(Number(k.readBigUInt64BE(3)), v))
          : [];
      const lastTerm = unapplied.length > 0 ? unapplied[unapplied.length - 1].term : (meta.appliedTerm ?? 0);
      this.restored.set(vnode, {
        term: meta.term,
        votedFor: meta.votedFor ?? '',
        applied: meta.applied,
        appliedTerm: meta.appliedTerm ?? 0,
        lastIndex,
        lastTerm,
        unapplied,
        logStart: meta.logStart ?? 0,
        logStartTerm: meta.logStartTerm ?? 0,
        installing: meta.installing ?? false,
        config: meta.config ?? [],
      });
    }
    // Log entries without a meta record: the node died before its first apply of that vnode.
    for (let vnode = 0; vnode < 65536; ) {
      const next = await this.engine.range({ gte: logKey(vnode, 0), lt: Buffer.from([LOG + 1]), limit: 1 });
      if (next.length === 0) break;
      vnode = next[0][0].readUInt16BE(1);
      if (!this.restored.has(vnode)) {
        const entries = (await this.engine.range(logRange(vnode, 0, Number.MAX_SAFE_INTEGER))).map(([k, v]) =>
          decodeLogEntry(Number(k.readBigUInt64BE(3)), v),
        );
        const last = entries[entries.length - 1];
        this.restored.set(vnode, { term: last.term, applied: 0, appliedTerm: 0, lastIndex: last.index, lastTerm: last.term, unapplied: entries });
      }
      vnode++;
    }
    for (const [key, value] of await this.engine.range({ gte: Buffer.from([STATS]), lt: Buffer.from([STATS + 1]) })) {
      this.stats.load(key.readUInt16BE(1), key.subarray(3, 19), value);
    }
    this.log.info('replica state restored', { vnodes: this.restored.size });
  }

  start(): void {
    this.ticker = setInterval(() => {
      const now = Date.now();
      this.snapshots.tick(now);
      this.dropLeftVnodes(now);
      for (const r of this.replicas) {
        if (!r) continue;
        const before = r.role;
        r.tick(now);
        if (before !== r.role) this.onRoleChange(r, before);
        if (r.hasReady()) this.markDirty(r.vnode);
      }
    }, this.tickMs);
  }

  stop(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.snapshots.stop();
    for (const list of this.waiters.values()) for (const w of list) w.reject(new Error('storage node stopping'));
    this.waiters.clear();
  }

  /**
   * Applies a placement: which vnodes this node replicates, and which replica of each is preferred
   * as leader. Leaders themselves are elected by each vnode's replicas.
   */
  configure(placement: Placement): void {
    const now = Date.now();
    this.placementVersion = placement.version;
    this.placement = placement;
    placement.vnodes.forEach((group, vnode) => {
      const target = group.target ?? [];
      const isReplica = group.nodes.includes(this.self) || target.includes(this.self);
      let replica = this.replicas[vnode];
      const preferred = group.nodes[group.leader] ?? '';
      const targetPreferred = target[group.targetLeader ?? 0] ?? '';
      if (!isReplica) {
        if (replica && replica.role !== 'none') {
          const before = replica.role;
          replica.configure(group.nodes, preferred, now, target, targetPreferred);
          if (before !== replica.role) this.onRoleChange(replica, before);
        }
        // Neither a replica nor a target: once it is settled that this node keeps no role here
        // (its replica agrees, or there is none), its copy of the vnode goes after a grace period.
        if (replica?.role === 'none' || (!replica && this.restored.has(vnode))) {
          if (!this.leaving.has(vnode)) this.leaving.set(vnode, now);
        }
        return;
      }
      this.leaving.delete(vnode);
      if (!replica) {
        const restored = this.restored.get(vnode) ?? { term: 0, applied: 0, appliedTerm: 0, lastIndex: 0, lastTerm: 0, unapplied: [] };
        replica = new VnodeReplica(vnode, this.self, restored, this.timings, now);
        this.replicas[vnode] = replica;
        this.restored.delete(vnode);
      }
      const before = replica.role;
      replica.configure(group.nodes, preferred, now, target, targetPreferred);
      if (before !== replica.role) this.onRoleChange(replica, before);
      if (replica.hasReady()) this.markDirty(vnode);
    });
  }

  /** Leadership changed hands: writes proposed here are settled as their entries commit or vanish. */
  private onRoleChange(replica: VnodeReplica, before: string): void {
    if (replica.role === 'leader' && before !== 'leader') this.leadership.gained++;
    if (before === 'leader' && replica.role !== 'leader') this.leadership.lost++;
    if (before === 'leader' || replica.role === 'leader') {
      this.log.debug('vnode role changed', { vnode: replica.vnode, from: before, to: replica.role, term: replica.term });
    }
    this.settleWaiters(replica, []);
  }

  /**
   * Vnodes led here whose committed configuration (voters) differs from placement's replicas: what
   * membership needs to learn that a move is done.
   */
  changedConfigs(): { vnode: number; voters: string[] }[] {
    const out: { vnode: number; voters: string[] }[] = [];
    this.replicas.forEach((r, vnode) => {
      if (!r?.isLeader) return;
      const voters = r.appliedVoters;
      const nodes = this.placement?.vnodes[vnode]?.nodes ?? [];
      if (voters.length > 0 && !(voters.length === nodes.length && voters.every((v) => nodes.includes(v)))) out.push({ vnode, voters });
    });
    return out;
  }

  setDroppedTables(ids: Iterable<string>): void {
    for (const id of ids) this.dropped.add(id);
  }

  roleCounts(): { leader: number; follower: number; candidate: number } {
    let leader = 0;
    let follower = 0;
    let candidate = 0;
    for (const r of this.replicas) {
      if (r?.role === 'leader') leader++;
      else if (r?.role === 'follower') follower++;
      else if (r?.role === 'candidate') candidate++;
    }
    return { leader, follower, candidate };
  }

  step(from: string, msgs: PeerMsg[]): void {
    const now = Date.now();
    for (const msg of msgs) {
      const replica = this.replicas[msg.vnode];
      if (!replica) continue;
      const before = replica.role;
      replica.step(from, msg, now);
      if (before !== replica.role) this.onRoleChange(replica, before);
      if (replica.hasReady()) this.markDirty(msg.vnode);
    }
  }

  /** Proposes a write at this vnode's leader and resolves once it is committed and applied here. */
  propose(vnode: number, mutations: Mutation[]): { index: number; applied: Promise<void> } {
    const replica = this.replicas[vnode];
    if (!replica || !replica.canWrite) throw new NotLeaderError(vnode);
    const index = replica.propose(mutations);
    const term = replica.term;
    let list = this.waiters.get(vnode);
    if (!list) this.waiters.set(vnode, (list = []));
    const waiters = list;
    const applied = new Promise<void>((resolve, reject) => waiters.push({ index, term, resolve, reject }));
    this.markDirty(vnode);
    return { index, applied };
  }

  /** The vnode's leader as this replica knows it, unless that is this node itself ('' if unknown). */
  leaderHint(vnode: number): string {
    const leader = this.replicas[vnode]?.leaderId ?? '';
    return leader === this.self ? '' : leader;
  }

  /**
   * The log entries (after, upTo] of a local replica: from memory when it holds them whole, else
   * (applied ones only) read back from the durable log; undefined when some of them are gone.
   */
  async logEntriesBetween(vnode: number, after: number, upTo: number): Promise<readonly LogEntry[] | undefined> {
    const replica = this.replicas[vnode];
    if (!replica) return undefined;
    const inMemory = replica.entriesBetween(after, upTo);
    if (inMemory) return inMemory;
    if (after > upTo || upTo > replica.applied || after < replica.logStart) return undefined;
    if (after === upTo) return [];
    const rows = await this.engine.range(logRange(vnode, after + 1, upTo));
    if (rows.length !== upTo - after) return undefined; // compacted meanwhile
    return rows.map(([k, v]) => decodeLogEntry(Number(k.readBigUInt64BE(3)), v));
  }

  appliedIndex(vnode: number): number {
    return this.replicas[vnode]?.applied ?? 0;
  }

  /**
   * Settles the writes waiting on this vnode: applied with the term they were proposed in means
   * done; an entry that a newer leader's log replaced (or truncated) means it never happened.
   * Writes whose entry is still in the log but not known committed keep waiting.
   */
  private settleWaiters(replica: VnodeReplica, applied: LogEntry[]): void {
    const list = this.waiters.get(replica.vnode);
    if (!list || list.length === 0) return;
    const firstApplied = applied.length > 0 ? applied[0].index : Infinity;
    let keep = 0;
    for (const w of list) {
      if (w.index >= firstApplied && w.index < firstApplied + applied.length) {
        const entry = applied[w.index - firstApplied];
        if (entry.term === w.term) w.resolve();
        else w.reject(new EntryDroppedError(replica.vnode, w.index));
        continue;
      }
      if (w.index <= replica.applied) {
        // Applied in an earlier batch without being settled: only possible if its term differs.
        w.reject(new EntryDroppedError(replica.vnode, w.index));
        continue;
      }
      const term = replica.entryTerm(w.index);
      if (w.index > replica.lastIndex || (term !== undefined && term !== w.term)) {
        w.reject(new EntryDroppedError(replica.vnode, w.index));
        continue;
      }
      list[keep++] = w;
    }
    list.length = keep;
  }

  /**
   * Runs `fn` between two replication cycles, and starts no cycle until it settles: meanwhile the
   * engine holds exactly what every local replica counts as applied, and nothing else writes
   * replicated state. For anti-entropy (opening snapshots at a known applied index, applying
   * repairs with their statistics). Replication waits for `fn`: keep it short.
   */
  exclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    const done = new Promise<T>((resolve, reject) => {
      this.exclusiveJobs.push(async () => {
        try {
          resolve(await fn());
        } catch (err) {
          reject(err as Error);
        }
      });
    });
    if (!this.cycling) void this.cycle();
    return done;
  }

  private markDirty(vnode: number): void {
    this.dirty.add(vnode);
    this.schedule();
  }

  private schedule(): void {
    if (!this.scheduled && !this.cycling) {
      this.scheduled = true;
      setImmediate(() => void this.cycle());
    }
  }

  private async cycle(): Promise<void> {
    this.scheduled = false;
    if (this.cycling) return;
    this.cycling = true;
    try {
      while (this.dirty.size > 0 || this.exclusiveJobs.length > 0) {
        while (this.exclusiveJobs.length > 0) await this.exclusiveJobs.shift()!();
        const now = Date.now();
        const readies: Ready[] = [];
        for (const vnode of this.dirty) {
          const r = this.replicas[vnode];
          if (r && r.hasReady()) readies.push(r.ready(now));
        }
        this.dirty.clear();
        // A snapshot install starting: mark it durably, then wipe the vnode's old data.
        for (const ready of readies) if (ready.install?.begin) await this.beginInstall(ready.vnode, ready.state!);
        const ops = this.batchFor(readies);
        if (ops.length > 0) {
          // Cycles that only send messages (acknowledgements, heartbeats) write nothing.
          this.counters.writeBatches++;
          this.counters.writeBatchOps += ops.length;
          await this.engine.batch(ops, this.sync);
        }
        for (const ready of readies) for (const out of ready.messages) this.transport.enqueue(out.to, out.msg);
        this.transport.flush();
        for (const ready of readies) {
          const replica = this.replicas[ready.vnode]!;
          for (const f of ready.fetch) void this.serveFetch(replica, f.peer, f.from, f.to);
          replica.advance(ready);
          this.settleWaiters(replica, ready.apply);
          if (ready.install?.end) this.counters.snapshotsInstalled++;
          if (ready.compactTo > ready.compactFrom) this.counters.entriesCompacted += ready.compactTo - ready.compactFrom;
          // The engine now holds exactly this replica's applied state: snapshots start here.
          for (const req of ready.snapshots) this.snapshots.start(replica, req.peer, this.snapshotTables(ready.vnode), now);
          for (const ack of ready.snapshotAcks) this.snapshots.ack(ack);
          if (replica.hasReady()) this.dirty.add(ready.vnode);
        }
      }
    } catch (err) {
      // A failed durable write leaves memory and disk disagreeing: stop rather than serve wrongly.
      this.log.error('replication write failed; exiting', { error: err as Error });
      process.exit(1);
    } finally {
      this.cycling = false;
    }
  }

  /** Tables with data in a vnode here (those with statistics; dropped tables excepted). */
  private snapshotTables(vnode: number): Buffer[] {
    return this.stats
      .tablesOf(vnode)
      .filter((hex) => !this.dropped.has(hex))
      .sort()
      .map((hex) => Buffer.from(hex, 'hex'));
  }

  /** Ids of every table with data in any vnode here, found by seeking from one table to the next. */
  private async tablesWithData(): Promise<Buffer[]> {
    const out: Buffer[] = [];
    let from: Buffer = Buffer.from([DATA]);
    for (;;) {
      const next = await this.engine.range({ gte: from, lt: Buffer.from([DATA + 1]), limit: 1 });
      if (next.length === 0) return out;
      const tableId = Buffer.from(next[0][0].subarray(1, 17));
      out.push(tableId);
      from = prefixEnd(next[0][0].subarray(0, 17));
    }
  }

  /** Starting a snapshot install: persist the `installing` mark, then delete the vnode's data. */
  private async beginInstall(vnode: number, state: HardState): Promise<void> {
    await this.engine.batch([{ type: 'put', key: metaKey(vnode), value: Buffer.from(JSON.stringify(state)) }], this.sync);
    for (const tableId of await this.tablesWithData()) await this.engine.clear(tableRange(tableId, vnode));
    const before = this.installTables.get(vnode) ?? new Set<string>();
    for (const t of this.stats.tablesOf(vnode)) before.add(t);
    this.installTables.set(vnode, before);
    this.stats.resetVnode(vnode);
    this.log.info('snapshot install started', { vnode, index: state.applied });
  }

  /** Deletes the data of vnodes this node has not held for a grace period. */
  private dropLeftVnodes(now: number): void {
    const due: number[] = [];
    for (const [vnode, since] of this.leaving) {
      if (now - since < DROP_GRACE_MS) continue;
      this.leaving.delete(vnode);
      if ((this.replicas[vnode]?.role ?? 'none') === 'none') due.push(vnode);
    }
    if (due.length === 0) return;
    void this.exclusive(async () => {
      // Every table's rows of these vnodes, their log, statistics and state (one table listing for all).
      const tables = await this.tablesWithData();
      for (const vnode of due) {
        if ((this.replicas[vnode]?.role ?? 'none') !== 'none') continue; // it came back
        this.replicas[vnode] = undefined;
        this.restored.delete(vnode);
        for (const tableId of tables) await this.engine.clear(tableRange(tableId, vnode));
        await this.engine.clear({ gte: logKey(vnode, 0), lt: logKey(vnode + 1, 0) });
        const statsHead = Buffer.from([STATS, vnode >> 8, vnode & 0xff]);
        await this.engine.clear({ gte: statsHead, lt: prefixEnd(statsHead) });
        await this.engine.batch([{ type: 'del', key: metaKey(vnode) }], this.sync);
        this.stats.resetVnode(vnode);
        this.counters.vnodesDropped++;
        this.log.info('vnode data deleted (no longer a replica here)', { vnode });
      }
    }).catch((err) => this.log.error('deleting vnode data failed', { vnodes: due, error: err as Error }));
  }

  private batchFor(readies: Ready[]): BatchOp[] {
    const ops: BatchOp[] = [];
    const touched = new Set<string>();
    for (const ready of readies) {
      // A follower dropping a deposed leader's entries: deletes first, the new entries overwrite.
      for (let i = ready.truncateFrom; i > 0 && i <= ready.truncateTo; i++) ops.push({ type: 'del', key: logKey(ready.vnode, i) });
      // Log compaction: entries whose effect is in the data and that no follower reads from memory.
      for (let i = ready.compactFrom + 1; i <= ready.compactTo; i++) ops.push({ type: 'del', key: logKey(ready.vnode, i) });
      if (ready.install) this.installBatch(ready.vnode, ready.install, ops, touched);
      for (const e of ready.entries) ops.push({ type: 'put', key: logKey(ready.vnode, e.index), value: encodeLogEntry(e) });
      for (const e of ready.apply) this.applyEntry(ready.vnode, e, ops, touched);
      if (ready.state) ops.push({ type: 'put', key: metaKey(ready.vnode), value: Buffer.from(JSON.stringify(ready.state)) });
    }
    for (const t of touched) {
      const [vnode, tableHex] = t.split(':');
      const tableId = Buffer.from(tableHex, 'hex');
      ops.push({ type: 'put', key: statsKey(Number(vnode), tableId), value: this.stats.encode(Number(vnode), tableHex) });
    }
    return ops;
  }

  /** Rows of a snapshot chunk; at its end, the log the snapshot covers goes and statistics are rewritten. */
  private installBatch(vnode: number, install: NonNullable<Ready['install']>, ops: BatchOp[], touched: Set<string>): void {
    for (const row of install.rows) {
      const tableHex = row.tableId.toString('hex');
      if (this.dropped.has(tableHex)) continue;
      ops.push({ type: 'put', key: dataKey(row.tableId, vnode, row.key), value: row.value });
      this.stats.add(vnode, tableHex, 1, itemValueSize(row.value));
      touched.add(`${vnode}:${tableHex}`);
    }
    if (!install.end) return;
    for (let i = install.dropLogFrom; i <= install.dropLogTo; i++) ops.push({ type: 'del', key: logKey(vnode, i) });
    // Tables that had statistics here before and none in the snapshot are written as zero.
    for (const t of this.installTables.get(vnode) ?? []) touched.add(`${vnode}:${t}`);
    this.installTables.delete(vnode);
    this.log.info('snapshot installed', { vnode, index: install.index, term: install.term });
  }

  private applyEntry(vnode: number, entry: LogEntry, ops: BatchOp[], touched: Set<string>): void {
    for (const m of entry.mutations) {
      const tableHex = m.tableId.toString('hex');
      if (this.dropped.has(tableHex)) continue; // the table was deleted: its writes go nowhere
      const key = dataKey(m.tableId, vnode, m.key);
      if (m.delete) ops.push({ type: 'del', key });
      else ops.push({ type: 'put', key, value: m.value });
      if (m.countDelta !== 0 || m.sizeDelta !== 0) {
        this.stats.add(vnode, tableHex, m.countDelta, m.sizeDelta);
        touched.add(`${vnode}:${tableHex}`);
      }
    }
  }

  private async serveFetch(replica: VnodeReplica, peer: string, from: number, to: number): Promise<void> {
    try {
      // The entry before the compacted log's first one is known only by its term.
      const atStart = from - 1 === replica.logStart && from > 1;
      const rows = await this.engine.range(logRange(replica.vnode, Math.max(atStart ? from : from - 1, 1), to));
      const entries = rows.map(([k, v]) => decodeLogEntry(Number(k.readBigUInt64BE(3)), v));
      let prevTerm = 0;
      if (atStart) prevTerm = replica.logStartTerm;
      else if (from > 1) {
        const prev = entries.shift();
        if (!prev || prev.index !== from - 1) throw new Error(`log entry ${from - 1} of vnode ${replica.vnode} missing`);
        prevTerm = prev.term;
      }
      replica.fetched(peer, from - 1, prevTerm, entries, Date.now());
    } catch (err) {
      this.log.error('log fetch failed', { vnode: replica.vnode, peer, error: err as Error });
      replica.fetched(peer, from - 1, 0, [], Date.now());
    }
    this.markDirty(replica.vnode);
  }
}
