import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger, Placement } from '@ringdb/runtime';
import { DEFAULT_TIMINGS, PeerTransport, ReplicationDriver, createEngine, type StorageEngine } from '@ringdb/storage-node';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

/**
 * A one-replica vnode on a real RocksDB: applied entries that no follower needs keep only index
 * and term in memory, and the driver reads their writes back from the durable log.
 */
describe('replication driver: log entries of a vnode, from memory or from the durable log', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringdb-driver-log-'));
  let engine: StorageEngine;
  let driver: ReplicationDriver;
  before(async () => {
    engine = createEngine('rocksdb', dir);
    await engine.open();
    const transport = new PeerTransport('n1', quiet);
    driver = new ReplicationDriver(engine, 'n1', transport, quiet, false, { ...DEFAULT_TIMINGS, electionTimeoutMs: 100, heartbeatMs: 25, memoryEntries: 4 }, 10);
    await driver.restore();
    const placement: Placement = {
      version: 1,
      vnodeCount: 1,
      zones: ['a'],
      nodes: [{ id: 'n1', zone: 'a', address: '127.0.0.1:1', alive: true, lastSeenMs: 0, draining: false }],
      vnodes: [{ nodes: ['n1'], leader: 0, target: [], targetLeader: 0 }],
    };
    driver.configure(placement);
    driver.start();
    const deadline = Date.now() + 5_000;
    while (!driver.replicas[0]?.canWrite) {
      if (Date.now() > deadline) throw new Error('the replica did not become a leader');
      await new Promise((r) => setTimeout(r, 10));
    }
  });
  after(async () => {
    driver?.stop();
    await engine?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps applied entries no follower needs as terms only, and reads them back whole from disk', async () => {
    const tableId = Buffer.alloc(16, 7);
    const firstIndex = driver.appliedIndex(0) + 1;
    const writes = Array.from({ length: 20 }, (_, i) =>
      driver.propose(0, [{ tableId, key: Buffer.from(`k${i}`), value: Buffer.from(`value ${i}`), delete: false, countDelta: 1, sizeDelta: 7 }]),
    );
    await Promise.all(writes.map((w) => w.applied));
    const applied = driver.appliedIndex(0);
    assert.equal(applied, firstIndex + 19);
    const replica = driver.replicas[0]!;

    // A group of one has no follower to send entries to: once applied, none is held whole in
    // memory (only index and term are) ...
    assert.equal(replica.entriesBetween(applied - 2, applied), undefined);
    assert.equal(replica.entriesBetween(firstIndex - 1, applied), undefined);
    assert.equal(replica.entryTerm(applied), replica.term);
    assert.equal(replica.entryTerm(firstIndex), replica.term);
    // ... and come back whole from the durable log.
    const all = await driver.logEntriesBetween(0, firstIndex - 1, applied);
    assert.ok(all, 'entries read back from the durable log');
    assert.deepEqual(all.map((e) => e.index), Array.from({ length: 20 }, (_, i) => firstIndex + i));
    assert.deepEqual(all.map((e) => e.mutations[0].key.toString()), Array.from({ length: 20 }, (_, i) => `k${i}`));
    assert.deepEqual(all.map((e) => e.mutations[0].value.toString()), Array.from({ length: 20 }, (_, i) => `value ${i}`));
    assert.deepEqual(await driver.logEntriesBetween(0, applied, applied), []);
    // Not applied yet, or before the start of the log: unknown.
    assert.equal(await driver.logEntriesBetween(0, applied, applied + 5), undefined);
  });
});
