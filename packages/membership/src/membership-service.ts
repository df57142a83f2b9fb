import { randomUUID } from 'node:crypto';
import { DynamoDBError, applyTagChange, describeTable, resourceInUse, resourceNotFound, tableIdBytes, type Tag, type TableEntry, type TableSpec } from '@ringdb/core';
import { SERVER_OPTIONS, bindServer, createRegistry, grpc, services, shutdownServer, startAdminServer, type ClusterState, type Logger } from '@ringdb/runtime';
import { Gauge } from 'prom-client';
import { StateFile, type PersistedState } from './membership-state.js';
import { computePlacement, planPlacement, preferredLeader, sameMembers, type VnodeAssignment, type VnodePlacement } from './placement.js';

export interface MembershipOptions {
  dataDir: string;
  listen: string;
  zones: string[];
  vnodeCount: number;
  /** A node not heard from for this long is reported down. */
  failureTimeoutMs: number;
  region: string;
  /** Admin HTTP port for /metrics, /health and /ready (0 picks a free port). */
  adminPort: number;
  log: Logger;
  /** At most this many vnodes move at once when nodes join or drain (default 32). */
  maxMoves?: number;
  /** Every vnode prefers its replica in this zone as leader (default: spread over the zones). */
  leaderZone?: string;
}

interface Liveness {
  lastSeenMs: number;
  alive: boolean;
  leaderVnodes: number;
  ledVnodes: number[];
  followerVnodes: number;
  appliedPlacementVersion: number;
  /** table id (hex) -> totals over the vnodes the node leads */
  tables: Map<string, { count: number; bytes: number }>;
}

type Unary<Req, Res> = (call: grpc.ServerUnaryCall<Req, Res>, cb: grpc.sendUnaryData<Res>) => void;

/**
 * The membership service: registers storage nodes with their zones, detects failed nodes by missed
 * heartbeats, computes vnode placement (one consistent-hash ring per zone), keeps the table
 * catalogue, persists all of it, and pushes every change to routers and nodes over Watch streams.
 */
export class MembershipService {
  private state!: PersistedState;
  /** What placement publishes: current replicas, and targets of the vnodes that move. */
  private placement: VnodePlacement[] = [];
  /** What the rings assign now; vnodes whose current replicas differ move there. */
  private target: VnodeAssignment[] = [];
  private readonly liveness = new Map<string, Liveness>();
  private readonly watchers = new Set<grpc.ServerWritableStream<unknown, ClusterState>>();
  private readonly file: StateFile;
  private server!: grpc.Server;
  private detector: NodeJS.Timeout | undefined;
  private admin: { port: number; close(): Promise<void> } | undefined;
  port = 0;
  adminPort = 0;

  constructor(private readonly options: MembershipOptions) {
    this.file = new StateFile(options.dataDir);
  }

  async start(): Promise<void> {
    const { options } = this;
    const loaded = await this.file.load();
    this.state = loaded ?? {
      placementVersion: 1,
      catalogVersion: 1,
      vnodeCount: options.vnodeCount,
      zones: options.zones,
      nodes: [],
      tables: [],
      droppedTableIds: [],
    };
    if (loaded && (loaded.vnodeCount !== options.vnodeCount || loaded.zones.join() !== options.zones.join())) {
      options.log.warn('keeping the persisted vnode count and zones; flags differ', {
        vnodeCount: loaded.vnodeCount,
        zones: loaded.zones,
      });
    }
    if (options.leaderZone && !this.state.zones.includes(options.leaderZone)) {
      throw new Error(`leader zone ${options.leaderZone} is not one of the zones ${this.state.zones.join(', ')}`);
    }
    this.replan();
    // Nodes known from before a restart count as alive until they miss heartbeats.
    const now = Date.now();
    for (const n of this.state.nodes) this.liveness.set(n.id, this.freshLiveness(now));
    if (!loaded) await this.file.save(this.state);

    this.server = new grpc.Server(SERVER_OPTIONS);
    this.server.addService(services().Membership.service, {
      register: this.register,
      heartbeat: this.heartbeat,
      watch: (call: grpc.ServerWritableStream<unknown, ClusterState>) => {
        this.watchers.add(call);
        call.write(this.clusterState());
        const drop = () => this.watchers.delete(call);
        call.on('cancelled', drop);
        call.on('close', drop);
        call.on('error', drop);
      },
      createTable: this.createTable,
      deleteTable: this.deleteTable,
      describeTable: this.describeTableRpc,
      listTables: this.listTables,
      tags: this.tags,
      decommission: this.decommission,
    });
    this.port = await bindServer(this.server, options.listen);
    this.detector = setInterval(() => this.detectFailures(), Math.max(100, Math.floor(options.failureTimeoutMs / 4)));
    const host = options.listen.slice(0, options.listen.lastIndexOf(':'));
    this.admin = await startAdminServer({ host, port: options.adminPort, registry: this.metricsRegistry(), log: options.log });
    this.adminPort = this.admin.port;
    options.log.info('membership started', {
      port: this.port,
      zones: this.state.zones,
      vnodes: this.state.vnodeCount,
      nodes: this.state.nodes.length,
      tables: this.state.tables.length,
      placementVersion: this.state.placementVersion,
    });
  }

  /** Live and down nodes per zone, placement and catalogue versions, computed when scraped. */
  private metricsRegistry() {
    const registry = createRegistry('membership');
    const service = this;
    new Gauge({
      name: 'ringdb_membership_nodes',
      help: 'Registered storage nodes per zone and state (up or down)',
      labelNames: ['zone', 'state'],
      registers: [registry],
      collect() {
        this.reset();
        for (const zone of service.state.zones) {
          const nodes = service.state.nodes.filter((n) => n.zone === zone);
          const up = nodes.filter((n) => service.liveness.get(n.id)?.alive).length;
          this.set({ zone, state: 'up' }, up);
          this.set({ zone, state: 'down' }, nodes.length - up);
        }
      },
    });
    new Gauge({
      name: 'ringdb_membership_placement_version',
      help: 'Current placement version',
      registers: [registry],
      collect() {
        this.set(service.state.placementVersion);
      },
    });
    new Gauge({
      name: 'ringdb_membership_moving_vnodes',
      help: 'Vnodes whose replicas differ from what the rings assign (moving or waiting to move)',
      registers: [registry],
      collect() {
        this.set(service.movesLeft());
      },
    });
    new Gauge({
      name: 'ringdb_membership_tables',
      help: 'Tables in the catalogue',
      registers: [registry],
      collect() {
        this.set(service.state.tables.length);
      },
    });
    return registry;
  }

  async stop(): Promise<void> {
    if (this.detector) clearInterval(this.detector);
    await this.admin?.close();
    for (const w of this.watchers) w.end();
    this.watchers.clear();
    await shutdownServer(this.server, 500);
  }

  private freshLiveness(now: number): Liveness {
    return { lastSeenMs: now, alive: true, leaderVnodes: 0, ledVnodes: [], followerVnodes: 0, appliedPlacementVersion: 0, tables: new Map() };
  }

  clusterState(): ClusterState {
    const zonesComplete = this.placement.length > 0;
    return {
      placement: {
        version: this.state.placementVersion,
        vnodeCount: this.state.vnodeCount,
        zones: this.state.zones,
        nodes: this.state.nodes.map((n) => {
          const l = this.liveness.get(n.id);
          return { id: n.id, zone: n.zone, address: n.address, alive: l?.alive ?? false, lastSeenMs: l?.lastSeenMs ?? 0, draining: n.draining ?? false };
        }),
        vnodes: zonesComplete ? this.placement : [],
      },
      catalogVersion: this.state.catalogVersion,
      tablesJson: JSON.stringify(this.state.tables),
      droppedTableIds: this.state.droppedTableIds,
      nodeStatus: this.state.nodes.map((n) => {
        const l = this.liveness.get(n.id);
        return {
          id: n.id,
          leaderVnodes: l?.leaderVnodes ?? 0,
          ledVnodes: l?.alive ? l.ledVnodes : [],
          followerVnodes: l?.followerVnodes ?? 0,
          appliedPlacementVersion: l?.appliedPlacementVersion ?? 0,
        };
      }),
    };
  }

  private push(): void {
    const state = this.clusterState();
    for (const w of this.watchers) w.write(state);
  }

  private readonly register: Unary<{ id: string; zone: string; address: string }, { placementVersion: number }> = (call, cb) => {
    const { id, zone, address } = call.request;
    if (!id || !address || !this.state.zones.includes(zone)) {
      cb({ code: grpc.status.INVALID_ARGUMENT, details: `a node needs an id, an address and one of the zones ${this.state.zones.join(', ')}` });
      return;
    }
    const existing = this.state.nodes.find((n) => n.id === id);
    const now = Date.now();
    this.liveness.set(id, { ...(this.liveness.get(id) ?? this.freshLiveness(now)), lastSeenMs: now, alive: true });
    if (existing && existing.zone !== zone) {
      cb({ code: grpc.status.FAILED_PRECONDITION, details: `node ${id} is registered in zone ${existing.zone}` });
      return;
    }
    if (!existing || existing.address !== address) {
      if (existing) existing.address = address;
      else this.state.nodes.push({ id, zone, address });
      this.state.placementVersion++;
      this.replan();
      this.options.log.info(existing ? 'node address changed' : 'node registered', { id, zone, address, placementVersion: this.state.placementVersion });
      this.file.save(this.state).then(
        () => {
          this.push();
          cb(null, { placementVersion: this.state.placementVersion });
        },
        (err) => cb({ code: grpc.status.INTERNAL, details: String(err) }),
      );
      return;
    }
    this.options.log.info('node re-registered', { id, zone, address });
    this.push();
    cb(null, { placementVersion: this.state.placementVersion });
  };

  private readonly heartbeat: Unary<
    {
      id: string;
      placementVersion: number;
      tables: { tableId: string; itemCount: number; sizeBytes: number }[];
      leaderVnodes: number;
      ledVnodes: number[];
      followerVnodes: number;
      configs?: { vnode: number; voters: string[] }[];
    },
    { placementVersion: number }
  > = (call, cb) => {
    const req = call.request;
    const l = this.liveness.get(req.id);
    if (!l) {
      cb({ code: grpc.status.NOT_FOUND, details: `unknown node ${req.id}` });
      return;
    }
    l.lastSeenMs = Date.now();
    l.leaderVnodes = req.leaderVnodes;
    l.ledVnodes = req.ledVnodes ?? [];
    l.followerVnodes = req.followerVnodes;
    l.appliedPlacementVersion = req.placementVersion;
    l.tables = new Map(req.tables.map((t) => [t.tableId, { count: t.itemCount, bytes: t.sizeBytes }]));
    if (!l.alive) {
      l.alive = true;
      this.options.log.info('node is up', { id: req.id });
      this.push();
    }
    if (req.configs && req.configs.length > 0) this.onConfigsReported(req.configs);
    cb(null, { placementVersion: this.state.placementVersion });
  };

  /**
   * Recomputes the rings' assignment and what placement publishes. The first complete assignment,
   * and any while no table exists (no data can move), is taken as the current one directly;
   * afterwards vnodes move one by one through their replicas' logs.
   */
  private replan(): void {
    const { zones, nodes, vnodeCount } = this.state;
    const { leaderZone } = this.options;
    this.target = computePlacement(zones, nodes, vnodeCount, leaderZone);
    if (this.target.length === 0) {
      this.placement = [];
      return;
    }
    const current = this.state.assignments;
    const noData = this.state.tables.length === 0 && this.state.droppedTableIds.length === 0;
    if (!current || current.length !== vnodeCount || noData) this.state.assignments = this.target.map((a) => ({ nodes: a.nodes.slice(), leader: a.leader }));
    // The designated leaders follow the leader-zone setting of this run, also for persisted state.
    this.state.assignments!.forEach((a, v) => (a.leader = preferredLeader(zones, v, leaderZone)));
    const moving = new Set<number>();
    this.placement.forEach((p, v) => {
      if (p.target.length > 0) moving.add(v);
    });
    this.placement = planPlacement(this.state.assignments!, this.target, this.options.maxMoves ?? 32, moving);
  }

  /** Vnodes still moving (their target differs from their current replicas). */
  private movesLeft(): number {
    const current = this.state.assignments ?? [];
    return this.target.filter((t, v) => current[v] && !sameMembers(t.nodes, current[v].nodes)).length;
  }

  /**
   * A vnode's leader reports the voters its applied configuration holds: when they are the move's
   * target, the move is done and the vnode's current replicas become the target.
   */
  private onConfigsReported(configs: { vnode: number; voters: string[] }[]): void {
    let changed = false;
    for (const { vnode, voters } of configs) {
      const p = this.placement[vnode];
      if (!p || p.target.length === 0 || !sameMembers(voters, p.target)) continue;
      this.state.assignments![vnode] = { nodes: p.target.slice(), leader: p.targetLeader };
      changed = true;
      this.options.log.info('vnode moved', { vnode, from: p.nodes, to: p.target });
    }
    if (!changed) return;
    this.publishPlacementChange();
    this.options.log.info('placement updated after moves', { placementVersion: this.state.placementVersion, movesLeft: this.movesLeft() });
  }

  /** A new placement version from the changed state: replanned, then saved and pushed to watchers. */
  private publishPlacementChange(): void {
    this.state.placementVersion++;
    this.replan();
    this.file.save(this.state).then(
      () => this.push(),
      (err) => this.options.log.error('saving membership state failed', { error: err as Error }),
    );
  }

  /** `ringdb node decommission <id>`: the node leaves the rings; its vnodes move to the rest of its zone. */
  private readonly decommission: Unary<{ id: string }, { placementVersion: number; error: string }> = (call, cb) => {
    const node = this.state.nodes.find((n) => n.id === call.request.id);
    if (!node) return cb(null, { placementVersion: this.state.placementVersion, error: `unknown node ${call.request.id}` });
    if (!node.draining) {
      const others = this.state.nodes.filter((n) => n.zone === node.zone && n.id !== node.id && !n.draining);
      if (others.length === 0) {
        return cb(null, { placementVersion: this.state.placementVersion, error: `node ${node.id} is the last one in zone ${node.zone}: add another node to the zone first` });
      }
      node.draining = true;
      this.state.placementVersion++;
      this.replan();
      this.options.log.info('node decommissioning', { id: node.id, zone: node.zone, placementVersion: this.state.placementVersion, movesLeft: this.movesLeft() });
    }
    this.file.save(this.state).then(
      () => {
        this.push();
        cb(null, { placementVersion: this.state.placementVersion, error: '' });
      },
      (err) => cb({ code: grpc.status.INTERNAL, details: String(err) }),
    );
  };

  private detectFailures(): void {
    const now = Date.now();
    let changed = false;
    for (const [id, l] of this.liveness) {
      if (l.alive && now - l.lastSeenMs > this.options.failureTimeoutMs) {
        l.alive = false;
        changed = true;
        this.options.log.warn('node is down', { id, silentMs: now - l.lastSeenMs });
      }
    }
    if (this.forgetDrainedNodes()) return;
    if (changed) this.push();
  }

  /**
   * A decommissioned node that holds no vnode any more (nor is the target of a move) and has been
   * stopped leaves the registry; while it still runs it stays listed as draining. Returns whether
   * the placement changed (it was then saved and pushed).
   */
  private forgetDrainedNodes(): boolean {
    const holds = (id: string) =>
      (this.state.assignments ?? []).some((a) => a.nodes.includes(id)) || this.placement.some((p) => p.target.includes(id));
    const gone = this.state.nodes.filter((n) => n.draining && !(this.liveness.get(n.id)?.alive ?? false) && !holds(n.id));
    if (gone.length === 0) return false;
    this.state.nodes = this.state.nodes.filter((n) => !gone.includes(n));
    for (const n of gone) this.liveness.delete(n.id);
    this.publishPlacementChange();
    for (const n of gone) this.options.log.info('decommissioned node removed', { id: n.id, zone: n.zone, placementVersion: this.state.placementVersion });
    return true;
  }

  // ---------------------------------------------------------------- catalogue

  private tableStats(entry: TableEntry): { itemCount: number; sizeBytes: number } {
    const hex = tableIdBytes(entry.TableId).toString('hex');
    let itemCount = 0;
    let sizeBytes = 0;
    for (const l of this.liveness.values()) {
      if (!l.alive) continue; // its vnodes' new leaders report them
      const t = l.tables.get(hex);
      if (t) {
        itemCount += t.count;
        sizeBytes += t.bytes;
      }
    }
    return { itemCount, sizeBytes };
  }

  private describe(entry: TableEntry, status: 'ACTIVE' | 'DELETING'): string {
    return JSON.stringify(describeTable(entry, status, this.tableStats(entry)));
  }

  private static fail(cb: grpc.sendUnaryData<{ json: string; errorType?: string; errorMessage?: string }>, err: DynamoDBError): void {
    cb(null, { json: '', errorType: err.type, errorMessage: err.message });
  }

  private readonly createTable: Unary<{ name: string; json: string }, { json: string }> = (call, cb) => {
    const spec = JSON.parse(call.request.json) as TableSpec;
    if (this.state.tables.some((t) => t.TableName === spec.TableName)) {
      MembershipService.fail(cb, resourceInUse(`Table already exists: ${spec.TableName}`));
      return;
    }
    const entry: TableEntry = {
      ...spec,
      TableId: randomUUID(),
      TableArn: `arn:aws:dynamodb:${this.options.region}:000000000000:table/${spec.TableName}`,
      CreationDateTime: Date.now() / 1000,
    };
    this.state.tables.push(entry);
    this.state.catalogVersion++;
    this.file.save(this.state).then(
      () => {
        this.options.log.info('table created', { table: entry.TableName, tableId: entry.TableId });
        this.push();
        cb(null, { json: this.describe(entry, 'ACTIVE') });
      },
      (err) => cb({ code: grpc.status.INTERNAL, details: String(err) }),
    );
  };

  private readonly deleteTable: Unary<{ name: string }, { json: string }> = (call, cb) => {
    const i = this.state.tables.findIndex((t) => t.TableName === call.request.name);
    if (i < 0) {
      MembershipService.fail(cb, resourceNotFound(`Requested resource not found: Table: ${call.request.name} not found`));
      return;
    }
    const [entry] = this.state.tables.splice(i, 1);
    const description = this.describe(entry, 'DELETING');
    this.state.droppedTableIds.push(tableIdBytes(entry.TableId).toString('hex'));
    this.state.catalogVersion++;
    this.file.save(this.state).then(
      () => {
        this.options.log.info('table deleted', { table: entry.TableName, tableId: entry.TableId });
        this.push();
        cb(null, { json: description });
      },
      (err) => cb({ code: grpc.status.INTERNAL, details: String(err) }),
    );
  };

  private readonly describeTableRpc: Unary<{ name: string }, { json: string }> = (call, cb) => {
    const entry = this.state.tables.find((t) => t.TableName === call.request.name);
    if (!entry) {
      MembershipService.fail(cb, resourceNotFound(`Requested resource not found: Table: ${call.request.name} not found`));
      return;
    }
    cb(null, { json: this.describe(entry, 'ACTIVE') });
  };

  private readonly tags: Unary<{ arn: string; addJson: string; remove: string[] }, { tagsJson: string; errorType?: string; errorMessage?: string }> = (call, cb) => {
    const { arn, addJson, remove } = call.request;
    const entry = this.state.tables.find((t) => t.TableArn === arn);
    if (!entry) {
      cb(null, { tagsJson: '', errorType: 'ResourceNotFoundException', errorMessage: `Requested resource not found: ResourcArn: ${arn} not found` });
      return;
    }
    const add = addJson ? (JSON.parse(addJson) as Tag[]) : [];
    if (add.length === 0 && remove.length === 0) {
      cb(null, { tagsJson: JSON.stringify(entry.Tags ?? []) });
      return;
    }
    let tags: Tag[];
    try {
      tags = applyTagChange(entry.Tags ?? [], add, remove);
    } catch (err) {
      if (!(err instanceof DynamoDBError)) throw err;
      cb(null, { tagsJson: '', errorType: err.type, errorMessage: err.message });
      return;
    }
    entry.Tags = tags;
    this.state.catalogVersion++;
    this.file.save(this.state).then(
      () => {
        this.push();
        cb(null, { tagsJson: JSON.stringify(tags) });
      },
      (err) => cb({ code: grpc.status.INTERNAL, details: String(err) }),
    );
  };

  private readonly listTables: Unary<{ exclusiveStart: string; limit: number }, { names: string[]; lastEvaluated: string }> = (call, cb) => {
    const { exclusiveStart, limit } = call.request;
    const names = this.state.tables.map((t) => t.TableName).sort();
    const after = exclusiveStart ? names.filter((n) => n > exclusiveStart) : names;
    const max = limit > 0 ? limit : 100;
    const page = after.slice(0, max);
    cb(null, { names: page, lastEvaluated: after.length > max ? page[page.length - 1] : '' });
  };
}
