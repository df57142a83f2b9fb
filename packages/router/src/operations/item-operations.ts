import {
  DynamoDBError,
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
  parseUpdate,
  project,
  updateFromAttributeUpdates,
  validateItemValues,
  validation,
  type Item,
  type PrimaryKey,
  type UpdateAction,
} from '@ringdb/core';
import type { OpReply } from '../node-channel.js';
import { REPLY_ERROR } from '../routing.js';
import type { TableInfo } from '../table-cache.js';
import { consumedCapacity, readUnits, writeUnits } from './capacity.js';
import type { Operation, RouterContext } from './context.js';
import { expressionScope, projection, writeCondition } from './expression-params.js';

/** Storage.Data operation kinds and flags (storage-node/src/data-ops.ts). */
export const KIND_PUT = 1;
export const KIND_GET = 2;
export const KIND_DELETE = 3;
export const KIND_UPDATE = 4;
export const KIND_RANGE = 5;
export const FLAG_RETURN_OLD = 1;
export const FLAG_CONSISTENT = 2;
export const FLAG_REPORT_SIZES = 4;

/** Write units of a write: DynamoDB bills the larger of the item before and after. */
export function writtenUnits(reply: OpReply): number {
  if (reply.aux.length === 0) return 1;
  const { oldSize, newSize } = JSON.parse(reply.aux.toString('utf8')) as { oldSize: number; newSize: number };
  return writeUnits(Math.max(oldSize, newSize));
}

function sizeFlag(common: CommonParams): number {
  return common.returnConsumed === 'NONE' ? 0 : FLAG_REPORT_SIZES;
}

const RETURN_VALUES = ['NONE', 'ALL_OLD', 'UPDATED_OLD', 'ALL_NEW', 'UPDATED_NEW'] as const;
const RETURN_CONSUMED = ['INDEXES', 'TOTAL', 'NONE'] as const;
const RETURN_ON_FAILURE = ['ALL_OLD', 'NONE'] as const;

export interface CommonParams {
  tableName: string;
  returnValues: string;
  returnConsumed: string;
  returnOnFailure: boolean;
}

export function checkCommon(body: Record<string, unknown>, member: 'item' | 'key', allowedReturn: readonly string[] | null): CommonParams {
  const tableName = optionalString(body.TableName);
  const returnValues = optionalString(body.ReturnValues);
  const consumed = optionalString(body.ReturnConsumedCapacity);
  const onFailure = optionalString(body.ReturnValuesOnConditionCheckFailure);
  const errors = new ParamErrors();
  errors.tableName('tableName', tableName);
  errors.notNull(member, body[member === 'item' ? 'Item' : 'Key']);
  errors.enumValue('returnValues', returnValues, RETURN_VALUES);
  errors.enumValue('returnConsumedCapacity', consumed, RETURN_CONSUMED);
  errors.enumValue('returnValuesOnConditionCheckFailure', onFailure, RETURN_ON_FAILURE);
  errors.throwIfAny();
  if (allowedReturn && returnValues !== undefined && !allowedReturn.includes(returnValues)) {
    throw validation('Return values set to invalid value');
  }
  return { tableName: tableName!, returnValues: returnValues ?? 'NONE', returnConsumed: consumed ?? 'NONE', returnOnFailure: onFailure === 'ALL_OLD' };
}

export function vnodeOf(ctx: RouterContext, table: TableInfo, key: PrimaryKey): number {
  return locatePartition(table.name, key.hashBytes, ctx.routing.vnodeCount).vnode;
}

/** Turns a storage node's error reply into the DynamoDB error it stands for. */
export function failed(reply: OpReply): never {
  if (reply.code === REPLY_ERROR && reply.errorType !== 'InternalServerError') {
    const extra = reply.errorType === 'ConditionalCheckFailedException' && reply.body.length > 0 ? { Item: JSON.parse(reply.body.toString('utf8')) } : undefined;
    throw new DynamoDBError(reply.errorType, reply.errorMessage, 400, extra);
  }
  throw internalError();
}

function attributesResponse(reply: OpReply, extra: Record<string, unknown> | undefined): string {
  const parts: string[] = [];
  if (reply.body.length > 0) parts.push(`"Attributes":${reply.body.toString('utf8')}`);
  if (extra) for (const [k, v] of Object.entries(extra)) parts.push(`${JSON.stringify(k)}:${JSON.stringify(v)}`);
  return `{${parts.join(',')}}`;
}

function auxJson(value: object | undefined): Buffer | undefined {
  return value ? Buffer.from(JSON.stringify(value)) : undefined;
}

/** Sends one write to its vnode's leader and answers with Attributes and ConsumedCapacity. */
async function write(
  ctx: RouterContext,
  common: CommonParams,
  table: TableInfo,
  key: PrimaryKey,
  op: { kind: number; flags: number; params?: object; item?: Buffer; itemSize?: number },
): Promise<string> {
  const reply = await ctx.routing.execute(
    {
      kind: op.kind,
      vnode: vnodeOf(ctx, table, key),
      tableId: table.tableId,
      key: key.encoded,
      item: op.item,
      itemSize: op.itemSize,
      flags: op.flags | sizeFlag(common),
      aux: auxJson(op.params),
    },
    true,
  );
  if (reply.code !== 0) failed(reply);
  return attributesResponse(reply, consumedCapacity(common.returnConsumed, table.name, writtenUnits(reply)));
}

export const putItem: Operation = async (ctx, body) => {
  const common = checkCommon(body, 'item', ['NONE', 'ALL_OLD']);
  const scope = expressionScope(body, ['ConditionExpression'], ['Expected']);
  const condition = writeCondition(body, scope);
  scope.finish();
  const item = validateItemValues(optionalObject(body.Item, 'Item'));
  const table = await ctx.tables.get(common.tableName);
  const key = itemPrimaryKey(table.keys, item);
  const size = itemSize(item);
  if (size > MAX_ITEM_SIZE) throw validation('Item size has exceeded the maximum allowed size');
  return write(ctx, common, table, key, {
    kind: KIND_PUT,
    flags: common.returnValues === 'ALL_OLD' ? FLAG_RETURN_OLD : 0,
    params: condition && { condition, returnOldOnConditionFailure: common.returnOnFailure },
    item: Buffer.from(JSON.stringify(item)),
    itemSize: size,
  });
};

export const deleteItem: Operation = async (ctx, body) => {
  const common = checkCommon(body, 'key', ['NONE', 'ALL_OLD']);
  const scope = expressionScope(body, ['ConditionExpression'], ['Expected']);
  const condition = writeCondition(body, scope);
  scope.finish();
  const keyValues = validateItemValues(optionalObject(body.Key, 'Key'));
  const table = await ctx.tables.get(common.tableName);
  const key = keyArgument(table.keys, keyValues);
  return write(ctx, common, table, key, {
    kind: KIND_DELETE,
    flags: common.returnValues === 'ALL_OLD' ? FLAG_RETURN_OLD : 0,
    params: condition && { condition, returnOldOnConditionFailure: common.returnOnFailure },
  });
};

export const updateItem: Operation = async (ctx, body) => {
  const common = checkCommon(body, 'key', null);
  const scope = expressionScope(body, ['UpdateExpression', 'ConditionExpression'], ['AttributeUpdates', 'Expected']);
  const updateText = optionalString(body.UpdateExpression);
  let actions: UpdateAction[];
  if (updateText !== undefined) actions = parseUpdate(updateText, scope);
  else {
    const legacy = optionalObject(body.AttributeUpdates, 'AttributeUpdates');
    actions = legacy ? updateFromAttributeUpdates(legacy) : [];
  }
  const condition = writeCondition(body, scope);
  scope.finish();
  const keyValues = validateItemValues(optionalObject(body.Key, 'Key'));
  const table = await ctx.tables.get(common.tableName);
  const key = keyArgument(table.keys, keyValues);
  return write(ctx, common, table, key, {
    kind: KIND_UPDATE,
    flags: 0,
    params: {
      condition,
      returnOldOnConditionFailure: common.returnOnFailure,
      update: actions,
      key: keyValues,
      keys: table.keys,
      returnValues: common.returnValues,
    },
  });
};

export const getItem: Operation = async (ctx, body) => {
  const common = checkCommon(body, 'key', null);
  const consistent = optionalBoolean(body.ConsistentRead) === true;
  const scope = expressionScope(body, ['ProjectionExpression'], ['AttributesToGet']);
  const paths = projection(body, scope);
  scope.finish();
  const keyValues = validateItemValues(optionalObject(body.Key, 'Key'));
  const table = await ctx.tables.get(common.tableName);
  const key = keyArgument(table.keys, keyValues);
  const reply = await ctx.routing.execute(
    { kind: KIND_GET, vnode: vnodeOf(ctx, table, key), tableId: table.tableId, key: key.encoded, flags: consistent ? FLAG_CONSISTENT : 0 },
    consistent,
  );
  if (reply.code !== 0) failed(reply);
  // The item's size (for its read units) only when the caller asked for consumed capacity.
  const capacity =
    common.returnConsumed === 'NONE'
      ? undefined
      : consumedCapacity(common.returnConsumed, table.name, readUnits(reply.body.length > 0 ? itemSize(JSON.parse(reply.body.toString('utf8')) as Item) : 0, consistent));
  const tail = capacity ? `,"ConsumedCapacity":${JSON.stringify(capacity.ConsumedCapacity)}` : '';
  if (reply.body.length === 0) return capacity ? `{${tail.slice(1)}}` : '{}';
  if (!paths) return `{"Item":${reply.body.toString('utf8')}${tail}}`;
  return `{"Item":${JSON.stringify(project(JSON.parse(reply.body.toString('utf8')) as Item, paths))}${tail}}`;
};
