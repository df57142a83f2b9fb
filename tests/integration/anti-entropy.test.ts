import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { DeleteItemCommand, GetItemCommand, PutItemCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { encodeKeyValue, hashKeyBytes, locatePartition, tableIdBytes } from '@ringdb/core';
import type { Placement } from '@ringdb/runtime';
import { createEngine, dataKey, encodeItemValue, itemValueJson, itemValueSize, statsKey, tableRange, type RoundSummary } from '@ringdb/storage-node';
import { Cluster, RINGDB_BIN, eventually, sleep, createKeyValueTable } from '../support/cluster.js';

const run = promisify(execFile);

/** The value of one sample in Prometheus text (0 when absent: counters start unset). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[3] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[4]);
  }
  return 0;
}

const TABLE = 'Repaired';
const VICTIM = 'node-c';
const item = (k: string, i: number): Record<string, AttributeValue> => ({ pk: { S: k }, n: { N: String(i) }, body: { S: `payload of ${k}` } });

describe('anti-entropy: a replica that lost and changed keys while stopped is repaired', () => {
  const cluster = new Cluster({ failureTimeoutMs: 1_000, vnodes: 32 });
  let ddb: DynamoDBClient;
  let placement: Placement;
  let tableId: Buffer;
  const keys = Array.from({ length: 150 }, (_, i) => `k${i}`);
  const vnodeOf = (k: string) => locatePartition(TABLE, hashKeyBytes('S', { S: k }), placement.vnodeCount).vnode;
  const followedByVictim = (k: string) => {
    const g = placement.vnodes[vnodeOf(k)];
    return g.nodes.includes(VICTIM) && g.nodes[g.leader] !== VICTIM;
  };
  const rowKey = (k: string) => dataKey(tableId, vnodeOf(k), encodeKeyValue('S', { S: k }));
  const repair = async (...args: string[]): Promise<{ stdout: string; total: RoundSummary; notCompared: number[] }> => {
    const { stdout } = await run(process.execPath, [RINGDB_BIN, 'repair', ...args, '--json', '--membership', cluster.membershipAddress]);
    const out = JSON.parse(stdout) as { total: RoundSummary; notCompared: number[] };
    return { stdout, total: out.total, notCompared: out.notCompared };
  };
  const victimDb = () => createEngine('rocksdb', path.join(cluster.dir, VICTIM, 'rocksdb'));

  before(async () => {
    await cluster.start();
    ddb = cluster.client();
    for (const TableName of [TABLE, 'Busy']) {
      await createKeyValueTable(ddb, TableName);
    }
    const state = await cluster.state();
    placement = state.placement;
    const entry = (JSON.parse(state.tablesJson) as { TableName: string; TableId: string }[]).find((t) => t.TableName === TABLE)!;
    tableId = tableIdBytes(entry.TableId);
    await Promise.all(keys.map((k, i) => ddb.send(new PutItemCommand({ TableName: TABLE, Item: item(k, i) }))));
  });
  after(async () => {
    ddb?.destroy();
    await cluster.destroy();
  });

  it('finds nothing to repair in a healthy cluster', async () => {
    // A vnode handing leadership to its preferred replica after the start has no leader for a
    // moment, and a round then leaves it out: ask again until every vnode was compared.
    const { total } = await eventually('a round over every vnode', async () => {
      const r = await repair();
      assert.deepEqual(r.notCompared, [], 'vnodes no node compared');
      assert.equal(r.total.vnodes, 32);
      return r;
    });
    assert.equal(total.comparisons, 32 * 2 * 2, 'every vnode, both tables, both followers');
    assert.equal(total.failed, 0);
    assert.equal(total.differing, 0);
    assert.equal(total.repaired, 0);
  });

  const damaged = { deleted: [] as string[], changed: '', extra: '' };

  it('repairs exactly the damaged keys on the restarted follower (ringdb repair, metric)', async () => {
    const candidates = keys.filter(followedByVictim);
    assert.ok(candidates.length >= 10, `${candidates.length} keys followed by ${VICTIM}`);
    damaged.deleted = candidates.slice(0, 3);
    damaged.changed = candidates[3];
    damaged.extra = Array.from({ length: 500 }, (_, i) => `ghost${i}`).find(followedByVictim)!;

    await sleep(1_000); // the last commits reach the followers (an unapplied entry would be replayed on restart)
    await cluster.signal(VICTIM, 'SIGTERM');
    const db = victimDb();
    await db.open();
    try {
      for (const k of damaged.deleted) assert.ok(await db.get(rowKey(k)), `${k} is on ${VICTIM}`);
      const json = Buffer.from(JSON.stringify({ ...item(damaged.changed, -1), body: { S: 'silently corrupted' } }));
      const ghost = Buffer.from(JSON.stringify(item(damaged.extra, 0)));
      await db.batch([
        ...damaged.deleted.map((k) => ({ type: 'del' as const, key: rowKey(k) })),
        { type: 'put', key: rowKey(damaged.changed), value: encodeItemValue(json.length, json) },
        { type: 'put', key: rowKey(damaged.extra), value: encodeItemValue(ghost.length, ghost) },
      ]);
    } finally {
      await db.close();
    }
    cluster.run(VICTIM);
    await cluster.waitReady();

    const { total } = await repair();
    assert.equal(total.failed, 0);
    assert.equal(total.repaired, 5, JSON.stringify(total));
    assert.equal(total.skipped, 0);
    assert.ok(total.differing >= 1);
    const metrics = await cluster.metrics(VICTIM);
    assert.equal(sample(metrics, 'ringdb_antientropy_repaired_keys_total', { table: TABLE }), 5);
    assert.equal(sample(metrics, 'ringdb_antientropy_repaired_keys_total', { table: 'Busy' }), 0);
    for (const other of ['node-a', 'node-b']) {
      const text = await cluster.metrics(other);
      assert.equal(sample(text, 'ringdb_antientropy_repaired_keys_total', { table: TABLE }), 0, `${other} repaired nothing`);
      assert.ok(sample(text, 'ringdb_antientropy_rounds_total', { trigger: 'on_demand' }) > 0);
      assert.ok(sample(text, 'ringdb_antientropy_last_round_timestamp_seconds') > Date.now() / 1000 - 60);
    }

    // A second round (of one table, printed as a table) finds the replicas equal.
    const { stdout } = await run(process.execPath, [RINGDB_BIN, 'repair', TABLE, '--membership', cluster.membershipAddress]);
    const lines = stdout.trim().split('\n');
    assert.match(lines[1], /^NODE\s+ZONE\s+STATUS\s+VNODES\s+COMPARED\s+DIFFERING\s+REPAIRED\s+SKIPPED\s+FAILED$/);
    for (const n of cluster.nodeNames()) assert.match(stdout, new RegExp(`^${n}\\s+\\w\\s+ok\\s+\\d+`, 'm'));
    assert.match(lines[lines.length - 1], /^TOTAL\s+32\s+64\s+0\s+0\s+0\s+0$/, 'one table: 32 vnodes x 2 followers compared, all equal');
  });

  it('left the follower\'s RocksDB holding the leader\'s rows and matching statistics', async () => {
    await cluster.signal(VICTIM, 'SIGTERM');
    const db = victimDb();
    await db.open();
    try {
      for (const k of [...damaged.deleted, damaged.changed]) {
        const value = await db.get(rowKey(k));
        assert.ok(value, `${k} restored`);
        assert.deepEqual(JSON.parse(itemValueJson(value).toString('utf8')), item(k, keys.indexOf(k)), `${k} has the leader's value`);
      }
      assert.equal(await db.get(rowKey(damaged.extra)), undefined, 'the key only the follower had is gone');
      // Statistics of each damaged vnode agree with its rows (count and DynamoDB item bytes).
      for (const vnode of new Set([...damaged.deleted, damaged.changed, damaged.extra].map(vnodeOf))) {
        const rows = await db.range(tableRange(tableId, vnode));
        const stats = (await db.get(statsKey(vnode, tableId)))!;
        const bytes = rows.reduce((n, [, v]) => n + itemValueSize(v), 0);
        assert.equal(Number(stats.readBigInt64BE(0)), rows.length, `vnode ${vnode} item count`);
        assert.equal(Number(stats.readBigInt64BE(8)), bytes, `vnode ${vnode} item bytes`);
      }
    } finally {
      await db.close();
    }
    cluster.run(VICTIM);
    await cluster.waitReady();
  });

  it('reports no repairs while writes run concurrently (no false positives)', async () => {
    let stop = false;
    let writes = 0;
    const writer = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const k = `busy-${(w * 7919 + i * 31) % 300}`;
        if (i % 5 === 4) await ddb.send(new DeleteItemCommand({ TableName: 'Busy', Key: { pk: { S: k } } }));
        else if (i % 5 === 3) {
          await ddb.send(new UpdateItemCommand({
            TableName: TABLE,
            Key: { pk: { S: keys[i % keys.length] } },
            UpdateExpression: 'SET touched = :t',
            ExpressionAttributeValues: { ':t': { N: String(i) } },
          }));
        } else await ddb.send(new PutItemCommand({ TableName: 'Busy', Item: { pk: { S: k }, w: { N: String(w) }, i: { N: String(i) } } }));
        writes++;
      }
    };
    const before = await Promise.all(cluster.nodeNames().map((n) => cluster.metrics(n)));
    const writers = Promise.all(Array.from({ length: 8 }, (_, w) => writer(w)));
    const totals: RoundSummary[] = [];
    // Rounds until some comparisons caught replicas at different applied indexes (roots differing
    // because of writes in flight): those are the ones that must not turn into repairs. And until
    // enough writes ran alongside (a slow machine may need more rounds for that).
    const deadline = Date.now() + 45_000;
    try {
      await sleep(300);
      while (totals.length < 3 || totals.reduce((n, t) => n + t.differing, 0) < 3 || writes <= 100) {
        assert.ok(Date.now() < deadline, `rounds never saw replicas differ while writing (${writes} writes): ${JSON.stringify(totals)}`);
        totals.push((await repair()).total);
      }
    } finally {
      stop = true;
      await writers;
    }
    assert.ok(writes > 100, `${writes} writes ran during the rounds`);
    for (const t of totals) {
      assert.equal(t.failed, 0);
      assert.equal(t.repaired, 0, JSON.stringify(t));
      assert.equal(t.comparisons, 32 * 2 * 2);
    }
    const afterwards = await Promise.all(cluster.nodeNames().map((n) => cluster.metrics(n)));
    afterwards.forEach((text, i) => {
      for (const table of [TABLE, 'Busy']) {
        assert.equal(
          sample(text, 'ringdb_antientropy_repaired_keys_total', { table }),
          sample(before[i], 'ringdb_antientropy_repaired_keys_total', { table }),
        );
      }
    });
    // Once writes stop, the replicas agree entirely.
    await eventually('replicas equal after the writes', async () => {
      const { total } = await repair();
      assert.equal(total.differing, 0, JSON.stringify(total));
      assert.equal(total.repaired, 0);
    }, 10_000, 500);
  });

  it('repairs a damaged leader from its followers when both agree against it, and spreads nothing', async () => {
    const ledByVictim = keys.filter((k) => placement.vnodes[vnodeOf(k)].nodes[placement.vnodes[vnodeOf(k)].leader] === VICTIM);
    const lost = ledByVictim.slice(0, 2);
    assert.equal(lost.length, 2);
    await cluster.signal(VICTIM, 'SIGTERM');
    const db = victimDb();
    await db.open();
    await db.batch(lost.map((k) => ({ type: 'del' as const, key: rowKey(k) })));
    await db.close();
    cluster.run(VICTIM);
    await cluster.waitReady(); // node-c leads its preferred vnodes again, with the two rows missing
    const read = (k: string) => ddb.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: k } }, ConsistentRead: true }));
    for (const k of lost) assert.equal((await read(k)).Item, undefined, `${k} is missing at its leader before the repair`);
    const before = await Promise.all(['node-a', 'node-b'].map((n) => cluster.metrics(n)));
    const { total } = await repair(TABLE);
    assert.equal(total.repaired, lost.length, JSON.stringify(total));
    assert.equal(total.skipped, 0, JSON.stringify(total));
    const afterwards = await Promise.all(['node-a', 'node-b'].map((n) => cluster.metrics(n)));
    afterwards.forEach((text, i) => {
      assert.equal(
        sample(text, 'ringdb_antientropy_repaired_keys_total', { table: TABLE }),
        sample(before[i], 'ringdb_antientropy_repaired_keys_total', { table: TABLE }),
        'the followers kept their rows',
      );
    });
    assert.equal(sample(await cluster.metrics(VICTIM), 'ringdb_antientropy_repaired_keys_total', { table: TABLE }), lost.length);
    for (const k of lost) assert.equal((await read(k)).Item?.pk.S, k, `${k} is back at its leader`);
    // And the replicas agree again.
    const again = await repair(TABLE);
    assert.equal(again.total.differing, 0, JSON.stringify(again.total));
  });

  it('names the vnodes that no node compared (two of three replicas down: no leader anywhere)', async () => {
    const [up, ...stopped] = [VICTIM, ...cluster.nodeNames().filter((n) => n !== VICTIM)];
    for (const n of stopped) await cluster.signal(n, 'SIGTERM');
    try {
      // Once membership reports them down and the survivor's leaders stepped down (no quorum).
      const r = await eventually('a round that compared nothing', async () => {
        const out = await repair();
        assert.deepEqual(out.notCompared, Array.from({ length: 32 }, (_, v) => v));
        return out;
      }, 20_000, 500);
      assert.equal(r.total.vnodes, 0);
      const nodes = (JSON.parse(r.stdout) as { nodes: { node: string; status: string }[] }).nodes;
      assert.deepEqual(nodes.map((n) => [n.node, n.status]).sort(), [[up, 'ok'], ...stopped.map((n) => [n, 'down'])].sort());
      const { stdout } = await run(process.execPath, [RINGDB_BIN, 'repair', '--membership', cluster.membershipAddress]);
      assert.match(stdout, /^not compared: 32 vnode\(s\) \(no leader at that moment, or its round failed\): 0, 1, 2, .*, 31; run again$/m);
    } finally {
      for (const n of stopped) cluster.run(n);
      await cluster.waitReady();
    }
  });
});

describe('anti-entropy: periodic rounds repair without being asked', () => {
  const cluster = new Cluster({ failureTimeoutMs: 1_000, vnodes: 16, env: { RINGDB_ANTI_ENTROPY_INTERVAL_MS: '1500' } });
  let ddb: DynamoDBClient;
  before(async () => {
    await cluster.start();
    ddb = cluster.client();
  });
  after(async () => {
    ddb?.destroy();
    await cluster.destroy();
  });

  it('a follower that lost two keys gets them back from the periodic rounds of their leaders', async () => {
    await createKeyValueTable(ddb, TABLE);
    const state = await cluster.state();
    const { placement } = state;
    const tableId = tableIdBytes((JSON.parse(state.tablesJson) as { TableName: string; TableId: string }[]).find((t) => t.TableName === TABLE)!.TableId);
    const vnodeOf = (k: string) => locatePartition(TABLE, hashKeyBytes('S', { S: k }), placement.vnodeCount).vnode;
    const rowKey = (k: string) => dataKey(tableId, vnodeOf(k), encodeKeyValue('S', { S: k }));
    const keys = Array.from({ length: 60 }, (_, i) => `p${i}`);
    for (const [i, k] of keys.entries()) await ddb.send(new PutItemCommand({ TableName: TABLE, Item: item(k, i) }));
    const lost = keys.filter((k) => {
      const g = placement.vnodes[vnodeOf(k)];
      return g.nodes[g.leader] !== VICTIM;
    }).slice(0, 2);

    await sleep(1_000);
    await cluster.signal(VICTIM, 'SIGTERM');
    const db = createEngine('rocksdb', path.join(cluster.dir, VICTIM, 'rocksdb'));
    await db.open();
    await db.batch(lost.map((k) => ({ type: 'del' as const, key: rowKey(k) })));
    await db.close();
    cluster.run(VICTIM);
    await cluster.waitReady();

    await eventually('periodic rounds repaired the lost keys', async () => {
      assert.equal(sample(await cluster.metrics(VICTIM), 'ringdb_antientropy_repaired_keys_total', { table: TABLE }), 2);
    }, 30_000, 500);
    const leaders = await Promise.all(['node-a', 'node-b'].map((n) => cluster.metrics(n)));
    for (const text of leaders) {
      assert.ok(sample(text, 'ringdb_antientropy_rounds_total', { trigger: 'periodic' }) > 0);
      assert.equal(sample(text, 'ringdb_antientropy_rounds_total', { trigger: 'on_demand' }), 0);
    }
  });
});
