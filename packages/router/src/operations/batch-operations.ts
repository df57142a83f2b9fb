import {
  MAX_ITEM_SIZE,
  ParamErrors,
  isDynamoDBError,
  itemPrimaryKey,
  itemSize,
  keyArgument,
  optionalBoolean,
  optionalObject,
  project,
  validateItemValues,
  validation,
  type Item,
  type Path,
  type PrimaryKey,
} from '@ringdb/core';
import type { TableInfo } from '../table-cache.js';
import { batchCapacity, readUnits } from './capacity.js';
import type { Operation, RouterContext } from './context.js';
import { expressionScope, projection } from './expression-params.js';
import { FLAG_CONSISTENT, FLAG_REPORT_SIZES, KIND_DELETE, KIND_GET, KIND_PUT, failed, vnodeOf, writtenUnits } from './item-operations.js';

const MAX_GET_KEYS = 100;
const MAX_WRITES = 25;
/** BatchGetItem returns at most 16 MB; keys beyond that come back as UnprocessedKeys. */
const MAX_GET_RESPONSE_BYTES = 16 * 1024 * 1024;

const RETURN_CONSUMED = ['INDEXES', 'TOTAL', 'NONE'];

function requestItems(body: Record<string, unknown>): Record<string, unknown> {
  const items = optionalObject(body.RequestItems, 'RequestItems');
  const errors = new ParamErrors();
  errors.notNull('requestItems', items);
  errors.enumValue('returnConsumedCapacity', body.ReturnConsumedCapacity, RETURN_CONSUMED);
  errors.throwIfAny();
  if (Object.keys(items!).length === 0) {
    throw validation("1 validation error detected: Value '{}' at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1");
  }
  for (const name of Object.keys(items!)) {
    const e = new ParamErrors();
    e.tableName('requestItems.member.key', name);
    e.throwIfAny();
  }
  return items!;
}

/** An operation that could not reach its replicas right now goes back to the client unprocessed. */
function isRetryable(err: unknown): boolean {
  return isDynamoDBError(err) && (err.status >= 500 || err.type === 'ServiceUnavailable');
}

interface GetRequest {
  table: TableInfo;
  tableName: string;
  rawKey: unknown;
  key: PrimaryKey;
  paths?: Path[];
  consistent: boolean;
  spec: Record<string, unknown>;
}

export const batchGetItem: Operation = async (ctx, body) => {
  const tables = requestItems(body);
  const requests: GetRequest[] = [];
  let total = 0;
  for (const [tableName, specIn] of Object.entries(tables)) {
    const spec = optionalObject(specIn, 'KeysAndAttributes') ?? {};
    const keys = spec.Keys;
    if (!Array.isArray(keys) || keys.length === 0) {
      throw validation(`1 validation error detected: Value ${Array.isArray(keys) ? "'[]'" : 'null'} at 'requestItems.${tableName}.member.keys' failed to satisfy constraint: ${Array.isArray(keys) ? 'Member must have length greater than or equal to 1' : 'Member must not be null'}`);
    }
    total += keys.length;
    if (total > MAX_GET_KEYS) throw validation('Too many items requested for the BatchGetItem call');
    const scope = expressionScope(spec, ['ProjectionExpression'], ['AttributesToGet']);
    const paths = projection(spec, scope);
    scope.finish();
    const table = await ctx.tables.get(tableName);
    const seen = new Set<string>();
    for (const k of keys) {
      const key = keyArgument(table.keys, validateItemValues(k));
      const id = key.encoded.toString('latin1');
      if (seen.has(id)) throw validation('Provided list of item keys contains duplicates');
      seen.add(id);
      requests.push({ table, tableName, rawKey: k, key, paths, consistent: optionalBoolean(spec.ConsistentRead) === true, spec });
    }
  }
  const results = await Promise.allSettled(
    requests.map((r) =>
      ctx.routing.execute(
        { kind: KIND_GET, vnode: vnodeOf(ctx, r.table, r.key), tableId: r.table.tableId, key: r.key.encoded, flags: r.consistent ? FLAG_CONSISTENT : 0 },
        r.consistent,
      ),
    ),
  );
  const responses: Record<string, string[]> = {};
  const unprocessed: Record<string, { Keys: unknown[] } & Record<string, unknown>> = {};
  const consumedMode = (body.ReturnConsumedCapacity as string | undefined) ?? 'NONE';
  const units = new Map<string, number>();
  let bytes = 0;
  results.forEach((res, i) => {
    const r = requests[i];
    responses[r.tableName] ??= [];
    const deferred = () => {
      const { Keys: _keys, ...rest } = r.spec;
      (unprocessed[r.tableName] ??= { ...rest, Keys: [] }).Keys.push(r.rawKey);
    };
    if (res.status === 'rejected') {
      if (isRetryable(res.reason)) return deferred();
      throw res.reason;
    }
    const reply = res.value;
    if (reply.code !== 0) failed(reply);
    if (reply.body.length > 0 && bytes + reply.body.length > MAX_GET_RESPONSE_BYTES) return deferred();
    if (consumedMode !== 'NONE') {
      const size = reply.body.length > 0 ? itemSize(JSON.parse(reply.body.toString('utf8')) as Item) : 0;
      units.set(r.tableName, (units.get(r.tableName) ?? 0) + readUnits(size, r.consistent));
    }
    if (reply.body.length === 0) return;
    bytes += reply.body.length;
    const text = reply.body.toString('utf8');
    responses[r.tableName].push(r.paths ? JSON.stringify(project(JSON.parse(text) as Item, r.paths)) : text);
  });
  const parts = Object.entries(responses).map(([t, items]) => `${JSON.stringify(t)}:[${items.join(',')}]`);
  const capacity = batchCapacity(consumedMode, units);
  const tail = capacity ? `,"ConsumedCapacity":${JSON.stringify(capacity.ConsumedCapacity)}` : '';
  return `{"Responses":{${parts.join(',')}},"UnprocessedKeys":${JSON.stringify(unprocessed)}${tail}}`;
};

interface WriteRequest {
  tableName: string;
  raw: unknown;
  table: TableInfo;
  key: PrimaryKey;
  item?: Item;
  size: number;
}

export const batchWriteItem: Operation = async (ctx, body) => {
  const tables = requestItems(body);
  const writes: WriteRequest[] = [];
  for (const [tableName, listIn] of Object.entries(tables)) {
    if (!Array.isArray(listIn) || listIn.length === 0) {
      throw validation(`1 validation error detected: Value '[]' at 'requestItems.${tableName}.member' failed to satisfy constraint: Member must have length greater than or equal to 1`);
    }
    const table = await ctx.tables.get(tableName);
    const seen = new Set<string>();
    for (const raw of listIn) {
      const request = optionalObject(raw, 'WriteRequest') ?? {};
      const put = optionalObject(request.PutRequest, 'PutRequest');
      const del = optionalObject(request.DeleteRequest, 'DeleteRequest');
      if ((put ? 1 : 0) + (del ? 1 : 0) !== 1) throw validation('Supplied WriteRequest must contain exactly one of PutRequest or DeleteRequest');
      let w: WriteRequest;
      if (put) {
        const item = validateItemValues(put.Item === undefined ? null : put.Item);
        const size = itemSize(item);
        if (size > MAX_ITEM_SIZE) throw validation('Item size has exceeded the maximum allowed size');
        w = { tableName, raw, table, key: itemPrimaryKey(table.keys, item), item, size };
      } else {
        w = { tableName, raw, table, key: keyArgument(table.keys, validateItemValues(del!.Key === undefined ? null : del!.Key)), size: 0 };
      }
      const id = w.key.encoded.toString('latin1');
      if (seen.has(id)) throw validation('Provided list of item keys contains duplicates');
      seen.add(id);
      writes.push(w);
    }
  }
  if (writes.length > MAX_WRITES) {
    throw validation(`1 validation error detected: Value '${JSON.stringify(tables)}' at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]`);
  }
  const consumedMode = (body.ReturnConsumedCapacity as string | undefined) ?? 'NONE';
  const sizeFlag = consumedMode === 'NONE' ? 0 : FLAG_REPORT_SIZES;
  const results = await Promise.allSettled(
    writes.map((w) =>
      ctx.routing.execute(
        w.item
          ? { kind: KIND_PUT, vnode: vnodeOf(ctx, w.table, w.key), tableId: w.table.tableId, key: w.key.encoded, item: Buffer.from(JSON.stringify(w.item)), itemSize: w.size, flags: sizeFlag }
          : { kind: KIND_DELETE, vnode: vnodeOf(ctx, w.table, w.key), tableId: w.table.tableId, key: w.key.encoded, flags: sizeFlag },
        true,
      ),
    ),
  );
  const unprocessed: Record<string, unknown[]> = {};
  const units = new Map<string, number>();
  results.forEach((res, i) => {
    if (res.status === 'fulfilled') {
      if (res.value.code !== 0) failed(res.value);
      if (sizeFlag) units.set(writes[i].tableName, (units.get(writes[i].tableName) ?? 0) + writtenUnits(res.value));
      return;
    }
    if (!isRetryable(res.reason)) throw res.reason;
    (unprocessed[writes[i].tableName] ??= []).push(writes[i].raw);
  });
  return JSON.stringify({ UnprocessedItems: unprocessed, ...batchCapacity(consumedMode, units) });
};

