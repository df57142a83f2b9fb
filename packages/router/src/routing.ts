import { internalError, unavailable } from '@ringdb/core';
import type { ClusterState, Logger, Placement } from '@ringdb/runtime';
import { ChannelBrokenError, NodeChannel, SlowNodeError, type OpReply, type OpRequest } from './node-channel.js';

/** Reply codes of the Data stream (storage-node/src/data-ops.ts). */
export const REPLY_OK = 0;
export const REPLY_ERROR = 1;
export const REPLY_WRONG_NODE = 2;
export const REPLY_UNAVAILABLE = 3;

/** Operation kinds that only read (storage-node/src/data-ops.ts). */
const KIND_GET = 2;
const KIND_RANGE = 5;
/** A request gives up (ServiceUnavailable) once this much time has passed without an answer. */
const REQUEST_DEADLINE_MS = 10_000;
/** For this long a request tries only nodes that answer (longer than an election usually takes). */
const AVOID_SUSPECTS_MS = 3_000;
/**
 * A read not answered within this long is sent to the next replica as well (a hedged read): a
 * paused or overloaded node would otherwise hold it for the whole reply timeout. Reads only: a write
 * is never sent twice. The slow node then counts as not answering for SLOW_NODE_MS.
 */
const HEDGE_READ_MS = 500;
const SLOW_NODE_MS = 2_000;

/**
 * Routes operations to the right replica from the router's cached placement: writes and strongly
 * consistent reads to the vnode's leader, eventually consistent reads to any live replica (spread
 * round-robin). A node that is not the leader names the leader it knows; a vnode in an election
 * (no leader yet) or an unreachable node makes the router wait briefly and try again.
 */
export class Routing {
  private placement: Placement | undefined;
  private readonly channels = new Map<string, NodeChannel>();
  private readonly alive = new Map<string, boolean>();
  /** Each vnode's leader as last seen: leaders are elected by the replicas, not set by placement. */
  private readonly leaders = new Map<number, string>();
  private waiters: (() => void)[] = [];
  private spread = 0;
  /** Nodes that left a read unanswered for HEDGE_READ_MS, until when they count as not answering. */
  private readonly slowUntil = new Map<string, number>();

  constructor(
    private readonly log: Logger,
    private readonly onRetry: () => void = () => undefined,
  ) {}

  get placementVersion(): number {
    return this.placement?.version ?? 0;
  }

  /** Whether a placement arrived: until then no key can be mapped to its vnode. */
  get hasPlacement(): boolean {
    return (this.placement?.vnodeCount ?? 0) > 0;
  }

  /**
   * The ring's vnode count, which keys are hashed onto. Only known with a placement: operations
   * wait for one first (`whenPlaced`), as a key hashed onto any other count lands on a wrong vnode.
   */
  get vnodeCount(): number {
    const count = this.placement?.vnodeCount ?? 0;
    if (count <= 0) throw internalError('No placement yet: the request was routed before the router knew the ring');
    return count;
  }

  /** Resolves once a placement arrived; ServiceUnavailable when none came within the request deadline. */
  async whenPlaced(): Promise<void> {
    const deadline = Date.now() + REQUEST_DEADLINE_MS;
    while (!this.hasPlacement) {
      const left = deadline - Date.now();
      if (left <= 0) throw unavailable('The router has no placement from the membership service yet.');
      await this.settle(left);
    }
  }

  update(state: ClusterState): void {
    const placement = state.placement;
    for (const n of placement.nodes) {
      this.alive.set(n.id, n.alive);
      const ch = this.channels.get(n.id);
      if (ch && ch.address !== n.address) {
        ch.close();
        this.channels.delete(n.id);
      }
    }
    const newer = !this.placement || placement.version !== this.placement.version;
    this.placement = placement;
    // Leaders the live nodes report (ledVnodes, as of their last heartbeat) fill in vnodes whose
    // leader this router has not seen itself; what a replica answered is fresher and is kept.
    for (const st of state.nodeStatus ?? []) {
      if (this.alive.get(st.id) === false) continue;
      for (const v of st.ledVnodes ?? []) if (!this.leaders.has(v)) this.leaders.set(v, st.id);
    }
    if (newer) this.log.info('placement updated', { version: placement.version, nodes: placement.nodes.length });
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w();
  }

  private channel(nodeId: string): NodeChannel | undefined {
    let ch = this.channels.get(nodeId);
    if (!ch) {
      const node = this.placement?.nodes.find((n) => n.id === nodeId);
      if (!node) return undefined;
      ch = new NodeChannel(nodeId, node.address);
      this.channels.set(nodeId, ch);
    }
    return ch;
  }

  /** Waits until placement changes or `ms` passes. */
  private settle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve();
      }, ms);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push(done);
    });
  }

  private isHealthy(id: string): boolean {
    if (this.alive.get(id) === false) return false;
    const slow = this.slowUntil.get(id);
    if (slow !== undefined) {
      if (Date.now() < slow) return false;
      this.slowUntil.delete(id);
    }
    const ch = this.channels.get(id);
    return !ch || ch.healthy;
  }

  /**
   * The vnode's replicas in the order to try them. Leader operations: the leader this router last
   * saw (or was told of), else the placement's preferred leader, then the other replicas (any of
   * them can name the leader). Eventually consistent reads: every live replica, spread round-robin.
   */
  targets(vnode: number, needsLeader: boolean): string[] {
    const group = this.placement?.vnodes[vnode];
    if (!group || group.nodes.length === 0) return [];
    const healthy = (id: string) => this.isHealthy(id);
    if (needsLeader) {
      const first = this.leaders.get(vnode) ?? group.nodes[group.leader];
      const order = [first, ...group.nodes.filter((id) => id !== first)];
      // A node that stopped answering goes last: the others know whether a new leader took over.
      return [...order.filter(healthy), ...order.filter((id) => !healthy(id))];
    }
    // Eventually consistent reads go to the leader while it is healthy: it has applied every write
    // it acknowledged, so a read right after a write sees it (a follower may not have applied it
    // yet). Leadership is spread over the nodes, and so are these reads. The other live replicas
    // follow, spread round-robin, for when the leader does not answer.
    const usable = group.nodes.filter(healthy);
    const pool = usable.length > 0 ? usable : group.nodes;
    const start = this.spread++ % pool.length;
    const spread = [...pool.slice(start), ...pool.slice(0, start)];
    const leader = this.leaders.get(vnode) ?? group.nodes[group.leader];
    if (!healthy(leader) || !group.nodes.includes(leader)) return spread;
    return [leader, ...spread.filter((id) => id !== leader)];
  }

  /**
   * The replica `targets` would put first when it is healthy, found without building the list:
   * most operations go there and get their answer, so the list is built only when it does not.
   */
  private firstTarget(vnode: number, needsLeader: boolean): string | undefined {
    const group = this.placement?.vnodes[vnode];
    if (!group || group.nodes.length === 0) return undefined;
    const leader = this.leaders.get(vnode) ?? group.nodes[group.leader];
    if (!this.isHealthy(leader)) return undefined;
    return needsLeader || group.nodes.includes(leader) ? leader : undefined;
  }

  /**
   * Sends one operation to the replica that can serve it, following leader hints and retrying with
   * backoff while a vnode elects a leader. A write is never sent twice when the first attempt may
   * have reached a node (its outcome is unknown): that answers InternalServerError instead.
   * `op` must be a fresh object: its first attempt sends it as it is.
   */
  async execute(op: Omit<OpRequest, 'placementVersion'>, needsLeader: boolean): Promise<OpReply> {
    const isWrite = op.kind !== KIND_GET && op.kind !== KIND_RANGE;
    let lastProblem = 'no placement yet';
    const started = Date.now();
    const deadline = started + REQUEST_DEADLINE_MS;
    let fresh = true;
    for (let attempt = 0; Date.now() < deadline; attempt++) {
      if (attempt > 0) {
        this.onRetry();
        await this.settle(Math.min(25 * 2 ** attempt, 200));
      }
      // The first replica to try; the whole ordered list only once it did not serve the operation.
      let queue: string[] | undefined;
      let next = this.firstTarget(op.vnode, needsLeader);
      const tried: string[] = [];
      // A node that stopped answering (down, or paused) is skipped for a while even when it is
      // named as leader: its vnodes usually elect a new leader within an election timeout or two,
      // whereas a request sent to it could wait for the whole reply timeout.
      const avoidSuspects = Date.now() - started < AVOID_SUSPECTS_MS;
      for (;;) {
        let nodeId: string;
        if (next !== undefined) {
          nodeId = next;
          next = undefined;
        } else {
          queue ??= this.targets(op.vnode, needsLeader);
          if (queue.length === 0) break;
          nodeId = queue.shift()!;
        }
        if (tried.includes(nodeId)) continue;
        if (avoidSuspects && !this.isHealthy(nodeId)) {
          lastProblem = `node ${nodeId} is not answering`;
          continue;
        }
        tried.push(nodeId);
        const ch = this.channel(nodeId);
        if (!ch) continue;
        let reply: OpReply;
        try {
          // The channel numbers what it sends: a retry sends a copy (the first may still be queued).
          const request = fresh ? (op as OpRequest) : ({ ...op } as OpRequest);
          fresh = false;
          request.placementVersion = this.placementVersion;
          reply = await ch.send(request, isWrite ? 0 : HEDGE_READ_MS);
        } catch (err) {
          if (err instanceof SlowNodeError) {
            // Still waiting on it; ask the next replica too (it serves, or names the leader).
            this.slowUntil.set(nodeId, Date.now() + SLOW_NODE_MS);
            if (this.leaders.get(op.vnode) === nodeId) this.leaders.delete(op.vnode);
            lastProblem = `node ${nodeId} did not answer a read within ${HEDGE_READ_MS} ms`;
            continue;
          }
          if (!(err instanceof ChannelBrokenError)) throw err;
          if (this.leaders.get(op.vnode) === nodeId) this.leaders.delete(op.vnode);
          if (isWrite && err.delivered) throw internalError('The write may or may not have been applied: its storage node stopped answering');
          lastProblem = `node ${nodeId} unreachable`;
          continue;
        }
        if (reply.code === REPLY_WRONG_NODE) {
          lastProblem = `node ${nodeId} cannot serve vnode ${op.vnode} now`;
          if (needsLeader) {
            const hint = reply.leaderHint;
            if (hint && !tried.includes(hint)) {
              this.leaders.set(op.vnode, hint);
              queue ??= this.targets(op.vnode, needsLeader);
              // A leader that stopped answering may be the one the follower still names: try it last.
              if (this.isHealthy(hint)) queue.unshift(hint);
              else queue.push(hint);
            } else if (this.leaders.get(op.vnode) === nodeId) {
              this.leaders.delete(op.vnode);
            }
          }
          continue;
        }
        if (reply.code === REPLY_UNAVAILABLE) {
          throw unavailable(`vnode ${op.vnode} could not reach a quorum of replicas`);
        }
        if (needsLeader) this.leaders.set(op.vnode, nodeId);
        return reply;
      }
    }
    this.log.warn('operation failed after retries', { vnode: op.vnode, reason: lastProblem });
    throw unavailable();
  }

  close(): void {
    for (const ch of this.channels.values()) ch.close();
    this.channels.clear();
  }
}
