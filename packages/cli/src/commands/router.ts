import { Router } from '@ringdb/router';
import { createLogger } from '@ringdb/runtime';
import { env, parse, stopOnSignal } from '../args.js';

const HELP = `
Usage: ringdb router [options]

Runs a request router: the DynamoDB HTTP API, routing each key to its vnode's replicas.

Options:
  --host <host>               HTTP listen host (env RINGDB_HOST, default 127.0.0.1)
  --port <port>               HTTP listen port (env RINGDB_PORT, default 8000)
  --membership <host:port>    membership service (env RINGDB_MEMBERSHIP, default 127.0.0.1:7000)
  --admin-port <port>         /metrics, /health, /ready (env RINGDB_ADMIN_PORT, default 9101; 0 = any free port)
  -h, --help                  show this help
`;

export async function routerCommand(argv: string[]): Promise<void> {
  const { values } = parse(argv, { host: { type: 'string' }, port: { type: 'string' }, membership: { type: 'string' }, 'admin-port': { type: 'string' } }, HELP);
  const log = createLogger({ role: 'router' });
  const router = new Router({
    host: (values.host as string) ?? env('RINGDB_HOST', '127.0.0.1'),
    port: Number((values.port as string) ?? env('RINGDB_PORT', '8000')),
    membership: (values.membership as string) ?? env('RINGDB_MEMBERSHIP', '127.0.0.1:7000'),
    adminPort: Number((values['admin-port'] as string) ?? env('RINGDB_ADMIN_PORT', '9101')),
    log,
  });
  await router.start();
  await stopOnSignal(() => router.stop(), log);
}
