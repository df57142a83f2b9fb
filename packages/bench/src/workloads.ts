import { randomBytes } from 'node:crypto';
import { DynamoError, type DynamoHttp } from './http-load.js';

export type Op = 'put' | 'get' | 'query' | 'mix';
export const OPS: readonly Op[] = ['put', 'get', 'query', 'mix'];

/** Items per partition in the query table: one Query reads one whole partition. */
export const QUERY_PARTITION_ITEMS = 10;

export interface WorkloadSpec {
  op: Op;
  table: string;
  keys: number; // key space: items for put/get/mix; items (keys / 10 partitions) for query
  itemBytes: number;
}

export const defaultTable = (op: Op): string => (op === 'query' ? 'bench_query' : 'bench_kv');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Fixed-width keys, so every request body of an operation has one length and one header object. */
const KEY_DIGITS = 10;
const kvKey = (i: number) => 'k' + String(i).padStart(KEY_DIGITS, '0');
const partitionKey = (p: number) => 'p' + String(p).padStart(KEY_DIGITS, '0');
const sortKey = (s: number) => 's' + String(s).padStart(2, '0');
export const partitions = (spec: WorkloadSpec) => Math.max(1, Math.ceil(spec.keys / QUERY_PARTITION_ITEMS));

/** A string attribute value filling the item up to about `itemBytes` (DynamoDB's size rules). */
export function makePayload(spec: WorkloadSpec): string {
  const overhead = 'pk'.length + 1 + KEY_DIGITS + 'data'.length + (spec.op === 'query' ? 'sk'.length + 3 : 0);
  const n = Math.max(1, spec.itemBytes - overhead);
  return randomBytes(Math.ceil((n * 3) / 4) + 3).toString('base64').replace(/[+/=]/g, 'x').slice(0, n);
}

/**
 * One request body with a fixed-width key slot that is rewritten in place before each send. Each
 * worker owns its templates and has one request in flight, so the Buffer is never shared while the
 * socket may still be writing it: no allocation per request.
 */
export class BodyTemplate {
  readonly buf: Buffer;
  private readonly offset: number;

  constructor(readonly operation: string, request: unknown, placeholder: string) {
    const text = JSON.stringify(request);
    this.buf = Buffer.from(text, 'utf8');
    const at = this.buf.indexOf(placeholder);
    if (at < 0) throw new Error(`placeholder ${placeholder} missing from ${operation}`);
    this.offset = at + 1; // after the 'k' or 'p' prefix
  }

  /** Writes `n` as KEY_DIGITS zero-padded decimal digits into the key slot. */
  setKey(n: number): Buffer {
    const b = this.buf;
    for (let i = this.offset + KEY_DIGITS - 1; i >= this.offset; i--) {
      b[i] = 48 + (n % 10);
      n = Math.floor(n / 10);
    }
    return b;
  }
}

export interface WorkerTemplates {
  put?: BodyTemplate;
  get?: BodyTemplate;
  query?: BodyTemplate;
}

/** Builds one worker's request templates for the workload. */
export function templatesFor(spec: WorkloadSpec, data: string): WorkerTemplates {
  const slot = kvKey(0);
  const t: WorkerTemplates = {};
  if (spec.op === 'put' || spec.op === 'mix') {
    t.put = new BodyTemplate('PutItem', { TableName: spec.table, Item: { pk: { S: slot }, data: { S: data } } }, slot);
  }
  if (spec.op === 'get' || spec.op === 'mix') {
    t.get = new BodyTemplate('GetItem', { TableName: spec.table, Key: { pk: { S: slot } } }, slot);
  }
  if (spec.op === 'query') {
    const p = partitionKey(0);
    t.query = new BodyTemplate('Query', {
      TableName: spec.table,
      KeyConditionExpression: 'pk = :p',
      ExpressionAttributeValues: { ':p': { S: p } },
    }, p);
  }
  return t;
}

/** Creates the table if missing (PAY_PER_REQUEST), waits until ACTIVE and checks its key schema. */
export async function ensureTable(client: DynamoHttp, spec: WorkloadSpec, timeoutMs = 90_000): Promise<void> {
  const withSort = spec.op === 'query';
  const deadline = Date.now() + timeoutMs;
  const request = {
    TableName: spec.table,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, ...(withSort ? [{ AttributeName: 'sk', AttributeType: 'S' }] : [])],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, ...(withSort ? [{ AttributeName: 'sk', KeyType: 'RANGE' }] : [])],
  };
  for (;;) {
    try {
      await client.json('CreateTable', request);
      break;
    } catch (err) {
      if (err instanceof DynamoError && err.type === 'ResourceInUseException') break;
      if (Date.now() > deadline) throw err;
      await sleep(250);
    }
  }
  for (;;) {
    try {
      const d = (await client.json('DescribeTable', { TableName: spec.table })).Table as
        { TableStatus?: string; KeySchema?: { AttributeName: string; KeyType: string }[] };
      const schema = (d.KeySchema ?? []).map((k) => `${k.AttributeName}:${k.KeyType}`).join(',');
      const want = withSort ? 'pk:HASH,sk:RANGE' : 'pk:HASH';
      if (schema !== want) throw new Error(`table ${spec.table} has key schema ${schema}, the ${spec.op} workload needs ${want}`);
      if (d.TableStatus === 'ACTIVE') return;
    } catch (err) {
      if (!(err instanceof DynamoError) || Date.now() > deadline) throw err;
    }
    await sleep(100);
  }
}

/**
 * Loads every key the measured reads will ask for (get, mix: all `keys` items; query: every
 * partition with its 10 items) with BatchWriteItem of 25, re-sending unprocessed items and retrying
 * errors (a cluster that just started may refuse for a moment). Put needs no preload.
 */
export async function preload(
  client: DynamoHttp,
  spec: WorkloadSpec,
  concurrency: number,
  progress: (done: number, total: number) => void,
  timeoutMs = 180_000,
): Promise<number> {
  if (spec.op === 'put') return 0;
  const data = makePayload(spec);
  const total = spec.op === 'query' ? partitions(spec) * QUERY_PARTITION_ITEMS : spec.keys;
  const item = (i: number) =>
    spec.op === 'query'
      ? { pk: { S: partitionKey(Math.floor(i / QUERY_PARTITION_ITEMS)) }, sk: { S: sortKey(i % QUERY_PARTITION_ITEMS) }, data: { S: data } }
      : { pk: { S: kvKey(i) }, data: { S: data } };
  const deadline = Date.now() + timeoutMs;
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < total) {
      const from = next;
      next = Math.min(total, next + 25);
      let requests: unknown[] = [];
      for (let i = from; i < next; i++) requests.push({ PutRequest: { Item: item(i) } });
      while (requests.length > 0) {
        try {
          const out = await client.json('BatchWriteItem', { RequestItems: { [spec.table]: requests } });
          const left = (out.UnprocessedItems as Record<string, unknown[]> | undefined)?.[spec.table] ?? [];
          done += requests.length - left.length;
          requests = left;
          if (left.length > 0) await sleep(20);
        } catch (err) {
          if (err instanceof DynamoError && err.type === 'ValidationException') throw err;
          if (Date.now() > deadline) throw new Error(`preload failed: ${(err as Error).message}`);
          await sleep(200);
        }
      }
      progress(done, total);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, 16)) }, worker));
  return total;
}
