import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateTableCommand, GetItemCommand, ListTablesCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Cluster, eventually } from '../support/cluster.js';

describe('membership service down', () => {
  const cluster = new Cluster({ vnodes: 32 });
  let ddb: DynamoDBClient;
  before(async () => {
    await cluster.start();
    ddb = cluster.client();
    await ddb.send(
      new CreateTableCommand({
        TableName: 'NoMembership',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  });
  after(async () => {
    ddb?.destroy();
    await cluster.destroy();
  });

  it('keeps serving reads and writes with the last placement, including a failover', async () => {
    const before = await cluster.state();
    await cluster.signal('membership', 'SIGKILL');
    for (let i = 0; i < 50; i++) {
      await ddb.send(new PutItemCommand({ TableName: 'NoMembership', Item: { pk: { S: `k${i}` }, v: { N: String(i) } } }));
    }
    for (let i = 0; i < 50; i++) {
      const got = await ddb.send(new GetItemCommand({ TableName: 'NoMembership', Key: { pk: { S: `k${i}` } }, ConsistentRead: true }));
      assert.equal(got.Item?.v.N, String(i));
    }
    // Leaders are elected by the replicas themselves: a storage node can fail over without membership.
    await cluster.signal('node-b', 'SIGKILL');
    for (let i = 0; i < 50; i++) {
      await eventually(`write k${i} with node-b down`, () =>
        ddb.send(new PutItemCommand({ TableName: 'NoMembership', Item: { pk: { S: `k${i}` }, v: { N: String(i + 100) } } })), 10_000, 100);
    }
    cluster.run('node-b');
    // Membership restarts from its persisted state: same placement, same tables.
    cluster.run('membership');
    await cluster.waitReady();
    const after = await cluster.state();
    assert.deepEqual(after.placement.vnodes, before.placement.vnodes);
    const tables = await ddb.send(new ListTablesCommand({}));
    assert.deepEqual(tables.TableNames, ['NoMembership']);
    for (let i = 0; i < 50; i++) {
      const got = await ddb.send(new GetItemCommand({ TableName: 'NoMembership', Key: { pk: { S: `k${i}` } }, ConsistentRead: true }));
      assert.equal(got.Item?.v.N, String(i + 100));
    }
  });
});
