import * as grpc from '@grpc/grpc-js';
import { ManagedClient } from './managed-client.js';
import { services } from './proto.js';
import type { Logger } from './log.js';

/** Placement and catalogue as membership pushes them (proto messages, camelCase). */
export interface NodeInfo {
  id: string;
  zone: string;
  address: string;
  alive: boolean;
  lastSeenMs: number;
  /** Being decommissioned: its vnodes move away, then it holds none. */
  draining: boolean;
}

export interface VnodeReplicas {
  /** The current replicas, one per zone in zone order. */
  nodes: string[];
  /** Index into `nodes` of the preferred leader. */
  leader: number;
  /** While the vnode moves: the replicas it moves to (empty otherwise), and their preferred leader. */
  target: string[];
  targetLeader: number;
}

export interface Placement {
  version: number;
  vnodeCount: number;
  zones: string[];
  nodes: NodeInfo[];
  vnodes: VnodeReplicas[];
}

export interface NodeStatus {
  id: string;
  leaderVnodes: number;
  /** The vnodes the node reported leading (elected leaders; empty while it is down). */
  ledVnodes: number[];
  followerVnodes: number;
  appliedPlacementVersion: number;
}

export interface ClusterState {
  placement: Placement;
  catalogVersion: number;
  tablesJson: string;
  droppedTableIds: string[];
  nodeStatus: NodeStatus[];
}

/** A client of the membership service; its channel is replaced when it stays unconnected (ManagedClient). */
export function membershipClient(address: string): ManagedClient {
  return new ManagedClient(services().Membership, address);
}

/**
 * Keeps a Watch stream to membership open, reconnecting with backoff, and hands every pushed state
 * to `onState`. While membership is unreachable, callers keep using the last state they got.
 */
export function watchCluster(
  managed: ManagedClient,
  name: string,
  onState: (state: ClusterState) => void,
  log: Logger,
): { stop(): void } {
  let stopped = false;
  let call: grpc.ClientReadableStream<ClusterState> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let connected = false;
  const open = () => {
    if (stopped) return;
    call = (managed.client as unknown as { watch(req: unknown): grpc.ClientReadableStream<ClusterState> }).watch({ client: name });
    call.on('data', (state: ClusterState) => {
      if (!connected) log.info('watching membership', { placementVersion: state.placement?.version });
      connected = true;
      onState(state);
    });
    const retry = () => {
      if (stopped || timer) return;
      if (connected) log.warn('membership watch lost; keeping the last placement');
      connected = false;
      timer = setTimeout(() => {
        timer = undefined;
        open();
      }, 500);
    };
    call.on('error', retry);
    call.on('end', retry);
  };
  // A replaced channel (stuck connecting): open the watch again on the new one.
  managed.onReset(() => {
    if (stopped) return;
    call?.cancel();
  });
  open();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      call?.cancel();
    },
  };
}

/** Reads the current cluster state once (the first message of a Watch stream from membership). */
export function readClusterState(address: string, timeoutMs = 5_000, clientName = 'reader'): Promise<ClusterState> {
  const client = membershipClient(address);
  return new Promise((resolve, reject) => {
    const call = (client.client as unknown as { watch(req: unknown, opts: unknown): NodeJS.EventEmitter & { cancel(): void } }).watch(
      { client: clientName },
      { deadline: Date.now() + timeoutMs },
    );
    call.once('data', (state: ClusterState) => {
      call.cancel();
      client.close();
      resolve(state);
    });
    call.once('error', (err: Error) => {
      client.close();
      if (!/Cancelled/.test(err.message)) reject(new Error(`membership at ${address} is not reachable: ${err.message}`));
    });
  });
}
