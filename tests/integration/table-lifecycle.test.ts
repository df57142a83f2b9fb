import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { Cluster } from '../support/cluster.js';
import { expectError } from '../support/errors.js';

describe('table lifecycle', () => {
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

  it('creates a provisioned table with a composite key and describes it', async () => {
    const created = await ddb.send(
      new CreateTableCommand({
        TableName: 'Orders',
        KeySchema: [
          { AttributeName: 'user_id', KeyType: 'HASH' },
          { AttributeName: 'order_id', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'user_id', AttributeType: 'S' },
          { AttributeName: 'order_id', AttributeType: 'S' },
        ],
        ProvisionedThroughput: { ReadCapacityUnits: 100, WriteCapacityUnits: 50 },
      }),
    );
    const d = created.TableDescription!;
    assert.equal(d.TableName, 'Orders');
    assert.equal(d.TableStatus, 'ACTIVE');
    assert.match(d.TableId!, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(d.TableArn, 'arn:aws:dynamodb:us-east-1:000000000000:table/Orders');
    const t = (await ddb.send(new DescribeTableCommand({ TableName: 'Orders' }))).Table!;
    assert.deepEqual(t.KeySchema, [
      { AttributeName: 'user_id', KeyType: 'HASH' },
      { AttributeName: 'order_id', KeyType: 'RANGE' },
    ]);
    assert.deepEqual(t.AttributeDefinitions, [
      { AttributeName: 'user_id', AttributeType: 'S' },
      { AttributeName: 'order_id', AttributeType: 'S' },
    ]);
    assert.equal(t.ProvisionedThroughput?.ReadCapacityUnits, 100);
    assert.equal(t.ProvisionedThroughput?.WriteCapacityUnits, 50);
    assert.equal(t.BillingModeSummary?.BillingMode, 'PROVISIONED');
    assert.equal(t.ItemCount, 0);
    assert.equal(t.TableSizeBytes, 0);
    assert.ok(t.CreationDateTime instanceof Date && Math.abs(t.CreationDateTime.getTime() - Date.now()) < 60_000);
    assert.equal(t.TableId, d.TableId);
  });

  it('creates on-demand tables with N and B hash keys', async () => {
    for (const [name, type] of [['Numbers', 'N'], ['Blobs', 'B']] as const) {
      const d = (
        await ddb.send(
          new CreateTableCommand({
            TableName: name,
            KeySchema: [{ AttributeName: 'k', KeyType: 'HASH' }],
            AttributeDefinitions: [{ AttributeName: 'k', AttributeType: type }],
            BillingMode: 'PAY_PER_REQUEST',
          }),
        )
      ).TableDescription!;
      assert.equal(d.BillingModeSummary?.BillingMode, 'PAY_PER_REQUEST');
      assert.equal(d.ProvisionedThroughput?.ReadCapacityUnits, 0);
    }
  });

  it('rejects a second table of the same name', async () => {
    await expectError(
      ddb.send(
        new CreateTableCommand({
          TableName: 'Numbers',
          KeySchema: [{ AttributeName: 'k', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'k', AttributeType: 'N' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      ),
      'ResourceInUseException',
      'Table already exists: Numbers',
    );
  });

  it('validates CreateTable like DynamoDB', async () => {
    const base = { TableName: 'Bad', BillingMode: 'PAY_PER_REQUEST' as const };
    await expectError(
      ddb.send(new CreateTableCommand({ ...base, KeySchema: [{ AttributeName: 'k', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'x', AttributeType: 'S' }] })),
      'ValidationException',
      'One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [k], AttributeDefinitions: [x]',
    );
    await expectError(
      ddb.send(new CreateTableCommand({ ...base, KeySchema: [{ AttributeName: 'k', KeyType: 'RANGE' }], AttributeDefinitions: [{ AttributeName: 'k', AttributeType: 'S' }] })),
      'ValidationException',
      'Invalid KeySchema: The first KeySchemaElement is not a HASH key type',
    );
    await expectError(
      ddb.send(new CreateTableCommand({ TableName: 'ab', KeySchema: [{ AttributeName: 'k', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'k', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' })),
      'ValidationException',
      "1 validation error detected: Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3",
    );
    await expectError(
      ddb.send(new CreateTableCommand({ TableName: 'Bad', KeySchema: [{ AttributeName: 'k', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'k', AttributeType: 'S' }] })),
      'ValidationException',
      'One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED',
    );
  });

  it('lists tables in pages', async () => {
    const all = await ddb.send(new ListTablesCommand({}));
    assert.deepEqual(all.TableNames, ['Blobs', 'Numbers', 'Orders']);
    assert.equal(all.LastEvaluatedTableName, undefined);
    const p1 = await ddb.send(new ListTablesCommand({ Limit: 2 }));
    assert.deepEqual(p1.TableNames, ['Blobs', 'Numbers']);
    assert.equal(p1.LastEvaluatedTableName, 'Numbers');
    const p2 = await ddb.send(new ListTablesCommand({ Limit: 2, ExclusiveStartTableName: p1.LastEvaluatedTableName }));
    assert.deepEqual(p2.TableNames, ['Orders']);
    assert.equal(p2.LastEvaluatedTableName, undefined);
    await expectError(ddb.send(new ListTablesCommand({ Limit: 0 })), 'ValidationException', "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1");
  });

  it('counts items and bytes in DescribeTable', async () => {
    for (let i = 0; i < 20; i++) {
      await ddb.send(new PutItemCommand({ TableName: 'Numbers', Item: { k: { N: String(i) }, v: { S: 'x'.repeat(100) } } }));
    }
    // Statistics reach membership with the nodes' heartbeats.
    const deadline = Date.now() + 10_000;
    let t;
    do {
      t = (await ddb.send(new DescribeTableCommand({ TableName: 'Numbers' }))).Table!;
      if (t.ItemCount === 20) break;
      await new Promise((r) => setTimeout(r, 250));
    } while (Date.now() < deadline);
    assert.equal(t.ItemCount, 20);
    assert.ok(t.TableSizeBytes! >= 20 * 100, `TableSizeBytes ${t.TableSizeBytes}`);
  });

  it('deletes a table with its data', async () => {
    const d = (await ddb.send(new DeleteTableCommand({ TableName: 'Numbers' }))).TableDescription!;
    assert.equal(d.TableStatus, 'DELETING');
    await expectError(ddb.send(new DescribeTableCommand({ TableName: 'Numbers' })), 'ResourceNotFoundException', 'Requested resource not found: Table: Numbers not found');
    await expectError(ddb.send(new GetItemCommand({ TableName: 'Numbers', Key: { k: { N: '1' } } })), 'ResourceNotFoundException', 'Requested resource not found');
    await expectError(ddb.send(new DeleteTableCommand({ TableName: 'Numbers' })), 'ResourceNotFoundException', 'Requested resource not found: Table: Numbers not found');
    await ddb.send(
      new CreateTableCommand({
        TableName: 'Numbers',
        KeySchema: [{ AttributeName: 'k', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'k', AttributeType: 'N' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const got = await ddb.send(new GetItemCommand({ TableName: 'Numbers', Key: { k: { N: '1' } }, ConsistentRead: true }));
    assert.equal(got.Item, undefined, 'a re-created table starts empty');
  });
});
