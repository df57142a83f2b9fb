import type { RangeCursor as Cursor, StorageEngine } from './engine.js';
import { itemValueSize, tableRange } from './keyspace.js';
import type { PeerTransport } from './peer-transport.js';
import type { Mutation, SnapshotAck } from './replication/types.js';
import type { SnapshotPoint, VnodeReplica } from './replication/vnode-replica.js';

/** Bytes of row data per snapshot chunk (each chunk is one peer message, acknowledged before the next). */
const CHUNK_BYTES = 256 * 1024;
const CHUNK_ROWS_READ = 128;
/** A follower that has not acknowledged a chunk for this long: give up and let the leader retry. */
const ACK_TIMEOUT_MS = 5_000;

interface Transfer {
  replica: VnodeReplica;
  peer: string;
  point: SnapshotPoint;
  tables: { id: Buffer; cursor: Cursor }[];
  table: number;
  seq: number;
  last: boolean;
  sentAt: number;
  reading: boolean;
}

/**
 * Streams snapshots of vnodes to followers that need log entries the leader has compacted away.
 * A snapshot is the vnode's rows in every table as of the leader's applied index: `start` must be
 * called when the engine holds exactly that state (the driver calls it between its batches), and
 * opens one engine cursor per table then, which keeps reading that state however long it takes.
 * Chunks go one at a time: the next is read and sent when the follower acknowledges the previous.
 */
export class SnapshotSender {
  private readonly transfers = new Map<string, Transfer>();
  /** Snapshots completely sent, for metrics. */
  sent = 0;

  constructor(
    private readonly engine: StorageEngine,
    private readonly transport: PeerTransport,
    private readonly onError: (err: Error, vnode: number, peer: string) => void,
  ) {}

  start(replica: VnodeReplica, peer: string, tableIds: Buffer[], nowMs: number): void {
    const key = `${replica.vnode}:${peer}`;
    this.close(this.transfers.get(key));
    const point = replica.snapshotPoint();
    const tables = tableIds.map((id) => ({ id, cursor: this.engine.cursor(tableRange(id, replica.vnode)) }));
    const t: Transfer = { replica, peer, point, tables, table: 0, seq: -1, last: false, sentAt: nowMs, reading: false };
    this.transfers.set(key, t);
    void this.sendNext(t);
  }

  /** A follower's answer to a chunk (from the replica's Ready). */
  ack(a: SnapshotAck): void {
    const t = this.transfers.get(`${a.vnode}:${a.peer}`);
    if (!t || t.point.index !== a.index || t.seq !== a.seq) return;
    if (!a.ok || t.last) {
      if (t.last && !a.ok) this.sent++;
      this.close(t);
      return;
    }
    void this.sendNext(t);
  }

  /** Gives up on transfers whose follower went quiet (the leader then retries from scratch). */
  tick(nowMs: number): void {
    for (const t of this.transfers.values()) {
      if (!t.reading && nowMs - t.sentAt > ACK_TIMEOUT_MS) {
        this.close(t);
        t.replica.snapshotAborted(t.peer, nowMs);
      }
    }
  }

  stop(): void {
    for (const t of [...this.transfers.values()]) this.close(t);
  }

  private async sendNext(t: Transfer): Promise<void> {
    t.reading = true;
    try {
      const rows: Mutation[] = [];
      let bytes = 0;
      while (t.table < t.tables.length && bytes < CHUNK_BYTES) {
        const { id, cursor } = t.tables[t.table];
        const batch = await cursor.next(CHUNK_ROWS_READ);
        if (batch.length === 0) {
          t.table++;
          continue;
        }
        for (const [k, v] of batch) {
          rows.push({ tableId: id, key: k.subarray(19), value: v, delete: false, countDelta: 1, sizeDelta: itemValueSize(v) });
          bytes += k.length + v.length;
        }
      }
      if (this.transfers.get(`${t.replica.vnode}:${t.peer}`) !== t) return;
      t.last = t.table >= t.tables.length;
      t.seq++;
      const now = Date.now();
      const msg = t.replica.snapshotChunk(t.peer, t.point, t.seq, rows, t.last, now);
      if (!msg) {
        this.close(t);
        return;
      }
      t.sentAt = now;
      this.transport.enqueue(t.peer, msg);
      this.transport.flush();
    } catch (err) {
      if (this.transfers.get(`${t.replica.vnode}:${t.peer}`) !== t) return; // closed meanwhile
      this.onError(err as Error, t.replica.vnode, t.peer);
      this.close(t);
      t.replica.snapshotAborted(t.peer, Date.now());
    } finally {
      t.reading = false;
    }
  }

  private close(t: Transfer | undefined): void {
    if (!t) return;
    const key = `${t.replica.vnode}:${t.peer}`;
    if (this.transfers.get(key) === t) this.transfers.delete(key);
    for (const { cursor } of t.tables) void cursor.close().catch(() => undefined);
    t.tables = [];
  }
}
