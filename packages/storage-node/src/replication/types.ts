/** Replication messages and effects. Field names match proto/ringdb.proto (camelCase). */

export const MSG_APPEND = 1;
export const MSG_APPEND_REPLY = 2;

export interface Mutation {
  tableId: Buffer;
  key: Buffer;
  /** Stored value (size + item JSON); empty when `delete`. */
  value: Buffer;
  delete: boolean;
  countDelta: number;
  sizeDelta: number;
}

export interface LogEntry {
  index: number;
  term: number;
  mutations: Mutation[];
}

export interface PeerMsg {
  vnode: number;
  type: number;
  term: number;
  prevIndex: number;
  prevTerm: number;
  commit: number;
  entries: LogEntry[];
  ok: boolean;
  lastIndex: number;
}

export interface Outgoing {
  to: string;
  msg: PeerMsg;
}

/** Entries the driver must read from the durable log and hand back with `VnodeReplica.fetched`. */
export interface FetchRequest {
  vnode: number;
  peer: string;
  /** Inclusive bounds; `from` may be 0 only when `to` is 0 too (nothing to fetch). */
  from: number;
  to: number;
}

/**
 * What a replica asks its driver to do, in this order: persist `entries` and `state` and apply
 * `apply` in one atomic write; then send `messages`; then serve `fetch`; then call `advance(ready)`.
 */
export interface Ready {
  vnode: number;
  entries: LogEntry[];
  state: { term: number; applied: number; appliedTerm: number } | null;
  apply: LogEntry[];
  messages: Outgoing[];
  fetch: FetchRequest[];
  persistedUpTo: number;
  appliedUpTo: number;
}

export interface ReplicaTimings {
  /** Idle leaders send an empty append this often (carries the commit index; probes followers). */
  heartbeatMs: number;
  /** A follower that has not acknowledged for this long is re-sent everything from its match. */
  resendMs: number;
  /** At most this many entries in one append message. */
  maxEntriesPerMessage: number;
  /** Applied entries kept in memory for slow followers; older ones are fetched from disk. */
  retainedEntries: number;
}

export const DEFAULT_TIMINGS: ReplicaTimings = {
  heartbeatMs: 500,
  resendMs: 1_000,
  maxEntriesPerMessage: 512,
  retainedEntries: 4_096,
};
