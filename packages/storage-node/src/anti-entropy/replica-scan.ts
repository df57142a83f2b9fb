import type { StorageEngine } from '../engine.js';
import { itemValueSize, statsKey, tableRange } from '../keyspace.js';
import type { ReplicationDriver } from '../replication-driver.js';
import { MerkleBuilder, type MerkleTree } from './merkle.js';

/** A row kept by a scan: its encoded key, stored value and digest. */
export interface ScannedRow {
  key: Buffer;
  value: Buffer;
  digest: Buffer;
}

export interface ReplicaScan {
  /** The vnode's applied log index the scan saw: every entry up to it, nothing after. */
  applied: number;
  tree: MerkleTree;
  /** Rows of the requested buckets, by encoded key in hex. */
  rows: Map<string, ScannedRow>;
  /** Items and item bytes found, and what the table statistics said at the same point. */
  count: number;
  bytes: number;
}

const CHUNK = 512;

/**
 * Scans one replica's share of a table (one vnode) at a known applied index: the cursor is opened
 * between two replication cycles (`driver.exclusive`), when the engine holds exactly the applied
 * entries, and reads from that snapshot while replication goes on. Builds the Merkle tree of every
 * row and keeps the rows of `buckets`.
 *
 * Because it sees the statistics of the same point, the scan also checks the table statistics
 * (item count and bytes) of the vnode against the data and corrects them if they disagree (a
 * replica whose RocksDB lost rows keeps counting them otherwise).
 */
export async function scanReplica(
  engine: StorageEngine,
  driver: ReplicationDriver,
  vnode: number,
  tableId: Buffer,
  buckets: ReadonlySet<number> = new Set(),
): Promise<ReplicaScan & { statsCorrection: { count: number; bytes: number } }> {
  const tableHex = tableId.toString('hex');
  const range = tableRange(tableId, vnode);
  const start = await driver.exclusive(() => ({
    cursor: engine.cursor(range),
    applied: driver.appliedIndex(vnode),
    stats: driver.stats.totals([vnode]).get(tableHex) ?? { count: 0, bytes: 0 },
  }));
  const builder = new MerkleBuilder();
  const rows = new Map<string, ScannedRow>();
  let count = 0;
  let bytes = 0;
  try {
    for (let chunk = await start.cursor.next(CHUNK); chunk.length > 0; chunk = await start.cursor.next(CHUNK)) {
      for (const [dataKey, value] of chunk) {
        const key = dataKey.subarray(range.gte.length);
        const { bucket, digest } = builder.add(key, value);
        if (buckets.has(bucket)) rows.set(key.toString('hex'), { key, value, digest });
        count++;
        bytes += value.length >= 4 ? itemValueSize(value) : 0;
      }
    }
  } finally {
    await start.cursor.close();
  }
  const statsCorrection = { count: count - start.stats.count, bytes: bytes - start.stats.bytes };
  if (statsCorrection.count !== 0 || statsCorrection.bytes !== 0) {
    // The statistics moved by log deltas since the snapshot; the correction is relative, so it
    // still holds now.
    await driver.exclusive(() => {
      driver.stats.add(vnode, tableHex, statsCorrection.count, statsCorrection.bytes);
      return engine.batch([{ type: 'put', key: statsKey(vnode, tableId), value: driver.stats.encode(vnode, tableHex) }]);
    });
  }
  return { applied: start.applied, tree: builder.build(), rows, count, bytes, statsCorrection };
}
