import type { ManagedClient } from '@ringdb/runtime';
import type { Routing } from '../routing.js';
import type { TableCache } from '../table-cache.js';

/** What every operation handler may use. */
export interface RouterContext {
  membership: ManagedClient;
  tables: TableCache;
  routing: Routing;
}

/** A handler gets the parsed JSON body and returns the response body (a JSON string). */
export type Operation = (ctx: RouterContext, body: Record<string, unknown>) => Promise<string>;
