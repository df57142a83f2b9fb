import http from 'node:http';
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';
import type { Logger } from './log.js';

/** A metrics registry for one process, with prom-client's default Node process metrics. */
export function createRegistry(role: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ role });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * An unlabelled counter whose value is read from `total` when Prometheus scrapes (for totals a
 * component already keeps, so its hot path updates a plain number instead of a metric).
 */
export function counterOf(registry: Registry, name: string, help: string, total: () => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(total());
    },
  });
}

export interface AdminServerOptions {
  host: string;
  port: number;
  registry: Registry;
  /** Readiness: false while the process cannot serve yet (e.g. no placement). */
  ready?: () => boolean;
  log: Logger;
}

/**
 * The admin HTTP port every RingDB process serves: `GET /metrics` (Prometheus text format),
 * `GET /health` (liveness) and `GET /ready` (readiness, 503 until ready).
 */
export async function startAdminServer(options: AdminServerOptions): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    if (req.method !== 'GET') {
      res.writeHead(405).end();
      return;
    }
    if (url === '/metrics') {
      options.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'Content-Type': options.registry.contentType });
          res.end(text);
        },
        (err) => {
          options.log.error('metrics collection failed', { error: err as Error });
          res.writeHead(500).end();
        },
      );
      return;
    }
    if (url === '/health') {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok\n');
      return;
    }
    if (url === '/ready') {
      const ready = options.ready ? options.ready() : true;
      res.writeHead(ready ? 200 : 503, { 'Content-Type': 'text/plain' }).end(ready ? 'ready\n' : 'not ready\n');
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  options.log.info('admin server listening', { host: options.host, adminPort: port });
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
