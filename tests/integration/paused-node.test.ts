import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateTableCommand, GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { hashKeyBytes, locatePartition } from '@ringdb/core';
import { Cluster, eventually } from '../support/cluster.js';

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
    for (const k of others) {
      const t0 = Date.now();
      await ddb.send(new PutItemCommand({ TableName: 'Paused', Item: { pk: { S: k }, v: { S: 'while-paused' } } }));
      if (Date.now() - t0 > 500) console.log(`slow write: ${k} took ${Date.now() - t0} ms`);
    }
    const perWrite = (Date.now() - started) / others.length;
    assert.ok(perWrite < 200, `writes took ${perWrite.toFixed(1)} ms each`);
  });

  it('answers a write sent to it in bounded time, and its vnodes get new leaders that take writes', async () => {
    const led = keys.filter((x) => leaderOf(x) === 'node-a');
    const started = Date.now();
    // The router still believes node-a leads: this write waits for node-a, then gives up. Whether
    // node-a will still apply it when it wakes up is unknown, so the answer must say so (500).
    const res = await fetch(cluster.endpoint, {
      method: 'POST',
      headers: { 'X-Amz-Target': 'DynamoDB_20120810.PutItem', Authorization: 'AWS4-HMAC-SHA256 Credential=x/20240101/us-east-1/dynamodb/aws4_request' },
      body: JSON.stringify({ TableName: 'Paused', Item: { pk: { S: led[0] }, v: { S: 'unknown' } } }),
      signal: AbortSignal.timeout(30_000),
    });
    const elapsed = Date.now() - started;
    console.log(`write to paused leader: ${res.status} after ${elapsed} ms`);
    assert.ok([200, 500].includes(res.status), `status ${res.status}`);
    // One reply timeout of 6 s, checked once a second.
    assert.ok(elapsed < 8_000, `answered after ${elapsed} ms`);
    // By now the other two replicas of each of node-a's vnodes elected a new leader.
    for (const k of led.slice(1)) {
      const t0 = Date.now();
      await ddb.send(new PutItemCommand({ TableName: 'Paused', Item: { pk: { S: k }, v: { S: 'while-paused' } } }));
      assert.ok(Date.now() - t0 < 2_000, `write of ${k} took ${Date.now() - t0} ms`);
    }
  });

  it('serves everything again after SIGCONT, with every write in place', async () => {
    await cluster.signal('node-a', 'SIGCONT');
    const led = keys.filter((x) => leaderOf(x) === 'node-a');
    for (const k of led.slice(1, 6)) {
      await ddb.send(new PutItemCommand({ TableName: 'Paused', Item: { pk: { S: k }, v: { S: 'after' } } }));
    }
    for (const k of keys.slice(0, 45).concat(led.slice(1))) {
      const got = await ddb.send(new GetItemCommand({ TableName: 'Paused', Key: { pk: { S: k } }, ConsistentRead: true }));
      const expected = led.slice(1, 6).includes(k) ? 'after' : 'while-paused';
      if (k === led[0]) continue; // its write's outcome was unknown
      assert.equal(got.Item?.v.S, expected, k);
    }
  });

  it('reads sent to a leader just paused go to other replicas after half a second (hedged reads)', async () => {
    // node-a leads vnodes again (handed back after SIGCONT); find keys it leads now.
    const ledNow = await eventually('node-a to lead again', async () => {
      const state = await cluster.state();
      const led = new Set(state.nodeStatus.find((n) => n.id === 'node-a')?.ledVnodes ?? []);
      const ks = keys.filter((k) => led.has(locatePartition('Paused', hashKeyBytes('S', { S: k }), state.placement.vnodeCount).vnode));
      assert.ok(ks.length >= 2);
      return ks;
    });
    // Make sure the router has just talked to node-a, then pause it: neither membership (1 s) nor
    // the connection's keepalive has noticed when the reads go out.
    await ddb.send(new GetItemCommand({ TableName: 'Paused', Key: { pk: { S: ledNow[0] } } }));
    await cluster.signal('node-a', 'SIGSTOP');
    let t0 = Date.now();
    const eventual = await ddb.send(new GetItemCommand({ TableName: 'Paused', Key: { pk: { S: ledNow[0] } } }));
    const eventualMs = Date.now() - t0;
    // Strongly consistent: the followers name node-a until they elect a new leader (an election
    // timeout after they last heard from it), which then serves the read.
    t0 = Date.now();
    const strong = await ddb.send(new GetItemCommand({ TableName: 'Paused', Key: { pk: { S: ledNow[1] } }, ConsistentRead: true }));
    const strongMs = Date.now() - t0;
    await cluster.signal('node-a', 'SIGCONT');
    console.log(`reads of node-a's vnodes right after it paused: eventual ${eventualMs} ms, consistent ${strongMs} ms`);
    assert.ok(eventual.Item && strong.Item, 'both reads found their items');
    // Without hedging the first read waits for the 6 s reply timeout (or the keepalive, 2-4 s).
    assert.ok(eventualMs < 1_500, `eventually consistent read took ${eventualMs} ms`);
    assert.ok(strongMs < 4_000, `strongly consistent read took ${strongMs} ms`);
  });
});
