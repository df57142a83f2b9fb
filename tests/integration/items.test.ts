import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateTableCommand,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { Cluster } from '../support/cluster.js';
import { expectError } from '../support/errors.js';

describe('items through the router', () => {
  const cluster = new Cluster();
  let ddb: DynamoDBClient;
  before(async () => {
    await cluster.start();
    ddb = cluster.client();
    await ddb.send(
      new CreateTableCommand({
        TableName: 'Things',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'N' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await ddb.send(
      new CreateTableCommand({
        TableName: 'Binary',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'B' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  });
  after(async () => {
    ddb?.destroy();
    await cluster.destroy();
  });

  it('round-trips all ten attribute types exactly', async () => {
    const item: Record<string, AttributeValue> = {
      pk: { S: 'all-types' },
      sk: { N: '1' },
      s: { S: 'héllo wörld ✓' },
      n: { N: '12345678901234567890123456789012345678' },
      small: { N: '-0.000000000000000000000000000000000000000000123' },
      b: { B: new Uint8Array([0, 1, 2, 254, 255]) },
      ss: { SS: ['a', 'b', 'c'] },
      ns: { NS: ['1', '2.5', '-3'] },
      bs: { BS: [new Uint8Array([1]), new Uint8Array([2, 3])] },
      m: { M: { inner: { S: 'x' }, deeper: { M: { n: { N: '7' } } } } },
      l: { L: [{ S: 'one' }, { N: '2' }, { NULL: true }, { BOOL: false }, { L: [] }] },
      nul: { NULL: true },
      t: { BOOL: true },
      emptyString: { S: '' },
      emptyBinary: { B: new Uint8Array([]) },
    };
    await ddb.send(new PutItemCommand({ TableName: 'Things', Item: item }));
    for (const ConsistentRead of [true, false]) {
      const got = await ddb.send(new GetItemCommand({ TableName: 'Things', Key: { pk: { S: 'all-types' }, sk: { N: '1' } }, ConsistentRead }));
      const out = got.Item!;
      assert.equal(out.s.S, 'héllo wörld ✓');
      assert.equal(out.n.N, '12345678901234567890123456789012345678');
      assert.equal(out.small.N, '-0.000000000000000000000000000000000000000000123');
      assert.deepEqual([...out.b.B!], [0, 1, 2, 254, 255]);
      assert.deepEqual([...out.ss.SS!].sort(), ['a', 'b', 'c']);
      assert.deepEqual([...out.ns.NS!].sort(), ['-3', '1', '2.5']);
      assert.deepEqual(out.bs.BS!.map((b) => [...b]), [[1], [2, 3]]);
      assert.deepEqual(out.m, item.m);
      assert.deepEqual(out.l, item.l);
      assert.equal(out.nul.NULL, true);
      assert.equal(out.t.BOOL, true);
      assert.equal(out.emptyString.S, '');
      assert.equal(out.emptyBinary.B!.length, 0);
    }
  });

  it('normalizes numbers as DynamoDB does', async () => {
    await ddb.send(new PutItemCommand({ TableName: 'Things', Item: { pk: { S: 'num' }, sk: { N: '1.50' }, a: { N: '1E+2' }, b: { N: '-0.0' }, c: { N: '0001.2300' } } }));
    const got = await ddb.send(new GetItemCommand({ TableName: 'Things', Key: { pk: { S: 'num' }, sk: { N: '1.5' } }, ConsistentRead: true }));
    assert.equal(got.Item?.sk.N, '1.5');
    assert.equal(got.Item?.a.N, '100');
    assert.equal(got.Item?.b.N, '0');
    assert.equal(got.Item?.c.N, '1.23');
  });

  it('uses binary keys', async () => {
    const id = new Uint8Array([0, 0, 255, 10]);
    await ddb.send(new PutItemCommand({ TableName: 'Binary', Item: { id: { B: id }, v: { S: 'bin' } } }));
    const got = await ddb.send(new GetItemCommand({ TableName: 'Binary', Key: { id: { B: id } }, ConsistentRead: true }));
    assert.equal(got.Item?.v.S, 'bin');
    const other = await ddb.send(new GetItemCommand({ TableName: 'Binary', Key: { id: { B: new Uint8Array([0, 0, 255]) } }, ConsistentRead: true }));
    assert.equal(other.Item, undefined);
  });

  it('returns old items with ReturnValues ALL_OLD and nothing with NONE', async () => {
    const key = { pk: { S: 'rv' }, sk: { N: '0' } };
    const first = await ddb.send(new PutItemCommand({ TableName: 'Things', Item: { ...key, v: { N: '1' } }, ReturnValues: 'ALL_OLD' }));
    assert.equal(first.Attributes, undefined);
    const second = await ddb.send(new PutItemCommand({ TableName: 'Things', Item: { ...key, v: { N: '2' } }, ReturnValues: 'ALL_OLD' }));
    assert.deepEqual(second.Attributes, { ...key, v: { N: '1' } });
    const none = await ddb.send(new PutItemCommand({ TableName: 'Things', Item: { ...key, v: { N: '3' } }, ReturnValues: 'NONE' }));
    assert.equal(none.Attributes, undefined);
    const del = await ddb.send(new DeleteItemCommand({ TableName: 'Things', Key: key, ReturnValues: 'ALL_OLD' }));
    assert.deepEqual(del.Attributes, { ...key, v: { N: '3' } });
    const again = await ddb.send(new DeleteItemCommand({ TableName: 'Things', Key: key, ReturnValues: 'ALL_OLD' }));
    assert.equal(again.Attributes, undefined);
    const gone = await ddb.send(new GetItemCommand({ TableName: 'Things', Key: key, ConsistentRead: true }));
    assert.equal(gone.Item, undefined);
    await expectError(ddb.send(new PutItemCommand({ TableName: 'Things', Item: { ...key }, ReturnValues: 'ALL_NEW' })), 'ValidationException', 'Return values set to invalid value');
  });

  it('reads the latest write at the leader right after it is acknowledged', async () => {
    for (let i = 0; i < 50; i++) {
      const key = { pk: { S: `seq-${i % 5}` }, sk: { N: '0' } };
      await ddb.send(new PutItemCommand({ TableName: 'Things', Item: { ...key, v: { N: String(i) } } }));
      const got = await ddb.send(new GetItemCommand({ TableName: 'Things', Key: key, ConsistentRead: true }));
      assert.equal(got.Item?.v.N, String(i));
    }
  });

  it('rejects bad keys with DynamoDB messages', async () => {
    await expectError(
      ddb.send(new PutItemCommand({ TableName: 'Things', Item: { pk: { S: 'x' } } })),
      'ValidationException',
      'One or more parameter values were invalid: Missing the key sk in the item',
    );
    await expectError(
      ddb.send(new PutItemCommand({ TableName: 'Things', Item: { pk: { S: 'x' }, sk: { S: '1' } } })),
      'ValidationException',
      'One or more parameter values were invalid: Type mismatch for key sk expected: N actual: S',
    );
    await expectError(
      ddb.send(new PutItemCommand({ TableName: 'Things', Item: { pk: { S: '' }, sk: { N: '1' } } })),
      'ValidationException',
      'One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk',
    );
    await expectError(
      ddb.send(new GetItemCommand({ TableName: 'Things', Key: { pk: { S: 'x' } } })),
      'ValidationException',
      'The provided key element does not match the schema',
    );
    await expectError(
      ddb.send(new GetItemCommand({ TableName: 'Things', Key: { pk: { S: 'x' }, sk: { N: '1' }, extra: { S: 'y' } } })),
      'ValidationException',
      'The provided key element does not match the schema',
    );
    await expectError(
      ddb.send(new DeleteItemCommand({ TableName: 'Things', Key: { pk: { N: '1' }, sk: { N: '1' } } })),
      'ValidationException',
      'The provided key element does not match the schema',
    );
    await expectError(
      ddb.send(new GetItemCommand({ TableName: 'Missing', Key: { pk: { S: 'x' } } })),
      'ResourceNotFoundException',
      'Requested resource not found',
    );
  });

  it('enforces the 400 KB item limit', async () => {
    const big = 'x'.repeat(400 * 1024);
    await expectError(
      ddb.send(new PutItemCommand({ TableName: 'Things', Item: { pk: { S: 'big' }, sk: { N: '1' }, v: { S: big } } })),
      'ValidationException',
      'Item size has exceeded the maximum allowed size',
    );
    const fits = 'y'.repeat(400 * 1024 - 100);
    await ddb.send(new PutItemCommand({ TableName: 'Things', Item: { pk: { S: 'big' }, sk: { N: '1' }, v: { S: fits } } }));
    const got = await ddb.send(new GetItemCommand({ TableName: 'Things', Key: { pk: { S: 'big' }, sk: { N: '1' } }, ConsistentRead: true }));
    assert.equal(got.Item?.v.S?.length, fits.length);
  });

  it('answers raw HTTP errors with DynamoDB types, status and request id', async () => {
    const post = (target: string, body: string) =>
      fetch(cluster.endpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': target, Authorization: 'AWS4-HMAC-SHA256 Credential=x/20240101/us-east-1/dynamodb/aws4_request' },
        body,
      });
    const unknown = await post('DynamoDB_20120810.Frobnicate', '{}');
    assert.equal(unknown.status, 400);
    assert.ok(unknown.headers.get('x-amzn-requestid'));
    assert.equal(((await unknown.json()) as { __type: string }).__type, 'com.amazon.coral.service#UnknownOperationException');
    const malformed = await post('DynamoDB_20120810.GetItem', '{"TableName": ');
    assert.equal(malformed.status, 400);
    assert.equal(((await malformed.json()) as { __type: string }).__type, 'com.amazon.coral.service#SerializationException');
    const missing = await post('DynamoDB_20120810.DescribeTable', '{"TableName":"Nope"}');
    assert.equal(missing.status, 400);
    assert.deepEqual(await missing.json(), {
      __type: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException',
      message: 'Requested resource not found: Table: Nope not found',
    });
    const nullName = await post('DynamoDB_20120810.GetItem', '{"Key":{"pk":{"S":"x"}}}');
    assert.deepEqual(await nullName.json(), {
      __type: 'com.amazonaws.dynamodb.v20120810#ValidationException',
      message: "1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null",
    });
    const health = await fetch(cluster.endpoint);
    assert.equal(health.status, 200);
  });
});
