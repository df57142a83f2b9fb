import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateTableCommand, GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { hashKeyBytes, locatePartition } from '@ringdb/core';
import { Cluster, eventually } from '../support/cluster.js';
import { expectError } from '../support/errors.js';

/** The value of one sample in Prometheus text, matching the metric name and every given label. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[3] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[4]);
  }
  return undefined;
}

function sum(texts: string[], name: string, labels: Record<string, string> = {}): number {
  return texts.reduce((n, t) => n + (sample(t, name, labels) ?? 0), 0);
}

describe('Prometheus metrics on every process', () => {
  const cluster = new Cluster({ vnodes: 48, failureTimeoutMs: 1_000 });
  let ddb: DynamoDBClient;
  before(async () => {
    await cluster.start();
    ddb = cluster.client();
    await ddb.send(
      new CreateTableCommand({
        TableName: 'Metered',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    for (let i = 0; i < 40; i++) await ddb.send(new PutItemCommand({ TableName: 'Metered', Item: { pk: { S: `k${i}` }, v: { S: 'x'.repeat(100) } } }));
    await ddb.send(new GetItemCommand({ TableName: 'Metered', Key: { pk: { S: 'k1' } } }));
    await expectError(
      ddb.send(new PutItemCommand({ TableName: 'Metered', Item: { pk: { S: 'k1' } }, ConditionExpression: 'attribute_not_exists(pk)' })),
      'ConditionalCheckFailedException',
    );
  });
  after(async () => {
    ddb?.destroy();
    await cluster.destroy();
  });

  it('router: requests and latency by operation and outcome, bytes, placement version', async () => {
    const text = await cluster.metrics('router');
    assert.equal(sample(text, 'ringdb_router_requests_total', { operation: 'PutItem', outcome: 'success' }), 40);
    assert.equal(sample(text, 'ringdb_router_requests_total', { operation: 'PutItem', outcome: 'ConditionalCheckFailedException' }), 1);
    assert.equal(sample(text, 'ringdb_router_request_duration_seconds_count', { operation: 'GetItem', outcome: 'success' }), 1);
    assert.ok(sample(text, 'ringdb_router_request_bytes_total')! > 40 * 100);
    assert.ok(sample(text, 'ringdb_router_response_bytes_total')! > 0);
    assert.ok(sample(text, 'ringdb_router_placement_version')! >= 4);
    assert.ok(sample(text, 'process_cpu_seconds_total') !== undefined, 'default process metrics');
  });

  it('storage nodes: vnode roles, commit latency, items per table, engine bytes', async () => {
    const texts = await Promise.all(cluster.nodeNames().map((n) => cluster.metrics(n)));
    assert.equal(sum(texts, 'ringdb_storage_vnodes', { role: 'leader' }), 48);
    assert.equal(sum(texts, 'ringdb_storage_vnodes', { role: 'follower' }), 96);
    assert.equal(sum(texts, 'ringdb_storage_commit_duration_seconds_count'), 40);
    assert.equal(sum(texts, 'ringdb_storage_items', { table: 'Metered' }), 40);
    for (const t of texts) assert.ok(sample(t, 'ringdb_storage_engine_bytes')! > 0);
  });

  it('membership: nodes per zone and state; lag toward a stopped follower', async () => {
    const before = await cluster.metrics('membership');
    for (const zone of cluster.zones) assert.equal(sample(before, 'ringdb_membership_nodes', { zone, state: 'up' }), 1);
    assert.equal(sample(before, 'ringdb_membership_tables'), 1);
    await cluster.signal('node-c', 'SIGKILL');
    await eventually('node-c reported down', async () => {
      assert.equal(sample(await cluster.metrics('membership'), 'ringdb_membership_nodes', { zone: 'c', state: 'down' }), 1);
    });
    // Writes led by node-a or node-b still commit; their leaders now count entries node-c lacks.
    const { placement } = await cluster.state();
    const ledElsewhere = (k: string) => {
      const g = placement.vnodes[locatePartition('Metered', hashKeyBytes('S', { S: k }), placement.vnodeCount).vnode];
      return g.nodes[g.leader] !== 'node-c';
    };
    const keys = Array.from({ length: 40 }, (_, i) => `lag${i}`).filter(ledElsewhere).slice(0, 10);
    for (const k of keys) await ddb.send(new PutItemCommand({ TableName: 'Metered', Item: { pk: { S: k } } }));
    const written = keys.length;
    assert.equal(written, 10);
    const lag = sum(await Promise.all(['node-a', 'node-b'].map((n) => cluster.metrics(n))), 'ringdb_storage_replication_lag_entries', { peer: 'node-c' });
    assert.ok(lag >= written, `lag toward node-c: ${lag}`);
  });
});
