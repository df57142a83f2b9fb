import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  CreateTableCommand,
  DescribeEndpointsCommand,
  DescribeTableCommand,
  ListTagsOfResourceCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TagResourceCommand,
  UntagResourceCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { Cluster } from '../support/cluster.js';
import { expectError } from '../support/errors.js';

describe('Query, Scan, batches and HTTP details', () => {
  const cluster = new Cluster();
  let ddb: DynamoDBClient;
  const T = 'Events';
  const item = (device: string, ts: number, extra: Record<string, AttributeValue> = {}) => ({ device: { S: device }, ts: { N: String(ts) }, ...extra });

  before(async () => {
    await cluster.start();
    ddb = cluster.client();
    await ddb.send(
      new CreateTableCommand({
        TableName: T,
        KeySchema: [{ AttributeName: 'device', KeyType: 'HASH' }, { AttributeName: 'ts', KeyType: 'RANGE' }],
        AttributeDefinitions: [{ AttributeName: 'device', AttributeType: 'S' }, { AttributeName: 'ts', AttributeType: 'N' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    // device d1: ts -5 .. 14 (negative and decimal sort keys included)
    const puts = [];
    for (let i = -5; i < 15; i++) puts.push(item('d1', i, { kind: { S: i % 2 === 0 ? 'even' : 'odd' }, v: { N: String(i * 10) } }));
    puts.push(item('d1', 2.5, { kind: { S: 'half' } }));
    for (let d = 2; d <= 30; d++) puts.push(item(`d${d}`, 1, { kind: { S: 'other' } }));
    for (const p of puts) await ddb.send(new PutItemCommand({ TableName: T, Item: p }));
  });
  after(async () => {
    ddb?.destroy();
    await cluster.destroy();
  });

  const ts = (items: Record<string, AttributeValue>[] | undefined) => (items ?? []).map((i) => Number(i.ts.N));

  it('queries a partition in sort-key order, forwards and backwards', async () => {
    const all = await ddb.send(new QueryCommand({ TableName: T, KeyConditionExpression: 'device = :d', ExpressionAttributeValues: { ':d': { S: 'd1' } } }));
    assert.deepEqual(ts(all.Items), [-5, -4, -3, -2, -1, 0, 1, 2, 2.5, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    assert.equal(all.Count, 21);
    const back = await ddb.send(new QueryCommand({ TableName: T, KeyConditionExpression: 'device = :d', ExpressionAttributeValues: { ':d': { S: 'd1' } }, ScanIndexForward: false, Limit: 3 }));
    assert.deepEqual(ts(back.Items), [14, 13, 12]);
    assert.deepEqual(back.LastEvaluatedKey, { device: { S: 'd1' }, ts: { N: '12' } });
  });

  it('applies every sort-key operator', async () => {
    const q = async (cond: string, values: Record<string, AttributeValue>) =>
      ts((await ddb.send(new QueryCommand({ TableName: T, KeyConditionExpression: `device = :d AND ${cond}`, ExpressionAttributeValues: { ':d': { S: 'd1' }, ...values } }))).Items);
    assert.deepEqual(await q('ts = :a', { ':a': { N: '2.5' } }), [2.5]);
    assert.deepEqual(await q('ts < :a', { ':a': { N: '-3' } }), [-5, -4]);
    assert.deepEqual(await q('ts <= :a', { ':a': { N: '-3' } }), [-5, -4, -3]);
    assert.deepEqual(await q('ts > :a', { ':a': { N: '12' } }), [13, 14]);
    assert.deepEqual(await q('ts >= :a', { ':a': { N: '12' } }), [12, 13, 14]);
    assert.deepEqual(await q('ts BETWEEN :a AND :b', { ':a': { N: '2' }, ':b': { N: '3' } }), [2, 2.5, 3]);
  });

  it('pages with Limit and ExclusiveStartKey, and filters after reading', async () => {
    const seen: number[] = [];
    let start: Record<string, AttributeValue> | undefined;
    let pages = 0;
    do {
      const page = await ddb.send(new QueryCommand({ TableName: T, KeyConditionExpression: 'device = :d', ExpressionAttributeValues: { ':d': { S: 'd1' } }, Limit: 4, ExclusiveStartKey: start }));
      seen.push(...ts(page.Items));
      start = page.LastEvaluatedKey;
      pages++;
    } while (start && pages < 20);
    assert.equal(seen.length, 21);
    const filtered = await ddb.send(
      new QueryCommand({
        TableName: T,
        KeyConditionExpression: 'device = :d',
        FilterExpression: 'kind = :k',
        ProjectionExpression: 'ts, #k',
        ExpressionAttributeNames: { '#k': 'kind' },
        ExpressionAttributeValues: { ':d': { S: 'd1' }, ':k': { S: 'even' } },
      }),
    );
    assert.equal(filtered.ScannedCount, 21);
    assert.equal(filtered.Count, 10);
    assert.deepEqual(Object.keys(filtered.Items![0]).sort(), ['kind', 'ts']);
    const count = await ddb.send(new QueryCommand({ TableName: T, KeyConditionExpression: 'device = :d', ExpressionAttributeValues: { ':d': { S: 'd1' } }, Select: 'COUNT' }));
    assert.equal(count.Count, 21);
    assert.equal(count.Items, undefined);
  });

  it('rejects bad key conditions', async () => {
    await expectError(
      ddb.send(new QueryCommand({ TableName: T, KeyConditionExpression: 'ts = :a', ExpressionAttributeValues: { ':a': { N: '1' } } })),
      'ValidationException',
      'Query condition missed key schema element: device',
    );
    await expectError(ddb.send(new QueryCommand({ TableName: T })), 'ValidationException', 'Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.');
  });

  it('scans every vnode, in pages and in parallel segments', async () => {
    const all = await ddb.send(new ScanCommand({ TableName: T }));
    assert.equal(all.Count, 50);
    assert.equal(all.LastEvaluatedKey, undefined);
    const keys = new Set<string>();
    let start: Record<string, AttributeValue> | undefined;
    let pages = 0;
    do {
      const page = await ddb.send(new ScanCommand({ TableName: T, Limit: 7, ExclusiveStartKey: start }));
      for (const i of page.Items ?? []) keys.add(`${i.device.S}/${i.ts.N}`);
      start = page.LastEvaluatedKey;
      pages++;
    } while (start && pages < 50);
    assert.equal(keys.size, 50, `${pages} pages`);
    const segments = await Promise.all([0, 1, 2, 3].map((Segment) => ddb.send(new ScanCommand({ TableName: T, Segment, TotalSegments: 4 }))));
    assert.equal(segments.reduce((n, s) => n + (s.Count ?? 0), 0), 50);
    const filtered = await ddb.send(new ScanCommand({ TableName: T, FilterExpression: 'kind = :o', ExpressionAttributeValues: { ':o': { S: 'other' } } }));
    assert.equal(filtered.Count, 29);
    assert.equal(filtered.ScannedCount, 50);
    await expectError(ddb.send(new ScanCommand({ TableName: T, Segment: 4, TotalSegments: 4 })), 'ValidationException', 'The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 4 is not less than TotalSegments: 4');
  });

  it('reads and writes in batches, refusing duplicate keys', async () => {
    const writes = Array.from({ length: 25 }, (_, i) => ({ PutRequest: { Item: item('batch', i, { v: { S: `b${i}` } }) } }));
    const w = await ddb.send(new BatchWriteItemCommand({ RequestItems: { [T]: writes } }));
    assert.deepEqual(w.UnprocessedItems, {});
    const got = await ddb.send(new BatchGetItemCommand({ RequestItems: { [T]: { Keys: Array.from({ length: 25 }, (_, i) => ({ device: { S: 'batch' }, ts: { N: String(i) } })), ProjectionExpression: 'v' } } }));
    assert.equal(got.Responses?.[T].length, 25);
    assert.deepEqual(got.Responses?.[T].map((i) => i.v.S).sort(), Array.from({ length: 25 }, (_, i) => `b${i}`).sort());
    const del = await ddb.send(new BatchWriteItemCommand({ RequestItems: { [T]: Array.from({ length: 25 }, (_, i) => ({ DeleteRequest: { Key: { device: { S: 'batch' }, ts: { N: String(i) } } } })) } }));
    assert.deepEqual(del.UnprocessedItems, {});
    const gone = await ddb.send(new QueryCommand({ TableName: T, KeyConditionExpression: 'device = :d', ExpressionAttributeValues: { ':d': { S: 'batch' } }, ConsistentRead: true }));
    assert.equal(gone.Count, 0);
    await expectError(
      ddb.send(new BatchWriteItemCommand({ RequestItems: { [T]: [{ PutRequest: { Item: item('dup', 1) } }, { DeleteRequest: { Key: { device: { S: 'dup' }, ts: { N: '1' } } } }] } })),
      'ValidationException',
      'Provided list of item keys contains duplicates',
    );
  });

  it('reports consumed capacity with DynamoDB arithmetic', async () => {
    const put = await ddb.send(new PutItemCommand({ TableName: T, Item: item('cap', 1, { blob: { S: 'x'.repeat(2500) } }), ReturnConsumedCapacity: 'TOTAL' }));
    assert.deepEqual(put.ConsumedCapacity, { TableName: T, CapacityUnits: 3 });
  });

  it('tags tables', async () => {
    const arn = (await ddb.send(new DescribeTableCommand({ TableName: T }))).Table!.TableArn!;
    await ddb.send(new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: 'env', Value: 'test' }, { Key: 'team', Value: 'db' }] }));
    await ddb.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: ['team'] }));
    const tags = await ddb.send(new ListTagsOfResourceCommand({ ResourceArn: arn }));
    assert.deepEqual(tags.Tags, [{ Key: 'env', Value: 'test' }]);
    const many = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    await expectError(
      ddb.send(new TagResourceCommand({ ResourceArn: arn, Tags: many })),
      'ValidationException',
      'One or more parameter values were invalid: The number of tags exceeds the limit of 50',
    );
    assert.equal((await ddb.send(new ListTagsOfResourceCommand({ ResourceArn: arn }))).Tags?.length, 1, 'a refused TagResource changes nothing');
    await expectError(
      ddb.send(new ListTagsOfResourceCommand({ ResourceArn: arn.replace(T, 'NoSuchTable') })),
      'ResourceNotFoundException',
    );
  });

  it('describes its endpoint', async () => {
    const out = await ddb.send(new DescribeEndpointsCommand({}));
    assert.deepEqual(out.Endpoints, [{ Address: `127.0.0.1:${cluster.routerPort}`, CachePeriodInMinutes: 1440 }]);
  });

  it('accepts gzip request bodies, answers CORS preflight and checks x-amz-crc32', async () => {
    const body = gzipSync(JSON.stringify({ TableName: T }));
    const res = await fetch(cluster.endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.0', 'Content-Encoding': 'gzip', 'X-Amz-Target': 'DynamoDB_20120810.DescribeTable', Authorization: 'AWS4-HMAC-SHA256 Credential=x/20240101/us-east-1/dynamodb/aws4_request' },
      body,
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    const text = await res.text();
    const { crc32 } = await import('node:zlib');
    assert.equal(res.headers.get('x-amz-crc32'), String(crc32(Buffer.from(text))));
    const pre = await fetch(cluster.endpoint, { method: 'OPTIONS', headers: { Origin: 'http://example.test', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'x-amz-target,content-type' } });
    assert.equal(pre.status, 200);
    assert.match(pre.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.equal(pre.headers.get('access-control-allow-headers'), 'x-amz-target,content-type');
  });
});
