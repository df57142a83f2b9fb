import { Client, type Dispatcher } from 'undici';

/**
 * A minimal DynamoDB JSON-over-HTTP client for load generation: undici `Client`s (one keep-alive
 * connection each, no pipelining) driven through `dispatch` with a handler object, request bodies
 * passed in as ready Buffers, header lists built once per operation. The AWS SDK costs about 430 us
 * of CPU per call and node:http's client about 200 us, more than the servers under test; this costs
 * about 60-80 us here, so one load-generator process can drive a bare Node HTTP server to ~15k
 * requests/s on two cores.
 *
 * Requests carry a well-formed but unverified SigV4 `Authorization` header and `X-Amz-Date`:
 * RingDB only requires the header, dynalite checks its form (Credential with five parts, scope
 * date matching X-Amz-Date, SignedHeaders, a Signature) but not the signature itself.
 */
const AMZ_DATE = '20240101T000000Z';
const AUTHORIZATION =
  'AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/dynamodb/aws4_request, ' +
  'SignedHeaders=host;x-amz-date;x-amz-target, Signature=' + '0123456789abcdef'.repeat(4);

export interface CallResult {
  status: number; // HTTP status, 0 for a network error or timeout
  bytes: number; // response body size
  /** The DynamoDB error type (after the '#') or the network error code; '' on success. */
  errorType: string;
  /** The response body, kept only when asked for or on errors. */
  body?: string;
}

/** Undici's timeout errors, reported as 'Timeout' like any request that took too long. */
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** One request's response handler (undici's dispatch handler interface). */
class ResponseCollector implements Dispatcher.DispatchHandler {
  private status = 0;
  private bytes = 0;
  private keep: boolean;
  private chunks: Buffer[] | null = null;
  private settled = false;

  constructor(keepBody: boolean, private readonly done: (r: CallResult) => void) {
    this.keep = keepBody;
  }

  private finish(r: CallResult): void {
    if (this.settled) return;
    this.settled = true;
    this.done(r);
  }

  /** Its presence tells undici this handler uses the current handler interface. */
  onRequestStart(): void {}

  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number): void {
    this.status = statusCode;
    if (statusCode !== 200) this.keep = true;
    if (this.keep) this.chunks = [];
  }

  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    this.bytes += chunk.length;
    this.chunks?.push(chunk);
  }

  onResponseEnd(): void {
    const { status, bytes } = this;
    if (!this.chunks) return this.finish({ status, bytes, errorType: '' });
    const text = Buffer.concat(this.chunks).toString('utf8');
    this.finish({ status, bytes, errorType: status === 200 ? '' : errorTypeOf(status, text), body: text });
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    const code = (err as NodeJS.ErrnoException).code ?? 'RequestError';
    this.finish({ status: 0, bytes: this.bytes, errorType: TIMEOUT_CODES.has(code) ? 'Timeout' : code });
  }
}

export class DynamoHttp {
  private readonly clients: Client[] = [];
  private readonly free: Client[] = [];
  private readonly waiting: ((c: Client) => void)[] = [];
  private readonly headers = new Map<string, string[]>();

  constructor(endpoint: string, sockets: number, timeoutMs = 10_000) {
    const origin = new URL(endpoint).origin;
    for (let i = 0; i < Math.max(1, sockets); i++) {
      const c = new Client(origin, { pipelining: 1, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, connectTimeout: timeoutMs });
      this.clients.push(c);
      this.free.push(c);
    }
  }

  private headersFor(operation: string): string[] {
    let h = this.headers.get(operation);
    if (!h) {
      h = [
        'content-type', 'application/x-amz-json-1.0',
        'x-amz-target', `DynamoDB_20120810.${operation}`,
        'x-amz-date', AMZ_DATE,
        'authorization', AUTHORIZATION,
      ];
      if (this.headers.size < 1000) this.headers.set(operation, h);
    }
    return h;
  }

  /** A connection with no request in flight (waits for one when all are busy). */
  private acquire(): Client | Promise<Client> {
    return this.free.pop() ?? new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(c: Client): void {
    const next = this.waiting.shift();
    if (next) next(c);
    else this.free.push(c);
  }

  /**
   * Sends one operation; never rejects (errors come back as `errorType`). The body Buffer must not
   * change until the returned promise settles.
   */
  async call(operation: string, body: Buffer, keepBody = false): Promise<CallResult> {
    const got = this.acquire();
    const client = got instanceof Client ? got : await got;
    return new Promise((resolve) => {
      const finish = (r: CallResult) => {
        this.release(client);
        resolve(r);
      };
      try {
        client.dispatch({ path: '/', method: 'POST', headers: this.headersFor(operation), body }, new ResponseCollector(keepBody, finish));
      } catch (err) {
        finish({ status: 0, bytes: 0, errorType: (err as NodeJS.ErrnoException).code ?? 'RequestError' });
      }
    });
  }

  /** Calls and parses the JSON answer; throws on any error (for setup, not for measured traffic). */
  async json(operation: string, request: unknown): Promise<Record<string, unknown>> {
    const r = await this.call(operation, Buffer.from(JSON.stringify(request)), true);
    if (r.errorType) throw new DynamoError(r.errorType, `${operation}: ${r.errorType} ${r.body ?? ''}`.trim());
    return JSON.parse(r.body ?? '{}') as Record<string, unknown>;
  }

  close(): void {
    for (const c of this.clients) void c.destroy().catch(() => undefined);
  }
}
export class DynamoError extends Error {
  constructor(readonly type: string, message: string) {
    super(message);
  }
}

function errorTypeOf(status: number, text: string): string {
  try {
    const t = (JSON.parse(text) as { __type?: unknown }).__type;
    if (typeof t === 'string') return t.slice(t.lastIndexOf('#') + 1);
  } catch {
    // not JSON
  }
  return `HTTP${status}`;
}
