import {
  ParamErrors,
  conditionAttributes,
  conditionFromFilter,
  decodeKeyValue,
  encodeKeyValue,
  encodeStringPrefix,
  hashKeyBytes,
  keyArgument,
  keyConditionFromLegacy,
  locatePartition,
  optionalBoolean,
  optionalInteger,
  optionalObject,
  optionalString,
  parseCondition,
  parseKeyCondition,
  prefixEnd,
  validateItemValues,
  validation,
  type Condition,
  type ExpressionScope,
  type Item,
  type KeyCondition,
  type Path,
  type TableKeys,
} from '@ringdb/core';
import type { TableInfo } from '../table-cache.js';
import { consumedCapacity, readUnits } from './capacity.js';
import type { Operation, RouterContext } from './context.js';
import { expressionScope, projection } from './expression-params.js';
import { FLAG_CONSISTENT, KIND_RANGE, failed } from './item-operations.js';

/** DynamoDB returns at most 1 MB of read items per Query or Scan page. */
const PAGE_BYTES = 1024 * 1024;
/** How many vnodes a Scan without Limit reads at once. */
const SCAN_WINDOW = 8;
const SELECT = ['ALL_ATTRIBUTES', 'ALL_PROJECTED_ATTRIBUTES', 'SPECIFIC_ATTRIBUTES', 'COUNT'] as const;

interface Bounds {
  gte?: Buffer;
  gt?: Buffer;
  lte?: Buffer;
  lt?: Buffer;
}

interface RangeResult {
  items: string[];
  count: number;
  scannedCount: number;
  scannedBytes: number;
  lastKey?: string;
}

interface ReadOptions {
  select: string;
  filter?: Condition;
  paths?: Path[];
  limit?: number;
  consistent: boolean;
  returnConsumed: string;
}

/** Validates what Query and Scan share: Select, Limit, projection, filter. */
function readOptions(body: Record<string, unknown>, scope: ExpressionScope, filterKind: 'QueryFilter' | 'ScanFilter'): ReadOptions {
  const select = optionalString(body.Select);
  const limit = optionalInteger(body.Limit);
  const errors = new ParamErrors();
  errors.enumValue('select', select, SELECT);
  errors.enumValue('returnConsumedCapacity', optionalString(body.ReturnConsumedCapacity), ['INDEXES', 'TOTAL', 'NONE']);
  errors.range('limit', limit, 1);
  errors.throwIfAny();
  const paths = projection(body, scope);
  const filterText = optionalString(body.FilterExpression);
  const legacy = optionalObject(body[filterKind], filterKind);
  const filter = filterText !== undefined ? parseCondition(filterText, 'FilterExpression', scope) : legacy ? conditionFromFilter(legacy, optionalString(body.ConditionalOperator), filterKind) : undefined;
  if (!legacy && body.ConditionalOperator !== undefined && body.ConditionalOperator !== null) {
    throw validation('ConditionalOperator can only be used when Expected or QueryFilter or ScanFilter is also specified');
  }
  const projectionName = body.ProjectionExpression !== undefined ? 'ProjectionExpression' : 'AttributesToGet';
  if (select === 'SPECIFIC_ATTRIBUTES' && !paths) throw validation('Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES');
  if (select === 'ALL_ATTRIBUTES' && paths) throw validation(`Cannot specify the ${projectionName} when choosing to get ALL_ATTRIBUTES`);
  if (select === 'COUNT' && paths) throw validation(`Cannot specify the ${projectionName} when choosing to get only the Count`);
  if (select === 'ALL_PROJECTED_ATTRIBUTES') throw validation('ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName');
  return {
    select: select ?? (paths ? 'SPECIFIC_ATTRIBUTES' : 'ALL_ATTRIBUTES'),
    filter,
    paths,
    limit,
    consistent: optionalBoolean(body.ConsistentRead) === true,
    returnConsumed: optionalString(body.ReturnConsumedCapacity) ?? 'NONE',
  };
}

function refuseIndex(body: Record<string, unknown>): void {
  const index = optionalString(body.IndexName);
  if (index !== undefined) throw validation(`The table does not have the specified index: ${index}`);
}

/** The byte range of one partition's items that a key condition selects. */
function keyConditionBounds(keys: TableKeys, condition: KeyCondition): { hashEncoded: Buffer; bounds: Bounds } {
  const prefix = encodeKeyValue(keys.hashType, condition.hash);
  const range = condition.range;
  if (!range) return { hashEncoded: prefix, bounds: { gte: prefix, lt: prefixEnd(prefix) } };
  const type = keys.rangeType!;
  const at = (i: number) => Buffer.concat([prefix, encodeKeyValue(type, range.values[i])]);
  let bounds: Bounds;
  switch (range.op) {
    case '=':
      bounds = { gte: at(0), lte: at(0) };
      break;
    case '<':
      bounds = { gte: prefix, lt: at(0) };
      break;
    case '<=':
      bounds = { gte: prefix, lte: at(0) };
      break;
    case '>':
      bounds = { gt: at(0), lt: prefixEnd(prefix) };
      break;
    case '>=':
      bounds = { gte: at(0), lt: prefixEnd(prefix) };
      break;
    case 'BETWEEN': {
      const low = at(0);
      const high = at(1);
      if (Buffer.compare(low, high) > 0) {
        throw validation(
          `Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {${type}:${show(range.values[0])}}, upper bound operand: AttributeValue: {${type}:${show(range.values[1])}}`,
        );
      }
      bounds = { gte: low, lte: high };
      break;
    }
    case 'BEGINS_WITH': {
      const start = Buffer.concat([prefix, encodeStringPrefix(type as 'S' | 'B', range.values[0])]);
      bounds = { gte: start, lt: prefixEnd(start) };
      break;
    }
  }
  return { hashEncoded: prefix, bounds };
}

function show(av: object): string {
  return String(Object.values(av)[0]);
}

/** The key attributes of an encoded primary key. */
function decodeKey(keys: TableKeys, encoded: Buffer): Item {
  const hash = decodeKeyValue(keys.hashType, encoded, 0);
  const out: Item = { [keys.hashName]: hash.value };
  if (keys.rangeName) out[keys.rangeName] = decodeKeyValue(keys.rangeType!, encoded, hash.next).value;
  return out;
}

function b64(buf: Buffer | undefined): string | undefined {
  return buf?.toString('base64');
}

async function readPage(ctx: RouterContext, table: TableInfo, vnode: number, bounds: Bounds, reverse: boolean, opts: ReadOptions, limit: number, maxBytes: number): Promise<RangeResult> {
  const read = {
    gte: b64(bounds.gte),
    gt: b64(bounds.gt),
    lte: b64(bounds.lte),
    lt: b64(bounds.lt),
    reverse,
    limit,
    maxBytes,
    filter: opts.filter,
    projection: opts.paths,
    countOnly: opts.select === 'COUNT',
  };
  const reply = await ctx.routing.execute(
    { kind: KIND_RANGE, vnode, tableId: table.tableId, key: Buffer.alloc(0), flags: opts.consistent ? FLAG_CONSISTENT : 0, aux: Buffer.from(JSON.stringify(read)) },
    opts.consistent,
  );
  if (reply.code !== 0) failed(reply);
  return JSON.parse(reply.aux.toString('utf8')) as RangeResult;
}

function pageResponse(table: TableInfo, opts: ReadOptions, items: string[], count: number, scanned: number, bytes: number, lastKey: Item | undefined): string {
  const parts: string[] = [];
  if (opts.select !== 'COUNT') parts.push(`"Items":[${items.join(',')}]`);
  parts.push(`"Count":${count}`, `"ScannedCount":${scanned}`);
  if (lastKey) parts.push(`"LastEvaluatedKey":${JSON.stringify(lastKey)}`);
  const capacity = consumedCapacity(opts.returnConsumed, table.name, readUnits(bytes, opts.consistent));
  if (capacity) parts.push(`"ConsumedCapacity":${JSON.stringify(capacity.ConsumedCapacity)}`);
  return `{${parts.join(',')}}`;
}

export const query: Operation = async (ctx, body) => {
  const tableName = optionalString(body.TableName);
  const errors = new ParamErrors();
  errors.tableName('tableName', tableName);
  errors.throwIfAny();
  refuseIndex(body);
  const scope = expressionScope(body, ['KeyConditionExpression', 'FilterExpression', 'ProjectionExpression'], ['KeyConditions', 'QueryFilter', 'AttributesToGet']);
  const forward = optionalBoolean(body.ScanIndexForward) !== false;
  const startKeyIn = optionalObject(body.ExclusiveStartKey, 'ExclusiveStartKey');
  const keyText = optionalString(body.KeyConditionExpression);
  const legacyKey = optionalObject(body.KeyConditions, 'KeyConditions');
  if (keyText === undefined && !legacyKey) throw validation('Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.');
  const table = await ctx.tables.get(tableName!);
  const condition = keyText !== undefined ? parseKeyCondition(keyText, scope, table.keys) : keyConditionFromLegacy(legacyKey!, table.keys);
  const opts = readOptions(body, scope, 'QueryFilter');
  scope.finish();
  if (opts.filter) {
    // A Query's filter may only test non-key attributes (the key condition handles the key).
    const keyName = conditionAttributes(opts.filter).find((n) => n === table.keys.hashName || n === table.keys.rangeName);
    if (keyName !== undefined) {
      const which = body.QueryFilter !== undefined && body.QueryFilter !== null ? 'QueryFilter' : 'Filter Expression';
      throw validation(`${which} can only contain non-primary key attributes: Primary key attribute: ${keyName}`);
    }
  }
  const { hashEncoded, bounds } = keyConditionBounds(table.keys, condition);
  if (startKeyIn) {
    const start = keyArgument(table.keys, validateItemValues(startKeyIn));
    if (!start.encoded.subarray(0, hashEncoded.length).equals(hashEncoded)) {
      throw validation('The provided starting key is invalid: The provided key element does not match the schema');
    }
    if (forward) {
      bounds.gt = start.encoded;
      bounds.gte = undefined;
    } else {
      bounds.lt = start.encoded;
      bounds.lte = undefined;
    }
  }
  const { vnode } = locatePartition(table.name, hashKeyBytes(table.keys.hashType, condition.hash), ctx.routing.vnodeCount);
  const page = await readPage(ctx, table, vnode, bounds, !forward, opts, opts.limit ?? Number.MAX_SAFE_INTEGER, PAGE_BYTES);
  const lastKey = page.lastKey ? decodeKey(table.keys, Buffer.from(page.lastKey, 'base64')) : undefined;
  return pageResponse(table, opts, page.items, page.count, page.scannedCount, page.scannedBytes, lastKey);
};

export const scan: Operation = async (ctx, body) => {
  const tableName = optionalString(body.TableName);
  const segment = optionalInteger(body.Segment);
  const total = optionalInteger(body.TotalSegments);
  const errors = new ParamErrors();
  errors.tableName('tableName', tableName);
  errors.range('segment', segment, 0, 999_999);
  errors.range('totalSegments', total, 1, 1_000_000);
  errors.throwIfAny();
  refuseIndex(body);
  if (segment !== undefined && total === undefined) throw validation('The TotalSegments parameter is required but was not present in the request when Segment parameter is present');
  if (total !== undefined && segment === undefined) throw validation('The Segment parameter is required but was not present in the request when parameter TotalSegments is present');
  if (segment !== undefined && total !== undefined && segment >= total) {
    throw validation(`The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: ${segment} is not less than TotalSegments: ${total}`);
  }
  const scope = expressionScope(body, ['FilterExpression', 'ProjectionExpression'], ['ScanFilter', 'AttributesToGet']);
  const opts = readOptions(body, scope, 'ScanFilter');
  scope.finish();
  const startKeyIn = optionalObject(body.ExclusiveStartKey, 'ExclusiveStartKey');
  const table = await ctx.tables.get(tableName!);
  // A segment is a contiguous run of vnodes; together the segments cover every vnode once.
  const vnodes = ctx.routing.vnodeCount;
  const parts = total ?? 1;
  const seg = segment ?? 0;
  let vnode = Math.floor((seg * vnodes) / parts);
  const end = Math.floor(((seg + 1) * vnodes) / parts);
  let after: Buffer | undefined;
  if (startKeyIn) {
    const start = keyArgument(table.keys, validateItemValues(startKeyIn));
    vnode = locatePartition(table.name, start.hashBytes, vnodes).vnode;
    if (vnode < Math.floor((seg * vnodes) / parts) || vnode >= end) throw validation('The provided starting key is invalid: The provided key element does not match the schema');
    after = start.encoded;
  }
  const items: string[] = [];
  let count = 0;
  let scanned = 0;
  let bytes = 0;
  let limit = opts.limit ?? Number.MAX_SAFE_INTEGER;
  while (vnode < end) {
    // Without a Limit, read several vnodes at once, each with its share of the page budget, so a
    // scan of a small table does not pay one round trip per vnode in sequence. With a Limit, read
    // one vnode at a time so the count is exact.
    const width = opts.limit === undefined ? Math.min(SCAN_WINDOW, end - vnode) : 1;
    const budget = Math.floor((PAGE_BYTES - bytes) / width);
    const pages = await Promise.all(
      Array.from({ length: width }, (_, i) => readPage(ctx, table, vnode + i, i === 0 && after ? { gt: after } : {}, false, opts, limit, budget)),
    );
    for (const page of pages) {
      for (const item of page.items) items.push(item);
      count += page.count;
      scanned += page.scannedCount;
      bytes += page.scannedBytes;
      limit -= page.scannedCount;
      if (page.lastKey) {
        const lastKey = decodeKey(table.keys, Buffer.from(page.lastKey, 'base64'));
        return pageResponse(table, opts, items, count, scanned, bytes, lastKey);
      }
    }
    vnode += width;
    after = undefined;
  }
  return pageResponse(table, opts, items, count, scanned, bytes, undefined);
};
