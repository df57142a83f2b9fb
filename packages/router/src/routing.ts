import { unavailable } from '@ringdb/core';
import type { ClusterState, Logger, Placement } from '@ringdb/runtime';
import { ChannelBrokenError, NodeChannel, type OpReply, type OpRequest } from './node-channel.js';

/** Reply codes of the Data stream (storage-node/src/data-ops.ts). */
export const REPLY_OK = 0;
export const REPLY_ERROR = 1;
export const REPLY_WRONG_NODE = 2;
export const REPLY_UNAVAILABLE = 3;

const MAX_ATTEMPTS = 8;
/** A request gives up (ServiceUnavailable) once this much time has passed without an answer. */
const REQUEST_DEADLINE_MS = 10_000;

/**
 * Routes operations to the right replica from the router's cached placement: writes and strongly
 * consistent reads to the vnode's leader, eventually consistent reads to any live replica (spread
 * round-robin). A node that answers "wrong node" or a broken stream makes the router wait briefly
 * for newer placement and try again.
 */
export class Routing {
  private placement: Placement | undefined;
  private readonly channels = new Map<string, NodeChannel>();
  private readonly alive = new Map<string, boolean>();
  private waiters: (() => void)[] = [];
  private spread = 0;

  constructor(
    private readonly log: Logger,
    private readonly onRetry: () => void = () => undefined,
  ) {}

  get placementVersion(): number {
    return this.placement?.version ?? 0;
  }

  get vnodeCount(): number {
    return this.placement?.vnodeCount ?? 0;
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

  /** The vnode's replicas in preference order for this operation. */
  targets(vnode: number, needsLeader: boolean): string[] {
    const group = this.placement?.vnodes[vnode];
    if (!group || group.nodes.length === 0) return [];
    const leader = group.nodes[group.leader];
    if (needsLeader) return [leader];
    const usable = group.nodes.filter((id) => this.alive.get(id) !== false && !(this.channels.get(id)?.brokenSince));
    const pool = usable.length > 0 ? usable : group.nodes;
    const start = this.spread++ % pool.length;
    return [...pool.slice(start), ...pool.slice(0, start)];
  }

  async execute(op: Omit<OpRequest, 'placementVersion'>, needsLeader: boolean): Promise<OpReply> {
    let lastProblem = 'no placement yet';
    const deadline = Date.now() + REQUEST_DEADLINE_MS;
    for (let attempt = 0; attempt < MAX_ATTEMPTS && Date.now() < deadline; attempt++) {
      if (attempt > 0) {
        this.onRetry();
        await this.settle(Math.min(50 * 2 ** attempt, 1_000));
      }
      const targets = this.targets(op.vnode, needsLeader);
      for (const nodeId of targets) {
        const ch = this.channel(nodeId);
        if (!ch) continue;
        let reply: OpReply;
        try {
          reply = await ch.send({ ...op, placementVersion: this.placementVersion });
        } catch (err) {
          if (!(err instanceof ChannelBrokenError)) throw err;
          lastProblem = `node ${nodeId} unreachable`;
          continue;
        }
        if (reply.code === REPLY_WRONG_NODE) {
          lastProblem = `node ${nodeId} does not serve vnode ${op.vnode} at placement ${reply.placementVersion}`;
          break;
        }
        if (reply.code === REPLY_UNAVAILABLE) {
          throw unavailable(`vnode ${op.vnode} could not reach a quorum of replicas`);
        }
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
