import {
  DEFAULT_TIMINGS,
  MSG_APPEND,
  MSG_APPEND_REPLY,
  MSG_COMMIT,
  MSG_PRE_VOTE,
  MSG_PRE_VOTE_REPLY,
  MSG_SNAPSHOT,
  MSG_SNAPSHOT_REPLY,
  MSG_TIMEOUT_NOW,
  MSG_VOTE,
  MSG_VOTE_REPLY,
  type FetchRequest,
  type HardState,
  type LogEntry,
  type Mutation,
  type Outgoing,
  type PeerMsg,
  type Ready,
  type ReplicaTimings,
  type SnapshotAck,
  type SnapshotInstall,
  type SnapshotRequest,
} from './types.js';
import { LogWindow } from './log-window.js';

/** How far the leader knows a follower's log to match its own. */
interface Progress {
  match: number;
  next: number;
  lastSentMs: number;
  /** When the follower last answered in this term (any answer). */
  lastAckMs: number;
  /** The leader's send time of the newest message the follower answered (for the lease). */
  ackedSentAt: number;
  /** The highest commit index the follower has been told it may apply (capped by what it holds). */
  sentCommit: number;
  fetching: boolean;
  /** A snapshot of the vnode's data is being streamed to this follower (by the driver). */
  snapshotting: boolean;
  /** The follower said it has no usable state: send it a snapshot whatever its log holds. */
  needSnapshot: boolean;
  /**
   * Where the follower's log matches is not known (new leader, or it rejected an append): send one
   * append at a time until it accepts one, instead of streaming ahead (Raft's probe state).
   */
  probing: boolean;
  probeSent: boolean;
}

export interface ReplicaRestoreState {
  term: number;
  votedFor?: string;
  applied: number;
  /** Term of the entry at `applied` (0 when nothing was applied). */
  appliedTerm: number;
  lastIndex: number;
  lastTerm: number;
  /** Durable entries after `applied` (they were persisted but not yet applied before a restart). */
  unapplied: LogEntry[];
  /** Log entries up to here were compacted away (0: the log is complete). */
  logStart?: number;
  logStartTerm?: number;
  /** A snapshot install was interrupted: the data is unusable until a new snapshot is installed. */
  installing?: boolean;
  /** Voting replicas as of the newest applied configuration entry (empty: none was ever applied). */
  config?: string[];
}

/** Where a snapshot being sent stands: the data as of (index, term), with the configuration then. */
export interface SnapshotPoint {
  index: number;
  term: number;
  config: string[];
}

export type Role = 'leader' | 'follower' | 'candidate' | 'none';

/** A configuration entry (entries decoded from protobuf carry an empty list instead of none). */
export function isConfig(e: LogEntry): e is LogEntry & { config: string[] } {
  return e.config !== undefined && e.config.length > 0;
}

/**
 * One replica of one vnode: a deterministic state machine with no I/O and no clock of its own.
 * Inputs are `configure` (the group and its preferred leader, from placement), `propose` (leader
 * only), `step` (a peer's message), `tick` (time) and `fetched` (log entries read back from disk).
 * Outputs are collected with `ready()` and acknowledged with `advance()`.
 *
 * It is Raft, per vnode: replicas have terms and a replicated log; a replica that hears from no
 * leader for a randomized election timeout asks the others first whether they would vote for it
 * (pre-vote, so a replica cut off from the rest cannot disrupt them with ever higher terms), then
 * campaigns; it wins with a majority (two of three) of votes, each given only to a candidate whose
 * log is at least as up to date as the voter's. The leader appends a no-op entry, replicates,
 * commits an index once a majority holds it durably, and accepts writes only after its no-op is
 * applied (so conditions are evaluated against every committed write). It serves strongly
 * consistent reads only while it holds a lease: a majority answered a message it sent less than
 * leaseFraction x electionTimeoutMs ago, and no replica votes for anyone else within
 * electionTimeoutMs of hearing from its leader. A leader that is not the placement's preferred
 * replica hands leadership back to it once it has caught up (Raft's leadership transfer).
 *
 * Log compaction: applied entries older than the retained in-memory tail are deleted from the
 * durable log; a follower that needs them gets a snapshot of the vnode's data instead, streamed in
 * chunks by the driver (`snapshots` in Ready, acknowledged chunk by chunk) and installed by the
 * follower (`install` in Ready), which meanwhile neither applies, campaigns nor serves reads.
 *
 * Membership changes: the voting replicas are set by configuration entries in the log, one
 * replica added or removed per entry, each taking effect when appended (Raft's single-server
 * changes, so the old and new majorities always overlap). Placement only proposes a target: its
 * replicas that are not voters yet are learners (they get the log, or a snapshot, but do not vote or
 * count); once one has caught up, the leader adds it as a voter, then removes a replica the target
 * no longer has, handing leadership over first if that is itself.
 */
export class VnodeReplica {
  role: Role = 'none';
  term: number;
  votedFor: string;
  /** The leader of `term` as far as this replica knows ('' while unknown). */
  leaderId = '';
  /** Every replica this one exchanges messages with: voters and learners, self excluded. */
  peers: string[] = [];
  /** Voting replicas, self included when it votes. */
  voters: string[] = [];
  preferred = '';

  lastIndex: number;
  lastTerm: number;
  commit: number;
  applied: number;
  persisted: number;
  /** Durable log entries up to here are compacted away. */
  logStart: number;
  logStartTerm: number;
  /** An interrupted or ongoing snapshot install: the data is not usable. */
  installing: boolean;

  /**
   * Entries (log.floor, lastIndex] in memory: whole after log.memoryFloor, older ones (all
   * applied) by their terms only, their writes being in the durable log.
   */
  private readonly log: LogWindow;
  private appliedTerm: number;

  /** Placement's replicas of the vnode, its preferred leader, and the target replicas of a move. */
  private placementNodes: string[] = [];
  private target: string[] = [];
  private targetPreferred = '';
  /** Configuration as of the applied index (persisted), and configuration entries after it. */
  private appliedConfig: string[];
  private pendingConfigs: { index: number; voters: string[] }[] = [];

  private persisting: number;
  private applying: number;
  private stateDirty = false;
  private progress = new Map<string, Progress>();
  /** Reused by quorumValue. */
  private readonly quorumScratch: number[] = [];
  private outbox: Outgoing[] = [];
  private fetches: FetchRequest[] = [];
  private snapshotRequests: SnapshotRequest[] = [];
  private snapshotAcks: SnapshotAck[] = [];
  /** The snapshot being received: its point, the configuration it carries and the last chunk accepted. */
  private receiving: { index: number; term: number; seq: number; leader: string; config: string[] } | null = null;
  private pendingInstall: SnapshotInstall | null = null;
  private compactFrom = 0;
  private compactTo = 0;
  /** A follower's acknowledgement waits until the entries it acknowledges are durable. */
  private pendingAck: { to: string; upTo: number; sentAt: number } | null = null;
  private needsSend = false;
  /** A follower's commit index lags: send commit-only notices with the next ready (see tick). */
  private commitDue = false;
  private truncateFrom = 0;
  private truncateTo = 0;
  /** Lowest log index cut by a truncation since the last `ready()` (minus one), for `advance`. */
  private truncatedBelow = Infinity;

  /** When this replica last heard from its leader (or started); no votes for others until + electionTimeoutMs. */
  private lastHeardMs: number;
  private electionDeadline: number;
  private votes = new Set<string>();
  private preVoting = false;
  /** Index of this leader's no-op entry: writes and consistent reads wait until it is applied. */
  private termStartIndex = Infinity;
  private transfer: { to: string; until: number } | null = null;
  private transferAllowedAt = 0;
  /** heardTimeout's cached succession rank, for this leader, voter list and preferred replica. */
  private successionLeader = '';
  private successionVoters: string[] = [];
  private successionPreferred = '';
  private successionRank = -1;
  /** The latest time any input carried (for changes made by inputs without a clock, like propose). */
  private clock: number;

  constructor(
    readonly vnode: number,
    readonly self: string,
    restored: ReplicaRestoreState,
    private readonly timings: ReplicaTimings = DEFAULT_TIMINGS,
    nowMs = 0,
    private readonly random: () => number = Math.random,
  ) {
    this.term = restored.term;
    this.votedFor = restored.votedFor ?? '';
    this.applied = restored.applied;
    this.commit = restored.applied;
    this.lastIndex = restored.lastIndex;
    this.lastTerm = restored.lastTerm;
    this.persisted = restored.lastIndex;
    this.persisting = restored.lastIndex;
    this.applying = restored.applied;
    this.log = new LogWindow(restored.applied, restored.appliedTerm, restored.unapplied.slice());
    this.appliedTerm = restored.appliedTerm;
    this.logStart = restored.logStart ?? 0;
    this.logStartTerm = restored.logStartTerm ?? 0;
    this.installing = restored.installing ?? false;
    this.appliedConfig = restored.config ?? [];
    for (const e of restored.unapplied) if (isConfig(e)) this.pendingConfigs.push({ index: e.index, voters: e.config });
    if (restored.unapplied.length > 0 && this.log.last !== restored.lastIndex) {
      throw new Error(`vnode ${vnode}: restored log tail does not end at lastIndex ${restored.lastIndex}`);
    }
    // A restarted replica may have answered a leader just before it stopped: it must not vote for
    // another one within an election timeout of that, which it can only ensure from its own start.
    this.lastHeardMs = nowMs;
    this.clock = nowMs;
    this.electionDeadline = nowMs + this.randomTimeout();
  }

  // ---------------------------------------------------------------- queries

  get isLeader(): boolean {
    return this.role === 'leader';
  }

  /** This replica votes and may lead (it is in the current configuration and has usable data). */
  get isVoter(): boolean {
    return this.voters.includes(this.self);
  }

  /** A leader whose no-op is applied and that is not handing over: it may take writes. */
  get canWrite(): boolean {
    return this.role === 'leader' && this.applied >= this.termStartIndex && this.transfer === null;
  }

  /**
   * A replica whose applied data may answer an eventually consistent read: a follower, or a leader
   * once its no-op is applied (before that, a new leader may lack writes its predecessor
   * acknowledged, and the router reads through the leader first to see its own writes).
   */
  get hasUsableData(): boolean {
    if (this.installing) return false;
    return this.role === 'follower' || (this.role === 'leader' && this.applied >= this.termStartIndex);
  }

  /** A leader that may answer a strongly consistent read from its applied state at `nowMs`. */
  canReadConsistent(nowMs: number): boolean {
    return this.role === 'leader' && this.applied >= this.termStartIndex && nowMs < this.leaseUntil(nowMs);
  }

  /** End of the leader's lease: a majority answered messages sent since (lease end - lease length). */
  leaseUntil(nowMs: number): number {
    if (this.role !== 'leader') return 0;
    return this.quorumValue(nowMs, 'ackedSentAt', -Infinity) + this.timings.electionTimeoutMs * this.timings.leaseFraction;
  }

  /**
   * The quorum-th largest of `own` (left out when undefined) and each other voter's progress
   * `field` (`missing` for a voter without progress); NaN when there are fewer values than a
   * quorum. Called on every acknowledgement and tick: no allocation, no sort call.
   */
  private quorumValue(own: number | undefined, field: 'match' | 'lastAckMs' | 'ackedSentAt', missing: number): number {
    const vals = this.quorumScratch;
    let n = 0;
    if (own !== undefined) vals[n++] = own;
    for (const v of this.voters) {
      if (v === this.self) continue;
      const pr = this.progress.get(v);
      vals[n++] = pr ? pr[field] : missing;
    }
    if (n < this.quorum) return NaN;
    for (let i = 1; i < n; i++) {
      const x = vals[i];
      let j = i - 1;
      while (j >= 0 && vals[j] < x) {
        vals[j + 1] = vals[j];
        j--;
      }
      vals[j + 1] = x;
    }
    return vals[this.quorum - 1];
  }

  /**
   * For a leader: how far each follower is behind, in log entries, and for how long it has not
   * acknowledged while behind (0 when caught up). Read-only; for metrics.
   */
  followerLag(nowMs: number): { peer: string; entries: number; ms: number }[] {
    if (this.role !== 'leader') return [];
    return [...this.progress].map(([peer, pr]) => {
      const entries = this.lastIndex - pr.match;
      return { peer, entries, ms: entries > 0 ? Math.max(0, nowMs - pr.lastAckMs) : 0 };
    });
  }

  /** The configuration as of the applied index (persisted with the applied state). */
  get appliedVoters(): string[] {
    return this.appliedConfig;
  }

  /** Size of the group's majority. */
  private get quorum(): number {
    return Math.floor(this.voters.length / 2) + 1;
  }

  private randomTimeout(): number {
    return this.timings.electionTimeoutMs * (1 + this.random());
  }

  /**
   * The election timeout of a follower that just heard from `leader`. The other voters form a
   * succession order (the placement's preferred replica first, the rest sorted and rotated by
   * vnode, so the vnodes of a failed node spread over the survivors), and rank r waits
   * T x [1.2 + 0.4 r, 1.5 + 0.4 r]: when the leader dies, its first successor campaigns at least
   * 0.1 T before the next one, so the two do not split the vote (each voting for itself) and wait
   * a second timeout. Every band starts after T, so this never shortens a leader's lease.
   */
  private heardTimeout(leader: string): number {
    if (this.successionLeader !== leader || this.successionVoters !== this.voters || this.successionPreferred !== this.preferred) {
      const others = this.voters.filter((v) => v !== leader).sort();
      const shift = others.length > 0 ? this.vnode % others.length : 0;
      const order = [...others.slice(shift), ...others.slice(0, shift)];
      const p = order.indexOf(this.preferred);
      if (p > 0) order.unshift(...order.splice(p, 1));
      this.successionLeader = leader;
      this.successionVoters = this.voters;
      this.successionPreferred = this.preferred;
      this.successionRank = order.indexOf(this.self);
    }
    if (this.successionRank < 0) return this.randomTimeout();
    return this.timings.electionTimeoutMs * (1.2 + 0.4 * this.successionRank + 0.3 * this.random());
  }

  // ---------------------------------------------------------------- membership

  /**
   * Sets placement's view of the group: its replicas (every replica's node id, self included), the
   * preferred leader, and, while the vnode moves, the target replicas and their preferred leader.
   * The voters themselves come from the log's configuration entries (placement's replicas until
   * the first one).
   */
  configure(replicas: string[], preferred: string, nowMs: number, target: string[] = [], targetPreferred = ''): void {
    this.placementNodes = replicas.slice();
    this.preferred = preferred;
    this.target = target.slice();
    this.targetPreferred = targetPreferred;
    this.clock = Math.max(this.clock, nowMs);
    this.updateGroup(nowMs);
  }

  /** The configuration in force: the newest configuration entry in the log, else placement's. */
  private currentConfig(): string[] {
    if (this.pendingConfigs.length > 0) return this.pendingConfigs[this.pendingConfigs.length - 1].voters;
    return this.appliedConfig.length > 0 ? this.appliedConfig : this.placementNodes;
  }

  /** Recomputes voters, learners and peers, and this replica's part in the group. */
  private updateGroup(nowMs: number): void {
    this.voters = this.currentConfig().slice();
    // Placement decides whether this node holds the vnode at all (membership switches it only
    // after the vnode's leader reported the configuration change committed); the log decides who votes.
    const member = this.target.includes(this.self) || this.placementNodes.includes(this.self);
    const learners = this.role === 'leader' ? this.goal().filter((n) => !this.voters.includes(n)) : [];
    const peers = [...this.voters, ...learners].filter((n, i, all) => n !== this.self && all.indexOf(n) === i);
    this.peers = peers;
    if (!member) {
      if (this.role !== 'none') {
        this.role = 'none';
        this.leaderId = '';
        this.progress.clear();
        this.transfer = null;
      }
      return;
    }
    if (this.role === 'none') {
      this.role = 'follower';
      this.lastHeardMs = Math.max(this.lastHeardMs, nowMs);
      // The preferred replica campaigns first, so a fresh cluster starts with the planned leaders.
      const T = this.timings.electionTimeoutMs;
      this.electionDeadline = nowMs + (this.preferred === this.self ? T * (1 + 0.1 * this.random()) : this.randomTimeout());
    }
    if (this.role === 'leader') {
      let changed = false;
      for (const p of [...this.progress.keys()]) if (!peers.includes(p)) (this.progress.delete(p), (changed = true));
      for (const p of peers) if (!this.progress.has(p)) (this.progress.set(p, this.newProgress(nowMs)), (changed = true));
      if (changed) this.needsSend = true;
    }
    if (this.role === 'candidate' && !this.isVoter) this.becomeFollower(this.term, '', nowMs);
    if (this.isVoter && this.voters.length === 1 && this.role !== 'leader' && !this.installing) this.campaign(nowMs, false); // a group of one
  }

  /**
   * The voters the group should end up with: the move's target while there is one, else
   * placement's replicas (so a configuration left behind by an abandoned move converges too).
   */
  private goal(): string[] {
    return this.target.length > 0 ? this.target : this.placementNodes;
  }

  /** The preferred leader among the voters: the move's target first, the placement's otherwise. */
  private effectivePreferred(): string {
    const goal = this.goal();
    const removing = goal.length > 0 && !goal.includes(this.self);
    for (const p of [this.targetPreferred, this.preferred]) {
      if (p && this.voters.includes(p) && (!removing || p !== this.self) && (goal.length === 0 || goal.includes(p))) return p;
    }
    if (removing) {
      // Leading a vnode this node is leaving: hand over to the best caught-up voter that stays.
      let best = '';
      let bestMatch = -1;
      for (const v of this.voters) {
        const pr = this.progress.get(v);
        if (v !== this.self && goal.includes(v) && pr && pr.match > bestMatch) (best = v), (bestMatch = pr.match);
      }
      return best;
    }
    return '';
  }

  /**
   * Leader: moves the configuration one replica toward placement's target. A learner becomes a
   * voter once it holds the log up to near the end; then a replica the target drops is removed.
   */
  private maybeChangeConfig(nowMs: number): void {
    const goal = this.goal();
    if (!this.canWrite || goal.length === 0) return;
    const last = this.pendingConfigs[this.pendingConfigs.length - 1];
    if (last && last.index > this.commit) return; // one change at a time
    const add = goal.find((n) => !this.voters.includes(n));
    if (add !== undefined) {
      const pr = this.progress.get(add);
      if (!pr || pr.snapshotting || pr.needSnapshot || pr.match < this.termStartIndex) return;
      if (this.lastIndex - pr.match > this.timings.maxEntriesPerMessage || nowMs - pr.lastAckMs > 2 * this.timings.heartbeatMs) return;
      this.proposeConfig([...this.voters, add]);
      return;
    }
    const remove = this.voters.find((n) => !goal.includes(n));
    if (remove === undefined || remove === this.self) return; // a leader leaving hands over first (maybeTransfer)
    this.proposeConfig(this.voters.filter((n) => n !== remove));
  }

  private proposeConfig(voters: string[]): void {
    const entry: LogEntry = { index: this.lastIndex + 1, term: this.term, mutations: [], config: voters };
    this.appendLocal(entry);
    this.needsSend = true;
  }

  // ---------------------------------------------------------------- inputs

  /** Appends a write at the leader; returns its log index (the driver waits for it to apply). */
  propose(mutations: Mutation[]): number {
    if (!this.canWrite) throw new Error(`vnode ${this.vnode}: propose on a ${this.role} that cannot write`);
    const entry: LogEntry = { index: this.lastIndex + 1, term: this.term, mutations };
    this.appendLocal(entry);
    this.needsSend = true;
    return entry.index;
  }

  step(from: string, msg: PeerMsg, nowMs: number): void {
    if (this.role === 'none') return;
    this.clock = Math.max(this.clock, nowMs);
    if (msg.type === MSG_PRE_VOTE) return this.onPreVote(from, msg, nowMs);
    if (msg.type === MSG_PRE_VOTE_REPLY) return this.onPreVoteReply(from, msg, nowMs);
    if (msg.type === MSG_VOTE && msg.term > this.term && !msg.ok && this.inLease(nowMs)) {
      return; // a current leader is known: ignore disruptive candidates (they will get no vote)
    }
    if (msg.term > this.term) {
      const fromLeader = msg.type === MSG_APPEND || msg.type === MSG_COMMIT || msg.type === MSG_TIMEOUT_NOW || msg.type === MSG_SNAPSHOT;
      this.becomeFollower(msg.term, fromLeader ? from : '', nowMs);
    }
    switch (msg.type) {
      case MSG_APPEND:
        return this.onAppend(from, msg, nowMs);
      case MSG_COMMIT:
        return this.onCommit(from, msg, nowMs);
      case MSG_APPEND_REPLY:
        return this.onAppendReply(from, msg, nowMs);
      case MSG_SNAPSHOT:
        return this.onSnapshot(from, msg, nowMs);
      case MSG_SNAPSHOT_REPLY:
        return this.onSnapshotReply(from, msg, nowMs);
      case MSG_VOTE:
        return this.onVote(from, msg, nowMs);
      case MSG_VOTE_REPLY:
        return this.onVoteReply(from, msg, nowMs);
      case MSG_TIMEOUT_NOW:
        if (msg.term === this.term && from === this.leaderId && this.role === 'follower' && this.isVoter && !this.installing) this.campaign(nowMs, true);
        return;
    }
  }

  tick(nowMs: number): void {
    if (this.role === 'none') return;
    this.clock = Math.max(this.clock, nowMs);
    if (this.role !== 'leader') {
      if (nowMs >= this.electionDeadline) {
        if (!this.isVoter || this.installing) {
          this.electionDeadline = nowMs + this.randomTimeout(); // learners and replicas without data never campaign
          return;
        }
        if (this.voters.length === 1) this.campaign(nowMs, false);
        else this.preCampaign(nowMs);
      }
      return;
    }
    // Leader: step down when a majority has not answered for an election timeout (it has no lease
    // and cannot commit; stepping down lets routers find the leader the others elected).
    if (this.voters.length > 1) {
      if (nowMs - this.quorumValue(nowMs, 'lastAckMs', -Infinity) >= this.timings.electionTimeoutMs) {
        this.becomeFollower(this.term, '', nowMs);
        return;
      }
    }
    for (const pr of this.progress.values()) {
      if (pr.snapshotting) continue;
      if (pr.match < this.lastIndex && nowMs - pr.lastAckMs >= this.timings.resendMs && nowMs - pr.lastSentMs >= this.timings.resendMs) {
        pr.next = pr.match + 1; // nothing heard for a while: assume in-flight messages were lost
        pr.probing = true;
        pr.probeSent = false;
        this.needsSend = true;
      }
      if (nowMs - pr.lastSentMs >= this.timings.heartbeatMs) this.needsSend = true;
      if (Math.min(this.commit, pr.match) > pr.sentCommit) this.needsSend = this.commitDue = true;
    }
    this.maybeTransfer(nowMs);
    this.maybeChangeConfig(nowMs);
  }

  /** Entries read back from the durable log for `peer`: [from - 1 (for its term) .. to]. */
  fetched(peer: string, prevIndex: number, prevTerm: number, entries: LogEntry[], nowMs: number): void {
    const pr = this.progress.get(peer);
    if (!pr || this.role !== 'leader') return;
    pr.fetching = false;
    if (entries.length === 0 || entries[0].index !== prevIndex + 1) return;
    if (entries.some((e) => e.index > this.lastIndex || this.termAt(e.index) !== undefined && this.termAt(e.index) !== e.term)) return;
    this.outbox.push({ to: peer, msg: this.appendMsg(prevIndex, prevTerm, entries, nowMs) });
    pr.next = entries[entries.length - 1].index + 1;
    pr.lastSentMs = nowMs;
    if (pr.probing) pr.probeSent = true;
    pr.sentCommit = Math.max(pr.sentCommit, Math.min(this.commit, pr.next - 1));
  }

  // ---------------------------------------------------------------- snapshots (leader side)

  /**
   * Where a snapshot taken now stands: the applied index, its term and the configuration then. The
   * driver calls this at a moment when its storage holds exactly the applied state.
   */
  snapshotPoint(): SnapshotPoint {
    return { index: this.applied, term: this.appliedTerm, config: this.appliedConfig.length > 0 ? this.appliedConfig.slice() : this.voters.slice() };
  }

  /** A chunk of the snapshot for `peer`, as a message (null when this replica no longer sends it). */
  snapshotChunk(peer: string, point: SnapshotPoint, seq: number, rows: Mutation[], last: boolean, nowMs: number): PeerMsg | null {
    const pr = this.progress.get(peer);
    if (this.role !== 'leader' || !pr || !pr.snapshotting) return null;
    pr.lastSentMs = nowMs;
    const entry: LogEntry = { index: seq, term: 0, mutations: rows };
    if (seq === 0) entry.config = point.config;
    return { vnode: this.vnode, type: MSG_SNAPSHOT, term: this.term, prevIndex: point.index, prevTerm: point.term, commit: this.commit, entries: [entry], ok: last, lastIndex: seq, sentAt: nowMs };
  }

  /** The driver gave up sending a snapshot (read error, no answer): try again later. */
  snapshotAborted(peer: string, nowMs: number): void {
    const pr = this.progress.get(peer);
    if (!pr || !pr.snapshotting) return;
    pr.snapshotting = false;
    pr.lastSentMs = nowMs;
    pr.probing = true;
    pr.probeSent = false;
  }

  private onSnapshotReply(from: string, msg: PeerMsg, nowMs: number): void {
    if (this.role !== 'leader' || msg.term !== this.term) return;
    const pr = this.progress.get(from);
    if (!pr) return;
    pr.lastAckMs = nowMs;
    if (msg.sentAt > pr.ackedSentAt) pr.ackedSentAt = msg.sentAt;
    if (!pr.snapshotting) return;
    const done = msg.ok && msg.commit === 1;
    this.snapshotAcks.push({ vnode: this.vnode, peer: from, index: msg.prevIndex, seq: msg.lastIndex, ok: msg.ok && !done });
    if (done) {
      // The follower holds the data up to the snapshot's index: replicate the log from there on.
      pr.snapshotting = false;
      pr.needSnapshot = false;
      if (msg.prevIndex > pr.match) pr.match = Math.min(msg.prevIndex, this.lastIndex);
      pr.next = pr.match + 1;
      pr.probing = false;
      pr.probeSent = false;
      pr.lastSentMs = -Infinity;
      this.maybeCommit();
      this.needsSend = true;
    } else if (!msg.ok) {
      this.snapshotAborted(from, nowMs);
    }
  }

  // ---------------------------------------------------------------- snapshots (follower side)

  private onSnapshot(from: string, msg: PeerMsg, nowMs: number): void {
    const reply = (ok: boolean, done: boolean) =>
      this.send(from, MSG_SNAPSHOT_REPLY, { ok, prevIndex: msg.prevIndex, lastIndex: msg.lastIndex, commit: done ? 1 : 0, sentAt: msg.sentAt });
    if (msg.term < this.term) return reply(false, false);
    if (this.role !== 'follower' || this.leaderId !== from) this.becomeFollower(this.term, from, nowMs);
    this.lastHeardMs = nowMs;
    this.electionDeadline = nowMs + this.heardTimeout(from);
    const index = msg.prevIndex;
    const seq = msg.lastIndex;
    const rows = msg.entries[0]?.mutations ?? [];
    if (seq === 0) {
      // It has that state already, or holds the committed log up to there and applies it itself.
      if (!this.installing && index <= this.commit) return reply(true, true);
      // Older than what it holds whole in memory (it re-applies the log after the snapshot from
      // memory): wait for a newer one.
      if (index < this.log.memoryFloor) return reply(false, false);
      this.receiving = { index, term: msg.prevTerm, seq: 0, leader: from, config: msg.entries[0]?.config ?? [] };
      this.installing = true;
      this.stateDirty = true;
      this.pendingInstall = { index, term: msg.prevTerm, begin: true, end: false, rows: rows.slice(), dropLogFrom: 0, dropLogTo: 0 };
    } else {
      const r = this.receiving;
      if (!r || r.index !== index || r.leader !== from) return reply(false, false);
      if (seq <= r.seq) return; // a duplicate
      if (seq !== r.seq + 1) {
        this.receiving = null;
        return reply(false, false);
      }
      r.seq = seq;
      if (this.pendingInstall) for (const row of rows) this.pendingInstall.rows.push(row);
      else this.pendingInstall = { index, term: msg.prevTerm, begin: false, end: false, rows: rows.slice(), dropLogFrom: 0, dropLogTo: 0 };
    }
    if (msg.ok) this.finishInstall(index, msg.prevTerm);
    reply(true, msg.ok);
  }

  /** The last chunk arrived: the data is the state as of (index, term); the log continues from there. */
  private finishInstall(index: number, term: number): void {
    const install = this.pendingInstall!;
    install.end = true;
    const keep = index <= this.lastIndex && index >= this.log.memoryFloor && this.termAt(index) === term;
    // What the durable log may hold: (logStart, the furthest it was ever written].
    install.dropLogFrom = this.logStart + 1;
    this.log.restartAt(index, term, keep);
    if (keep) {
      install.dropLogTo = index;
    } else {
      // The log does not contain the snapshot's last entry: everything in it is replaced.
      install.dropLogTo = Math.max(this.lastIndex, this.persisting, this.persisted, this.truncateTo);
      this.lastIndex = index;
      this.lastTerm = term;
      if (this.pendingAck) this.pendingAck = null;
      this.truncateFrom = 0;
      this.truncateTo = 0;
    }
    this.logStart = index;
    this.logStartTerm = term;
    this.appliedTerm = term;
    this.applied = index;
    this.applying = index;
    if (this.commit < index) this.commit = index;
    this.persisting = Math.max(this.persisting, index);
    this.persisted = Math.max(this.persisted, index);
    if (!keep) this.persisting = this.persisted = index;
    this.appliedConfig = this.receiving!.config;
    this.pendingConfigs = [];
    if (keep) for (const e of this.log.from(index + 1)) if (isConfig(e)) this.pendingConfigs.push({ index: e.index, voters: e.config });
    this.installing = false;
    this.receiving = null;
    this.stateDirty = true;
    this.updateGroup(this.clock);
  }

  // ---------------------------------------------------------------- elections

  /** Heard from a leader (or started) less than an election timeout ago. */
  private inLease(nowMs: number): boolean {
    if (this.role === 'leader') return true;
    return nowMs - this.lastHeardMs < this.timings.electionTimeoutMs;
  }

  private logUpToDate(lastIndex: number, lastTerm: number): boolean {
    return lastTerm > this.lastTerm || (lastTerm === this.lastTerm && lastIndex >= this.lastIndex);
  }

  private send(to: string, type: number, fields: Partial<PeerMsg>): void {
    this.outbox.push({
      to,
      msg: { vnode: this.vnode, type, term: this.term, prevIndex: 0, prevTerm: 0, commit: 0, entries: [], ok: false, lastIndex: 0, sentAt: 0, ...fields },
    });
  }

  private preCampaign(nowMs: number): void {
    this.electionDeadline = nowMs + this.randomTimeout();
    this.preVoting = true;
    this.votes = new Set([this.self]);
    for (const p of this.voters) if (p !== this.self) this.send(p, MSG_PRE_VOTE, { term: this.term + 1, lastIndex: this.lastIndex, prevTerm: this.lastTerm });
  }

  private campaign(nowMs: number, transfer: boolean): void {
    this.preVoting = false;
    this.term += 1;
    this.votedFor = this.self;
    this.stateDirty = true;
    this.role = 'candidate';
    this.leaderId = '';
    this.progress.clear();
    this.transfer = null;
    this.electionDeadline = nowMs + this.randomTimeout();
    this.votes = new Set([this.self]);
    if (this.votes.size >= this.quorum) return this.becomeLeader(nowMs);
    for (const p of this.voters) if (p !== this.self) this.send(p, MSG_VOTE, { lastIndex: this.lastIndex, prevTerm: this.lastTerm, ok: transfer });
  }

  private onPreVote(from: string, msg: PeerMsg, nowMs: number): void {
    const grant = msg.term > this.term && !this.inLease(nowMs) && this.logUpToDate(msg.lastIndex, msg.prevTerm);
    this.send(from, MSG_PRE_VOTE_REPLY, { term: grant ? msg.term : this.term, ok: grant });
  }

  private onPreVoteReply(from: string, msg: PeerMsg, nowMs: number): void {
    if (!msg.ok) {
      if (msg.term > this.term) this.becomeFollower(msg.term, '', nowMs);
      return;
    }
    if (!this.preVoting || this.role === 'leader' || msg.term !== this.term + 1 || !this.voters.includes(from)) return;
    this.votes.add(from);
    if (this.votes.size >= this.quorum) this.campaign(nowMs, false);
  }

  private onVote(from: string, msg: PeerMsg, nowMs: number): void {
    const grant =
      msg.term === this.term &&
      (this.votedFor === '' || this.votedFor === from) &&
      this.role !== 'leader' &&
      this.logUpToDate(msg.lastIndex, msg.prevTerm);
    if (grant) {
      this.votedFor = from;
      this.stateDirty = true; // the vote is persisted before the reply leaves (ready order)
      this.electionDeadline = nowMs + this.randomTimeout();
    }
    this.send(from, MSG_VOTE_REPLY, { ok: grant });
  }

  private onVoteReply(from: string, msg: PeerMsg, nowMs: number): void {
    if (this.role !== 'candidate' || msg.term !== this.term || !msg.ok || !this.voters.includes(from)) return;
    this.votes.add(from);
    if (this.votes.size >= this.quorum) this.becomeLeader(nowMs);
  }

  private becomeFollower(term: number, leaderId: string, nowMs: number): void {
    if (term > this.term) {
      this.term = term;
      this.votedFor = '';
      this.stateDirty = true;
    }
    const wasLeader = this.role === 'leader';
    this.role = 'follower';
    this.leaderId = leaderId;
    this.progress.clear();
    this.transfer = null;
    this.preVoting = false;
    this.termStartIndex = Infinity;
    if (leaderId) this.lastHeardMs = nowMs;
    this.electionDeadline = nowMs + this.randomTimeout();
    if (wasLeader) this.updateGroup(nowMs); // learners are a leader's business
  }

  private becomeLeader(nowMs: number): void {
    this.role = 'leader';
    this.leaderId = this.self;
    this.preVoting = false;
    this.progress.clear();
    this.updateGroup(nowMs);
    for (const p of this.peers) if (!this.progress.has(p)) this.progress.set(p, this.newProgress(nowMs));
    const noop: LogEntry = { index: this.lastIndex + 1, term: this.term, mutations: [] };
    this.appendLocal(noop);
    this.termStartIndex = noop.index;
    this.transferAllowedAt = nowMs + this.timings.transferCooldownMs;
    this.needsSend = true;
  }

  private newProgress(nowMs: number): Progress {
    return {
      match: 0,
      next: this.lastIndex + 1,
      lastSentMs: -Infinity,
      lastAckMs: nowMs,
      ackedSentAt: -Infinity,
      sentCommit: 0,
      fetching: false,
      snapshotting: false,
      needSnapshot: false,
      probing: true,
      probeSent: false,
    };
  }

  /** A leader that is not the preferred replica hands over once the preferred one has caught up. */
  private maybeTransfer(nowMs: number): void {
    if (this.transfer) {
      if (nowMs >= this.transfer.until) {
        this.transfer = null; // it did not catch up in time: keep leading, try again later
        this.transferAllowedAt = nowMs + this.timings.transferCooldownMs;
        return;
      }
      const pr = this.progress.get(this.transfer.to);
      if (pr && pr.match === this.lastIndex && this.commit === this.lastIndex && this.applied === this.lastIndex) {
        if (pr.sentCommit < this.commit) {
          // Tell it the commit index first (the same stream delivers in order), so the new leader
          // applies everything committed before it takes over instead of after its own no-op commits.
          this.needsSend = this.commitDue = true;
          return;
        }
        this.send(this.transfer.to, MSG_TIMEOUT_NOW, {});
        this.becomeFollower(this.term, '', nowMs);
        this.lastHeardMs = nowMs;
      }
      return;
    }
    const preferred = this.effectivePreferred();
    const leaving = !this.isVoter || !this.goal().includes(this.self);
    if (!preferred || preferred === this.self || (nowMs < this.transferAllowedAt && !leaving)) return;
    if (this.applied < this.termStartIndex) return;
    const pr = this.progress.get(preferred);
    if (!pr || nowMs - pr.lastAckMs > 2 * this.timings.heartbeatMs) return;
    if (this.lastIndex - pr.match > this.timings.maxEntriesPerMessage) return; // far behind: let it catch up first
    this.transfer = { to: preferred, until: nowMs + this.timings.electionTimeoutMs };
  }

  // ---------------------------------------------------------------- log replication

  private appendLocal(entry: LogEntry): void {
    this.log.push(entry);
    this.lastIndex = entry.index;
    this.lastTerm = entry.term;
    if (isConfig(entry)) {
      this.pendingConfigs.push({ index: entry.index, voters: entry.config });
      this.updateGroup(this.clock);
    }
  }

  /** Term of the log entry at `index`, if it is still held in memory (undefined below the retained tail or past the end). */
  entryTerm(index: number): number | undefined {
    return index > this.log.floor ? this.termAt(index) : undefined;
  }

  /**
   * The log entries (after, upTo] if every one of them is held whole in memory, else undefined
   * (the driver's `logEntriesBetween` then reads them from the durable log). Read-only;
   * anti-entropy uses it to tell keys written between two replicas' snapshots apart from keys that
   * really differ.
   */
  entriesBetween(after: number, upTo: number): readonly LogEntry[] | undefined {
    if (after < this.log.memoryFloor || upTo > this.lastIndex || after > upTo) return undefined;
    return this.log.slice(after + 1, upTo);
  }

  private termAt(index: number): number | undefined {
    if (index === 0) return 0;
    if (index === this.lastIndex) return this.lastTerm;
    return index <= this.lastIndex ? this.log.termAt(index) : undefined;
  }

  private entriesFrom(from: number, max: number): LogEntry[] | undefined {
    if (from <= this.log.memoryFloor) return undefined;
    return this.log.slice(from, Math.min(this.lastIndex, from + max - 1));
  }

  /** Drops entries from `index` on (never committed ones: a new leader's log replaces them). */
  private truncate(index: number): void {
    if (index <= this.commit) throw new Error(`vnode ${this.vnode}: truncating committed entry ${index} (commit ${this.commit})`);
    const durableEnd = Math.max(this.persisting, this.persisted);
    if (index <= durableEnd) {
      this.truncateFrom = this.truncateFrom === 0 ? index : Math.min(this.truncateFrom, index);
      this.truncateTo = Math.max(this.truncateTo, durableEnd);
    }
    this.log.truncateFrom(index);
    this.lastIndex = index - 1;
    this.lastTerm = this.termAt(index - 1) ?? this.log.floorTerm;
    this.persisting = Math.min(this.persisting, index - 1);
    this.persisted = Math.min(this.persisted, index - 1);
    this.truncatedBelow = Math.min(this.truncatedBelow, index - 1);
    if (this.pendingAck && this.pendingAck.upTo >= index) this.pendingAck = null;
    const configs = this.pendingConfigs.length;
    while (this.pendingConfigs.length > 0 && this.pendingConfigs[this.pendingConfigs.length - 1].index >= index) this.pendingConfigs.pop();
    if (this.pendingConfigs.length !== configs) this.updateGroup(this.clock);
  }

  private onAppend(from: string, msg: PeerMsg, nowMs: number): void {
    if (msg.term < this.term) {
      this.send(from, MSG_APPEND_REPLY, { ok: false, lastIndex: this.lastIndex, sentAt: msg.sentAt });
      return;
    }
    // msg.term === this.term: `from` is this term's leader.
    if (this.role !== 'follower' || this.leaderId !== from) this.becomeFollower(this.term, from, nowMs);
    this.lastHeardMs = nowMs;
    this.electionDeadline = nowMs + this.heardTimeout(from);
    if (this.installing) {
      // No usable data (a snapshot install was interrupted): only a snapshot helps.
      this.send(from, MSG_APPEND_REPLY, { ok: false, lastIndex: this.lastIndex, sentAt: msg.sentAt, needSnapshot: true });
      return;
    }
    if (msg.prevIndex > this.lastIndex) {
      this.send(from, MSG_APPEND_REPLY, { ok: false, lastIndex: this.lastIndex, sentAt: msg.sentAt });
      return;
    }
    const localPrevTerm = this.termAt(msg.prevIndex);
    // Below the in-memory tail everything is applied, hence committed, hence equal to the leader's.
    if (localPrevTerm !== undefined && localPrevTerm !== msg.prevTerm) {
      // Skip back over every entry of the conflicting term at once: they all came from one leader
      // that the new one does not share them with.
      let i = msg.prevIndex;
      while (i - 1 > this.commit && this.termAt(i - 1) === localPrevTerm) i--;
      this.send(from, MSG_APPEND_REPLY, { ok: false, lastIndex: Math.max(this.commit, i - 1), sentAt: msg.sentAt });
      return;
    }
    let match = msg.prevIndex;
    for (const entry of msg.entries) {
      if (entry.index <= this.log.floor) {
        match = entry.index;
        continue;
      }
      if (entry.index <= this.lastIndex) {
        if (this.termAt(entry.index) === entry.term) {
          match = entry.index;
          continue;
        }
        this.truncate(entry.index);
      }
      if (entry.index !== this.lastIndex + 1) break;
      this.appendLocal(entry);
      match = entry.index;
    }
    const newCommit = Math.min(msg.commit, match);
    if (newCommit > this.commit) this.commit = newCommit;
    if (match > this.persisted) this.pendingAck = { to: from, upTo: match, sentAt: msg.sentAt };
    else this.send(from, MSG_APPEND_REPLY, { ok: true, lastIndex: match, sentAt: msg.sentAt });
  }

  private onCommit(from: string, msg: PeerMsg, nowMs: number): void {
    if (msg.term < this.term) return;
    if (this.role !== 'follower' || this.leaderId !== from) this.becomeFollower(this.term, from, nowMs);
    this.lastHeardMs = nowMs;
    this.electionDeadline = nowMs + this.heardTimeout(from);
    if (this.installing) return;
    // Only up to an entry known to match the leader's log.
    const localTerm = this.termAt(msg.prevIndex);
    const matches = msg.prevIndex <= this.log.floor || (localTerm !== undefined && localTerm === msg.prevTerm);
    if (!matches) return;
    const newCommit = Math.min(msg.commit, msg.prevIndex);
    if (newCommit > this.commit) this.commit = newCommit;
  }

  private onAppendReply(from: string, msg: PeerMsg, nowMs: number): void {
    if (this.role !== 'leader' || msg.term !== this.term) return;
    const pr = this.progress.get(from);
    if (!pr) return;
    pr.lastAckMs = nowMs;
    if (msg.sentAt > pr.ackedSentAt) pr.ackedSentAt = msg.sentAt;
    pr.probeSent = false;
    if (pr.snapshotting) return;
    if (msg.ok) {
      if (msg.lastIndex > pr.match) pr.match = Math.min(msg.lastIndex, this.lastIndex);
      if (pr.next <= pr.match) pr.next = pr.match + 1;
      pr.probing = false;
      this.maybeCommit();
    } else {
      if (msg.needSnapshot) pr.needSnapshot = true;
      // The follower's log ends (or diverges) earlier than we assumed: probe from where it says it
      // could match. What it acknowledged before stays matched (replies may arrive out of order).
      pr.next = Math.max(pr.match + 1, Math.min(pr.next, msg.lastIndex + 1));
      pr.probing = true;
      pr.lastSentMs = -Infinity;
    }
    this.needsSend = true;
  }

  private maybeCommit(): void {
    const candidate = this.quorumValue(this.isVoter ? this.persisted : undefined, 'match', 0);
    // Only entries of the current term are committed by counting replicas (Raft, section 5.4.2).
    if (candidate > this.commit && this.termAt(candidate) === this.term) this.commit = candidate;
  }

  private appendMsg(prevIndex: number, prevTerm: number, entries: LogEntry[], nowMs: number): PeerMsg {
    return { vnode: this.vnode, type: MSG_APPEND, term: this.term, prevIndex, prevTerm, commit: this.commit, entries, ok: false, lastIndex: this.lastIndex, sentAt: nowMs };
  }

  private sendAppends(nowMs: number): void {
    for (const [peer, pr] of this.progress) {
      if (pr.fetching || pr.snapshotting) continue;
      const hasNew = pr.next <= this.lastIndex;
      const idle = nowMs - pr.lastSentMs >= this.timings.heartbeatMs;
      if (pr.probing && pr.probeSent && !idle) continue; // one probe at a time
      if (!hasNew && !idle && !pr.needSnapshot) {
        const upTo = Math.min(this.commit, pr.match);
        // Only the commit index moved: tell the follower without asking for an answer, at the next
        // tick rather than at once. Under load the next append carries it anyway, so followers
        // apply many writes per storage batch instead of one notice and one batch per write.
        if (upTo > pr.sentCommit && this.commitDue) {
          this.send(peer, MSG_COMMIT, { prevIndex: upTo, prevTerm: this.termAt(upTo) ?? 0, commit: this.commit });
          pr.sentCommit = upTo;
        }
        continue;
      }
      if (pr.needSnapshot || pr.next - 1 < this.logStart) {
        if (!idle) continue; // after a failed attempt, try again a heartbeat later
        // What it lacks is compacted away (or it has no usable state): send the data instead.
        pr.snapshotting = true;
        pr.lastSentMs = nowMs;
        this.snapshotRequests.push({ vnode: this.vnode, peer });
        continue;
      }
      const prevIndex = pr.next - 1;
      const prevTerm = this.termAt(prevIndex);
      const entries = hasNew ? this.entriesFrom(pr.next, this.timings.maxEntriesPerMessage) : [];
      if (prevTerm === undefined || entries === undefined) {
        // Older than what is kept in memory: the driver reads it from disk.
        pr.fetching = true;
        const to = Math.min(this.log.memoryFloor, pr.next + this.timings.maxEntriesPerMessage - 1);
        this.fetches.push({ vnode: this.vnode, peer, from: pr.next, to: Math.max(to, pr.next) });
        continue;
      }
      this.outbox.push({ to: peer, msg: this.appendMsg(prevIndex, prevTerm, entries, nowMs) });
      if (entries.length > 0) pr.next = entries[entries.length - 1].index + 1;
      pr.lastSentMs = nowMs;
      if (pr.probing) pr.probeSent = true;
      // What the follower may apply once it accepts this: the commit index up to what it then holds.
      pr.sentCommit = Math.max(pr.sentCommit, Math.min(this.commit, pr.next - 1));
    }
  }

  // ---------------------------------------------------------------- outputs

  /** True when `ready()` would return work. */
  hasReady(): boolean {
    return (
      this.lastIndex > this.persisting ||
      (!this.installing && Math.min(this.commit, this.lastIndex) > this.applying) ||
      this.stateDirty ||
      this.truncateFrom !== 0 ||
      this.compactTo !== 0 ||
      this.outbox.length > 0 ||
      this.fetches.length > 0 ||
      this.snapshotRequests.length > 0 ||
      this.snapshotAcks.length > 0 ||
      this.pendingInstall !== null ||
      this.pendingAck !== null ||
      this.needsSend
    );
  }

  ready(nowMs: number): Ready {
    if (this.needsSend && this.role === 'leader') this.sendAppends(nowMs);
    this.needsSend = false;
    this.commitDue = false;
    const entries = this.lastIndex > this.persisting ? this.log.from(this.persisting + 1) : [];
    const persistedUpTo = this.lastIndex;
    // A group of one: this very batch makes the entries durable at a majority, so they commit and
    // apply in it too (one storage write per write instead of two).
    if (this.role === 'leader' && this.voters.length === 1 && this.isVoter && this.lastIndex > this.commit) this.commit = this.lastIndex;
    // Leaders apply what a majority holds durably; followers apply what the leader says is
    // committed, which may include entries made durable by this very write. A replica installing
    // a snapshot applies nothing until it has the snapshot's data.
    const applyTo = this.installing ? this.applying : Math.min(this.commit, persistedUpTo);
    const apply = applyTo > this.applying ? this.log.slice(this.applying + 1, applyTo) : [];
    const messages = this.outbox;
    if (this.pendingAck) {
      messages.push({
        to: this.pendingAck.to,
        msg: { vnode: this.vnode, type: MSG_APPEND_REPLY, term: this.term, prevIndex: 0, prevTerm: 0, commit: 0, entries: [], ok: true, lastIndex: this.pendingAck.upTo, sentAt: this.pendingAck.sentAt },
      });
      this.pendingAck = null;
    }
    if (apply.length > 0) {
      this.appliedTerm = apply[apply.length - 1].term;
      for (const e of apply) {
        if (!isConfig(e)) continue;
        this.appliedConfig = e.config;
        while (this.pendingConfigs.length > 0 && this.pendingConfigs[0].index <= e.index) this.pendingConfigs.shift();
      }
    }
    const appliedUpTo = Math.max(applyTo, this.applying);
    const state: HardState | null =
      apply.length > 0 || this.stateDirty
        ? {
            term: this.term,
            votedFor: this.votedFor,
            applied: appliedUpTo,
            appliedTerm: this.appliedTerm,
            logStart: this.logStart,
            logStartTerm: this.logStartTerm,
            installing: this.installing,
            config: this.appliedConfig,
          }
        : null;
    const ready: Ready = {
      vnode: this.vnode,
      truncateFrom: this.truncateFrom,
      truncateTo: this.truncateTo,
      entries,
      state,
      apply,
      messages,
      fetch: this.fetches,
      persistedUpTo,
      appliedUpTo,
      compactFrom: this.compactFrom,
      compactTo: this.compactTo,
      snapshots: this.snapshotRequests,
      snapshotAcks: this.snapshotAcks,
      install: this.pendingInstall,
    };
    this.persisting = persistedUpTo;
    this.applying = appliedUpTo;
    this.stateDirty = false;
    this.truncateFrom = 0;
    this.truncateTo = 0;
    this.truncatedBelow = Infinity;
    this.compactFrom = 0;
    this.compactTo = 0;
    this.outbox = [];
    this.fetches = [];
    this.snapshotRequests = [];
    this.snapshotAcks = [];
    this.pendingInstall = null;
    return ready;
  }

  /** The driver has done everything `ready` asked. */
  advance(ready: Ready): void {
    const durable = Math.min(ready.persistedUpTo, this.truncatedBelow);
    if (durable > this.persisted) this.persisted = durable;
    if (ready.appliedUpTo > this.applied) this.applied = ready.appliedUpTo;
    if (this.role === 'leader') {
      const before = this.commit;
      this.maybeCommit();
      if (this.commit > before) this.needsSend = true;
      const last = this.pendingConfigs[this.pendingConfigs.length - 1];
      if (!this.isVoter && (!last || last.index <= this.commit)) {
        // A configuration without this replica is committed: leave it to the others.
        this.becomeFollower(this.term, '', this.clock);
        return;
      }
    }
    this.trimTail();
  }

  /** Drops applied entries beyond what is retained for slow followers, and compacts the durable log. */
  private trimTail(): void {
    // Applied entries keep only their terms in memory once no follower may soon need them whole
    // (a Ready being written may still hold them): at a follower at once, at the leader once every
    // follower holds them, or once memoryEntries newer ones are applied. Writes then die young,
    // before the garbage collector would copy them. Entries <= keepFrom go from memory altogether.
    let releaseTo = this.applied;
    if (this.role === 'leader') for (const pr of this.progress.values()) if (pr.match < releaseTo) releaseTo = pr.match;
    releaseTo = Math.max(releaseTo, this.applied - this.timings.memoryEntries);
    if (releaseTo > this.log.memoryFloor) this.log.releaseThrough(releaseTo);
    const keepFrom = this.applied - this.timings.retainedEntries;
    if (keepFrom > this.log.floor) this.log.dropThrough(keepFrom);
    const floor = this.log.floor;
    if (!this.installing && floor - this.logStart >= this.timings.compactionStep && floor <= this.applied) {
      this.compactFrom = this.logStart;
      this.compactTo = floor;
      this.logStart = floor;
      this.logStartTerm = this.log.floorTerm;
      this.stateDirty = true;
    }
  }
}
