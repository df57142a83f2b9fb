import {
  DEFAULT_TIMINGS,
  MSG_APPEND,
  MSG_APPEND_REPLY,
  type FetchRequest,
  type LogEntry,
  type Mutation,
  type Outgoing,
  type PeerMsg,
  type Ready,
  type ReplicaTimings,
} from './types.js';

/** How far the leader knows a follower's log to match its own. */
interface Progress {
  match: number;
  next: number;
  lastSentMs: number;
  lastAckMs: number;
  sentCommit: number;
  fetching: boolean;
}

export interface ReplicaRestoreState {
  term: number;
  applied: number;
  /** Term of the entry at `applied` (0 when nothing was applied). */
  appliedTerm: number;
  lastIndex: number;
  lastTerm: number;
  /** Durable entries after `applied` (they were persisted but not yet applied before a restart). */
  unapplied: LogEntry[];
}

/**
 * One replica of one vnode: a deterministic state machine with no I/O. Inputs are `configure`
 * (the group and its leader, from placement), `propose` (leader only), `step` (a peer's message),
 * `tick` (time) and `fetched` (log entries read back from disk). Its outputs are collected with
 * `ready()` and acknowledged with `advance()`.
 *
 * Log replication follows Raft's shape: the leader assigns each write the next index, persists it,
 * streams it to the followers, and commits an index once a majority of the group (two of three)
 * holds it durably; followers apply committed entries in log order. In this version the leader is
 * designated by membership for a fixed term; elections are not implemented here yet.
 */
export class VnodeReplica {
  role: 'leader' | 'follower' | 'none' = 'none';
  term: number;
  leaderId = '';
  peers: string[] = [];

  lastIndex: number;
  lastTerm: number;
  commit: number;
  applied: number;
  persisted: number;

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

  /** Entries (floorIndex, lastIndex], contiguous. */
  private tail: LogEntry[];
  private floorIndex: number;
  private floorTerm: number;
  private appliedTerm: number;

  private persisting: number;
  private applying: number;
  private stateDirty = false;
  private progress = new Map<string, Progress>();
  private outbox: Outgoing[] = [];
  private fetches: FetchRequest[] = [];
  /** A follower's acknowledgement waits until the entries it acknowledges are durable. */
  private pendingAck: { to: string; upTo: number } | null = null;
  private needsSend = false;

  constructor(
    readonly vnode: number,
    readonly self: string,
    restored: ReplicaRestoreState,
    private readonly timings: ReplicaTimings = DEFAULT_TIMINGS,
  ) {
    this.term = restored.term;
    this.applied = restored.applied;
    this.commit = restored.applied;
    this.lastIndex = restored.lastIndex;
    this.lastTerm = restored.lastTerm;
    this.persisted = restored.lastIndex;
    this.persisting = restored.lastIndex;
    this.applying = restored.applied;
    this.tail = restored.unapplied.slice();
    this.floorIndex = restored.applied;
    this.floorTerm = restored.appliedTerm;
    this.appliedTerm = restored.appliedTerm;
    if (this.tail.length > 0 && this.tail[this.tail.length - 1].index !== restored.lastIndex) {
      throw new Error(`vnode ${vnode}: restored log tail does not end at lastIndex ${restored.lastIndex}`);
    }
  }

  /** Sets the group (every replica's node id, self included) and its leader for `term`. */
  configure(replicas: string[], leaderId: string, term: number, nowMs: number): void {
    const peers = replicas.filter((r) => r !== this.self);
    const changed =
      leaderId !== this.leaderId || term !== this.term || peers.length !== this.peers.length || peers.some((p, i) => p !== this.peers[i]);
    if (!changed) return;
    if (term !== this.term) {
      this.term = term;
      this.stateDirty = true;
    }
    this.leaderId = leaderId;
    this.peers = peers;
    this.role = !replicas.includes(this.self) ? 'none' : leaderId === this.self ? 'leader' : 'follower';
    this.progress.clear();
    if (this.role === 'leader') {
      for (const p of peers) this.progress.set(p, this.newProgress(nowMs));
      this.needsSend = true;
    }
  }

  private newProgress(nowMs: number): Progress {
    return { match: 0, next: this.lastIndex + 1, lastSentMs: -Infinity, lastAckMs: nowMs, sentCommit: 0, fetching: false };
  }

  get isLeader(): boolean {
    return this.role === 'leader';
  }

  /** Size of the group's majority. */
  private get quorum(): number {
    return Math.floor((this.peers.length + 1) / 2) + 1;
  }

  /** Appends a write at the leader; returns its log index (the driver waits for it to apply). */
  propose(mutations: Mutation[]): number {
    if (this.role !== 'leader') throw new Error(`vnode ${this.vnode}: propose on a ${this.role}`);
    const entry: LogEntry = { index: this.lastIndex + 1, term: this.term, mutations };
    this.appendLocal(entry);
    this.needsSend = true;
    return entry.index;
  }

  private appendLocal(entry: LogEntry): void {
    this.tail.push(entry);
    this.lastIndex = entry.index;
    this.lastTerm = entry.term;
  }

  private termAt(index: number): number | undefined {
    if (index === 0) return 0;
    if (index === this.lastIndex) return this.lastTerm;
    if (index === this.floorIndex) return this.floorTerm;
    const first = this.floorIndex + 1;
    if (index >= first && index <= this.lastIndex) return this.tail[index - first].term;
    return undefined;
  }

  private entriesFrom(from: number, max: number): LogEntry[] | undefined {
    const first = this.floorIndex + 1;
    if (from < first) return undefined;
    const start = from - first;
    return this.tail.slice(start, start + max);
  }

  step(from: string, msg: PeerMsg, nowMs: number): void {
    if (msg.type === MSG_APPEND) this.onAppend(from, msg);
    else if (msg.type === MSG_APPEND_REPLY) this.onAppendReply(from, msg, nowMs);
  }

  private reply(to: string, ok: boolean, lastIndex: number): void {
    this.outbox.push({
      to,
      msg: { vnode: this.vnode, type: MSG_APPEND_REPLY, term: this.term, prevIndex: 0, prevTerm: 0, commit: 0, entries: [], ok, lastIndex },
    });
  }

  private onAppend(from: string, msg: PeerMsg): void {
    if (msg.term < this.term || this.role === 'none') return; // a deposed or unknown leader: ignore
    if (this.role !== 'follower' || from !== this.leaderId) {
      // Placement has not reached this node yet; the leader will resend.
      return;
    }
    if (msg.prevIndex > this.lastIndex) {
      this.reply(from, false, this.lastIndex);
      return;
    }
    const localPrevTerm = this.termAt(msg.prevIndex);
    if (localPrevTerm !== undefined && localPrevTerm !== msg.prevTerm) {
      // Logs diverge; with a fixed leader per term this cannot happen yet (elections will need it).
      this.reply(from, false, Math.min(this.lastIndex, msg.prevIndex - 1));
      return;
    }
    for (const entry of msg.entries) {
      if (entry.index <= this.lastIndex) continue; // already held
      if (entry.index !== this.lastIndex + 1) break;
      this.appendLocal(entry);
    }
    const newCommit = Math.min(msg.commit, this.lastIndex);
    if (newCommit > this.commit) this.commit = newCommit;
    if (this.lastIndex > this.persisted) this.pendingAck = { to: from, upTo: this.lastIndex };
    else this.reply(from, true, this.lastIndex);
  }

  private onAppendReply(from: string, msg: PeerMsg, nowMs: number): void {
    if (this.role !== 'leader') return;
    const pr = this.progress.get(from);
    if (!pr) return;
    pr.lastAckMs = nowMs;
    if (msg.ok) {
      if (msg.lastIndex > pr.match) pr.match = Math.min(msg.lastIndex, this.lastIndex);
      if (pr.next <= pr.match) pr.next = pr.match + 1;
      this.maybeCommit();
    } else {
      // The follower's log ends earlier than we assumed: resend from where it ends.
      pr.match = Math.min(pr.match, msg.lastIndex);
      pr.next = Math.min(msg.lastIndex, this.lastIndex) + 1;
      pr.lastSentMs = -Infinity;
    }
    this.needsSend = true;
  }

  private maybeCommit(): void {
    const matches = [this.persisted];
    for (const pr of this.progress.values()) matches.push(pr.match);
    matches.sort((a, b) => b - a);
    const candidate = matches[this.quorum - 1];
    // Like Raft, only entries of the current term are committed by counting replicas.
    if (candidate > this.commit && this.termAt(candidate) === this.term) this.commit = candidate;
  }

  tick(nowMs: number): void {
    if (this.role !== 'leader') return;
    for (const pr of this.progress.values()) {
      if (pr.match < this.lastIndex && nowMs - pr.lastAckMs >= this.timings.resendMs && nowMs - pr.lastSentMs >= this.timings.resendMs) {
        pr.next = pr.match + 1; // nothing heard for a while: assume in-flight messages were lost
        this.needsSend = true;
      }
      if (nowMs - pr.lastSentMs >= this.timings.heartbeatMs) this.needsSend = true;
    }
  }

  /** Entries read back from the durable log for `peer`: [from - 1 (for its term) .. to]. */
  fetched(peer: string, prevIndex: number, prevTerm: number, entries: LogEntry[], nowMs: number): void {
    const pr = this.progress.get(peer);
    if (!pr || this.role !== 'leader') return;
    pr.fetching = false;
    if (entries.length === 0 || entries[0].index !== prevIndex + 1) return;
    this.outbox.push({ to: peer, msg: this.appendMsg(prevIndex, prevTerm, entries) });
    pr.next = entries[entries.length - 1].index + 1;
    pr.lastSentMs = nowMs;
    pr.sentCommit = this.commit;
  }

  private appendMsg(prevIndex: number, prevTerm: number, entries: LogEntry[]): PeerMsg {
    return { vnode: this.vnode, type: MSG_APPEND, term: this.term, prevIndex, prevTerm, commit: this.commit, entries, ok: false, lastIndex: this.lastIndex };
  }

  private sendAppends(nowMs: number): void {
    for (const [peer, pr] of this.progress) {
      if (pr.fetching) continue;
      const hasNew = pr.next <= this.lastIndex;
      const idle = nowMs - pr.lastSentMs >= this.timings.heartbeatMs;
      if (!hasNew && !idle && pr.sentCommit >= this.commit) continue;
      const prevIndex = pr.next - 1;
      const prevTerm = this.termAt(prevIndex);
      const entries = hasNew ? this.entriesFrom(pr.next, this.timings.maxEntriesPerMessage) : [];
      if (prevTerm === undefined || entries === undefined) {
        // Older than what is kept in memory: the driver reads it from disk.
        pr.fetching = true;
        const to = Math.min(this.floorIndex, pr.next + this.timings.maxEntriesPerMessage - 1);
        this.fetches.push({ vnode: this.vnode, peer, from: pr.next, to: Math.max(to, pr.next) });
        continue;
      }
      this.outbox.push({ to: peer, msg: this.appendMsg(prevIndex, prevTerm, entries) });
      if (entries.length > 0) pr.next = entries[entries.length - 1].index + 1;
      pr.lastSentMs = nowMs;
      pr.sentCommit = this.commit;
    }
  }

  /** True when `ready()` would return work. */
  hasReady(): boolean {
    return (
      this.lastIndex > this.persisting ||
      Math.min(this.commit, this.lastIndex) > this.applying ||
      this.stateDirty ||
      this.outbox.length > 0 ||
      this.fetches.length > 0 ||
      this.pendingAck !== null ||
      this.needsSend
    );
  }

  ready(nowMs: number): Ready {
    if (this.needsSend && this.role === 'leader') this.sendAppends(nowMs);
    this.needsSend = false;
    const first = this.floorIndex + 1;
    const entries = this.lastIndex > this.persisting ? this.tail.slice(this.persisting + 1 - first) : [];
    const persistedUpTo = this.lastIndex;
    // Leaders apply what a majority holds durably; followers apply what the leader says is
    // committed, which may include entries made durable by this very write.
    const applyTo = Math.min(this.commit, persistedUpTo);
    const apply = applyTo > this.applying ? this.tail.slice(this.applying + 1 - first, applyTo + 1 - first) : [];
    const messages = this.outbox;
    if (this.pendingAck) {
      messages.push({
        to: this.pendingAck.to,
        msg: { vnode: this.vnode, type: MSG_APPEND_REPLY, term: this.term, prevIndex: 0, prevTerm: 0, commit: 0, entries: [], ok: true, lastIndex: this.pendingAck.upTo },
      });
      this.pendingAck = null;
    }
    if (apply.length > 0) this.appliedTerm = apply[apply.length - 1].term;
    const state =
      apply.length > 0 || this.stateDirty ? { term: this.term, applied: Math.max(applyTo, this.applying), appliedTerm: this.appliedTerm } : null;
    const ready: Ready = {
      vnode: this.vnode,
      entries,
      state,
      apply,
      messages,
      fetch: this.fetches,
      persistedUpTo,
      appliedUpTo: Math.max(applyTo, this.applying),
    };
    this.persisting = persistedUpTo;
    this.applying = ready.appliedUpTo;
    this.stateDirty = false;
    this.outbox = [];
    this.fetches = [];
    return ready;
  }

  /** The driver has done everything `ready` asked. */
  advance(ready: Ready): void {
    if (ready.persistedUpTo > this.persisted) this.persisted = ready.persistedUpTo;
    if (ready.appliedUpTo > this.applied) this.applied = ready.appliedUpTo;
    if (this.role === 'leader') {
      const before = this.commit;
      this.maybeCommit();
      if (this.commit > before) this.needsSend = true;
    }
    this.trimTail();
  }

  /** Drops applied entries beyond what is retained for slow followers. */
  private trimTail(): void {
    const keepFrom = this.applied - this.timings.retainedEntries; // entries <= keepFrom may go
    if (keepFrom <= this.floorIndex) return;
    const drop = keepFrom - this.floorIndex;
    const last = this.tail[drop - 1];
    this.tail = this.tail.slice(drop);
    this.floorIndex = last.index;
    this.floorTerm = last.term;
  }
}
