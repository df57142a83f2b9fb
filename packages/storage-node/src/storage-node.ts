import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import {
  SERVER_OPTIONS,
  bindServer,
  createRegistry,
  startAdminServer,
  grpc,
  membershipClient,
  services,
  shutdownServer,
  unary,
  watchCluster,
  type ClusterState,
  type Logger,
  type ManagedClient,
} from '@ringdb/runtime';
import { AntiEntropy } from './anti-entropy/anti-entropy.js';
import { registerAntiEntropyMetrics } from './anti-entropy/metrics.js';
import { OpFlag, OpKind, ReplyCode, wrongNodeReply, type DataOp, type DataReply } from './data-ops.js';
import { createEngine, type EngineName, type StorageEngine } from './engine.js';
import { dataKey, itemValueJson, statsKey, tableRange } from './keyspace.js';
import { PeerTransport } from './peer-transport.js';
import { readRange, type RangeRead } from './range-reader.js';
import { ReplicationDriver } from './replication-driver.js';
import { DEFAULT_TIMINGS, type PeerMsg } from './replication/types.js';
import { decodePeerMsgs } from './replication/peer-codec.js';
import { StorageMetrics } from './storage-metrics.js';
import { WritePipeline } from './write-pipeline.js';

export interface StorageNodeOptions {
  /** Stable node id; by default generated once and kept in `<dataDir>/node-id`. */
  id?: string;
  zone: string;
  dataDir: string;
  /** gRPC listen address, e.g. 127.0.0.1:0 */
  listen: string;
  /** Address other processes use to reach this node; defaults to the bound listen address. */
  advertise?: string;
  membership: string;
  engine: EngineName;
  /** fsync the write-ahead log on every replication write. */
  sync: boolean;
  /** Election timeout of every vnode group (default 1000 ms; heartbeats go at a quarter of it). */
  electionTimeoutMs?: number;
  /** Applied log entries kept per vnode before the log is compacted (default 4096). */
  retainedLogEntries?: number;
  log: Logger;
  heartbeatMs?: number;
  /** Admin HTTP port for /metrics, /health and /ready (0 picks a free port). */
  adminPort: number;
  /** Host the admin port binds to (default: the gRPC listen host). */
  adminHost?: string;
  /** Each vnode this node leads is compared with its followers about this often (jittered); 0 = never. Default 10 min. */
  antiEntropyIntervalMs?: number;
}

export const DEFAULT_ANTI_ENTROPY_INTERVAL_MS = 10 * 60_000;

/** A storage node: vnode replicas in one RocksDB (or LevelDB), served over gRPC. */
export class StorageNode {
  id = '';
  address = '';
  private engine!: StorageEngine;
  private driver!: ReplicationDriver;
  private transport!: PeerTransport;
  private writes!: WritePipeline;
  private server!: grpc.Server;
  private membership!: ManagedClient;
  private watch: { stop(): void } | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly clearedTables = new Set<string>();
  private tableNames = new Map<string, string>();
  private nodeAddresses = new Map<string, string>();
  private antiEntropy!: AntiEntropy;
  private admin: { port: number; close(): Promise<void> } | undefined;
  adminPort = 0;
  private log: Logger;

  constructor(private readonly options: StorageNodeOptions) {
    this.log = options.log;
  }

  async start(): Promise<void> {
    const { options } = this;
    await mkdir(options.dataDir, { recursive: true });
    this.id = options.id ?? (await this.storedId());
    this.log = options.log.child({ node: this.id, zone: options.zone });
    const engineDir = path.join(options.dataDir, options.engine === 'leveldb' ? 'leveldb' : 'rocksdb');
    this.engine = createEngine(options.engine, engineDir);
    await this.engine.open();
    this.transport = new PeerTransport(this.id, this.log);
    const electionTimeoutMs = options.electionTimeoutMs ?? DEFAULT_TIMINGS.electionTimeoutMs;
    this.driver = new ReplicationDriver(this.engine, this.id, this.transport, this.log, options.sync, {
      ...DEFAULT_TIMINGS,
      electionTimeoutMs,
      heartbeatMs: Math.max(20, Math.round(electionTimeoutMs / 4)),
      ...(options.retainedLogEntries
        ? { retainedEntries: options.retainedLogEntries, compactionStep: Math.max(1, Math.min(1_024, Math.floor(options.retainedLogEntries / 4))) }
        : {}),
    });
    await this.driver.restore();
    const registry = createRegistry('storage');
    const metrics = new StorageMetrics(registry, this.driver, engineDir, (hex) => this.tableNames.get(hex) ?? hex);
    this.antiEntropy = new AntiEntropy(this.engine, this.driver, this.id, this.log, () => this.tableNames, (node) => this.nodeAddresses.get(node), {
      intervalMs: options.antiEntropyIntervalMs ?? DEFAULT_ANTI_ENTROPY_INTERVAL_MS,
    });
    registerAntiEntropyMetrics(registry, this.antiEntropy, (hex) => this.tableNames.get(hex) ?? hex);
    this.writes = new WritePipeline(this.engine, this.driver, (seconds) => metrics.commitSeconds.observe(seconds));

    this.server = new grpc.Server(SERVER_OPTIONS);
    this.server.addService(services().Storage.service, {
      data: (call: grpc.ServerDuplexStream<{ ops: DataOp[] }, { replies: DataReply[] }>) => this.serveData(call),
      peer: (call: grpc.ServerReadableStream<{ from: string; packed: Buffer }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        call.on('data', (batch: { from: string; packed: Buffer }) => {
          let msgs: PeerMsg[];
          try {
            msgs = decodePeerMsgs(batch.packed);
          } catch (err) {
            this.log.warn('undecodable replication batch dropped', { from: batch.from, error: (err as Error).message });
            return;
          }
          this.driver.step(batch.from, msgs);
        });
        call.on('end', () => cb(null, {}));
        call.on('error', () => undefined);
      },
    });
    this.server.addService(services().AntiEntropy.service, this.antiEntropy.handlers());
    const port = await bindServer(this.server, options.listen);
    const host = options.listen.slice(0, options.listen.lastIndexOf(':'));
    this.address = options.advertise ?? `${host}:${port}`;
    this.driver.start();
    this.antiEntropy.start();
    this.admin = await startAdminServer({
      host: options.adminHost ?? host,
      port: options.adminPort,
      registry,
      ready: () => this.driver.placementVersion > 0,
      log: this.log,
    });
    this.adminPort = this.admin.port;

    this.membership = membershipClient(options.membership);
    await this.register();
    this.watch = watchCluster(this.membership, `storage:${this.id}`, (s) => this.onClusterState(s), this.log);
    this.heartbeat = setInterval(() => void this.sendHeartbeat(), options.heartbeatMs ?? 1_000);
    this.log.info('storage node started', { address: this.address, engine: options.engine, dataDir: options.dataDir });
  }

  private async storedId(): Promise<string> {
    const file = path.join(this.options.dataDir, 'node-id');
    try {
      return (await readFile(file, 'utf8')).trim();
    } catch {
      const id = `${this.options.zone}-${randomBytes(3).toString('hex')}`;
      await writeFile(file, id + '\n');
      return id;
    }
  }

  /** Registers with membership, retrying until it answers (membership may start later). */
  private async register(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await unary(this.membership, 'register', { id: this.id, zone: this.options.zone, address: this.address }, 2_000);
        return;
      } catch (err) {
        if (attempt % 10 === 0) this.log.warn('membership not reachable yet; retrying', { error: (err as Error).message });
        await new Promise((r) => setTimeout(r, 300));
      }
    }
  }

  private onClusterState(state: ClusterState): void {
    const tables = JSON.parse(state.tablesJson) as { TableName: string; TableId: string }[];
    this.tableNames = new Map(tables.map((t) => [t.TableId.replace(/-/g, ''), t.TableName]));
    const addresses = new Map(state.placement.nodes.map((n) => [n.id, n.address]));
    this.nodeAddresses = addresses;
    this.transport.setAddresses(addresses);
    if (state.placement.version !== this.driver.placementVersion) {
      this.driver.configure(state.placement);
      const roles = this.driver.roleCounts();
      this.log.info('placement applied', { version: state.placement.version, leaderVnodes: roles.leader, followerVnodes: roles.follower });
    }
    this.driver.setDroppedTables(state.droppedTableIds);
    for (const id of state.droppedTableIds) {
      if (!this.clearedTables.has(id)) {
        this.clearedTables.add(id);
        void this.dropTableData(id, state.placement.vnodeCount);
      }
    }
  }

  private async dropTableData(tableHex: string, vnodeCount: number): Promise<void> {
    const tableId = Buffer.from(tableHex, 'hex');
    try {
      await this.engine.clear(tableRange(tableId));
      const ops = [];
      for (let v = 0; v < vnodeCount; v++) ops.push({ type: 'del' as const, key: statsKey(v, tableId) });
      await this.engine.batch(ops);
      this.driver.stats.forget(tableHex);
    } catch (err) {
      this.log.error('dropping table data failed', { table: tableHex, error: err as Error });
    }
  }

  private async sendHeartbeat(): Promise<void> {
    const leaderVnodes: number[] = [];
    this.driver.replicas.forEach((r, v) => {
      if (r?.isLeader) leaderVnodes.push(v);
    });
    const roles = this.driver.roleCounts();
    const tables = [...this.driver.stats.totals(leaderVnodes)].map(([tableId, t]) => ({ tableId, itemCount: t.count, sizeBytes: t.bytes }));
    try {
      await unary(this.membership, 'heartbeat', {
        id: this.id,
        placementVersion: this.driver.placementVersion,
        tables,
        leaderVnodes: roles.leader,
        ledVnodes: leaderVnodes,
        followerVnodes: roles.follower,
        configs: this.driver.changedConfigs(),
      }, 2_000);
    } catch {
      // membership down: keep serving with the last placement
    }
  }

  private serveData(call: grpc.ServerDuplexStream<{ ops: DataOp[] }, { replies: DataReply[] }>): void {
    // Headers first: a router that saw them knows its operations may have reached this node.
    call.sendMetadata(new grpc.Metadata());
    let replies: DataReply[] = [];
    let scheduled = false;
    let open = true;
    const flush = () => {
      scheduled = false;
      if (!open || replies.length === 0) return;
      const out = replies;
      replies = [];
      call.write({ replies: out });
    };
    // Replies given during one task (a Data message's reads, a replication cycle's applied writes)
    // leave in one message as soon as that task ends: a setImmediate scheduled from the cycle
    // (itself a setImmediate) would hold them for a whole event-loop turn.
    const send = (reply: DataReply) => {
      replies.push(reply);
      if (!scheduled) {
        scheduled = true;
        queueMicrotask(flush);
      }
    };
    call.on('data', (batch: { ops: DataOp[] }) => {
      const gets: DataOp[] = [];
      for (const op of batch.ops) this.handle(op, send, gets);
      if (gets.length > 0) this.serveGets(gets, send);
    });
    call.on('end', () => {
      open = false;
      call.end();
    });
    call.on('error', () => {
      open = false;
    });
  }

  /** The GetItems of one Data message, read with one getMany. */
  private serveGets(gets: DataOp[], send: (reply: DataReply) => void): void {
    this.engine.getMany(gets.map((op) => dataKey(op.tableId, op.vnode, op.key))).then(
      (values) => {
        for (let i = 0; i < gets.length; i++) {
          const value = values[i];
          send({ id: gets[i].id, code: ReplyCode.Ok, body: value ? itemValueJson(value) : undefined });
        }
      },
      (err) => {
        for (const op of gets) send({ id: op.id, code: ReplyCode.Error, errorType: 'InternalServerError', errorMessage: String(err) });
      },
    );
  }

  /** Answers one operation, or (a GetItem this node may serve) adds it to `gets` to be read with the others. */
  private handle(op: DataOp, send: (reply: DataReply) => void, gets: DataOp[]): void {
    const replica = this.driver.replicas[op.vnode];
    const isRead = op.kind === OpKind.Get || op.kind === OpKind.Range;
    const serves = !replica || replica.role === 'none'
      ? false
      : !isRead
        ? replica.canWrite
        : (op.flags & OpFlag.Consistent) === 0
          ? replica.hasUsableData
          : replica.canReadConsistent(Date.now());
    if (!serves) {
      send(wrongNodeReply(op, this.driver));
      return;
    }
    switch (op.kind) {
      case OpKind.Get:
        gets.push(op);
        return;
      case OpKind.Range:
        void this.serveRange(op, send);
        return;
      case OpKind.Put:
      case OpKind.Delete:
      case OpKind.Update:
        this.writes.submit(op, send);
        return;
      default:
        send({ id: op.id, code: ReplyCode.Error, errorType: 'ValidationException', errorMessage: `unknown operation kind ${op.kind}` });
    }
  }

  private async serveRange(op: DataOp, send: (reply: DataReply) => void): Promise<void> {
    try {
      const read = JSON.parse(op.aux.toString('utf8')) as RangeRead;
      const result = await readRange(this.engine, op.tableId, op.vnode, read);
      send({ id: op.id, code: ReplyCode.Ok, aux: Buffer.from(JSON.stringify(result)) });
    } catch (err) {
      send({ id: op.id, code: ReplyCode.Error, errorType: 'InternalServerError', errorMessage: String(err) });
    }
  }

  async stop(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    await this.admin?.close();
    this.watch?.stop();
    this.antiEntropy?.stop();
    this.driver?.stop();
    this.transport?.close();
    if (this.server) await shutdownServer(this.server, 500);
    this.membership?.close();
    await this.engine?.close();
    this.log.info('storage node stopped');
  }
}
