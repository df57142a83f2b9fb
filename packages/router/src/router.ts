import type http from 'node:http';
import { createRegistry, membershipClient, startAdminServer, watchCluster, type Logger, type ManagedClient } from '@ringdb/runtime';
import { RouterMetrics } from './router-metrics.js';
import { createHttpServer } from './http-server.js';
import type { Operation, RouterContext } from './operations/context.js';
import { batchGetItem, batchWriteItem } from './operations/batch-operations.js';
import { deleteItem, getItem, putItem, updateItem } from './operations/item-operations.js';
import { query, scan } from './operations/range-operations.js';
import { describeEndpoints, listTagsOfResource, tagResource, untagResource } from './operations/tag-operations.js';
import { createTable, deleteTable, describeTable, listTables } from './operations/table-operations.js';
import { Routing } from './routing.js';
import { TableCache } from './table-cache.js';

export interface RouterOptions {
  host: string;
  port: number;
  membership: string;
  /** Admin HTTP port for /metrics, /health and /ready (0 picks a free port). */
  adminPort: number;
  log: Logger;
}

/**
 * An item operation hashes keys onto the ring, so it waits for the router's first placement (only
 * right after the router started); afterwards it runs at once, without an extra promise.
 */
function placed(op: Operation): Operation {
  return (ctx, body) => (ctx.routing.hasPlacement ? op(ctx, body) : ctx.routing.whenPlaced().then(() => op(ctx, body)));
}

export const OPERATIONS: Record<string, Operation> = {
  CreateTable: createTable,
  DescribeTable: describeTable,
  DeleteTable: deleteTable,
  ListTables: listTables,
  PutItem: placed(putItem),
  GetItem: placed(getItem),
  DeleteItem: placed(deleteItem),
  UpdateItem: placed(updateItem),
  Query: placed(query),
  Scan: placed(scan),
  BatchGetItem: placed(batchGetItem),
  BatchWriteItem: placed(batchWriteItem),
  TagResource: tagResource,
  UntagResource: untagResource,
  ListTagsOfResource: listTagsOfResource,
};

/** A stateless request router: DynamoDB HTTP in, batched gRPC streams to storage nodes out. */
export class Router {
  port = 0;
  private server!: http.Server;
  private membership!: ManagedClient;
  private watch: { stop(): void } | undefined;
  private routing!: Routing;
  private admin: { port: number; close(): Promise<void> } | undefined;
  adminPort = 0;

  constructor(private readonly options: RouterOptions) {}

  async start(): Promise<void> {
    const { options } = this;
    this.membership = membershipClient(options.membership);
    const registry = createRegistry('router');
    let routing: Routing | undefined;
    const metrics = new RouterMetrics(registry, () => routing?.placementVersion ?? 0);
    this.routing = routing = new Routing(options.log, () => metrics.retries.inc());
    const tables = new TableCache(this.membership);
    const ctx: RouterContext = { membership: this.membership, tables, routing: this.routing };
    this.watch = watchCluster(
      this.membership,
      'router',
      (state) => {
        tables.update(state.catalogVersion, state.tablesJson);
        this.routing.update(state);
      },
      options.log,
    );
    const operations = { ...OPERATIONS, DescribeEndpoints: describeEndpoints(`${options.host}:${options.port}`) };
    this.server = createHttpServer(ctx, operations, options.log, (op, outcome, seconds, bytesIn, bytesOut) =>
      metrics.observe(op, outcome, seconds, bytesIn, bytesOut),
    );
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(options.port, options.host, () => resolve());
    });
    const addr = this.server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : options.port;
    this.admin = await startAdminServer({ host: options.host, port: options.adminPort, registry, ready: () => this.routing.placementVersion > 0, log: options.log });
    this.adminPort = this.admin.port;
    options.log.info('router listening', { host: options.host, port: this.port });
  }

  async stop(): Promise<void> {
    this.watch?.stop();
    await this.admin?.close();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    this.routing.close();
    this.membership.close();
  }
}
