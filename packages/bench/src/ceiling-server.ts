#!/usr/bin/env node
import http from 'node:http';
import { parseArgs } from 'node:util';
import { serveAsChild } from './child-server.js';

/**
 * The ceiling for this machine and load generator, not a database: a bare Node HTTP server that
 * reads and parses each JSON body and answers from in-memory Maps, with just enough of the API for
 * the benchmark workloads (tables exist once created; PutItem, BatchWriteItem, GetItem, and Query
 * of one whole partition by its key). No validation, no persistence, no expressions. What it
 * reaches in ops/s and in p99 at half of its peak is what any server here can at best reach.
 * Listens on 127.0.0.1 only and exits when its parent goes away. Prints `listening <port>`.
 *
 *   node packages/bench/dist/ceiling-server.js --port <port>
 */
const { values } = parseArgs({ options: { port: { type: 'string' } }, strict: true });
if (!values.port) {
  process.stderr.write('usage: ceiling-server --port <port>\n');
  process.exit(2);
}

type Attr = Record<string, unknown>;
type Item = Record<string, Attr>;
interface Table {
  keySchema: { AttributeName: string; KeyType: string }[];
  /** Partition key -> sort key ('' without one) -> item. */
  items: Map<string, Map<string, Item>>;
}
const tables = new Map<string, Table>();

/** The string form of a key attribute value ({"S": "x"} -> "x"). */
const keyPart = (v: Attr | undefined): string => (v ? String(Object.values(v)[0]) : '');

function put(t: Table, item: Item): void {
  const pk = keyPart(item[t.keySchema[0].AttributeName]);
  const sk = t.keySchema[1] ? keyPart(item[t.keySchema[1].AttributeName]) : '';
  let partition = t.items.get(pk);
  if (!partition) t.items.set(pk, (partition = new Map()));
  partition.set(sk, item);
}

class ApiError extends Error {
  constructor(readonly type: string) {
    super(type);
  }
}

function table(name: unknown): Table {
  const t = tables.get(String(name));
  if (!t) throw new ApiError('ResourceNotFoundException');
  return t;
}

function answer(op: string, body: Record<string, unknown>): unknown {
  switch (op) {
    case 'ListTables':
      return { TableNames: [...tables.keys()] };
    case 'CreateTable': {
      const name = String(body.TableName);
      if (tables.has(name)) throw new ApiError('ResourceInUseException');
      tables.set(name, { keySchema: body.KeySchema as Table['keySchema'], items: new Map() });
      return { TableDescription: { TableName: name, TableStatus: 'ACTIVE', KeySchema: body.KeySchema } };
    }
    case 'DescribeTable': {
      const t = table(body.TableName);
      return { Table: { TableName: body.TableName, TableStatus: 'ACTIVE', KeySchema: t.keySchema } };
    }
    case 'PutItem':
      put(table(body.TableName), body.Item as Item);
      return {};
    case 'BatchWriteItem':
      for (const [name, requests] of Object.entries(body.RequestItems as Record<string, { PutRequest?: { Item: Item } }[]>)) {
        const t = table(name);
        for (const r of requests) if (r.PutRequest) put(t, r.PutRequest.Item);
      }
      return { UnprocessedItems: {} };
    case 'GetItem': {
      const t = table(body.TableName);
      const key = body.Key as Item;
      const sk = t.keySchema[1] ? keyPart(key[t.keySchema[1].AttributeName]) : '';
      const item = t.items.get(keyPart(key[t.keySchema[0].AttributeName]))?.get(sk);
      return item ? { Item: item } : {};
    }
    case 'Query': {
      // The partition key's value is the (only) expression attribute value: `pk = :p`.
      const t = table(body.TableName);
      const pk = keyPart(Object.values(body.ExpressionAttributeValues as Record<string, Attr>)[0]);
      const items = [...(t.items.get(pk)?.values() ?? [])];
      return { Items: items, Count: items.length, ScannedCount: items.length };
    }
    default:
      throw new ApiError('UnknownOperationException');
  }
}

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let status = 200;
    let out: string;
    try {
      if (req.method !== 'POST') {
        out = 'healthy';
      } else {
        const op = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
        out = JSON.stringify(answer(op, JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>));
      }
    } catch (err) {
      status = 400;
      const type = err instanceof ApiError ? err.type : 'SerializationException';
      out = JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message: type });
    }
    res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.0', 'Content-Length': Buffer.byteLength(out) });
    res.end(out);
  });
});
server.keepAliveTimeout = 65_000;
serveAsChild(server, Number(values.port));
