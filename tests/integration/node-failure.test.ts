import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateTableCommand, GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { hashKeyBytes, locatePartition } from '@ringdb/core';
import type { Placement } from '@ringdb/runtime';
import { Cluster, eventually, sleep } from '../support/cluster.js';

/** Which node leads the vnode of each key. */
function leaders(placement: Placement, table: string, keys: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const k of keys) {
    const { vnode } = locatePartition(table, hashKeyBytes('S', { S: k }), placement.vnodeCount);
    const group = placement.vnodes[vnode];
    out.set(k, group.nodes[group.leader]);
  }
  return out;
}

describe('kill -9 of one storage node', () => {
  const cluster = new Cluster({ failureTimeoutMs: 1_000 });
  let ddb: DynamoDBClient;
  let leaderOf: Map<string, string>;
  const keys = Array.from({ length: 150 }, (_, i) => `key-${i}`);
  const victim = 'node-a';

  before(async () => {
    await cluster.start();
    ddb = cluster.client();
    await ddb.send(
      new CreateTableCommand({
        TableName: 'KvStore',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    leaderOf = leaders((await cluster.state()).placement, 'KvStore', keys);
    for (const k of keys) await ddb.send(new PutItemCommand({ TableName: 'KvStore', Item: { pk: { S: k }, v: { S: 'before' } } }));
  });
  after(async () => {
    ddb?.destroy();
    await cluster.destroy();
  });

  it('keeps taking writes and reads on every vnode the dead node does not lead', async () => {
    await cluster.signal(victim, 'SIGKILL');
    const survivors = keys.filter((k) => leaderOf.get(k) !== victim);
    assert.ok(survivors.length > 50 && survivors.length < keys.length, `${survivors.length} keys led elsewhere`);
    for (const k of survivors) {
      await ddb.send(new PutItemCommand({ TableName: 'KvStore', Item: { pk: { S: k }, v: { S: 'during' } } }));
    }
    for (const k of survivors) {
      const strong = await ddb.send(new GetItemCommand({ TableName: 'KvStore', Key: { pk: { S: k } }, ConsistentRead: true }));
      assert.equal(strong.Item?.v.S, 'during', k);
    }
    // Eventually consistent reads are served by a live replica.
    for (const k of keys) {
      const weak = await ddb.send(new GetItemCommand({ TableName: 'KvStore', Key: { pk: { S: k } } }));
      assert.ok(weak.Item, `eventual read of ${k}`);
    }
  });

  it('catches the restarted node up on what it missed', async () => {
    cluster.run(victim);
    await eventually(`${victim} up`, async () => {
      const s = await cluster.state();
      assert.ok(s.placement.nodes.find((n) => n.id === victim)?.alive);
    });
    // Leaders probe followers every heartbeat (500 ms) and re-send from where a follower's log ends.
    await sleep(3_000);
    // Now make the restarted node the only live replica: every eventual read must come from it.
    await cluster.signal('node-b', 'SIGKILL');
    await cluster.signal('node-c', 'SIGKILL');
    const survivors = keys.filter((k) => leaderOf.get(k) !== victim);
    for (const k of keys) {
      const got = await ddb.send(new GetItemCommand({ TableName: 'KvStore', Key: { pk: { S: k } } }));
      assert.equal(got.Item?.v.S, survivors.includes(k) ? 'during' : 'before', `${k} as held by ${victim}`);
    }
  });
});
