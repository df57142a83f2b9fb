import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateTableCommand,
  DeleteItemCommand,
  DescribeTableCommand,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { Cluster, eventually } from '../support/cluster.js';

describe('whole-cluster restart', () => {
  const cluster = new Cluster();
  let ddb: DynamoDBClient;
  before(async () => {
    await cluster.start();
    ddb = cluster.client();
  });
  after(async () => {
    ddb?.destroy();
    await cluster.destroy();
  });

  const N = 120;
  const key = (i: number) => ({ user_id: { S: `user-${i}` }, order_id: { N: String(i) } });

  it('writes tables and items', async () => {
    for (const name of ['Orders', 'Audit']) {
      await ddb.send(
        new CreateTableCommand({
          TableName: name,
          KeySchema: [
            { AttributeName: 'user_id', KeyType: 'HASH' },
            { AttributeName: 'order_id', KeyType: 'RANGE' },
          ],
          AttributeDefinitions: [
            { AttributeName: 'user_id', AttributeType: 'S' },
            { AttributeName: 'order_id', AttributeType: 'N' },
          ],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
    }
    await Promise.all(
      Array.from({ length: N }, (_, i) => ddb.send(new PutItemCommand({ TableName: 'Orders', Item: { ...key(i), total: { N: `${i}.99` } } }))),
    );
    for (let i = 0; i < N; i += 10) await ddb.send(new DeleteItemCommand({ TableName: 'Orders', Key: key(i) }));
  });

  const verify = async () => {
    const tables = await ddb.send(new ListTablesCommand({}));
    assert.deepEqual(tables.TableNames, ['Audit', 'Orders']);
    for (let i = 0; i < N; i++) {
      const got = await ddb.send(new GetItemCommand({ TableName: 'Orders', Key: key(i), ConsistentRead: true }));
      if (i % 10 === 0) assert.equal(got.Item, undefined, `item ${i} was deleted`);
      else assert.equal(got.Item?.total.N, `${i}.99`, `item ${i}`);
    }
    await eventually('item count', async () => {
      const t = (await ddb.send(new DescribeTableCommand({ TableName: 'Orders' }))).Table!;
      assert.equal(t.ItemCount, N - N / 10);
    }, 10_000);
  };

  it('keeps everything across a clean restart (SIGTERM)', async () => {
    await cluster.restartAll('SIGTERM');
    await verify();
  });

  it('keeps every acknowledged write across kill -9 of every process', async () => {
    await ddb.send(new PutItemCommand({ TableName: 'Orders', Item: { ...key(1), total: { N: '1.99' }, late: { BOOL: true } } }));
    await cluster.restartAll('SIGKILL');
    await verify();
    const got = await ddb.send(new GetItemCommand({ TableName: 'Orders', Key: key(1), ConsistentRead: true }));
    assert.equal(got.Item?.late.BOOL, true);
  });
});
