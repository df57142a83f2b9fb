import { evaluateCondition, project, type Condition, type Item, type Path } from '@ringdb/core';
import type { StorageEngine } from './engine.js';
import { itemValueJson, itemValueSize, tableRange } from './keyspace.js';

/** One page of a Query or Scan over one vnode's share of a table (bounds are encoded primary keys). */
export interface RangeRead {
  gte?: string; // base64
  gt?: string;
  lte?: string;
  lt?: string;
  reverse: boolean;
  /** Items to examine at most (DynamoDB's Limit counts items read, before the filter). */
  limit: number;
  /** Stop once this many bytes of items were read (DynamoDB's 1 MB page). */
  maxBytes: number;
  filter?: Condition;
  projection?: Path[];
  countOnly?: boolean;
}

export interface RangeResult {
  items: string[];
  count: number;
  scannedCount: number;
  scannedBytes: number;
  /** Encoded primary key (base64) of the last item read, when the page stopped early. */
  lastKey?: string;
}

const CHUNK = 256;

/** Adds one read item to the page unless the filter drops it; projects it if asked. */
function collect(out: RangeResult, json: Buffer, read: RangeRead): void {
  let item: Item | undefined;
  if (read.filter) {
    item = JSON.parse(json.toString('utf8')) as Item;
    if (!evaluateCondition(read.filter, item)) return;
  }
  out.count++;
  if (read.countOnly) return;
  if (read.projection) {
    item ??= JSON.parse(json.toString('utf8')) as Item;
    out.items.push(JSON.stringify(project(item, read.projection)));
  } else {
    out.items.push(json.toString('utf8'));
  }
}

export async function readRange(engine: StorageEngine, tableId: Buffer, vnode: number, read: RangeRead): Promise<RangeResult> {
  const base = tableRange(tableId, vnode);
  const prefix = base.gte;
  const abs = (b64: string | undefined): Buffer | undefined => (b64 === undefined ? undefined : Buffer.concat([prefix, Buffer.from(b64, 'base64')]));
  let gte: Buffer | undefined = abs(read.gte);
  let gt: Buffer | undefined = abs(read.gt);
  let lte: Buffer | undefined = abs(read.lte);
  let lt: Buffer | undefined = abs(read.lt);
  if (!gte && !gt) gte = prefix;
  if (!lte && !lt) lt = base.lt;
  const out: RangeResult = { items: [], count: 0, scannedCount: 0, scannedBytes: 0 };
  let lastKey: Buffer | undefined;
  for (;;) {
    const want = Math.min(CHUNK, read.limit - out.scannedCount);
    if (want <= 0) break;
    const rows = await engine.range({ gte, gt, lte, lt, reverse: read.reverse, limit: want });
    for (const [key, value] of rows) {
      out.scannedCount++;
      out.scannedBytes += itemValueSize(value);
      lastKey = key;
      collect(out, itemValueJson(value), read);
      if (out.scannedBytes >= read.maxBytes) break;
    }
    const pageFull = out.scannedCount >= read.limit || out.scannedBytes >= read.maxBytes;
    if (pageFull) {
      if (lastKey) out.lastKey = lastKey.subarray(prefix.length).toString('base64');
      break;
    }
    if (rows.length < want) break; // the range is exhausted
    if (read.reverse) {
      lt = lastKey;
      lte = undefined;
    } else {
      gt = lastKey;
      gte = undefined;
    }
  }
  return out;
}
