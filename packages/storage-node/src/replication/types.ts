/** Replication messages and effects. Field names match proto/ringdb.proto (camelCase). */

/** Leader -> follower: entries after (prevIndex, prevTerm), the leader's commit; always answered. */
export const MSG_APPEND = 1;
/** Follower -> leader: ok with the index its log matches up to, or a rejection with a hint. */
export const MSG_APPEND_REPLY = 2;
/** Candidate -> voter: vote for me in `term`; my log ends at (lastIndex, prevTerm). */
export const MSG_VOTE = 3;
export const MSG_VOTE_REPLY = 4;
/** Would you vote for me in `term`? Changes no state at the voter (Raft's pre-vote). */
export const MSG_PRE_VOTE = 5;
export const MSG_PRE_VOTE_REPLY = 6;
/** Leader -> follower: the commit index advanced up to (prevIndex, prevTerm); not answered. */
export const MSG_COMMIT = 7;
/** Leader -> its preferred successor: campaign now (leadership transfer). */
export const MSG_TIMEOUT_NOW = 8;
/**
 * Leader -> follower: one chunk of a snapshot of the vnode's data as of (prevIndex, prevTerm), for a
 * follower that needs log entries the leader has compacted away. `lastIndex` is the chunk number
 * (from 0), `ok` marks the last chunk, `entries[0].mutations` holds the rows.
 */
export const MSG_SNAPSHOT = 9;
/** Follower -> leader: chunk `lastIndex` of the snapshot at `prevIndex` is durable (ok) or refused. */
export const MSG_SNAPSHOT_REPLY = 10;

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
  /** Empty for the no-op entry a new leader appends to commit its predecessors' entries. */
  mutations: Mutation[];
  /**
   * A configuration entry: the vnode's voting replicas from this entry on (it takes effect when
   * appended, committed or not, as in Raft's single-server membership changes).
   */
  config?: string[];
  /**
   * The entry's log-codec bytes, once known (received, read back, or encoded once): the leader
   * writes one encoding to its log and to every follower, a follower writes the bytes it received.
   * Entries are never changed after creation, so the bytes stay true.
   */
  encoded?: Buffer;
}

export interface PeerMsg {
  vnode: number;
  type: number;
  term: number;
  prevIndex: number;
  /** APPEND/COMMIT: term of the entry at prevIndex. VOTE/PRE_VOTE: term of the candidate's last entry. */
  prevTerm: number;
  commit: number;
  entries: LogEntry[];
  /** Replies: success / vote granted. VOTE: the candidate campaigns because of a leadership transfer. */
  ok: boolean;
  /** APPEND_REPLY: the follower's match index (ok) or where its log could match (rejection). VOTE: the candidate's last index. */
  lastIndex: number;
  /** APPEND: the leader's clock when it sent the message; APPEND_REPLY: echoed (leader lease). */
  sentAt: number;
  /** APPEND_REPLY: this replica has no usable state (an interrupted snapshot install) and needs a snapshot. */
  needSnapshot?: boolean;
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

/** A snapshot the leader must stream to `peer`: the driver reads the data at the replica's applied index. */
export interface SnapshotRequest {
  vnode: number;
  peer: string;
}

/** A follower answered chunk `seq` of the snapshot at `index` (the driver sends the next or stops). */
export interface SnapshotAck {
  vnode: number;
  peer: string;
  index: number;
  seq: number;
  ok: boolean;
}

/**
 * A snapshot chunk a follower accepted, to be made durable: `begin` wipes the vnode's data first
 * (after durably marking the install as started); `end` makes (index, term) the applied state and
 * recomputes the vnode's table statistics from the installed rows.
 */
export interface SnapshotInstall {
  index: number;
  term: number;
  begin: boolean;
  end: boolean;
  rows: Mutation[];
  /** With `end`: durable log entries dropLogFrom..dropLogTo go (those the snapshot covers, or all that did not match it). */
  dropLogFrom: number;
  dropLogTo: number;
}

/** A replica's durable state besides its log. */
export interface HardState {
  term: number;
  /** Whom this replica voted for in `term` ('' for nobody). */
  votedFor: string;
  applied: number;
  appliedTerm: number;
  /** Log entries up to here are compacted away (the snapshot, i.e. the applied data, covers them). */
  logStart: number;
  logStartTerm: number;
  /** A snapshot install started and has not finished: the vnode's data is not usable. */
  installing: boolean;
  /** The voting replicas as of the newest applied configuration entry (empty: placement decides). */
  config: string[];
}

/**
 * What a replica asks its driver to do, in this order: delete the durable log from `truncateFrom`
 * on (when set), persist `entries` and `state` and apply `apply`, all in one atomic write; then
 * send `messages`; then serve `fetch`; then call `advance(ready)`.
 */
export interface Ready {
  vnode: number;
  /** Delete durable log entries truncateFrom..truncateTo (a follower dropping a deposed leader's entries). */
  truncateFrom: number;
  truncateTo: number;
  entries: LogEntry[];
  state: HardState | null;
  apply: LogEntry[];
  messages: Outgoing[];
  fetch: FetchRequest[];
  persistedUpTo: number;
  appliedUpTo: number;
  /** Delete durable log entries (compactFrom, compactTo]: applied and covered by the data. */
  compactFrom: number;
  compactTo: number;
  snapshots: SnapshotRequest[];
  snapshotAcks: SnapshotAck[];
  install: SnapshotInstall | null;
}

export interface ReplicaTimings {
  /** A leader sends every follower at least this often (empty appends when idle); answers renew its lease. */
  heartbeatMs: number;
  /**
   * A follower that hears nothing from a leader for a random time in [electionTimeoutMs,
   * 2 x electionTimeoutMs) campaigns; no replica votes for a new leader within electionTimeoutMs of
   * hearing from the current one, which is what makes the leader lease safe.
   */
  electionTimeoutMs: number;
  /** A follower that has not acknowledged for this long is re-sent everything from its match. */
  resendMs: number;
  /** At most this many entries in one append message. */
  maxEntriesPerMessage: number;
  /**
   * Applied entries kept for slow followers: their index and term in memory, their writes in the
   * durable log, from which a follower that falls behind is sent them.
   */
  retainedEntries: number;
  /**
   * At most this many applied entries that some follower lacks keep their writes in memory at the
   * leader (for a follower only a little behind); entries every follower holds, and applied
   * entries at a follower, keep only their terms there, so memory does not grow with
   * retainedEntries times the item size.
   */
  memoryEntries: number;
  /**
   * The durable log is compacted up to the oldest entry kept in memory once that many entries can
   * go at once; a follower that needs compacted entries gets a snapshot of the vnode's data.
   * Infinity keeps the whole log.
   */
  compactionStep: number;
  /** Lease length as a fraction of electionTimeoutMs (the rest allows for clock-rate drift). */
  leaseFraction: number;
  /** A leader that is not its vnode's preferred leader hands over at most this often. */
  transferCooldownMs: number;
}

export const DEFAULT_TIMINGS: ReplicaTimings = {
  heartbeatMs: 250,
  electionTimeoutMs: 1_000,
  resendMs: 1_000,
  maxEntriesPerMessage: 512,
  retainedEntries: 4_096,
  memoryEntries: 64,
  compactionStep: 1_024,
  leaseFraction: 0.8,
  transferCooldownMs: 2_000,
};
