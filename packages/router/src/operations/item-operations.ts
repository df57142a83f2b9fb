import {
  MAX_ITEM_SIZE,
  ParamErrors,
  internalError,
  itemPrimaryKey,
  itemSize,
  keyArgument,
  locatePartition,
  optionalBoolean,
  optionalObject,
  optionalString,
  validateItemValues,
  validation,
  DynamoDBError,
  type Item,
  type PrimaryKey,
} from '@ringdb/core';
import type { TableInfo } from '../table-cache.js';
import { REPLY_ERROR } from '../routing.js';
import type { OpReply } from '../node-channel.js';
import type { Operation, RouterContext } from './context.js';

/** Storage.Data operation kinds and flags (storage-node/src/data-ops.ts). */
const KIND_PUT = 1;
const KIND_GET = 2;
const KIND_DELETE = 3;
const FLAG_RETURN_OLD = 1;
const FLAG_CONSISTENT = 2;

const RETURN_VALUES = ['NONE', 'ALL_OLD', 'UPDATED_OLD', 'ALL_NEW', 'UPDATED_NEW'] as const;
const RETURN_CONSUMED = ['INDEXES', 'TOTAL', 'NONE'] as const;

/** Parameters that the next data-plane issue implements; until then they are refused, not ignored. */
const NOT_YET = ['ConditionExpression', 'Expected', 'ConditionalOperator', 'ExpressionAttributeNames', 'ExpressionAttributeValues', 'ProjectionExpression', 'AttributesToGet'];

function refuseNotYetSupported(body: Record<string, unknown>): void {
  for (const p of NOT_YET) {
    if (body[p] !== undefined && body[p] !== null) throw validation(`RingDB does not support ${p} yet`);
  }
}

function checkCommon(body: Record<string, unknown>, member: 'item' | 'key', allowedReturn: readonly string[] | null): {
  tableName: string;
  returnValues: string;
} {
  const tableName = optionalString(body.TableName);
  const returnValues = optionalString(body.ReturnValues);
  const consumed = optionalString(body.ReturnConsumedCapacity);
  const errors = new ParamErrors();
  errors.tableName('tableName', tableName);
  errors.notNull(member, body[member === 'item' ? 'Item' : 'Key']);
  errors.enumValue('returnValues', returnValues, RETURN_VALUES);
  errors.enumValue('returnConsumedCapacity', consumed, RETURN_CONSUMED);
  errors.throwIfAny();
  if (allowedReturn && returnValues !== undefined && !allowedReturn.includes(returnValues)) {
    throw validation('Return values set to invalid value');
  }
  refuseNotYetSupported(body);
  return { tableName: tableName!, returnValues: returnValues ?? 'NONE' };
}

function route(ctx: RouterContext, table: TableInfo, key: PrimaryKey) {
  return locatePartition(table.name, key.hashBytes, ctx.routing.vnodeCount || 1).vnode;
}

function failed(reply: OpReply): never {
  if (reply.code === REPLY_ERROR) {
    if (reply.errorType === 'InternalServerError') throw internalError();
    throw new DynamoDBError(reply.errorType, reply.errorMessage);
  }
  throw internalError();
}

export const putItem: Operation = async (ctx, body) => {
  const { tableName, returnValues } = checkCommon(body, 'item', ['NONE', 'ALL_OLD']);
  const item = validateItemValues(optionalObject(body.Item, 'Item') as Item);
  const table = await ctx.tables.get(tableName);
  const key = itemPrimaryKey(table.keys, item);
  const size = itemSize(item);
  if (size > MAX_ITEM_SIZE) throw validation('Item size has exceeded the maximum allowed size');
  const reply = await ctx.routing.execute(
    {
      kind: KIND_PUT,
      vnode: route(ctx, table, key),
      tableId: table.tableId,
      key: key.encoded,
      item: Buffer.from(JSON.stringify(item)),
      itemSize: size,
      flags: returnValues === 'ALL_OLD' ? FLAG_RETURN_OLD : 0,
    },
    true,
  );
  if (reply.code !== 0) failed(reply);
  return reply.body.length > 0 ? `{"Attributes":${reply.body.toString('utf8')}}` : '{}';
};

export const getItem: Operation = async (ctx, body) => {
  const { tableName } = checkCommon(body, 'key', null);
  const consistent = optionalBoolean(body.ConsistentRead) === true;
  const keyValues = validateItemValues(optionalObject(body.Key, 'Key') as Item);
  const table = await ctx.tables.get(tableName);
  const key = keyArgument(table.keys, keyValues);
  const reply = await ctx.routing.execute(
    { kind: KIND_GET, vnode: route(ctx, table, key), tableId: table.tableId, key: key.encoded, flags: consistent ? FLAG_CONSISTENT : 0 },
    consistent,
  );
  if (reply.code !== 0) failed(reply);
  return reply.body.length > 0 ? `{"Item":${reply.body.toString('utf8')}}` : '{}';
};

export const deleteItem: Operation = async (ctx, body) => {
  const { tableName, returnValues } = checkCommon(body, 'key', ['NONE', 'ALL_OLD']);
  const keyValues = validateItemValues(optionalObject(body.Key, 'Key') as Item);
  const table = await ctx.tables.get(tableName);
  const key = keyArgument(table.keys, keyValues);
  const reply = await ctx.routing.execute(
    {
      kind: KIND_DELETE,
      vnode: route(ctx, table, key),
      tableId: table.tableId,
      key: key.encoded,
      flags: returnValues === 'ALL_OLD' ? FLAG_RETURN_OLD : 0,
    },
    true,
  );
  if (reply.code !== 0) failed(reply);
  return reply.body.length > 0 ? `{"Attributes":${reply.body.toString('utf8')}}` : '{}';
};
