import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Cluster, createKeyValueTable } from '../support/cluster.js';

/** Seeded garbage of every JSON shape, some of it nearly valid. */
function randomValue(rnd: () => number, depth = 0): unknown {
  const r = rnd();
  if (depth > 3 || r < 0.15) return ['', 'S', 'N', 'x'.repeat(Math.floor(rnd() * 40)), '1e999', '-0', '\u0000'][Math.floor(rnd() * 7)];
  if (r < 0.25) return [0, -1, 1.5, 1e308, NaN][Math.floor(rnd() * 5)] ?? null;
  if (r < 0.3) return rnd() < 0.5;
  if (r < 0.35) return null;
  if (r < 0.6) return Array.from({ length: Math.floor(rnd() * 4) }, () => randomValue(rnd, depth + 1));
  const keys = ['S', 'N', 'B', 'SS', 'NS', 'BS', 'M', 'L', 'NULL', 'BOOL', 'pk', 'sk', 'TableName', 'Key', 'Item', 'ReturnValues', 'Limit', 'KeySchema', 'AttributeDefinitions'];
  const o: Record<string, unknown> = {};
  for (let i = Math.floor(rnd() * 4); i > 0; i--) o[keys[Math.floor(rnd() * keys.length)]] = randomValue(rnd, depth + 1);
  return o;
}

describe('robustness: bad input never crashes or hangs a process', () => {
  const cluster = new Cluster();
  let ddb: DynamoDBClient;
  before(async () => {
    await cluster.start();
    ddb = cluster.client();
    await createKeyValueTable(ddb, 'Sturdy', 'N');
  });
  after(async () => {
    ddb?.destroy();
    await cluster.destroy();
  });

  it('answers 1,500 random requests with 200 or a DynamoDB 4xx error, and keeps serving', async () => {
    let s = 12345;
    const rnd = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x80000000);
    const ops = ['PutItem', 'GetItem', 'DeleteItem', 'CreateTable', 'DescribeTable', 'ListTables', 'DeleteTable'];
    for (let i = 0; i < 1_500; i++) {
      const op = ops[Math.floor(rnd() * ops.length)];
      let body = randomValue(rnd) as Record<string, unknown>;
      if (rnd() < 0.6 && body && typeof body === 'object' && !Array.isArray(body)) {
        body = { ...body, TableName: op === 'CreateTable' || op === 'DeleteTable' ? `Junk${i % 3}` : 'Sturdy' };
      }
      const text = rnd() < 0.05 ? '{"broken":' : JSON.stringify(body);
      const res = await fetch(cluster.endpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': `DynamoDB_20120810.${op}`, Authorization: 'AWS4-HMAC-SHA256 Credential=x/20240101/us-east-1/dynamodb/aws4_request' },
        body: text,
        signal: AbortSignal.timeout(10_000),
      });
      const out = (await res.json()) as { __type?: string; message?: string };
      if (res.status !== 200) {
        assert.equal(res.status, 400, `${op} ${text} -> ${res.status} ${JSON.stringify(out)}`);
        assert.match(out.__type ?? '', /^com\.amazon(aws\.dynamodb\.v20120810|\.coral\.service)#\w+$/, `${op} ${text}`);
        assert.notEqual(out.__type, 'com.amazonaws.dynamodb.v20120810#InternalServerError', `${op} ${text}: ${out.message}`);
      }
    }
    // every process is still up and serving
    await ddb.send(new PutItemCommand({ TableName: 'Sturdy', Item: { pk: { S: 'alive' }, sk: { N: '1' } } }));
    const got = await ddb.send(new GetItemCommand({ TableName: 'Sturdy', Key: { pk: { S: 'alive' }, sk: { N: '1' } }, ConsistentRead: true }));
    assert.ok(got.Item);
    for (const name of ['membership', 'router', ...cluster.nodeNames()]) {
      assert.doesNotThrow(() => process.kill(cluster.pid(name)!, 0), `${name} is alive`);
    }
  });
});
