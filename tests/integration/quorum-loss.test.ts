import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { hashKeyBytes, locatePartition } from '@ringdb/core';
import { Cluster, createKeyValueTable, eventually } from '../support/cluster.js';

/**
 * A leader whose two followers stop answering cannot commit: a write it took must be answered
 * (ServiceUnavailable, outcome unknown) after the leader's quorum wait of 5 s, not held until the
 * router's own deadline or forever, and once the followers are back the key is either the old or
 * the new value and takes writes again.
 */
describe('a leader that loses its quorum', () => {
  const cluster = new Cluster();
  let ddb: DynamoDBClient;
  let key = '';
  let leader = '';
  let followers: string[] = [];
  before(async () => {
    await cluster.start();
    ddb = cluster.client();
    await createKeyValueTable(ddb, 'Quorum');
    const { placement } = await cluster.state();
    key = 'q1';
    const group = placement.vnodes[locatePartition('Quorum', hashKeyBytes('S', { S: key }), placement.vnodeCount).vnode];
    leader = group.nodes[group.leader];
    followers = group.nodes.filter((n) => n !== leader);
    await eventually('the first write', () => ddb.send(new PutItemCommand({ TableName: 'Quorum', Item: { pk: { S: key }, v: { S: 'old' } } })));
  });
  after(async () => {
    for (const f of followers) await cluster.signal(f, 'SIGCONT');
    ddb?.destroy();
    await cluster.destroy();
  });

  it('answers a write it cannot commit after its quorum wait, with ServiceUnavailable', async () => {
    for (const f of followers) await cluster.signal(f, 'SIGSTOP');
    // One attempt: the SDK would otherwise retry a 503 and hide when the first answer came.
    const once = cluster.client(1);
    const started = Date.now();
    try {
      await assert.rejects(
        once.send(new PutItemCommand({ TableName: 'Quorum', Item: { pk: { S: key }, v: { S: 'new' } } })),
        (err: Error & { $metadata?: { httpStatusCode?: number } }) => {
          assert.equal(err.name, 'ServiceUnavailable', err.message);
          assert.equal(err.$metadata?.httpStatusCode, 503);
          return true;
        },
      );
    } finally {
      once.destroy();
    }
    const elapsed = Date.now() - started;
    console.log(`write without a quorum answered after ${elapsed} ms (leader ${leader}, followers ${followers.join(', ')} paused)`);
    assert.ok(elapsed >= 4_500 && elapsed < 8_000, `answered after ${elapsed} ms`);
  });

  it('once the followers are back, the key holds the old or the new value and takes writes', async () => {
    for (const f of followers) await cluster.signal(f, 'SIGCONT');
    const got = await eventually('a strong read', () =>
      ddb.send(new GetItemCommand({ TableName: 'Quorum', Key: { pk: { S: key } }, ConsistentRead: true })),
    );
    assert.ok(['old', 'new'].includes(got.Item?.v.S ?? ''), JSON.stringify(got.Item));
    await eventually('a write after the pause', () => ddb.send(new PutItemCommand({ TableName: 'Quorum', Item: { pk: { S: key }, v: { S: 'after' } } })));
    const after = await ddb.send(new GetItemCommand({ TableName: 'Quorum', Key: { pk: { S: key } }, ConsistentRead: true }));
    assert.equal(after.Item?.v.S, 'after');
  });
});
