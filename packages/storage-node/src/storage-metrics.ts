import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { HotHistogram, counterOf, type HistogramSeries } from '@ringdb/runtime';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ReplicationDriver } from './replication-driver.js';

const COMMIT_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];

/** Bytes of all files below `dir`. */
async function directoryBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) total += await directoryBytes(p);
    else if (entry.isFile()) total += (await stat(p).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

/**
 * A storage node's Prometheus metrics. Everything but commit latency is computed when Prometheus
 * scrapes, from the replication driver's state, so the write path pays for one histogram update.
 */
export class StorageMetrics {
  readonly commitSeconds: HistogramSeries;

  constructor(registry: Registry, driver: ReplicationDriver, engineDir: string, tableName: (tableHex: string) => string) {
    this.commitSeconds = new HotHistogram(
      'ringdb_storage_commit_duration_seconds',
      'From a write being proposed at its vnode leader to it being applied there (two of three replicas hold it)',
      [],
      COMMIT_BUCKETS,
      registry,
    ).series({});
    new Gauge({
      name: 'ringdb_storage_vnodes',
      help: 'Vnode replicas on this node by role',
      labelNames: ['role'],
      registers: [registry],
      collect() {
        const roles = driver.roleCounts();
        this.set({ role: 'leader' }, roles.leader);
        this.set({ role: 'follower' }, roles.follower);
        this.set({ role: 'candidate' }, roles.candidate);
      },
    });
    new Counter({
      name: 'ringdb_storage_leadership_changes_total',
      help: 'Vnodes this node started leading (gained: elections won, handovers received) or stopped leading (lost)',
      labelNames: ['change'],
      registers: [registry],
      collect() {
        this.reset();
        this.inc({ change: 'gained' }, driver.leadership.gained);
        this.inc({ change: 'lost' }, driver.leadership.lost);
      },
    });
    new Counter({
      name: 'ringdb_storage_snapshots_total',
      help: 'Vnode snapshots sent to followers that needed compacted log entries (sent), and installed here (installed)',
      labelNames: ['direction'],
      registers: [registry],
      collect() {
        this.reset();
        this.inc({ direction: 'sent' }, driver.snapshots.sent);
        this.inc({ direction: 'installed' }, driver.counters.snapshotsInstalled);
      },
    });
    counterOf(registry, 'ringdb_storage_log_entries_compacted_total', 'Replication log entries deleted because the data covers them', () => driver.counters.entriesCompacted);
    counterOf(registry, 'ringdb_storage_write_batches_total', 'Replication cycles written to the engine, each one atomic batch for every vnode with work (group commit)', () => driver.counters.writeBatches);
    counterOf(registry, 'ringdb_storage_write_batch_operations_total', 'Puts and deletes in those batches (log entries, applied items, replica state, statistics)', () => driver.counters.writeBatchOps);
    counterOf(registry, 'ringdb_storage_replication_messages_sent_total', 'Replication messages sent to peers (appends, acknowledgements, heartbeats, votes, ...)', () => driver.transport.sent);
    counterOf(registry, 'ringdb_storage_peer_writes_total', 'Writes on the peer streams; each carries every message queued for that peer', () => driver.transport.writes);
    counterOf(registry, 'ringdb_storage_vnodes_dropped_total', 'Vnode replicas whose data this node deleted after the vnode moved away', () => driver.counters.vnodesDropped);
    const lag = () => {
      const byPeer = new Map<string, { entries: number; ms: number }>();
      const now = Date.now();
      for (const r of driver.replicas) {
        for (const l of r?.followerLag(now) ?? []) {
          const p = byPeer.get(l.peer) ?? { entries: 0, ms: 0 };
          p.entries += l.entries;
          p.ms = Math.max(p.ms, l.ms);
          byPeer.set(l.peer, p);
        }
      }
      return byPeer;
    };
    new Gauge({
      name: 'ringdb_storage_replication_lag_entries',
      help: 'Log entries the follower on `peer` has not acknowledged, summed over the vnodes this node leads',
      labelNames: ['peer'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [peer, l] of lag()) this.set({ peer }, l.entries);
      },
    });
    new Gauge({
      name: 'ringdb_storage_replication_lag_seconds',
      help: 'Longest time the follower on `peer` has been behind without acknowledging, over the vnodes this node leads',
      labelNames: ['peer'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [peer, l] of lag()) this.set({ peer }, l.ms / 1000);
      },
    });
    new Gauge({
      name: 'ringdb_storage_engine_bytes',
      help: 'Bytes on disk of this node\'s RocksDB (or LevelDB) directory',
      registers: [registry],
      async collect() {
        this.set(await directoryBytes(engineDir));
      },
    });
    const tableGauge = (name: string, help: string, pick: (t: { count: number; bytes: number }) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['table'],
        registers: [registry],
        collect() {
          this.reset();
          const led: number[] = [];
          driver.replicas.forEach((r, v) => {
            if (r?.isLeader) led.push(v);
          });
          for (const [hex, t] of driver.stats.totals(led)) this.set({ table: tableName(hex) }, pick(t));
        },
      });
    tableGauge('ringdb_storage_items', 'Items per table in the vnodes this node leads', (t) => t.count);
    tableGauge('ringdb_storage_item_bytes', 'DynamoDB item bytes per table in the vnodes this node leads', (t) => t.bytes);
    new Gauge({
      name: 'ringdb_storage_placement_version',
      help: 'Version of the placement this node applies',
      registers: [registry],
      collect() {
        this.set(driver.placementVersion);
      },
    });
  }
}
