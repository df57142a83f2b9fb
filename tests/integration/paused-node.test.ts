import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateTableCommand, GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { hashKeyBytes, locatePartition } from '@ringdb/core';
import { Cluster } from '../support/cluster.js';

describe('a paused (SIGSTOP) storage node', () => {
  const cluster = new Cluster({ failureTimeoutMs: 1_000 });
  let ddb: DynamoDBClient;
  let leaderOf: (k: string) => string;
  before(async () => {
    await cluster.start();
    ddb = cluster.client();
    await ddb.send(
      new CreateTableCommand({
        TableName: 'Paused',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const { placement } = await cluster.state();
    leaderOf = (k) => {
      const g = placement.vnodes[locatePartition('Paused', hashKeyBytes('S', { S: k }), placement.vnodeCount).vnode];
      return g.nodes[g.leader];
    };
  });
  after(async () => {
    await cluster.signal('node-a', 'SIGCONT');
    ddb?.destroy();
    await cluster.destroy();
  });

  const keys = Array.from({ length: 60 }, (_, i) => `p${i}`);

  it('does not stall writes to vnodes it only follows', async () => {
    await cluster.signal('node-a', 'SIGSTOP');
    const others = keys.filter((k) => leaderOf(k) !== 'node-a');
    const started = Date.now();
    for (const k of others) await ddb.send(new PutItemCommand({ TableName: 'Paused', Item: { pk: { S: k }, v: { S: 'while-paused' } } }));
    const perWrite = (Date.now() - started) / others.length;
    assert.ok(perWrite < 200, `writes took ${perWrite.toFixed(1)} ms each`);
  });

  it('answers requests for vnodes it leads with an error in bounded time, not a hang', async () => {
    const k = keys.find((x) => leaderOf(x) === 'node-a')!;
    const started = Date.now();
    const res = await fetch(cluster.endpoint, {
      method: 'POST',
      headers: { 'X-Amz-Target': 'DynamoDB_20120810.PutItem', Authorization: 'AWS4-HMAC-SHA256 Credential=x/20240101/us-east-1/dynamodb/aws4_request' },
      body: JSON.stringify({ TableName: 'Paused', Item: { pk: { S: k } } }),
      signal: AbortSignal.timeout(30_000),
    });
    const elapsed = Date.now() - started;
    assert.equal(res.status, 503);
    assert.match(((await res.json()) as { __type: string }).__type, /ServiceUnavailable$/);
    // 10 s request deadline, plus at most one in-flight wait of 6 s (swept once a second).
    assert.ok(elapsed < 18_500, `answered after ${elapsed} ms`);
  });

  it('serves everything again after SIGCONT, with every write in place', async () => {
    await cluster.signal('node-a', 'SIGCONT');
    for (const k of keys.filter((x) => leaderOf(x) === 'node-a').slice(0, 5)) {
      await ddb.send(new PutItemCommand({ TableName: 'Paused', Item: { pk: { S: k }, v: { S: 'after' } } }));
    }
    for (const k of keys.filter((x) => leaderOf(x) !== 'node-a')) {
      const got = await ddb.send(new GetItemCommand({ TableName: 'Paused', Key: { pk: { S: k } }, ConsistentRead: true }));
      assert.equal(got.Item?.v.S, 'while-paused', k);
    }
  });
});
