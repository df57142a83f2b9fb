import { validation } from './errors.js';
import { ParamErrors } from './param-errors.js';
import { optionalArray, optionalInteger, optionalObject, optionalString } from './wire-types.js';
import type { AttributeDefinition, KeySchemaElement, KeyType, TableKeys } from './types.js';

export type BillingMode = 'PROVISIONED' | 'PAY_PER_REQUEST';

/** A validated CreateTable request: what the catalogue stores about a table's definition. */
export interface TableSpec {
  TableName: string;
  KeySchema: KeySchemaElement[];
  AttributeDefinitions: AttributeDefinition[];
  BillingMode: BillingMode;
  ReadCapacityUnits: number;
  WriteCapacityUnits: number;
}

/** A catalogue entry: the spec plus what membership assigns when it creates the table. */
export interface TableEntry extends TableSpec {
  TableId: string;
  TableArn: string;
  CreationDateTime: number; // epoch seconds
  Tags?: Tag[];
}

export interface Tag {
  Key: string;
  Value: string;
}

export interface TableStatistics {
  itemCount: number;
  sizeBytes: number;
}

const KEY_TYPES = ['HASH', 'RANGE'] as const;
const ATTRIBUTE_TYPES = ['B', 'N', 'S'] as const;
const BILLING_MODES = ['PROVISIONED', 'PAY_PER_REQUEST'] as const;

/** Validates a CreateTable request body as DynamoDB does, in DynamoDB's order of checks. */
export function validateCreateTable(body: Record<string, unknown>): TableSpec {
  const tableName = optionalString(body.TableName);
  const keySchemaIn = optionalArray(body.KeySchema, 'KeySchema');
  const attrDefsIn = optionalArray(body.AttributeDefinitions, 'AttributeDefinitions');
  const billingMode = optionalString(body.BillingMode);
  const throughput = optionalObject(body.ProvisionedThroughput, 'ProvisionedThroughput');
  const keySchema = (keySchemaIn ?? []).map((e, i) => {
    const o = optionalObject(e, `KeySchema.${i + 1}`) ?? {};
    return { AttributeName: optionalString(o.AttributeName), KeyType: optionalString(o.KeyType) };
  });
  const attrDefs = (attrDefsIn ?? []).map((e, i) => {
    const o = optionalObject(e, `AttributeDefinitions.${i + 1}`) ?? {};
    return { AttributeName: optionalString(o.AttributeName), AttributeType: optionalString(o.AttributeType) };
  });
  const rcu = optionalInteger(throughput?.ReadCapacityUnits);
  const wcu = optionalInteger(throughput?.WriteCapacityUnits);

  const errors = new ParamErrors();
  attrDefs.forEach((d, i) => {
    const p = `attributeDefinitions.${i + 1}.member`;
    if (errors.notNull(`${p}.attributeName`, d.AttributeName)) attributeNameLength(errors, `${p}.attributeName`, d.AttributeName!);
    if (errors.notNull(`${p}.attributeType`, d.AttributeType)) errors.enumValue(`${p}.attributeType`, d.AttributeType, ATTRIBUTE_TYPES);
  });
  errors.notNull('attributeDefinitions', attrDefsIn);
  errors.tableName('tableName', tableName);
  if (errors.notNull('keySchema', keySchemaIn)) {
    if (keySchema.length < 1) errors.add('keySchema', keySchemaIn, 'Member must have length greater than or equal to 1');
    if (keySchema.length > 2) errors.add('keySchema', keySchemaIn, 'Member must have length less than or equal to 2');
  }
  keySchema.forEach((k, i) => {
    const p = `keySchema.${i + 1}.member`;
    if (errors.notNull(`${p}.attributeName`, k.AttributeName)) attributeNameLength(errors, `${p}.attributeName`, k.AttributeName!);
    if (errors.notNull(`${p}.keyType`, k.KeyType)) errors.enumValue(`${p}.keyType`, k.KeyType, KEY_TYPES);
  });
  errors.enumValue('billingMode', billingMode, BILLING_MODES);
  if (throughput) {
    if (errors.notNull('provisionedThroughput.writeCapacityUnits', wcu)) errors.range('provisionedThroughput.writeCapacityUnits', wcu, 1);
    if (errors.notNull('provisionedThroughput.readCapacityUnits', rcu)) errors.range('provisionedThroughput.readCapacityUnits', rcu, 1);
  }
  errors.throwIfAny();

  for (const unsupported of ['LocalSecondaryIndexes', 'GlobalSecondaryIndexes'] as const) {
    if (body[unsupported] !== undefined && body[unsupported] !== null) {
      throw validation(`RingDB does not support ${unsupported} yet`);
    }
  }
  const stream = optionalObject(body.StreamSpecification, 'StreamSpecification');
  if (stream && stream.StreamEnabled === true) throw validation('RingDB does not support streams yet');

  const names = new Set<string>();
  for (const d of attrDefs) {
    if (names.has(d.AttributeName!)) throw validation('Cannot have two attributes with the same name');
    names.add(d.AttributeName!);
  }
  const mode: BillingMode = (billingMode as BillingMode | undefined) ?? 'PROVISIONED';
  if (mode === 'PROVISIONED') {
    if (!throughput) throw validation('One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED');
  } else if (throughput) {
    throw validation('One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST');
  }
  const missing = keySchema.filter((k) => !names.has(k.AttributeName!)).map((k) => k.AttributeName);
  if (missing.length > 0) {
    throw validation(
      `One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [${missing.join(', ')}], AttributeDefinitions: [${attrDefs.map((d) => d.AttributeName).join(', ')}]`,
    );
  }
  if (keySchema[0].KeyType !== 'HASH') throw validation('Invalid KeySchema: The first KeySchemaElement is not a HASH key type');
  if (keySchema.length === 2) {
    if (keySchema[1].KeyType !== 'RANGE') throw validation('Invalid KeySchema: The second KeySchemaElement is not a RANGE key type');
    if (keySchema[0].AttributeName === keySchema[1].AttributeName) {
      throw validation('Both the Hash Key and the Range Key element in the KeySchema have the same name');
    }
  }
  if (attrDefs.length !== keySchema.length) {
    throw validation('One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions');
  }
  return {
    TableName: tableName!,
    KeySchema: keySchema.map((k) => ({ AttributeName: k.AttributeName!, KeyType: k.KeyType as 'HASH' | 'RANGE' })),
    AttributeDefinitions: attrDefs.map((d) => ({ AttributeName: d.AttributeName!, AttributeType: d.AttributeType as KeyType })),
    BillingMode: mode,
    ReadCapacityUnits: rcu ?? 0,
    WriteCapacityUnits: wcu ?? 0,
  };
}

function attributeNameLength(errors: ParamErrors, path: string, name: string): void {
  if (name.length < 1) errors.add(path, name, 'Member must have length greater than or equal to 1');
  if (name.length > 255) errors.add(path, name, 'Member must have length less than or equal to 255');
}

/** The key attribute names and types of a table. */
export function tableKeys(spec: Pick<TableSpec, 'KeySchema' | 'AttributeDefinitions'>): TableKeys {
  const typeOf = (name: string) => spec.AttributeDefinitions.find((d) => d.AttributeName === name)!.AttributeType;
  const hash = spec.KeySchema.find((k) => k.KeyType === 'HASH')!;
  const range = spec.KeySchema.find((k) => k.KeyType === 'RANGE');
  return {
    hashName: hash.AttributeName,
    hashType: typeOf(hash.AttributeName),
    rangeName: range?.AttributeName,
    rangeType: range ? typeOf(range.AttributeName) : undefined,
  };
}

/** DynamoDB's TableDescription for a catalogue entry. */
export function describeTable(
  entry: TableEntry,
  status: 'CREATING' | 'ACTIVE' | 'DELETING',
  stats: TableStatistics,
): Record<string, unknown> {
  return {
    AttributeDefinitions: entry.AttributeDefinitions,
    TableName: entry.TableName,
    KeySchema: entry.KeySchema,
    TableStatus: status,
    CreationDateTime: entry.CreationDateTime,
    ProvisionedThroughput: {
      NumberOfDecreasesToday: 0,
      ReadCapacityUnits: entry.ReadCapacityUnits,
      WriteCapacityUnits: entry.WriteCapacityUnits,
    },
    TableSizeBytes: stats.sizeBytes,
    ItemCount: stats.itemCount,
    TableArn: entry.TableArn,
    TableId: entry.TableId,
    BillingModeSummary: {
      BillingMode: entry.BillingMode,
      ...(entry.BillingMode === 'PAY_PER_REQUEST' ? { LastUpdateToPayPerRequestDateTime: entry.CreationDateTime } : {}),
    },
    DeletionProtectionEnabled: false,
  };
}
