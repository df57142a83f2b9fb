import http from 'node:http';

/**
 * A minimal DynamoDB JSON-over-HTTP client for load generation: node:http with a keep-alive Agent,
 * request bodies passed in as ready Buffers, header objects built once per operation. The AWS SDK
 * costs about 430 us of CPU per call, more than the servers under test; this costs a fraction.
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

export class DynamoHttp {
  private readonly agent: http.Agent;
  private readonly url: URL;
  private readonly headers = new Map<string, Record<string, string | number>>();

  constructor(endpoint: string, sockets: number, private readonly timeoutMs = 10_000) {
    this.url = new URL(endpoint);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
  }

  private headersFor(operation: string, length: number): Record<string, string | number> {
    const key = `${operation}:${length}`;
    let h = this.headers.get(key);
    if (!h) {
      h = {
        'Content-Type': 'application/x-amz-json-1.0',
        'X-Amz-Target': `DynamoDB_20120810.${operation}`,
        'X-Amz-Date': AMZ_DATE,
        Authorization: AUTHORIZATION,
        'Content-Length': length,
      };
      if (this.headers.size < 1000) this.headers.set(key, h);
    }
    return h;
  }

  /** Sends one operation; never rejects (errors come back as `errorType`). */
  call(operation: string, body: Buffer, keepBody = false): Promise<CallResult> {
    return new Promise((resolve) => {
      let settled = false;
      const finish = (r: CallResult) => {
        if (!settled) {
          settled = true;
          resolve(r);
        }
      };
      const req = http.request(
        {
          agent: this.agent,
          hostname: this.url.hostname,
          port: this.url.port || 80,
          method: 'POST',
          path: '/',
          headers: this.headersFor(operation, body.length),
        },
        (res) => {
          const status = res.statusCode ?? 0;
          const keep = keepBody || status !== 200;
          const chunks: Buffer[] = [];
          let bytes = 0;
          res.on('data', (c: Buffer) => {
            bytes += c.length;
            if (keep) chunks.push(c);
          });
          res.on('end', () => {
            if (!keep) return finish({ status, bytes, errorType: '' });
            const text = Buffer.concat(chunks).toString('utf8');
            finish({ status, bytes, errorType: status === 200 ? '' : errorTypeOf(status, text), body: text });
          });
          res.on('error', (e: NodeJS.ErrnoException) => finish({ status: 0, bytes, errorType: e.code ?? 'ResponseError' }));
        },
      );
      req.setTimeout(this.timeoutMs, () => {
        req.destroy();
        finish({ status: 0, bytes: 0, errorType: 'Timeout' });
      });
      req.on('error', (e: NodeJS.ErrnoException) => finish({ status: 0, bytes: 0, errorType: e.code ?? 'RequestError' }));
      req.end(body);
    });
  }

  /** Calls and parses the JSON answer; throws on any error (for setup, not for measured traffic). */
  async json(operation: string, request: unknown): Promise<Record<string, unknown>> {
    const r = await this.call(operation, Buffer.from(JSON.stringify(request)), true);
    if (r.errorType) throw new DynamoError(r.errorType, `${operation}: ${r.errorType} ${r.body ?? ''}`.trim());
    return JSON.parse(r.body ?? '{}') as Record<string, unknown>;
  }

  close(): void {
    this.agent.destroy();
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
