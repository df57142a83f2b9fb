import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Cluster, eventually, sleep, createKeyValueTable, expectItemCount, metricValue } from '../support/cluster.js';

const TABLE = 'CatchUp';
const KEYS = Array.from({ length: 200 }, (_, i) => `key-${i}`);


describe('a returning node whose log entries were compacted away catches up from snapshots', () => {
  // Eight retained entries per vnode: a node down for a few hundred writes comes back behind the log.
  const cluster = new Cluster({ env: { RINGDB_LOG_RETAIN: '8' } });
  let ddb: DynamoDBClient;
  let strict: DynamoDBClient;
  const acked = new Map<string, string>();

  const writeAll = async (client: DynamoDBClient, tag: string) => {
    for (let i = 0; i < KEYS.length; i += 25) {
      await Promise.all(
        KEYS.slice(i, i + 25).map(async (key) => {
          await client.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: key }, v: { S: `${tag}-${key}` } } }));
          acked.set(key, `${tag}-${key}`);
        }),
      );
    }
  };

  before(async () => {
    await cluster.start();
    ddb = cluster.client();
    strict = cluster.client(1);
    await createKeyValueTable(ddb, TABLE);
    await writeAll(ddb, 'first');
  });
  after(async () => {
    ddb?.destroy();
    strict?.destroy();
    await cluster.destroy();
  });

  it('writes continue on two zones while node-c is down, and the others compact their logs', async () => {
    await cluster.signal('node-c', 'SIGKILL');
    for (let round = 0; round < 4; round++) await writeAll(strict, `down${round}`);
    const compacted = metricValue(await cluster.metrics('node-a'), /^ringdb_storage_log_entries_compacted_total\{[^}]*\} (\d+)/m);
    assert.ok(compacted > 0, `node-a compacted its log (${compacted} entries)`);
  });

  it('node-c restarts, installs snapshots while writes go on, and leads its preferred vnodes with the right data', async () => {
    let writing = true;
    const errors: string[] = [];
    let writes = 0;
    const load = (async () => {
      for (let i = 0; writing; i++) {
        const key = KEYS[i % KEYS.length];
        try {
          await strict.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: key }, v: { S: `during-${i}` } } }));
          acked.set(key, `during-${i}`);
          writes++;
        } catch (err) {
          errors.push(`${key}: ${(err as Error).name} ${(err as Error).message}`);
        }
      }
    })();
    cluster.run('node-c');
    // Ready means node-c applies the placement and leads the vnodes placement prefers it for, which
    // it only takes over once it holds their data: installed from snapshots, plus the log after them.
    await cluster.waitReady();
    await sleep(300);
    writing = false;
    await load;
    assert.ok(writes > 20, `writes went on (${writes})`);
    assert.deepEqual(errors, [], 'no write failed while node-c caught up');
    const c = await cluster.metrics('node-c');
    assert.ok(metricValue(c, /^ringdb_storage_snapshots_total\{direction="installed"[^}]*\} (\d+)/m) > 0, 'node-c installed snapshots');
    for (const key of KEYS) {
      const got = await ddb.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: key } }, ConsistentRead: true }));
      assert.equal(got.Item?.v?.S, acked.get(key), key);
    }
  });

  it('with node-a down, node-b and node-c alone still hold every acknowledged write, and the item count', async () => {
    await cluster.signal('node-a', 'SIGKILL');
    for (const key of KEYS) {
      const got = await eventually(`read ${key}`, () => ddb.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: key } }, ConsistentRead: true })), 15_000);
      assert.equal(got.Item?.v?.S, acked.get(key), key);
    }
    await expectItemCount(ddb, TABLE, KEYS.length);
  });
});
