import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GetItemCommand, ListTablesCommand, PutItemCommand, QueryCommand, ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Cluster, createKeyValueTable, eventually } from '../support/cluster.js';

/**
 * A router that has just started knows no placement yet: it learns the vnode count with the first
 * placement from membership. Requests that arrive before that must wait for it, not hash keys onto
 * a made-up ring (an item written to the wrong vnode is never found again by key).
 */
describe('router started before it has a placement', () => {
  const cluster = new Cluster({ vnodes: 64 });
  let ddb: DynamoDBClient;
  before(async () => {
    await cluster.start();
    ddb = cluster.client(10);
    await createKeyValueTable(ddb, 'EarlyWrites');
  });
  after(async () => {
    ddb?.destroy();
    await cluster.destroy();
  });

  it('places writes sent before the first placement arrives on the right vnodes', async () => {
    for (let round = 0; round < 3; round++) {
      // The router restarts while membership is down: its watch fails and retries with backoff.
      // Membership comes back, and the requests reach the router before its watch does.
      await cluster.signal('router', 'SIGKILL');
      await cluster.signal('membership', 'SIGKILL');
      cluster.run('router');
      await eventually('router listening', async () => {
        await fetch(cluster.endpoint, { method: 'GET' });
      }, 10_000, 50);
      await new Promise((r) => setTimeout(r, 1200));
      cluster.run('membership');
      // The router's own channel to membership is connected once it lists tables again; its watch
      // reconnects on a timer of its own, so the writes below usually arrive before the placement.
      const probe = cluster.client(1);
      await eventually('router reaching membership', () => probe.send(new ListTablesCommand({})), 10_000, 10);
      probe.destroy();
      const writes = Array.from({ length: 40 }, (_, i) =>
        ddb.send(new PutItemCommand({ TableName: 'EarlyWrites', Item: { pk: { S: `r${round}-k${i}` }, v: { N: String(i) } } })),
      );
      const scan = ddb.send(new ScanCommand({ TableName: 'EarlyWrites', Select: 'COUNT' }));
      await Promise.all(writes);
      // A scan sent before the placement arrived still covers every vnode (it saw at least what
      // the earlier rounds wrote).
      assert.ok(((await scan).Count ?? 0) >= round * 40, `scan counted ${(await scan).Count} items, expected at least ${round * 40}`);
      for (let i = 0; i < 40; i++) {
        const key = `r${round}-k${i}`;
        const got = await ddb.send(new GetItemCommand({ TableName: 'EarlyWrites', Key: { pk: { S: key } }, ConsistentRead: true }));
        assert.equal(got.Item?.v.N, String(i), `round ${round}: ${key} not found by key`);
        const q = await ddb.send(new QueryCommand({
          TableName: 'EarlyWrites',
          KeyConditionExpression: 'pk = :k',
          ExpressionAttributeValues: { ':k': { S: key } },
        }));
        assert.equal(q.Count, 1, `round ${round}: query for ${key} found ${q.Count} items`);
      }
    }
  });
});
