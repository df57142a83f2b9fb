import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Cluster, createKeyValueTable, eventually, metricValue } from '../support/cluster.js';

/**
 * Leader affinity (`membership --leader-zone`): every vnode prefers its replica in one zone as
 * leader. The other zones still hold a replica of everything and take over when that zone's node
 * fails; leadership returns once it is back.
 */
describe('leader zone', () => {
  const cluster = new Cluster({ env: { RINGDB_LEADER_ZONE: 'b' } });
  let ddb: DynamoDBClient;
  const leads = async (node: string) => metricValue(await cluster.metrics(node), /^ringdb_storage_vnodes\{role="leader"\} (\d+)$/m);
  before(async () => {
    await cluster.start(); // waits until every node leads exactly its preferred vnodes
    ddb = cluster.client();
    await createKeyValueTable(ddb, 'Affine');
  });
  after(async () => {
    ddb?.destroy();
    await cluster.destroy();
  });

  it('places every vnode\'s preferred leader in that zone, and its node leads them all', async () => {
    const state = await cluster.state();
    assert.ok(state.placement.vnodes.every((g) => g.nodes[g.leader] === 'node-b'));
    assert.equal(await leads('node-b'), state.placement.vnodes.length);
    assert.equal(await leads('node-a'), 0);
    assert.equal(await leads('node-c'), 0);
    for (let i = 0; i < 40; i++) await ddb.send(new PutItemCommand({ TableName: 'Affine', Item: { pk: { S: `k${i}` }, v: { N: String(i) } } }));
    for (let i = 0; i < 40; i++) {
      const got = await ddb.send(new GetItemCommand({ TableName: 'Affine', Key: { pk: { S: `k${i}` } }, ConsistentRead: true }));
      assert.equal(got.Item?.v.N, String(i));
    }
  });

  it('fails over to the other zones while that node is down, and leads again once it is back', async () => {
    await cluster.signal('node-b', 'SIGKILL');
    await eventually('writes served without node-b', async () => {
      await ddb.send(new PutItemCommand({ TableName: 'Affine', Item: { pk: { S: 'during' }, v: { N: '1' } } }));
    }, 30_000, 200);
    assert.ok((await leads('node-a')) + (await leads('node-c')) > 0);
    cluster.run('node-b');
    await cluster.waitReady();
    const state = await cluster.state();
    assert.equal(await leads('node-b'), state.placement.vnodes.length);
    const got = await ddb.send(new GetItemCommand({ TableName: 'Affine', Key: { pk: { S: 'during' } }, ConsistentRead: true }));
    assert.equal(got.Item?.v.N, '1');
  });
});
