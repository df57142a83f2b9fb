import { CHANNEL_OPTIONS, grpc, services, unary, type Logger } from '@ringdb/runtime';
import type { BatchOp, StorageEngine } from '../engine.js';
import { dataKey, itemValueSize, statsKey } from '../keyspace.js';
import type { ReplicationDriver } from '../replication-driver.js';
import type { VnodeReplica } from '../replication/vnode-replica.js';
import { MerkleTree, bucketOf } from './merkle.js';
import { scanReplica } from './replica-scan.js';

/** What a round (of one vnode, or of every vnode a node leads) found and did. */
export interface RoundSummary {
  vnodes: number;
  /** (vnode, table, follower) trees compared. */
  comparisons: number;
  /** Comparisons whose roots differed. */
  differing: number;
  /** Keys rewritten: at followers, or at the leader when both followers agreed against it. */
  repaired: number;
  /** Differing keys left for a later round (written meanwhile, log range not in memory, replicas not comparable now). */
  skipped: number;
  /** Comparisons that could not complete (follower unreachable, not following this leader, ...). */
  failed: number;
}

export type Trigger = 'periodic' | 'on_demand';

interface TreeReply { error: string; applied: number; root: Buffer; leaves: Buffer }
interface RowsReply { error: string; applied: number; rows: { key: Buffer; digest: Buffer; value?: Buffer }[] }
interface RepairItem { key: Buffer; value: Buffer; delete: boolean }
interface RepairReply { error: string; repaired: number; skipped: number }

const PEER_TIMEOUT_MS = 30_000;
const REPAIR_CHUNK = 256;
/** How long a follower waits to have applied up to a repair's `asOf` before giving up on it. */
const CATCH_UP_WAIT_MS = 3_000;

const empty = (): RoundSummary => ({ vnodes: 0, comparisons: 0, differing: 0, repaired: 0, skipped: 0, failed: 0 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function add(into: RoundSummary, from: RoundSummary): void {
  for (const k of Object.keys(into) as (keyof RoundSummary)[]) into[k] += from[k];
}

export interface AntiEntropyOptions {
  /** A led vnode is compared about this often (jittered); 0 turns periodic rounds off. */
  intervalMs: number;
}

/**
 * Anti-entropy on one storage node (see docs/replication.md, "Anti-entropy"). As a vnode's leader it
 * compares its replica of each table with each follower's: Merkle trees first, then the (key,
 * digest) rows of differing buckets, and sends the rows that really differ (not explained by log
 * entries applied between the two snapshots) to the follower; a row that both followers hold alike
 * against it is the leader's damage, and the leader rewrites its own copy with theirs. As a
 * follower it answers those calls and applies repairs that no later log entry has overtaken, with
 * their statistics deltas. Repairs never go through the replication log.
 */
export class AntiEntropy {
  /** Keys this node's replicas rewrote, by table id (hex). */
  readonly repairedByTable = new Map<string, number>();
  readonly rounds: Record<Trigger, number> = { periodic: 0, on_demand: 0 };
  skippedKeys = 0;
  /** End of the last vnode round this node led (ms since the epoch; 0 before the first). */
  lastRoundMs = 0;

  private readonly clients = new Map<string, grpc.Client>();
  private readonly nextDue = new Map<number, number>();
  private chain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private periodicBusy = false;
  private stopped = false;

  constructor(
    private readonly engine: StorageEngine,
    private readonly driver: ReplicationDriver,
    private readonly self: string,
    private readonly log: Logger,
    /** The catalogue's live tables: id (hex) -> name. */
    private readonly tables: () => Map<string, string>,
    /** Storage node id -> gRPC address. */
    private readonly addressOf: (node: string) => string | undefined,
    private readonly options: AntiEntropyOptions,
  ) {}

  start(): void {
    if (this.options.intervalMs <= 0) return;
    const every = Math.max(1_000, Math.min(30_000, Math.round(this.options.intervalMs / 10)));
    this.timer = setInterval(() => void this.periodic(), every);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }

  /** gRPC handlers of the AntiEntropy service. */
  handlers(): grpc.UntypedServiceImplementation {
    const serve = <Req, Res extends { error: string }>(fn: (req: Req) => Promise<Res>, failed: (msg: string) => Res) =>
      (call: grpc.ServerUnaryCall<Req, Res>, cb: grpc.sendUnaryData<Res>) => {
        fn(call.request).then(
          (res) => cb(null, res),
          (err: Error) => {
            this.log.warn('anti-entropy call failed', { error: err });
            cb(null, failed(err.message));
          },
        );
      };
    return {
      tree: serve((req: { from: string; vnode: number; tableId: Buffer; root: Buffer }) => this.serveTree(req), (error) => ({ error, applied: 0, root: Buffer.alloc(0), leaves: Buffer.alloc(0) })),
      rows: serve((req: { from: string; vnode: number; tableId: Buffer; buckets: number[]; values?: boolean }) => this.serveRows(req), (error) => ({ error, applied: 0, rows: [] })),
      repair: serve((req: { from: string; vnode: number; tableId: Buffer; asOf: number; items: RepairItem[] }) => this.serveRepair(req), (error) => ({ error, repaired: 0, skipped: 0 })),
      run: serve(
        async (req: { table: string }) => ({ error: '', ...(await this.runNow(req.table || undefined)) }),
        (error) => ({ error, ...empty() }),
      ),
    };
  }

  // ---------------------------------------------------------------- leader side

  /**
   * Runs a round now over every vnode this node leads, for one table (by name) or all. `compared`
   * lists the vnodes it ran for (one that lost its leadership before its turn is left out).
   */
  async runNow(tableName?: string): Promise<RoundSummary & { compared: number[] }> {
    const tables = [...this.tables()];
    const chosen = tableName === undefined ? tables : tables.filter(([, name]) => name === tableName);
    if (tableName !== undefined && chosen.length === 0) throw new Error(`no table named ${tableName}`);
    const total = empty();
    const compared: number[] = [];
    for (const vnode of this.ledVnodes()) {
      const summary = await this.runVnode(vnode, chosen.map(([hex]) => hex), 'on_demand');
      add(total, summary);
      if (summary.vnodes > 0) compared.push(vnode);
    }
    this.log.info('anti-entropy round finished', { trigger: 'on_demand', table: tableName ?? '*', ...total });
    return { ...total, compared };
  }

  private ledVnodes(): number[] {
    const out: number[] = [];
    this.driver.replicas.forEach((r, v) => {
      if (r?.canWrite) out.push(v);
    });
    return out;
  }

  /** Periodic rounds: each led vnode comes due about every intervalMs (jittered), one at a time. */
  private async periodic(): Promise<void> {
    if (this.periodicBusy || this.stopped) return;
    this.periodicBusy = true;
    try {
      const jittered = () => this.options.intervalMs * (0.75 + 0.5 * Math.random());
      const now = Date.now();
      for (const vnode of this.ledVnodes()) {
        const due = this.nextDue.get(vnode);
        if (due === undefined) {
          this.nextDue.set(vnode, now + jittered());
          continue;
        }
        if (due > Date.now() || this.stopped) continue;
        const summary = await this.runVnode(vnode, [...this.tables().keys()], 'periodic');
        this.nextDue.set(vnode, Date.now() + jittered());
        if (summary.differing > 0 || summary.failed > 0) this.log.info('anti-entropy round finished', { trigger: 'periodic', vnode, ...summary });
      }
    } catch (err) {
      this.log.warn('periodic anti-entropy failed', { error: err as Error });
    } finally {
      this.periodicBusy = false;
    }
  }

  /** One vnode round, serialized with every other round on this node. */
  runVnode(vnode: number, tableHexes: string[], trigger: Trigger): Promise<RoundSummary> {
    const run = this.chain.then(async () => {
      const total = empty();
      const replica = this.driver.replicas[vnode];
      if (!replica?.canWrite) return total;
      total.vnodes = 1;
      for (const hex of tableHexes) add(total, await this.compareTable(vnode, Buffer.from(hex, 'hex'), replica.peers));
      this.rounds[trigger]++;
      this.lastRoundMs = Date.now();
      return total;
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async compareTable(vnode: number, tableId: Buffer, followers: string[]): Promise<RoundSummary> {
    const out = empty();
    const tableHex = tableId.toString('hex');
    const mine = await scanReplica(this.engine, this.driver, vnode, tableId);
    this.noteStatsCorrection(vnode, tableHex, mine.statsCorrection);
    // 1. Trees: which followers differ, and in which buckets.
    const bucketsOf = new Map<string, number[]>();
    for (const peer of followers) {
      const reply = await this.call<TreeReply>(peer, 'tree', { from: this.self, vnode, tableId, root: mine.tree.root });
      if (!reply || reply.error) {
        out.failed++;
        if (reply) this.log.debug('anti-entropy: follower did not compare', { vnode, peer, error: reply.error });
        continue;
      }
      out.comparisons++;
      if (reply.leaves.length === 0) continue;
      out.differing++;
      bucketsOf.set(peer, mine.tree.differingLeaves(MerkleTree.fromPackedLeaves(reply.leaves)));
    }
    if (bucketsOf.size === 0) return out;

    // 2. Rows of the differing buckets, on both sides, at fresh snapshots.
    const union = new Set([...bucketsOf.values()].flat());
    const local = await scanReplica(this.engine, this.driver, vnode, tableId, union);
    const replica = this.driver.replicas[vnode];
    const views = new Map<string, { asOf: number; diffs: Map<string, Buffer | null> }>();
    for (const [peer, buckets] of bucketsOf) {
      const reply = await this.call<RowsReply>(peer, 'rows', { from: this.self, vnode, tableId, buckets });
      if (!reply || reply.error) {
        out.failed++;
        continue;
      }
      const wanted = new Set(buckets);
      const theirs = new Map(reply.rows.map((r) => [r.key.toString('hex'), r.digest]));
      const candidates = new Map<string, Buffer | null>();
      for (const [hex, digest] of theirs) if (!local.rows.get(hex)?.digest.equals(digest)) candidates.set(hex, digest);
      for (const [hex, row] of local.rows) {
        if (!theirs.has(hex) && wanted.has(bucketOf(row.key))) candidates.set(hex, null);
      }
      // Keys a log entry between the two snapshots wrote differ only because of timing.
      const lo = Math.min(local.applied, reply.applied);
      const hi = Math.max(local.applied, reply.applied);
      const between = replica?.canWrite ? await this.driver.logEntriesBetween(vnode, lo, hi) : undefined;
      if (between === undefined) {
        out.skipped += candidates.size;
        continue;
      }
      for (const e of between) for (const m of e.mutations) if (m.tableId.equals(tableId)) candidates.delete(m.key.toString('hex'));
      views.set(peer, { asOf: local.applied, diffs: candidates });
    }

    // 3. Repairs from the leader, unless both followers agree with each other against it: then the
    //    leader's copy is the damaged one, and it takes theirs (step 4).
    const outvoted = new Map<string, Buffer | null>();
    for (const [peer, view] of views) {
      const items: RepairItem[] = [];
      for (const [hex, theirDigest] of view.diffs) {
        if ([...views].some(([other, v]) => other !== peer && v.diffs.has(hex) && sameRow(v.diffs.get(hex)!, theirDigest))) {
          outvoted.set(hex, theirDigest);
          continue;
        }
        const row = local.rows.get(hex);
        items.push(row ? { key: row.key, value: row.value, delete: false } : { key: Buffer.from(hex, 'hex'), value: Buffer.alloc(0), delete: true });
      }
      for (let i = 0; i < items.length; i += REPAIR_CHUNK) {
        const chunk = items.slice(i, i + REPAIR_CHUNK);
        const reply = await this.call<RepairReply>(peer, 'repair', { from: this.self, vnode, tableId, asOf: view.asOf, items: chunk });
        if (!reply || reply.error) {
          out.failed++;
          out.skipped += chunk.length;
          continue;
        }
        out.repaired += reply.repaired;
        out.skipped += reply.skipped;
      }
      if (items.length > 0) this.log.info('anti-entropy repaired a follower', { vnode, table: tableHex, peer, keys: items.length });
    }
    // 4. The leader's own damage: the rows both followers hold, fetched from one of them.
    if (outvoted.size > 0) {
      const result = await this.repairLeader(vnode, tableId, [...views.keys()][0], outvoted);
      out.repaired += result.repaired;
      out.skipped += result.skipped;
      if (result.error) out.failed++;
    }
    this.skippedKeys += out.skipped;
    return out;
  }

  /**
   * Rewrites the leader's rows of `keys` (hex -> the digest both followers hold, null for absent)
   * with a follower's: its rows of those keys' buckets, taken at its applied index, are applied here
   * like a follower applies a repair, for the keys whose digest is still the agreed one.
   */
  private async repairLeader(vnode: number, tableId: Buffer, peer: string, keys: Map<string, Buffer | null>): Promise<RepairReply> {
    const tableHex = tableId.toString('hex');
    const buckets = [...new Set([...keys.keys()].map((hex) => bucketOf(Buffer.from(hex, 'hex'))))];
    const reply = await this.call<RowsReply>(peer, 'rows', { from: this.self, vnode, tableId, buckets, values: true });
    if (!reply || reply.error) return { error: reply?.error || `${peer} unreachable`, repaired: 0, skipped: keys.size };
    const theirs = new Map(reply.rows.map((r) => [r.key.toString('hex'), r]));
    const items: RepairItem[] = [];
    for (const [hex, agreed] of keys) {
      const row = theirs.get(hex);
      // The follower's row moved on since the comparison: leave it for a later round.
      if (!sameRow(row?.digest ?? null, agreed)) continue;
      items.push(row ? { key: row.key, value: row.value ?? Buffer.alloc(0), delete: false } : { key: Buffer.from(hex, 'hex'), value: Buffer.alloc(0), delete: true });
    }
    const changed = keys.size - items.length;
    const result = await this.applyRepair(vnode, tableId, reply.applied, items, (replica) => {
      if (!replica.canWrite) throw new Error(`no longer the leader of vnode ${vnode}`);
    });
    if (result === 'behind') return { error: '', repaired: 0, skipped: keys.size };
    if (result.repaired > 0) {
      this.log.warn('anti-entropy repaired the leader: both followers agreed against it', { vnode, table: tableHex, from: peer, repaired: result.repaired });
    }
    return { error: '', repaired: result.repaired, skipped: result.skipped + changed };
  }

  private async call<Res>(peer: string, method: string, request: unknown): Promise<Res | undefined> {
    const address = this.addressOf(peer);
    if (!address) return undefined;
    let client = this.clients.get(address);
    if (!client) {
      client = new (services().AntiEntropy)(address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
      this.clients.set(address, client);
    }
    try {
      return await unary<unknown, Res>(client, method, request, PEER_TIMEOUT_MS);
    } catch (err) {
      this.log.debug('anti-entropy call to peer failed', { peer, method, error: err as Error });
      return undefined;
    }
  }

  // ---------------------------------------------------------------- follower side

  /** This node follows `vnode` under `from` as leader; anything else is refused. */
  private following(vnode: number, from: string): void {
    const replica = this.driver.replicas[vnode];
    if (!replica || replica.role !== 'follower' || replica.leaderId !== from) {
      throw new Error(`not a follower of ${from} for vnode ${vnode}`);
    }
    // A replica installing a snapshot has no usable data yet: the snapshot, not a repair, fixes it.
    if (replica.installing) throw new Error(`vnode ${vnode} is installing a snapshot`);
  }

  private async serveTree(req: { from: string; vnode: number; tableId: Buffer; root: Buffer }): Promise<TreeReply> {
    this.following(req.vnode, req.from);
    const scan = await scanReplica(this.engine, this.driver, req.vnode, req.tableId);
    this.noteStatsCorrection(req.vnode, req.tableId.toString('hex'), scan.statsCorrection);
    const same = scan.tree.root.equals(req.root);
    return { error: '', applied: scan.applied, root: scan.tree.root, leaves: same ? Buffer.alloc(0) : scan.tree.packedLeaves() };
  }

  private async serveRows(req: { from: string; vnode: number; tableId: Buffer; buckets: number[]; values?: boolean }): Promise<RowsReply> {
    this.following(req.vnode, req.from);
    const scan = await scanReplica(this.engine, this.driver, req.vnode, req.tableId, new Set(req.buckets));
    const rows = [...scan.rows.values()].map((r) => (req.values ? { key: r.key, digest: r.digest, value: r.value } : { key: r.key, digest: r.digest }));
    return { error: '', applied: scan.applied, rows };
  }

  /**
   * Applies the leader's rows as of its applied index `asOf`, between two replication cycles: only
   * once this replica has applied up to `asOf` too, and only for keys that no entry it applied since
   * wrote (their current value is already newer than the repair). Statistics move by the difference
   * to the value held now.
   */
  private async serveRepair(req: { from: string; vnode: number; tableId: Buffer; asOf: number; items: RepairItem[] }): Promise<RepairReply> {
    const tableHex = req.tableId.toString('hex');
    const deadline = Date.now() + CATCH_UP_WAIT_MS;
    for (;;) {
      const result = await this.applyRepair(req.vnode, req.tableId, req.asOf, req.items, () => this.following(req.vnode, req.from));
      if (result !== 'behind') {
        if (result.repaired > 0) {
          this.log.info('anti-entropy repaired keys', { vnode: req.vnode, table: tableHex, from: req.from, repaired: result.repaired, skipped: result.skipped });
        }
        return result;
      }
      if (Date.now() > deadline) return { error: '', repaired: 0, skipped: req.items.length };
      await sleep(20);
    }
  }

  /**
   * Applies rows taken at another replica's applied index `asOf` to this replica, between two
   * replication cycles: only once this replica has applied up to `asOf` too ('behind' otherwise),
   * and only for keys that no entry after `asOf` wrote, applied or still pending here (their value
   * is, or will be, newer than the repair). Statistics move by the difference to the value held now;
   * the keys rewritten count toward this node's repaired-keys metric. `check` throws when this
   * replica may no longer take the repair.
   */
  private applyRepair(vnode: number, tableId: Buffer, asOf: number, repairs: RepairItem[], check: (replica: VnodeReplica) => void): Promise<RepairReply | 'behind'> {
    const tableHex = tableId.toString('hex');
    return this.driver.exclusive(async (): Promise<RepairReply | 'behind'> => {
      const replica = this.driver.replicas[vnode];
      if (!replica) throw new Error(`no replica of vnode ${vnode} here`);
      check(replica);
      if (replica.applied < asOf) return 'behind';
      const later = await this.driver.logEntriesBetween(vnode, asOf, replica.applied);
      const pending = replica.entriesBetween(replica.applied, replica.lastIndex);
      if (later === undefined || pending === undefined) return { error: '', repaired: 0, skipped: repairs.length };
      const overtaken = new Set<string>();
      for (const e of [...later, ...pending]) for (const m of e.mutations) if (m.tableId.equals(tableId)) overtaken.add(m.key.toString('hex'));
      const items = repairs.filter((i) => !overtaken.has(i.key.toString('hex')));
      const keys = items.map((i) => dataKey(tableId, vnode, i.key));
      const current = await this.engine.getMany(keys);
      const ops: BatchOp[] = [];
      let count = 0;
      let bytes = 0;
      items.forEach((item, i) => {
        const now = current[i];
        if (item.delete) {
          if (!now) return;
          ops.push({ type: 'del', key: keys[i] });
          count--;
          bytes -= itemValueSize(now);
        } else {
          if (now?.equals(item.value)) return;
          ops.push({ type: 'put', key: keys[i], value: item.value });
          if (!now) count++;
          bytes += itemValueSize(item.value) - (now ? itemValueSize(now) : 0);
        }
      });
      if (ops.length > 0) {
        this.driver.stats.add(vnode, tableHex, count, bytes);
        ops.push({ type: 'put', key: statsKey(vnode, tableId), value: this.driver.stats.encode(vnode, tableHex) });
        await this.engine.batch(ops, true);
      }
      const repaired = ops.length > 0 ? ops.length - 1 : 0;
      if (repaired > 0) this.repairedByTable.set(tableHex, (this.repairedByTable.get(tableHex) ?? 0) + repaired);
      return { error: '', repaired, skipped: repairs.length - items.length };
    });
  }

  private noteStatsCorrection(vnode: number, tableHex: string, c: { count: number; bytes: number }): void {
    if (c.count !== 0 || c.bytes !== 0) {
      this.log.warn('table statistics disagreed with the data; corrected', { vnode, table: tableHex, countDelta: c.count, bytesDelta: c.bytes });
    }
  }
}

function sameRow(a: Buffer | null, b: Buffer | null): boolean {
  return a === null || b === null ? a === b : a.equals(b);
}
