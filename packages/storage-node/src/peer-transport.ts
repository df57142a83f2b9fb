import { ManagedClient, grpc, services, type Logger } from '@ringdb/runtime';
import { encodePeerMsgs } from './replication/peer-codec.js';
import type { PeerMsg } from './replication/types.js';

interface PeerStream {
  client: ManagedClient;
  call: grpc.ClientWritableStream<unknown> | undefined;
  address: string;
  retryAfter: number;
  /** Writes handed to the stream whose completion has not been reported yet. */
  inFlight: number;
}

/**
 * Writes (each a batch of messages) allowed in flight to one peer. grpc-js reports a write done
 * once HTTP/2 flow control let it out; a peer that stopped reading (paused, overloaded) stalls
 * them, and past this bound further messages to it are dropped instead of buffered without limit.
 * Bounding by a count well above a stream's high-water mark keeps bursts from ever dropping.
 */
const MAX_IN_FLIGHT = 512;

/**
 * Outbound replication traffic: one long-lived client stream per peer node, each write carrying
 * every message queued for that peer since the last flush (all vnodes together). Messages to a
 * peer whose stream is down, or that has stopped reading (MAX_IN_FLIGHT writes unfinished), are
 * dropped rather than buffered without bound; the replication protocol re-sends what matters.
 */
export class PeerTransport {
  private readonly peers = new Map<string, PeerStream>();
  private readonly queued = new Map<string, PeerMsg[]>();
  /** Messages dropped because a peer was unreachable or not reading (for metrics). */
  dropped = 0;
  /** Messages sent, and stream writes (each carrying all messages queued for one peer) (for metrics). */
  sent = 0;
  writes = 0;

  constructor(
    private readonly self: string,
    private readonly log: Logger,
  ) {}

  /** Node id -> gRPC address, from placement. */
  setAddresses(addresses: Map<string, string>): void {
    for (const [id, peer] of this.peers) {
      if (addresses.get(id) !== peer.address) {
        peer.call?.end();
        peer.client.close();
        this.peers.delete(id);
      }
    }
    for (const [id, address] of addresses) {
      if (id === this.self || this.peers.has(id)) continue;
      const client = new ManagedClient(services().Storage, address);
      const peer: PeerStream = { client, call: undefined, address, retryAfter: 0, inFlight: 0 };
      // A channel replaced because it could not connect: the stream on the old one is dead too.
      client.onReset((reason) => {
        const call = peer.call;
        peer.call = undefined;
        peer.retryAfter = 0;
        call?.cancel();
        this.log.info('peer channel replaced', { peer: id, reason });
      });
      this.peers.set(id, peer);
    }
  }

  enqueue(to: string, msg: PeerMsg): void {
    let list = this.queued.get(to);
    if (!list) this.queued.set(to, (list = []));
    list.push(msg);
  }

  flush(): void {
    if (this.queued.size === 0) return;
    const now = Date.now();
    for (const [to, msgs] of this.queued) {
      const peer = this.peers.get(to);
      if (!peer) continue;
      const call = this.stream(peer, to, now);
      if (!call || peer.inFlight >= MAX_IN_FLIGHT) {
        this.dropped += msgs.length;
        continue;
      }
      peer.inFlight++;
      this.sent += msgs.length;
      this.writes++;
      call.write({ from: this.self, packed: encodePeerMsgs(msgs) }, () => {
        if (peer.call === call) peer.inFlight--;
      });
    }
    this.queued.clear();
  }

  private stream(peer: PeerStream, id: string, now: number): grpc.ClientWritableStream<unknown> | undefined {
    if (peer.call) return peer.call;
    if (now < peer.retryAfter) return undefined;
    const call = (peer.client.client as unknown as { peer(cb: (err: Error | null) => void): grpc.ClientWritableStream<unknown> }).peer((err) => {
      if (peer.call === call) peer.call = undefined;
      if (err) {
        peer.retryAfter = Date.now() + 250;
        this.log.debug('peer stream closed', { peer: id, error: err.message });
      }
    });
    call.on('error', () => {
      if (peer.call === call) peer.call = undefined;
    });
    peer.call = call;
    peer.inFlight = 0;
    return call;
  }

  close(): void {
    for (const peer of this.peers.values()) {
      peer.call?.end();
      peer.client.close();
    }
    this.peers.clear();
  }
}
