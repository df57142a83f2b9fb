import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateTableCommand,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { Cluster } from '../support/cluster.js';
import { expectError } from '../support/errors.js';

describe('UpdateItem and conditional writes', () => {
  const cluster = new Cluster();
  let ddb: DynamoDBClient;
  const T = 'Accounts';
  const key = (id: string) => ({ id: { S: id } });
  const get = async (id: string) => (await ddb.send(new GetItemCommand({ TableName: T, Key: key(id), ConsistentRead: true }))).Item;

  before(async () => {
    await cluster.start();
    ddb = cluster.client();
    await ddb.send(
      new CreateTableCommand({
        TableName: T,
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  });
  after(async () => {
    ddb?.destroy();
    await cluster.destroy();
  });

  it('upserts a missing item and applies SET arithmetic, if_not_exists and list_append', async () => {
    const r = await ddb.send(
      new UpdateItemCommand({
        TableName: T,
        Key: key('u1'),
        UpdateExpression: 'SET balance = if_not_exists(balance, :zero) + :ten, history = list_append(if_not_exists(history, :empty), :h), #n = :name',
        ExpressionAttributeNames: { '#n': 'name' },
        ExpressionAttributeValues: { ':zero': { N: '0' }, ':ten': { N: '10' }, ':empty': { L: [] }, ':h': { L: [{ S: 'open' }] }, ':name': { S: 'Ann' } },
        ReturnValues: 'ALL_NEW',
      }),
    );
    assert.deepEqual(r.Attributes, { id: { S: 'u1' }, balance: { N: '10' }, history: { L: [{ S: 'open' }] }, name: { S: 'Ann' } });
    const r2 = await ddb.send(
      new UpdateItemCommand({
        TableName: T,
        Key: key('u1'),
        UpdateExpression: 'SET balance = balance - :x',
        ExpressionAttributeValues: { ':x': { N: '2.5' } },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    assert.deepEqual(r2.Attributes, { balance: { N: '7.5' } });
  });

  it('REMOVEs, ADDs and DELETEs on nested paths and sets', async () => {
    await ddb.send(
      new PutItemCommand({
        TableName: T,
        Item: { id: { S: 'u2' }, tags: { SS: ['a', 'b', 'c'] }, n: { N: '1' }, doc: { M: { arr: { L: [{ N: '1' }, { N: '2' }, { N: '3' }] }, x: { S: 'y' } } } },
      }),
    );
    const r = await ddb.send(
      new UpdateItemCommand({
        TableName: T,
        Key: key('u2'),
        UpdateExpression: 'REMOVE doc.arr[1], doc.x ADD n :one, counts :set DELETE tags :gone SET doc.arr[0] = :z',
        ExpressionAttributeValues: { ':one': { N: '1' }, ':set': { NS: ['5'] }, ':gone': { SS: ['a', 'c'] }, ':z': { N: '0' } },
        ReturnValues: 'ALL_NEW',
      }),
    );
    assert.deepEqual(r.Attributes?.doc, { M: { arr: { L: [{ N: '0' }, { N: '3' }] } } });
    assert.deepEqual(r.Attributes?.n, { N: '2' });
    assert.deepEqual(r.Attributes?.counts, { NS: ['5'] });
    assert.deepEqual(r.Attributes?.tags, { SS: ['b'] });
  });

  it('returns UPDATED_OLD and ALL_OLD', async () => {
    await ddb.send(new PutItemCommand({ TableName: T, Item: { id: { S: 'u3' }, a: { N: '1' }, b: { S: 'keep' } } }));
    const old = await ddb.send(new UpdateItemCommand({ TableName: T, Key: key('u3'), UpdateExpression: 'SET a = :v', ExpressionAttributeValues: { ':v': { N: '2' } }, ReturnValues: 'UPDATED_OLD' }));
    assert.deepEqual(old.Attributes, { a: { N: '1' } });
    const all = await ddb.send(new UpdateItemCommand({ TableName: T, Key: key('u3'), UpdateExpression: 'SET a = :v', ExpressionAttributeValues: { ':v': { N: '3' } }, ReturnValues: 'ALL_OLD' }));
    assert.deepEqual(all.Attributes, { id: { S: 'u3' }, a: { N: '2' }, b: { S: 'keep' } });
  });

  it('never loses an increment under concurrent updates of one item', async () => {
    await ddb.send(new PutItemCommand({ TableName: T, Item: { id: { S: 'counter' }, n: { N: '0' } } }));
    const clients = [ddb, cluster.client(), cluster.client()];
    await Promise.all(
      Array.from({ length: 150 }, (_, i) =>
        clients[i % 3].send(new UpdateItemCommand({ TableName: T, Key: key('counter'), UpdateExpression: 'SET n = n + :one', ExpressionAttributeValues: { ':one': { N: '1' } } })),
      ),
    );
    assert.equal((await get('counter'))?.n.N, '150');
    clients.slice(1).forEach((c) => c.destroy());
  });

  it('checks conditions on put, update and delete', async () => {
    await ddb.send(new PutItemCommand({ TableName: T, Item: { id: { S: 'c1' }, v: { N: '1' } }, ConditionExpression: 'attribute_not_exists(id)' }));
    await expectError(
      ddb.send(new PutItemCommand({ TableName: T, Item: { id: { S: 'c1' }, v: { N: '2' } }, ConditionExpression: 'attribute_not_exists(id)' })),
      'ConditionalCheckFailedException',
      'The conditional request failed',
    );
    await ddb.send(
      new UpdateItemCommand({
        TableName: T,
        Key: key('c1'),
        UpdateExpression: 'SET v = :two',
        ConditionExpression: 'v = :one AND (attribute_type(v, :n) OR begins_with(id, :c)) AND NOT size(id) > :big AND v BETWEEN :zero AND :ten AND v IN (:one, :two)',
        ExpressionAttributeValues: { ':one': { N: '1' }, ':two': { N: '2' }, ':n': { S: 'N' }, ':c': { S: 'c' }, ':big': { N: '10' }, ':zero': { N: '0' }, ':ten': { N: '10' } },
      }),
    );
    assert.equal((await get('c1'))?.v.N, '2');
    await expectError(
      ddb.send(new DeleteItemCommand({ TableName: T, Key: key('c1'), ConditionExpression: 'v < :x', ExpressionAttributeValues: { ':x': { N: '2' } } })),
      'ConditionalCheckFailedException',
    );
    await ddb.send(new DeleteItemCommand({ TableName: T, Key: key('c1'), ConditionExpression: 'contains(id, :s)', ExpressionAttributeValues: { ':s': { S: '1' } } }));
    assert.equal(await get('c1'), undefined);
  });

  it('returns the old item on a failed condition when asked', async () => {
    await ddb.send(new PutItemCommand({ TableName: T, Item: { id: { S: 'c2' }, v: { N: '5' } } }));
    try {
      await ddb.send(
        new PutItemCommand({
          TableName: T,
          Item: { id: { S: 'c2' }, v: { N: '6' } },
          ConditionExpression: 'v > :big',
          ExpressionAttributeValues: { ':big': { N: '100' } },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      assert.fail('the condition should fail');
    } catch (err) {
      const e = err as { name: string; Item?: unknown };
      assert.equal(e.name, 'ConditionalCheckFailedException');
      assert.deepEqual(e.Item, { id: { S: 'c2' }, v: { N: '5' } });
    }
  });

  it('supports the legacy Expected and AttributeUpdates parameters', async () => {
    await ddb.send(
      new UpdateItemCommand({
        TableName: T,
        Key: key('legacy'),
        AttributeUpdates: { n: { Action: 'ADD', Value: { N: '3' } }, s: { Action: 'PUT', Value: { S: 'x' } } },
        Expected: { n: { Exists: false } },
      }),
    );
    assert.deepEqual(await get('legacy'), { id: { S: 'legacy' }, n: { N: '3' }, s: { S: 'x' } });
    await expectError(
      ddb.send(new PutItemCommand({ TableName: T, Item: key('legacy'), Expected: { n: { Value: { N: '4' } } } })),
      'ConditionalCheckFailedException',
    );
  });

  it('rejects bad expressions and parameter mixes with DynamoDB messages', async () => {
    await expectError(
      ddb.send(new UpdateItemCommand({ TableName: T, Key: key('x'), UpdateExpression: 'SET a = :v', ExpressionAttributeValues: { ':v': { S: 'x' }, ':unused': { S: 'y' } } })),
      'ValidationException',
      'Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}',
    );
    await expectError(
      ddb.send(new UpdateItemCommand({ TableName: T, Key: key('x'), UpdateExpression: 'SET a = :v' })),
      'ValidationException',
      'Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :v',
    );
    await expectError(
      ddb.send(new UpdateItemCommand({ TableName: T, Key: key('x'), UpdateExpression: 'SET id = :v', ExpressionAttributeValues: { ':v': { S: 'y' } } })),
      'ValidationException',
      'One or more parameter values were invalid: Cannot update attribute id. This attribute is part of the key',
    );
    await expectError(
      ddb.send(new PutItemCommand({ TableName: T, Item: key('x'), ConditionExpression: 'attribute_exists(status)' })),
      'ValidationException',
      'Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status',
    );
    await expectError(
      ddb.send(new PutItemCommand({ TableName: T, Item: key('x'), ConditionExpression: 'attribute_exists(a)', Expected: { a: { Exists: true } } })),
      'ValidationException',
      'Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}',
    );
    await expectError(
      ddb.send(new GetItemCommand({ TableName: T, Key: key('x'), ExpressionAttributeNames: { '#a': 'a' } })),
      'ValidationException',
      'ExpressionAttributeNames can only be specified when using expressions',
    );
    await expectError(
      ddb.send(new UpdateItemCommand({ TableName: T, Key: key('x'), UpdateExpression: 'SET a = :v SET b = :v', ExpressionAttributeValues: { ':v': { S: 'x' } } })),
      'ValidationException',
      /^Invalid UpdateExpression: The "SET" section can only be used once in an update expression/,
    );
  });
});
