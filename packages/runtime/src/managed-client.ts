import * as grpc from '@grpc/grpc-js';
import { CHANNEL_OPTIONS } from './proto.js';

/**
 * A channel that is neither READY nor IDLE for this long is replaced by a new one. grpc-js has no
 * connect timeout: a TCP connect whose SYN was lost in a partition waits for the kernel (about two
 * minutes), and an HTTP/2 handshake with a peer that accepted the connection but never answers
 * (a paused process, a half-dead proxy) waits forever. Reconnect backoff and keepalive do not help
 * while such an attempt is pending, so the attempt is abandoned with its channel.
 */
export const CONNECT_DEADLINE_MS = 3_000;
/** How often every managed channel's state is looked at (one timer for all of them). */
const CHECK_EVERY_MS = 500;

const { READY, IDLE, SHUTDOWN } = grpc.connectivityState;
const managed = new Set<ManagedClient>();
let checker: NodeJS.Timeout | undefined;

function checkAll(): void {
  const now = Date.now();
  for (const m of managed) m.check(now);
}

/**
 * A gRPC client whose channel is recreated when it has not been usable (READY or IDLE) for
 * `connectDeadlineMs`. Code that holds streams on it registers `onReset` and reopens them on the
 * new `client`; unary calls simply use `client` at call time (see `unary`).
 */
export class ManagedClient {
  client: grpc.Client;
  /** How many times the channel was replaced (for logs and tests). */
  resets = 0;
  private notReadySince = 0;
  private readonly listeners: ((reason: string) => void)[] = [];
  private closed = false;

  constructor(
    private readonly ctor: grpc.ServiceClientConstructor,
    readonly address: string,
    private readonly connectDeadlineMs = CONNECT_DEADLINE_MS,
  ) {
    this.client = this.create();
    managed.add(this);
    if (!checker) {
      checker = setInterval(checkAll, CHECK_EVERY_MS);
      checker.unref();
    }
  }

  private create(): grpc.Client {
    // A channel of its own (no subchannel shared with other clients of the same address): a new
    // client must really start a new connection rather than wait on the stuck attempt.
    return new this.ctor(this.address, grpc.credentials.createInsecure(), { ...CHANNEL_OPTIONS, 'grpc.use_local_subchannel_pool': 1 });
  }

  /** Called on every reset, after `client` was replaced. */
  onReset(listener: (reason: string) => void): void {
    this.listeners.push(listener);
  }

  /** The channel's connectivity state, without starting a connection. */
  state(): grpc.connectivityState {
    return this.client.getChannel().getConnectivityState(false);
  }

  /** @internal Called by the shared timer. */
  check(now: number): void {
    const state = this.state();
    if (state === READY || state === IDLE || state === SHUTDOWN) {
      this.notReadySince = 0;
    } else if (this.notReadySince === 0) {
      this.notReadySince = now;
    } else if (now - this.notReadySince >= this.connectDeadlineMs) {
      this.reset(`not connected for ${now - this.notReadySince} ms (${grpc.connectivityState[state]})`);
    }
  }

  /** Replaces the channel now (also for callers that found a stream silent for too long). */
  reset(reason: string): void {
    if (this.closed) return;
    const old = this.client;
    this.client = this.create();
    this.notReadySince = 0;
    this.resets++;
    old.close();
    for (const l of this.listeners) l(reason);
  }

  close(): void {
    this.closed = true;
    managed.delete(this);
    this.client.close();
    if (managed.size === 0 && checker) {
      clearInterval(checker);
      checker = undefined;
    }
  }
}
