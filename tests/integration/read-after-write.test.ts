import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GetItemCommand, PutItemCommand, QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Cluster, createKeyValueTable } from '../support/cluster.js';

/**
 * The seed document's examples read with the default (eventually consistent) GetItem and Query
 * right after a write and expect to see it. The router sends eventually consistent reads to the
 * vnode's leader while it is healthy, which applied every write it acknowledged.
 */
describe('eventually consistent reads right after a write', () => {
  const cluster = new Cluster();
  let ddb: DynamoDBClient;
  before(async () => {
    await cluster.start();
    ddb = cluster.client();
    await createKeyValueTable(ddb, 'Raw', 'N');
  });
  after(async () => {
    ddb?.destroy();
    await cluster.destroy();
  });

  it('see the write, every time (GetItem and Query, 8 writers x 60 rounds)', async () => {
    const misses: string[] = [];
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        for (let i = 0; i < 60; i++) {
          const pk = `user-${w}-${i % 5}`;
          await ddb.send(new PutItemCommand({ TableName: 'Raw', Item: { pk: { S: pk }, sk: { N: String(i) }, v: { N: String(i) } } }));
          const got = await ddb.send(new GetItemCommand({ TableName: 'Raw', Key: { pk: { S: pk }, sk: { N: String(i) } } }));
          if (got.Item?.v.N !== String(i)) misses.push(`GetItem ${pk}/${i}`);
          const q = await ddb.send(new QueryCommand({ TableName: 'Raw', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: pk } } }));
          if (!q.Items?.some((it) => it.sk.N === String(i))) misses.push(`Query ${pk}/${i}`);
        }
      }),
    );
    assert.deepEqual(misses, [], `${misses.length} reads missed the write just acknowledged`);
  });
});
