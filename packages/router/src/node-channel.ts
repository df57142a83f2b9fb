import { ManagedClient, grpc, services } from '@ringdb/runtime';

/** What the router sends to and gets from a storage node (Storage.Data; see proto/ringdb.proto). */
export interface OpRequest {
  kind: number;
  vnode: number;
  placementVersion: number;
  tableId: Buffer;
  key: Buffer;
  item?: Buffer;
  itemSize?: number;
  flags: number;
  /** JSON of operation-specific parameters. */
  aux?: Buffer;
}

export interface OpReply {
  id: number;
  code: number;
  body: Buffer;
  errorType: string;
  errorMessage: string;
  placementVersion: number;
  aux: Buffer;
  leaderHint: string;
}

/**
 * The stream broke (or the node did not answer in time). `delivered` is false only when the node
 * never accepted the stream (it sends its headers first thing), so the operation surely did not
 * reach it; otherwise it may or may not have happened.
 */
export class ChannelBrokenError extends Error {
  constructor(
    message: string,
    readonly delivered: boolean,
  ) {
    super(message);
  }
}

/** The node did not answer a read within the hedge delay given to `send` (the read goes on; its late answer is ignored). */
export class SlowNodeError extends Error {}

/** Longer than a leader's own quorum wait (5 s), after which it answers "unavailable" itself. */
const REPLY_TIMEOUT_MS = 6_000;
/** How often pending operations are checked for hedge delays and reply timeouts. */
const SWEEP_MS = 100;

interface Pending {
  resolve(reply: OpReply): void;
  reject(err: Error): void;
  sentAt: number;
  /** When to give up waiting with a SlowNodeError (reads), or 0. */
  hedgeAt: number;
}

/**
 * One long-lived bidirectional Data stream from this router to one storage node. Operations issued
 * in the same event-loop turn travel in one DataBatch message; replies come back batched and are
 * matched by id.
 */
export class NodeChannel {
  private readonly client: ManagedClient;
  private failBroken: ((err?: Error) => void) | undefined;
  private call: grpc.ClientDuplexStream<unknown, { replies: OpReply[] }> | undefined;
  private readonly pending = new Map<number, Pending>();
  private queued: (OpRequest & { id: number })[] = [];
  private scheduled = false;
  private nextId = 1;
  /** Set when the stream failed; cleared when a reply arrives. */
  brokenSince = 0;

  private readonly sweeper: NodeJS.Timeout;

  constructor(
    readonly nodeId: string,
    readonly address: string,
  ) {
    this.client = new ManagedClient(services().Storage, address);
    // A channel stuck connecting is replaced: what waited on the old one fails over at once.
    this.client.onReset((reason) => this.failBroken?.(new Error(`channel to ${nodeId} replaced: ${reason}`)));
    // Pending operations are checked periodically instead of arming timers per operation.
    this.sweeper = setInterval(() => this.expire(), SWEEP_MS);
    this.sweeper.unref();
  }

  private expire(): void {
    const now = Date.now();
    const cutoff = now - REPLY_TIMEOUT_MS;
    for (const [id, p] of this.pending) {
      if (p.hedgeAt > 0 && p.hedgeAt <= now) {
        this.pending.delete(id);
        p.reject(new SlowNodeError(`node ${this.nodeId} did not answer a read in time`));
        continue;
      }
      if (p.sentAt > cutoff) {
        // Ids are issued in time order: nothing later has timed out; only reads can be due a hedge.
        if (p.sentAt + SWEEP_MS > now) break;
        continue;
      }
      this.pending.delete(id);
      this.brokenSince ||= now; // suspect until the node answers again
      p.reject(new ChannelBrokenError(`node ${this.nodeId} did not answer within ${REPLY_TIMEOUT_MS} ms`, true));
    }
  }

  /**
   * Sends an operation (batched with the others of this event-loop turn). `hedgeMs` > 0: the
   * promise rejects with SlowNodeError when no answer came within about that long (checked every
   * SWEEP_MS), so the caller can ask another replica; the operation itself is not recalled.
   */
  send(op: OpRequest, hedgeMs = 0): Promise<OpReply> {
    const id = this.nextId++;
    if (this.nextId > 0xffffffff) this.nextId = 1;
    (op as OpRequest & { id: number }).id = id;
    this.queued.push(op as OpRequest & { id: number });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    const now = Date.now();
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject, sentAt: now, hedgeAt: hedgeMs > 0 ? now + hedgeMs : 0 }));
  }

  private flush(): void {
    this.scheduled = false;
    const ops = this.queued;
    this.queued = [];
    if (ops.length === 0) return;
    this.stream().write({ ops });
  }

  private stream(): grpc.ClientDuplexStream<unknown, { replies: OpReply[] }> {
    if (this.call) return this.call;
    const call = (this.client.client as unknown as { data(): grpc.ClientDuplexStream<unknown, { replies: OpReply[] }> }).data();
    let accepted = false;
    call.on('metadata', () => {
      accepted = true;
    });
    call.on('data', (batch: { replies: OpReply[] }) => {
      this.brokenSince = 0;
      for (const reply of batch.replies) {
        const p = this.pending.get(reply.id);
        if (!p) continue;
        this.pending.delete(reply.id);
        p.resolve(reply);
      }
    });
    const broken = (err?: Error) => {
      if (this.call !== call) return;
      this.call = undefined;
      this.failBroken = undefined;
      call.cancel();
      this.brokenSince = Date.now();
      const failed = [...this.pending.values()];
      this.pending.clear();
      for (const p of failed) p.reject(new ChannelBrokenError(err?.message ?? 'stream ended', accepted));
    };
    call.on('error', broken);
    call.on('end', () => broken());
    this.call = call;
    this.failBroken = broken;
    return call;
  }

  /**
   * Whether operations sent now can be expected to reach the node: no failure since its last
   * answer, and a channel that is not in TRANSIENT_FAILURE (its last connection attempt failed).
   */
  get healthy(): boolean {
    return this.brokenSince === 0 && this.client.state() !== grpc.connectivityState.TRANSIENT_FAILURE;
  }

  close(): void {
    clearInterval(this.sweeper);
    this.call?.end();
    this.client.close();
  }
}
