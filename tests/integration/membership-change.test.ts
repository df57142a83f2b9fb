import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { hashKeyBytes, locatePartition } from '@ringdb/core';
import { computePlacement } from '@ringdb/membership';
import type { ClusterState } from '@ringdb/runtime';
import { Cluster, RINGDB_BIN, eventually, sleep, createKeyValueTable, expectItemCount, metricValue } from '../support/cluster.js';

const run = promisify(execFile);
const TABLE = 'Moves';
const KEYS = Array.from({ length: 300 }, (_, i) => `key-${i}`);
const WORKERS = 6;

interface OpRecord {
  key: string;
  ms: number;
  error?: string;
}

/**
 * A write load that owns its keys (worker w writes keys i with i % WORKERS == w, one at a time), so
 * the last acknowledged value of every key is known exactly. Every operation is recorded with its
 * latency or error; the client does not retry (maxAttempts 1), so every failure shows.
 */
class Load {
  readonly ops: OpRecord[] = [];
  readonly acked = new Map<string, string>();
  private running = false;
  private workers: Promise<void>[] = [];
  private seq = 0;

  constructor(private readonly ddb: DynamoDBClient) {}

  start(): void {
    this.running = true;
    this.workers = Array.from({ length: WORKERS }, (_, w) => this.worker(w));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers);
  }

  private async worker(w: number): Promise<void> {
    const mine = KEYS.filter((_, i) => i % WORKERS === w);
    let i = 0;
    while (this.running) {
      const key = mine[i++ % mine.length];
      const value = `w${w}-${this.seq++}`;
      const t0 = performance.now();
      try {
        await this.ddb.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: key }, v: { S: value } } }));
        this.acked.set(key, value);
        this.ops.push({ key, ms: performance.now() - t0 });
      } catch (err) {
        this.ops.push({ key, ms: performance.now() - t0, error: `${(err as Error).name}: ${(err as Error).message}` });
      }
    }
  }
}

function vnodeOf(key: string, vnodeCount: number): number {
  return locatePartition(TABLE, hashKeyBytes('S', { S: key }), vnodeCount).vnode;
}

/** Splits recorded operations into those on keys of moving vnodes and the rest. */
function summarize(ops: OpRecord[], moving: Set<number>, vnodeCount: number) {
  const split = { moving: { ops: 0, errors: [] as string[], maxMs: 0 }, still: { ops: 0, errors: [] as string[], maxMs: 0 } };
  for (const op of ops) {
    const s = moving.has(vnodeOf(op.key, vnodeCount)) ? split.moving : split.still;
    s.ops++;
    s.maxMs = Math.max(s.maxMs, op.ms);
    if (op.error) s.errors.push(`${op.key}: ${op.error}`);
  }
  return split;
}


async function readsBack(ddb: DynamoDBClient, acked: Map<string, string>): Promise<void> {
  for (const key of KEYS) {
    const got = await ddb.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: key } }, ConsistentRead: true }));
    assert.equal(got.Item?.v?.S, acked.get(key), `${key} reads back its last acknowledged value`);
  }
}

describe('membership changes: a node joins a zone, another is decommissioned', () => {
  // A tiny retained log: replicas that join need snapshots of the vnodes' data, not just the log.
  const cluster = new Cluster({ env: { RINGDB_LOG_RETAIN: '4' } });
  let ddb: DynamoDBClient;
  let strict: DynamoDBClient;
  const acked = new Map<string, string>();

  before(async () => {
    await cluster.start();
    ddb = cluster.client();
    strict = cluster.client(1);
    await createKeyValueTable(ddb, TABLE);
    for (let i = 0; i < KEYS.length; i += 20) {
      await Promise.all(
        KEYS.slice(i, i + 20).map(async (key) => {
          await ddb.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: key }, v: { S: 'initial' } } }));
          acked.set(key, 'initial');
        }),
      );
    }
  });
  after(async () => {
    ddb?.destroy();
    strict?.destroy();
    await cluster.destroy();
  });

  const settled = (s: ClusterState) => s.placement.vnodes.every((g) => g.target.length === 0);

  it('a node joining zone a receives exactly the vnodes the zone ring now assigns it, by snapshot, under load', async () => {
    const before = await cluster.state();
    const { zones, vnodeCount } = before.placement;
    const nodes = before.placement.nodes.map((n) => ({ id: n.id, zone: n.zone, address: n.address }));
    const expected = computePlacement(zones, [...nodes, { id: 'node-a2', zone: 'a', address: '' }], vnodeCount);
    const moving = new Set<number>();
    expected.forEach((g, v) => {
      if (g.nodes.join() !== before.placement.vnodes[v].nodes.join()) moving.add(v);
    });
    assert.ok(moving.size > 0 && moving.size < vnodeCount, `some but not all vnodes move (${moving.size})`);
    for (const v of moving) assert.equal(expected[v].nodes[0], 'node-a2', 'only zone a replicas change, to the new node');

    const load = new Load(strict);
    load.start();
    await sleep(500);
    await cluster.addStorageNode('a', 'node-a2');
    const after = await eventually(
      'the moves to node-a2 to finish',
      async () => {
        const s = await cluster.state();
        if (!s.placement.nodes.some((n) => n.id === 'node-a2')) throw new Error('node-a2 not registered');
        if (!settled(s)) throw new Error(`${s.placement.vnodes.filter((g) => g.target.length > 0).length} vnodes still moving`);
        return s;
      },
      90_000,
      250,
    );
    await sleep(500);
    await load.stop();
    for (const [k, v] of load.acked) acked.set(k, v);

    // Placement is now exactly what the rings assign: node-a2 holds the moved vnodes and no other.
    after.placement.vnodes.forEach((g, v) => assert.deepEqual(g.nodes, expected[v].nodes, `vnode ${v} replicas`));
    const s = summarize(load.ops, moving, vnodeCount);
    console.log(`join: ${moving.size} vnodes moved; ${JSON.stringify({ moving: { ops: s.moving.ops, errors: s.moving.errors.length, maxMs: Math.round(s.moving.maxMs) }, still: { ops: s.still.ops, errors: s.still.errors.length, maxMs: Math.round(s.still.maxMs) } })}`);
    assert.ok(s.moving.ops > 50 && s.still.ops > 50, 'the load ran on both kinds of keys');
    assert.deepEqual(s.still.errors, [], 'keys outside moving vnodes never see an error');
    assert.deepEqual(s.moving.errors, [], 'writes to moving vnodes succeed (the router retries at the new leader)');
    assert.ok(s.moving.maxMs < 1_000, `a write to a moving vnode waited at most ${Math.round(s.moving.maxMs)} ms`);

    const a2 = await cluster.metrics('node-a2');
    assert.ok(metricValue(a2, /^ringdb_storage_snapshots_total\{direction="installed"[^}]*\} (\d+)/m) > 0, 'node-a2 installed snapshots');
    await readsBack(ddb, acked);
  });

  it('DescribeTable counts every item once the moved vnodes report (statistics rebuilt from snapshots)', async () => {
    await expectItemCount(ddb, TABLE, KEYS.length);
  });

  it('decommissioning node-a drains it into node-a2; it then deletes its copies and can be stopped', async () => {
    const load = new Load(strict);
    load.start();
    const { stdout } = await run(process.execPath, [RINGDB_BIN, 'node', 'decommission', 'node-a', '--membership', cluster.membershipAddress, '--timeout', '120']);
    await sleep(500);
    await load.stop();
    for (const [k, v] of load.acked) acked.set(k, v);
    assert.match(stdout, /"event":"drained"/);
    const s = await cluster.state();
    assert.ok(settled(s));
    assert.ok(s.placement.vnodes.every((g) => g.nodes[0] === 'node-a2'), 'every vnode has node-a2 as its zone a replica');
    assert.equal(s.placement.nodes.find((n) => n.id === 'node-a')?.draining, true);
    const vnodeCount = s.placement.vnodeCount;
    const all = new Set(Array.from({ length: vnodeCount }, (_, v) => v));
    const sum = summarize(load.ops, all, vnodeCount);
    console.log(`decommission: ${JSON.stringify({ ops: sum.moving.ops, errors: sum.moving.errors.length, maxMs: Math.round(sum.moving.maxMs) })}`);
    assert.deepEqual(sum.moving.errors, [], 'no write failed while node-a drained');
    await readsBack(ddb, acked);
    // After a grace period the drained node deletes its copies of the vnodes it no longer holds.
    await eventually(
      'node-a to delete its vnode copies',
      async () => {
        const m = await cluster.metrics('node-a');
        assert.ok(metricValue(m, /^ringdb_storage_vnodes_dropped_total\{[^}]*\} (\d+)/m) > 0);
        assert.equal(metricValue(m, /^ringdb_storage_vnodes\{role="leader"\} (\d+)/m), 0);
      },
      30_000,
      500,
    );
    await cluster.signal('node-a', 'SIGTERM');
    // Stopped and holding nothing, it leaves the registry (and `ringdb status`).
    await eventually('membership to forget node-a', async () => {
      const now = await cluster.state();
      assert.equal(now.placement.nodes.some((n) => n.id === 'node-a'), false);
      assert.ok(now.placement.nodes.some((n) => n.id === 'node-a2'));
    }, 20_000, 200);
    for (const key of KEYS.slice(0, 50)) {
      await strict.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: key }, v: { S: 'after-stop' } } }));
      acked.set(key, 'after-stop');
    }
    await readsBack(ddb, acked);
  });

  it('the last node of a zone cannot be decommissioned', async () => {
    await assert.rejects(
      run(process.execPath, [RINGDB_BIN, 'node', 'decommission', 'node-b', '--membership', cluster.membershipAddress, '--no-wait']),
      (err: Error & { stderr?: string }) => /last one in zone b/.test(err.stderr ?? ''),
    );
  });
});
