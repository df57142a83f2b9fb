import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { crc32, gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { DynamoDBError, coral, internalError, isDynamoDBError } from '@ringdb/core';
import type { Logger } from '@ringdb/runtime';
import type { Operation, RouterContext } from './operations/context.js';

const MAX_BODY_BYTES = 32 * 1024 * 1024;
const gunzipAsync = promisify(gunzip);

/** Browsers may call the API directly: every answer allows any origin and exposes DynamoDB's headers. */
const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'x-amzn-RequestId,x-amzn-ErrorType,x-amz-crc32,Date',
};
const TARGET_PREFIX = 'DynamoDB_20120810.';

/**
 * The DynamoDB JSON-over-HTTP front door: POST with `X-Amz-Target: DynamoDB_20120810.<Op>` and a
 * JSON body; answers JSON with `x-amzn-RequestId` and `x-amz-crc32`, and DynamoDB's error shape
 * (`__type`, `message`) and status codes.
 */
/** Called once per API request with its operation, outcome (`success` or the error type) and sizes. */
export type RequestObserver = (operation: string, outcome: string, seconds: number, bytesIn: number, bytesOut: number) => void;

export function createHttpServer(ctx: RouterContext, operations: Record<string, Operation>, log: Logger, observe?: RequestObserver): http.Server {
  const server = http.createServer((req, res) => {
    const requestId = randomUUID();
    const started = process.hrtime.bigint();
    if (req.method === 'GET' && (req.url === '/' || req.url === '')) {
      send(res, requestId, 200, 'healthy: dynamodb.us-east-1.amazonaws.com ', 'text/plain');
      return;
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(200, {
        ...CORS_HEADERS,
        'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
        'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] ?? '*',
        'Access-Control-Max-Age': '172800',
        'x-amzn-RequestId': requestId,
        'Content-Length': '0',
      });
      res.end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(c);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      const name = operationName(req);
      const operation = Object.hasOwn(operations, name) ? name : 'unknown'; // bounded label values
      const done = (outcome: string, bytesOut: number) =>
        observe?.(operation, outcome, Number(process.hrtime.bigint() - started) / 1e9, size, bytesOut);
      handle(ctx, operations, req, tooLarge ? null : Buffer.concat(chunks), log).then(
        (out) => done('success', send(res, requestId, 200, out)),
        (err: unknown) => {
          const e = isDynamoDBError(err) ? err : internalError();
          if (!isDynamoDBError(err)) log.error('request failed', { error: err as Error, stack: (err as Error)?.stack });
          done(e.type, send(res, requestId, e.status, JSON.stringify({ __type: e.wireType, message: e.message, ...e.extra })));
        },
      );
    });
  });
  server.keepAliveTimeout = 65_000;
  return server;
}

async function handle(
  ctx: RouterContext,
  operations: Record<string, Operation>,
  req: http.IncomingMessage,
  raw: Buffer | null,
  log: Logger,
): Promise<string> {
  if (req.method !== 'POST') throw coral('UnknownOperationException', 'Only POST requests are supported');
  const opName = operationName(req);
  const op = Object.hasOwn(operations, opName) ? operations[opName] : undefined;
  if (!op) throw coral('UnknownOperationException', '');
  if (!req.headers.authorization && !/X-Amz-Credential=/i.test(req.url ?? '')) {
    throw new DynamoDBError('MissingAuthenticationTokenException', 'Request is missing Authentication Token');
  }
  if (raw === null) throw new DynamoDBError('RequestEntityTooLarge', 'Request entity too large', 413);
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && /gzip/i.test(encoding)) {
    try {
      raw = await gunzipAsync(raw, { maxOutputLength: MAX_BODY_BYTES });
    } catch {
      throw coral('SerializationException', 'The request body could not be decompressed (Content-Encoding: gzip)');
    }
  }
  let body: unknown;
  try {
    body = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
  } catch {
    throw coral('SerializationException', 'Start of structure or map found where not expected.');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw coral('SerializationException', 'Start of structure or map found where not expected.');
  }
  log.debug('request', { op: opName });
  return op(ctx, body as Record<string, unknown>);
}

function operationName(req: http.IncomingMessage): string {
  const target = req.headers['x-amz-target'];
  return typeof target === 'string' && target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
}

/** Writes a response; returns its body size. Headers go as a flat list (no per-response header object). */
function send(res: http.ServerResponse, requestId: string, status: number, body: string, contentType = 'application/x-amz-json-1.0'): number {
  const buf = Buffer.from(body, 'utf8');
  res.writeHead(status, [
    'Access-Control-Allow-Origin', CORS_HEADERS['Access-Control-Allow-Origin'],
    'Access-Control-Expose-Headers', CORS_HEADERS['Access-Control-Expose-Headers'],
    'Content-Type', contentType,
    'Content-Length', String(buf.length),
    'x-amzn-RequestId', requestId,
    'x-amz-crc32', String(crc32(buf)),
  ]);
  res.end(buf);
  return buf.length;
}
