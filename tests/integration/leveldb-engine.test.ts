import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CreateTableCommand, GetItemCommand, PutItemCommand, QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Cluster } from '../support/cluster.js';

describe('a cluster on the LevelDB engine (--engine leveldb)', () => {
  const cluster = new Cluster({ engine: 'leveldb' });
  let ddb: DynamoDBClient;
  before(async () => {
    await cluster.start();
    ddb = cluster.client();
  });
  after(async () => {
    ddb?.destroy();
    await cluster.destroy();
  });

  it('stores in LevelDB files, serves reads and queries, and survives a restart', async () => {
    await ddb.send(
      new CreateTableCommand({
        TableName: 'Logs',
        KeySchema: [{ AttributeName: 'app', KeyType: 'HASH' }, { AttributeName: 'at', KeyType: 'RANGE' }],
        AttributeDefinitions: [{ AttributeName: 'app', AttributeType: 'S' }, { AttributeName: 'at', AttributeType: 'N' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    for (let i = 0; i < 30; i++) await ddb.send(new PutItemCommand({ TableName: 'Logs', Item: { app: { S: 'web' }, at: { N: String(i) }, line: { S: `line ${i}` } } }));
    for (const n of cluster.nodeNames()) {
      assert.ok(existsSync(path.join(cluster.dir, n, 'leveldb')), `${n} keeps its data in LevelDB`);
      assert.ok(!existsSync(path.join(cluster.dir, n, 'rocksdb')), `${n} has no RocksDB directory`);
    }
    await cluster.restartAll('SIGKILL');
    const q = await ddb.send(new QueryCommand({ TableName: 'Logs', KeyConditionExpression: 'app = :a AND #t BETWEEN :x AND :y', ExpressionAttributeNames: { '#t': 'at' }, ExpressionAttributeValues: { ':a': { S: 'web' }, ':x': { N: '10' }, ':y': { N: '12' } }, ConsistentRead: true }));
    assert.deepEqual(q.Items?.map((i) => i.line.S), ['line 10', 'line 11', 'line 12']);
    const g = await ddb.send(new GetItemCommand({ TableName: 'Logs', Key: { app: { S: 'web' }, at: { N: '29' } } }));
    assert.equal(g.Item?.line.S, 'line 29');
  });
});
