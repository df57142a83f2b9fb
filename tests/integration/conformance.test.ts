import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { Cluster } from '../support/cluster.js';
import { expectError } from '../support/errors.js';

/*
 * DynamoDB conformance details that the other integration files do not cover: the legacy
 * (non-expression) read parameters, the 1 MB Query page, batch limits, consumed-capacity
 * arithmetic, number / set / key-size limits, and expression and parameter errors.
 *
 * Expected messages are DynamoDB's own, as recorded against the real service by dynalite's test
 * suite (github.com/architect/dynalite, test/*.js) or as documented in the DynamoDB API reference
 * and developer guide; each group below names its source.
 */

type Item = Record<string, AttributeValue>;
const S = (s: string): AttributeValue => ({ S: s });
const N = (n: string | number): AttributeValue => ({ N: String(n) });

describe('DynamoDB conformance: legacy parameters, limits, capacity and error messages', () => {
  const cluster = new Cluster();
  let ddb: DynamoDBClient;
  /** pk S + sk S: items for the legacy-parameter tests only, so Scans see exactly these. */
  const LEGACY = 'Legacy';
  /** pk S + sk S: everything else (limits, capacity, errors). */
  const T = 'Conformance';
  /** id S: the second table of the BatchGetItem tests. */
  const H = 'ConformanceHash';
  /** pk S + sk N: the 1 MB Query page. */
  const BIG = 'BigItems';

  const sortKeys = (items: Item[] | undefined) => (items ?? []).map((i) => `${i.pk.S}/${i.sk.S}`);

  before(async () => {
    await cluster.start();
    ddb = cluster.client();
    const composite = (TableName: string, skType: 'S' | 'N' = 'S') =>
      ddb.send(
        new CreateTableCommand({
          TableName,
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: skType }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
    await composite(LEGACY);
    await composite(T);
    await composite(BIG, 'N');
    await ddb.send(
      new CreateTableCommand({
        TableName: H,
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const legacy: Item[] = [
      { pk: S('p1'), sk: S('a1'), color: S('red'), n: N(1), tags: { SS: ['x', 'y'] }, note: S('hello world') },
      { pk: S('p1'), sk: S('a2'), color: S('blue'), n: N(2), tags: { SS: ['y'] } },
      { pk: S('p1'), sk: S('b1'), color: S('green'), n: N(3), note: S('say hello') },
      { pk: S('p1'), sk: S('b2'), color: S('red'), n: N(4), tags: { SS: ['x'] } },
      { pk: S('p1'), sk: S('c1'), n: N(5) },
      { pk: S('p2'), sk: S('a1'), color: S('red'), n: N(6), tags: { SS: ['z'] } },
    ];
    await ddb.send(new BatchWriteItemCommand({ RequestItems: { [LEGACY]: legacy.map((Item) => ({ PutRequest: { Item } })) } }));
  });
  after(async () => {
    ddb?.destroy();
    await cluster.destroy();
  });

  // --- legacy parameters (dynalite test/query.js and test/scan.js functionality) ---------------

  it('queries with legacy KeyConditions: EQ plus BETWEEN, BEGINS_WITH, GT', async () => {
    const q = async (sk?: Record<string, unknown>) =>
      sortKeys(
        (
          await ddb.send(
            new QueryCommand({
              TableName: LEGACY,
              ConsistentRead: true,
              KeyConditions: { pk: { ComparisonOperator: 'EQ', AttributeValueList: [S('p1')] }, ...(sk ? { sk } : {}) } as never,
            }),
          )
        ).Items,
      );
    assert.deepEqual(await q(), ['p1/a1', 'p1/a2', 'p1/b1', 'p1/b2', 'p1/c1']);
    assert.deepEqual(await q({ ComparisonOperator: 'BETWEEN', AttributeValueList: [S('a2'), S('b2')] }), ['p1/a2', 'p1/b1', 'p1/b2']);
    assert.deepEqual(await q({ ComparisonOperator: 'BEGINS_WITH', AttributeValueList: [S('b')] }), ['p1/b1', 'p1/b2']);
    assert.deepEqual(await q({ ComparisonOperator: 'GT', AttributeValueList: [S('b1')] }), ['p1/b2', 'p1/c1']);
    assert.deepEqual(await q({ ComparisonOperator: 'LE', AttributeValueList: [S('a2')] }), ['p1/a1', 'p1/a2']);
  });

  it('filters a Query with QueryFilter, AND by default and OR with ConditionalOperator', async () => {
    const base = { TableName: LEGACY, ConsistentRead: true, KeyConditions: { pk: { ComparisonOperator: 'EQ' as const, AttributeValueList: [S('p1')] } } };
    const QueryFilter = {
      color: { ComparisonOperator: 'EQ' as const, AttributeValueList: [S('red')] },
      n: { ComparisonOperator: 'GT' as const, AttributeValueList: [N(4)] },
    };
    const or = await ddb.send(new QueryCommand({ ...base, QueryFilter, ConditionalOperator: 'OR' }));
    assert.deepEqual(sortKeys(or.Items), ['p1/a1', 'p1/b2', 'p1/c1']);
    assert.equal(or.Count, 3);
    assert.equal(or.ScannedCount, 5);
    const and = await ddb.send(new QueryCommand({ ...base, QueryFilter }));
    assert.equal(and.Count, 0);
    assert.equal(and.ScannedCount, 5);
    const nulls = await ddb.send(
      new QueryCommand({ ...base, QueryFilter: { color: { ComparisonOperator: 'NOT_NULL' }, tags: { ComparisonOperator: 'NULL' } } }),
    );
    assert.deepEqual(sortKeys(nulls.Items), ['p1/b1']);
  });

  it('filters a Scan with ScanFilter: CONTAINS on sets and strings, NOT_NULL, IN, OR', async () => {
    const scan = async (ScanFilter: Record<string, unknown>, ConditionalOperator?: 'AND' | 'OR') =>
      sortKeys((await ddb.send(new ScanCommand({ TableName: LEGACY, ConsistentRead: true, ScanFilter: ScanFilter as never, ConditionalOperator }))).Items).sort();
    assert.deepEqual(await scan({ tags: { ComparisonOperator: 'CONTAINS', AttributeValueList: [S('x')] } }), ['p1/a1', 'p1/b2']);
    assert.deepEqual(await scan({ note: { ComparisonOperator: 'CONTAINS', AttributeValueList: [S('hello')] } }), ['p1/a1', 'p1/b1']);
    // (whether NOT_CONTAINS matches items without the attribute is not asserted here)
    const withTags = new Set(['p1/a1', 'p1/a2', 'p1/b2', 'p2/a1']);
    assert.deepEqual((await scan({ tags: { ComparisonOperator: 'NOT_CONTAINS', AttributeValueList: [S('y')] } })).filter((k) => withTags.has(k)), ['p1/b2', 'p2/a1']);
    assert.deepEqual(await scan({ color: { ComparisonOperator: 'NOT_NULL' } }), ['p1/a1', 'p1/a2', 'p1/b1', 'p1/b2', 'p2/a1']);
    assert.deepEqual(await scan({ color: { ComparisonOperator: 'IN', AttributeValueList: [S('blue'), S('green')] } }), ['p1/a2', 'p1/b1']);
    assert.deepEqual(
      await scan({ n: { ComparisonOperator: 'GE', AttributeValueList: [N(5)] }, color: { ComparisonOperator: 'EQ', AttributeValueList: [S('blue')] } }, 'OR'),
      ['p1/a2', 'p1/c1', 'p2/a1'],
    );
    assert.deepEqual(
      await scan({ n: { ComparisonOperator: 'GE', AttributeValueList: [N(5)] }, color: { ComparisonOperator: 'EQ', AttributeValueList: [S('red')] } }),
      ['p2/a1'],
    );
  });

  it('returns only AttributesToGet from GetItem and Query', async () => {
    const got = await ddb.send(new GetItemCommand({ TableName: LEGACY, Key: { pk: S('p1'), sk: S('a1') }, AttributesToGet: ['color', 'n', 'missing'], ConsistentRead: true }));
    assert.deepEqual(got.Item, { color: S('red'), n: N(1) });
    const q = await ddb.send(
      new QueryCommand({
        TableName: LEGACY,
        ConsistentRead: true,
        KeyConditions: { pk: { ComparisonOperator: 'EQ', AttributeValueList: [S('p1')] }, sk: { ComparisonOperator: 'BEGINS_WITH', AttributeValueList: [S('b')] } },
        AttributesToGet: ['sk', 'tags'],
      }),
    );
    assert.deepEqual(q.Items, [{ sk: S('b1') }, { sk: S('b2'), tags: { SS: ['x'] } }]);
  });

  it('rejects bad legacy parameters with DynamoDB messages', async () => {
    const keyP1 = { pk: { ComparisonOperator: 'EQ' as const, AttributeValueList: [S('p1')] } };
    // dynalite test/scan.js "should return ValidationException for IN on type SS"
    await expectError(
      ddb.send(new ScanCommand({ TableName: LEGACY, ScanFilter: { tags: { ComparisonOperator: 'IN', AttributeValueList: [{ SS: ['x'] }] } } })),
      'ValidationException',
      'One or more parameter values were invalid: ComparisonOperator IN is not valid for SS AttributeValue type',
    );
    await expectError(
      ddb.send(new ScanCommand({ TableName: LEGACY, ScanFilter: { n: { ComparisonOperator: 'BETWEEN', AttributeValueList: [N(1)] } } })),
      'ValidationException',
      'One or more parameter values were invalid: Invalid number of argument(s) for the BETWEEN ComparisonOperator',
    );
    // dynalite test/query.js "should return ValidationException for unsupported comparison"
    await expectError(
      ddb.send(new QueryCommand({ TableName: LEGACY, KeyConditions: { pk: { ComparisonOperator: 'CONTAINS', AttributeValueList: [S('p')] }, sk: { ComparisonOperator: 'NULL' } } })),
      'ValidationException',
      'Attempted conditional constraint is not an indexable operation',
    );
    // dynalite test/query.js recorded the legacy form without the colon that the expression form has
    await expectError(
      ddb.send(new QueryCommand({ TableName: LEGACY, KeyConditions: { sk: { ComparisonOperator: 'EQ', AttributeValueList: [S('a1')] } } })),
      'ValidationException',
      /^Query condition missed key schema element:? pk$/,
    );
    await expectError(
      ddb.send(new QueryCommand({ TableName: LEGACY, KeyConditions: keyP1, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': S('p1') } })),
      'ValidationException',
      'Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {KeyConditions} Expression parameters: {KeyConditionExpression}',
    );
    await expectError(
      ddb.send(new GetItemCommand({ TableName: LEGACY, Key: { pk: S('p1'), sk: S('a1') }, AttributesToGet: ['n'], ProjectionExpression: 'color' })),
      'ValidationException',
      'Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}',
    );
    // dynalite test/getItem.js "duplicate values in AttributesToGet"
    await expectError(
      ddb.send(new GetItemCommand({ TableName: LEGACY, Key: { pk: S('p1'), sk: S('a1') }, AttributesToGet: ['n', 'n'] })),
      'ValidationException',
      'One or more parameter values were invalid: Duplicate value in attribute name: n',
    );
  });

  // RINGDB DEVIATION (confirmed): RingDB runs these Queries instead of refusing them.
  it('refuses a Query filter on a primary key attribute', async () => {
    const keyP1 = { pk: { ComparisonOperator: 'EQ' as const, AttributeValueList: [S('p1')] } };
    // dynalite test/query.js "... with hash key in QueryFilter"; the expression form is the same
    // sentence (a message many users report from real DynamoDB)
    await expectError(
      ddb.send(new QueryCommand({ TableName: LEGACY, KeyConditions: keyP1, QueryFilter: { sk: { ComparisonOperator: 'EQ', AttributeValueList: [S('a1')] } } })),
      'ValidationException',
      'QueryFilter can only contain non-primary key attributes: Primary key attribute: sk',
    );
    await expectError(
      ddb.send(new QueryCommand({ TableName: LEGACY, KeyConditionExpression: 'pk = :p', FilterExpression: 'sk = :s', ExpressionAttributeValues: { ':p': S('p1'), ':s': S('a1') } })),
      'ValidationException',
      'Filter Expression can only contain non-primary key attributes: Primary key attribute: sk',
    );
    await expectError(
      ddb.send(new QueryCommand({ TableName: LEGACY, KeyConditionExpression: 'pk = :p', FilterExpression: 'pk = :p', ExpressionAttributeValues: { ':p': S('p1') } })),
      'ValidationException',
      'Filter Expression can only contain non-primary key attributes: Primary key attribute: pk',
    );
  });

  // --- the 1 MB page (DynamoDB developer guide: "Paginating table query results") ----------------

  it('ends a Query page at 1 MB without a Limit, and pages through the rest', async (t) => {
    const payload = 'x'.repeat(40_000);
    await Promise.all(Array.from({ length: 30 }, (_, i) => ddb.send(new PutItemCommand({ TableName: BIG, Item: { pk: S('big'), sk: N(i), payload: S(payload) } }))));
    const q = (ExclusiveStartKey?: Item, FilterExpression?: string) =>
      ddb.send(
        new QueryCommand({
          TableName: BIG,
          KeyConditionExpression: 'pk = :p',
          ExpressionAttributeValues: { ':p': S('big'), ...(FilterExpression ? { ':none': S('none') } : {}) },
          ProjectionExpression: 'sk',
          ConsistentRead: true,
          ExclusiveStartKey,
          FilterExpression,
        }),
      );
    const first = await q();
    assert.ok(first.LastEvaluatedKey, 'a 1.2 MB partition needs a second page');
    assert.ok(first.ScannedCount! < 30 && first.ScannedCount! >= 25, `first page scanned ${first.ScannedCount} items of ~40 KB`);
    assert.equal(first.Count, first.ScannedCount);
    t.diagnostic(`first 1 MB page: ${first.Count} items of ~40 KB`);
    assert.deepEqual(first.LastEvaluatedKey, { pk: S('big'), sk: N(first.Count! - 1) });
    const second = await q(first.LastEvaluatedKey);
    assert.equal(second.LastEvaluatedKey, undefined);
    const all = [...first.Items!, ...second.Items!].map((i) => Number(i.sk.N));
    assert.deepEqual(all, Array.from({ length: 30 }, (_, i) => i));
    // the 1 MB applies to what is read, before the filter: an all-rejecting filter still pages
    const filtered = await q(undefined, 'payload = :none');
    assert.equal(filtered.Count, 0);
    assert.equal(filtered.ScannedCount, first.ScannedCount);
    assert.deepEqual(filtered.LastEvaluatedKey, first.LastEvaluatedKey);
  });

  // --- batches (dynalite test/batchGetItem.js, test/batchWriteItem.js; API reference) ---------

  it('reads from two tables in one BatchGetItem', async () => {
    await ddb.send(
      new BatchWriteItemCommand({
        RequestItems: {
          [H]: [{ PutRequest: { Item: { id: S('h1'), v: N(1), w: S('keep') } } }, { PutRequest: { Item: { id: S('h2'), v: N(2) } } }],
          [T]: [{ PutRequest: { Item: { pk: S('bg'), sk: S('1'), v: S('one') } } }],
        },
      }),
    );
    const r = await ddb.send(
      new BatchGetItemCommand({
        RequestItems: {
          [H]: { Keys: [{ id: S('h1') }, { id: S('h2') }, { id: S('nope') }], ProjectionExpression: '#v', ExpressionAttributeNames: { '#v': 'v' }, ConsistentRead: true },
          [T]: { Keys: [{ pk: S('bg'), sk: S('1') }], ConsistentRead: true },
        },
      }),
    );
    assert.deepEqual(r.Responses?.[H].map((i) => i.v.N).sort(), ['1', '2']);
    assert.deepEqual(r.Responses?.[H].map((i) => Object.keys(i)), [['v'], ['v']]);
    assert.deepEqual(r.Responses?.[T], [{ pk: S('bg'), sk: S('1'), v: S('one') }]);
    assert.deepEqual(r.UnprocessedKeys, {});
  });

  it('refuses more than 100 keys in BatchGetItem and more than 25 writes in BatchWriteItem', async () => {
    const keys = Array.from({ length: 100 }, (_, i) => ({ id: S(`k${i}`) }));
    await ddb.send(new BatchGetItemCommand({ RequestItems: { [H]: { Keys: keys } } }));
    await expectError(
      ddb.send(new BatchGetItemCommand({ RequestItems: { [H]: { Keys: [...keys, { id: S('k100') }] } } })),
      'ValidationException',
      'Too many items requested for the BatchGetItem call',
    );
    // dynalite: "...when fetching more than 100 keys over multiple tables"
    await expectError(
      ddb.send(new BatchGetItemCommand({ RequestItems: { [H]: { Keys: keys }, [T]: { Keys: [{ pk: S('x'), sk: S('y') }] } } })),
      'ValidationException',
      'Too many items requested for the BatchGetItem call',
    );
    const writes = Array.from({ length: 26 }, (_, i) => ({ PutRequest: { Item: { id: S(`w${i}`) } } }));
    // dynalite test/batchWriteItem.js "should return ValidationException when putting more than 25 items"
    await expectError(
      ddb.send(new BatchWriteItemCommand({ RequestItems: { [H]: writes } })),
      'ValidationException',
      /^1 validation error detected: Value '\{.+\}' at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: \[Member must have length less than or equal to 25, Member must have length greater than or equal to 1\]$/s,
    );
    const w = await ddb.send(new BatchWriteItemCommand({ RequestItems: { [H]: writes.slice(0, 25) } }));
    assert.deepEqual(w.UnprocessedItems, {});
  });

  // RINGDB DEVIATION (confirmed): RingDB ignores ReturnConsumedCapacity on both batch operations.
  // API reference, BatchGetItem / BatchWriteItem response: "ConsumedCapacity — The read [write]
  // capacity units consumed by the entire operation. Each element consists of: TableName,
  // CapacityUnits"; a batch reads or writes each item separately, each rounded up on its own.
  it('reports ConsumedCapacity per table for BatchGetItem and BatchWriteItem', async () => {
    const w = await ddb.send(
      new BatchWriteItemCommand({
        RequestItems: { [H]: [{ PutRequest: { Item: { id: S('bc1'), v: N(1) } } }, { PutRequest: { Item: { id: S('bc2'), v: S('x'.repeat(1500)) } } }] },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    assert.deepEqual(w.ConsumedCapacity, [{ TableName: H, CapacityUnits: 3 }]); // 1 KB + 2 KB
    const r = await ddb.send(
      new BatchGetItemCommand({
        RequestItems: { [H]: { Keys: [{ id: S('bc1') }, { id: S('bc2') }], ConsistentRead: true }, [T]: { Keys: [{ pk: S('bg'), sk: S('1') }] } },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    const units = Object.fromEntries((r.ConsumedCapacity ?? []).map((c) => [c.TableName, c.CapacityUnits]));
    assert.deepEqual(units, { [H]: 2, [T]: 0.5 }); // two strong reads of under 4 KB; one eventual read
  });

  // --- consumed capacity (developer guide: "Read/write capacity mode", item-size rounding) ------

  it('reports read capacity: 0.5 eventual / 1 strong per 4 KB, a Query summing its items first', async () => {
    await ddb.send(new PutItemCommand({ TableName: H, Item: { id: S('small'), v: S('x') } }));
    const get = (ConsistentRead: boolean, id = 'small') => ddb.send(new GetItemCommand({ TableName: H, Key: { id: S(id) }, ConsistentRead, ReturnConsumedCapacity: 'TOTAL' }));
    assert.deepEqual((await get(false)).ConsumedCapacity, { TableName: H, CapacityUnits: 0.5 });
    assert.deepEqual((await get(true)).ConsumedCapacity, { TableName: H, CapacityUnits: 1 });
    // a read of a missing item still costs the minimum
    assert.deepEqual((await get(false, 'missing')).ConsumedCapacity, { TableName: H, CapacityUnits: 0.5 });
    // four ~1.5 KB items: ~6 KB read in total -> 2 units strongly consistent, 1 eventually (per-item rounding would say 4)
    await Promise.all([1, 2, 3, 4].map((k) => ddb.send(new PutItemCommand({ TableName: T, Item: { pk: S('cap'), sk: S(`k${k}`), payload: S('b'.repeat(1500)) } }))));
    const q = (ConsistentRead: boolean, FilterExpression?: string) =>
      ddb.send(
        new QueryCommand({
          TableName: T,
          KeyConditionExpression: 'pk = :p',
          FilterExpression,
          ExpressionAttributeValues: { ':p': S('cap'), ...(FilterExpression ? { ':z': S('z') } : {}) },
          ConsistentRead,
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
    const strong = await q(true);
    assert.equal(strong.Count, 4);
    assert.deepEqual(strong.ConsumedCapacity, { TableName: T, CapacityUnits: 2 });
    // (an eventually consistent read may briefly miss the newest puts: wait until it sees all four)
    let eventual = await q(false);
    for (let i = 0; i < 50 && eventual.Count !== 4; i++) eventual = await q(false);
    assert.equal(eventual.Count, 4);
    assert.deepEqual(eventual.ConsumedCapacity, { TableName: T, CapacityUnits: 1 });
    // a filter does not reduce what was read
    const filtered = await q(true, 'payload = :z');
    assert.equal(filtered.Count, 0);
    assert.deepEqual(filtered.ConsumedCapacity, { TableName: T, CapacityUnits: 2 });
  });

  it('reports write capacity: 1 unit per KB of the larger of the old and new item', async () => {
    const key = { pk: S('w'), sk: S('big') };
    const put = await ddb.send(new PutItemCommand({ TableName: T, Item: { ...key, payload: S('w'.repeat(2900)) }, ReturnConsumedCapacity: 'TOTAL' }));
    assert.deepEqual(put.ConsumedCapacity, { TableName: T, CapacityUnits: 3 });
    const upd = await ddb.send(
      new UpdateItemCommand({ TableName: T, Key: key, UpdateExpression: 'SET n = :one', ExpressionAttributeValues: { ':one': N(1) }, ReturnConsumedCapacity: 'TOTAL' }),
    );
    assert.deepEqual(upd.ConsumedCapacity, { TableName: T, CapacityUnits: 3 });
    // shrinking the item still costs the old size
    const shrink = await ddb.send(new UpdateItemCommand({ TableName: T, Key: key, UpdateExpression: 'REMOVE payload', ReturnConsumedCapacity: 'TOTAL' }));
    assert.deepEqual(shrink.ConsumedCapacity, { TableName: T, CapacityUnits: 3 });
    const small = await ddb.send(new UpdateItemCommand({ TableName: T, Key: key, UpdateExpression: 'SET n = :one', ExpressionAttributeValues: { ':one': N(2) }, ReturnConsumedCapacity: 'TOTAL' }));
    assert.deepEqual(small.ConsumedCapacity, { TableName: T, CapacityUnits: 1 });
    await ddb.send(new PutItemCommand({ TableName: T, Item: { ...key, payload: S('w'.repeat(2900)) } }));
    const del = await ddb.send(new DeleteItemCommand({ TableName: T, Key: key, ReturnConsumedCapacity: 'TOTAL' }));
    assert.deepEqual(del.ConsumedCapacity, { TableName: T, CapacityUnits: 3 });
  });

  // --- numbers and sets (dynalite test/putItem.js, test/batchWriteItem.js validations) ---------

  it('enforces the number limits end to end', async () => {
    const put = (n: string) => ddb.send(new PutItemCommand({ TableName: T, Item: { pk: S('num'), sk: S(n), v: N(n) } }));
    const read = async (n: string) => (await ddb.send(new GetItemCommand({ TableName: T, Key: { pk: S('num'), sk: S(n) }, ConsistentRead: true }))).Item?.v.N;
    const digits38 = '12345678901234567890123456789012345678';
    await put(digits38);
    assert.equal(await read(digits38), digits38);
    await put(`-0.${digits38}`);
    assert.equal(await read(`-0.${digits38}`), `-0.${digits38}`);
    // trailing zeros are not significant digits
    await put(`${digits38}000`);
    assert.equal(await read(`${digits38}000`), `${digits38}000`);
    await put('9.9999999999999999999999999999999999999E+125');
    await put('1E-130');
    assert.ok(await read('1E-130'));
    const TOO_MANY = 'Attempting to store more than 38 significant digits in a Number';
    await expectError(put(`${digits38}9`), 'ValidationException', TOO_MANY);
    await expectError(put(`-1.${digits38}`), 'ValidationException', TOO_MANY);
    await expectError(put('1E+126'), 'ValidationException', 'Number overflow. Attempting to store a number with magnitude larger than supported range');
    await expectError(put('-1E+126'), 'ValidationException', 'Number overflow. Attempting to store a number with magnitude larger than supported range');
    await expectError(put('1E-131'), 'ValidationException', 'Number underflow. Attempting to store a number with magnitude smaller than supported range');
    // in ExpressionAttributeValues (dynalite test/updateItem.js: "... contains invalid value: <message> for key :b")
    await expectError(
      ddb.send(new UpdateItemCommand({ TableName: T, Key: { pk: S('num'), sk: S('upd') }, UpdateExpression: 'SET v = :v', ExpressionAttributeValues: { ':v': N('1E+126') } })),
      'ValidationException',
      'ExpressionAttributeValues contains invalid value: Number overflow. Attempting to store a number with magnitude larger than supported range for key :v',
    );
  });

  it('refuses empty and duplicate sets with DynamoDB messages', async () => {
    const put = (v: AttributeValue) => ddb.send(new PutItemCommand({ TableName: T, Item: { pk: S('sets'), sk: S('1'), v } }));
    await expectError(put({ SS: ['a', 'a'] }), 'ValidationException', 'One or more parameter values were invalid: Input collection [a, a] contains duplicates.');
    await expectError(put({ NS: ['1', '1'] }), 'ValidationException', 'Input collection contains duplicates');
    await expectError(put({ SS: [] }), 'ValidationException', 'One or more parameter values were invalid: An string set  may not be empty');
    await expectError(put({ NS: [] }), 'ValidationException', 'One or more parameter values were invalid: An number set  may not be empty');
    await expectError(put({ BS: [] }), 'ValidationException', 'One or more parameter values were invalid: Binary sets should not be empty');
    // Since May 2020 empty strings are allowed inside sets (developer guide, "Data types: Sets":
    // "DynamoDB does not support empty sets, however, empty string and binary values are allowed
    // within a set"); dynalite's older recording of a refusal no longer applies.
    await put({ SS: ['a', ''] });
    const got = await ddb.send(new GetItemCommand({ TableName: T, Key: { pk: S('sets'), sk: S('1') }, ConsistentRead: true }));
    assert.deepEqual(got.Item?.v.SS?.slice().sort(), ['', 'a']);
  });

  // --- key sizes (dynalite test/getItem.js and test/batchWriteItem.js) ------------------------

  it('limits the partition key to 2048 bytes and the sort key to 1024 bytes, counted in UTF-8', async () => {
    const put = (pk: string, sk: string) => ddb.send(new PutItemCommand({ TableName: T, Item: { pk: S(pk), sk: S(sk) } }));
    const HASH = 'One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes';
    const RANGE = 'One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes';
    await put('a'.repeat(2048), 's');
    await put('k', 'b'.repeat(1024));
    await put('é'.repeat(1024), 's'); // 2048 bytes
    await expectError(put('a'.repeat(2049), 's'), 'ValidationException', HASH);
    await expectError(put('é'.repeat(1024) + 'a', 's'), 'ValidationException', HASH);
    await expectError(put('k', 'b'.repeat(1025)), 'ValidationException', RANGE);
    await expectError(put('k', 'é'.repeat(513)), 'ValidationException', RANGE);
    await expectError(ddb.send(new GetItemCommand({ TableName: T, Key: { pk: S('a'.repeat(2049)), sk: S('s') } })), 'ValidationException', HASH);
    await expectError(ddb.send(new DeleteItemCommand({ TableName: T, Key: { pk: S('k'), sk: S('b'.repeat(1025)) } })), 'ValidationException', RANGE);
    const got = await ddb.send(new GetItemCommand({ TableName: T, Key: { pk: S('é'.repeat(1024)), sk: S('s') }, ConsistentRead: true }));
    assert.ok(got.Item);
  });

  // --- expression errors (dynalite test/scan.js, test/getItem.js, test/updateItem.js) ----------

  it('rejects bad expressions with DynamoDB messages', async () => {
    const key = { pk: S('expr'), sk: S('1') };
    await ddb.send(new PutItemCommand({ TableName: T, Item: { ...key, a: S('x') } }));
    const cond = (ConditionExpression: string, extra: Record<string, unknown> = {}) =>
      ddb.send(new PutItemCommand({ TableName: T, Item: key, ConditionExpression, ...extra }));
    // syntax errors
    await expectError(cond('a =', { ExpressionAttributeValues: undefined }), 'ValidationException', 'Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "="');
    await expectError(
      ddb.send(new GetItemCommand({ TableName: T, Key: key, ProjectionExpression: 'a b' })),
      'ValidationException',
      'Invalid ProjectionExpression: Syntax error; token: "b", near: "a b"',
    );
    await expectError(cond(''), 'ValidationException', 'Invalid ConditionExpression: The expression can not be empty;');
    // undefined #name
    await expectError(
      cond('#a = :v AND #nope = :v', { ExpressionAttributeNames: { '#a': 'a' }, ExpressionAttributeValues: { ':v': S('x') } }),
      'ValidationException',
      'Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #nope',
    );
    // unused values and names
    await expectError(
      ddb.send(new QueryCommand({ TableName: T, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': S('expr'), ':extra': S('y') } })),
      'ValidationException',
      'Value provided in ExpressionAttributeValues unused in expressions: keys: {:extra}',
    );
    await expectError(
      ddb.send(new GetItemCommand({ TableName: T, Key: key, ProjectionExpression: '#a', ExpressionAttributeNames: { '#a': 'a', '#b': 'b' } })),
      'ValidationException',
      'Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}',
    );
    // a reserved word, bare
    await expectError(
      ddb.send(new GetItemCommand({ TableName: T, Key: key, ProjectionExpression: 'a, Name' })),
      'ValidationException',
      'Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: Name',
    );
    await expectError(
      ddb.send(new QueryCommand({ TableName: T, KeyConditionExpression: 'pk = :p', ProjectionExpression: 'sk, status', ExpressionAttributeValues: { ':p': S('expr') } })),
      'ValidationException',
      'Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: status',
    );
    // unknown functions
    await expectError(
      ddb.send(new ScanCommand({ TableName: T, FilterExpression: 'upper(a) = :v', ExpressionAttributeValues: { ':v': S('X') } })),
      'ValidationException',
      'Invalid FilterExpression: Invalid function name; function: upper',
    );
    await expectError(cond('attribute_exist(a)'), 'ValidationException', 'Invalid ConditionExpression: Invalid function name; function: attribute_exist');
    // IN takes a parenthesised list ("a in b" is a syntax error in dynalite's recordings)
    await expectError(
      ddb.send(new ScanCommand({ TableName: T, FilterExpression: 'a IN :v', ExpressionAttributeValues: { ':v': { L: [S('x')] } } })),
      'ValidationException',
      /^Invalid FilterExpression: Syntax error; token: /,
    );
    // a key condition may not use OR
    await expectError(
      ddb.send(new QueryCommand({ TableName: T, KeyConditionExpression: 'pk = :p OR sk = :s', ExpressionAttributeValues: { ':p': S('expr'), ':s': S('1') } })),
      'ValidationException',
      'Invalid operator used in KeyConditionExpression: OR',
    );
  });

  it('rejects bad update expressions with DynamoDB messages', async () => {
    const key = { pk: S('upd'), sk: S('1') };
    const update = (UpdateExpression: string, ExpressionAttributeValues?: Record<string, AttributeValue>) =>
      ddb.send(new UpdateItemCommand({ TableName: T, Key: key, UpdateExpression, ExpressionAttributeValues }));
    const OVERLAP = 'Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; ';
    await expectError(update('SET a = :v, a = :w', { ':v': S('x'), ':w': S('y') }), 'ValidationException', `${OVERLAP}path one: [a], path two: [a]`);
    await expectError(update('SET a.b = :v REMOVE a', { ':v': S('x') }), 'ValidationException', `${OVERLAP}path one: [a, b], path two: [a]`);
    await expectError(
      update('REMOVE a.c SET a[1] = :v', { ':v': S('x') }),
      'ValidationException',
      'Invalid UpdateExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, c], path two: [a, [1]]',
    );
    const KEY = (name: string) => `One or more parameter values were invalid: Cannot update attribute ${name}. This attribute is part of the key`;
    await expectError(update('REMOVE sk'), 'ValidationException', KEY('sk'));
    await expectError(update('SET b = :v REMOVE pk', { ':v': S('x') }), 'ValidationException', KEY('pk'));
    await expectError(
      update('SET n = :s + :one', { ':s': S('x'), ':one': N(1) }),
      'ValidationException',
      'Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: S',
    );
    // nothing was written by any of these
    const got = await ddb.send(new GetItemCommand({ TableName: T, Key: key, ConsistentRead: true }));
    assert.equal(got.Item, undefined);
  });

  // --- parameter combinations (dynalite test/query.js, test/scan.js; API reference) ------------

  it('rejects Select COUNT with a projection, a Segment alone, an unknown index and bad ReturnValues', async () => {
    const key = { ':p': S('p1') };
    await expectError(
      ddb.send(new QueryCommand({ TableName: LEGACY, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: key, Select: 'COUNT', ProjectionExpression: 'sk' })),
      'ValidationException',
      // real DynamoDB has been reported both with and without the "1 validation error detected: " prefix here
      /^(1 validation error detected: )?Cannot specify the ProjectionExpression when choosing to get only the Count$/,
    );
    await expectError(
      ddb.send(new ScanCommand({ TableName: LEGACY, Select: 'COUNT', ProjectionExpression: 'sk' })),
      'ValidationException',
      'Cannot specify the ProjectionExpression when choosing to get only the Count',
    );
    await expectError(
      ddb.send(new ScanCommand({ TableName: LEGACY, Select: 'COUNT', AttributesToGet: ['sk'] })),
      'ValidationException',
      'Cannot specify the AttributesToGet when choosing to get only the Count',
    );
    await expectError(
      ddb.send(new ScanCommand({ TableName: LEGACY, Segment: 1 })),
      'ValidationException',
      'The TotalSegments parameter is required but was not present in the request when Segment parameter is present',
    );
    await expectError(
      ddb.send(new ScanCommand({ TableName: LEGACY, TotalSegments: 2 })),
      'ValidationException',
      'The Segment parameter is required but was not present in the request when parameter TotalSegments is present',
    );
    await expectError(
      ddb.send(new QueryCommand({ TableName: LEGACY, IndexName: 'ByColor', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: key })),
      'ValidationException',
      'The table does not have the specified index: ByColor',
    );
    await expectError(ddb.send(new ScanCommand({ TableName: LEGACY, IndexName: 'ByColor' })), 'ValidationException', 'The table does not have the specified index: ByColor');
    for (const ReturnValues of ['ALL_NEW', 'UPDATED_NEW', 'UPDATED_OLD'] as const) {
      await expectError(
        ddb.send(new DeleteItemCommand({ TableName: LEGACY, Key: { pk: S('p1'), sk: S('zz') }, ReturnValues })),
        'ValidationException',
        'Return values set to invalid value',
      );
    }
    const count = await ddb.send(new QueryCommand({ TableName: LEGACY, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: key, Select: 'COUNT', ConsistentRead: true }));
    assert.equal(count.Count, 5);
    assert.equal(count.Items, undefined);
  });
});
