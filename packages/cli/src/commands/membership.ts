import { MembershipService } from '@ringdb/membership';
import { createLogger } from '@ringdb/runtime';
import { env, parse, stopOnSignal } from '../args.js';

const HELP = `
Usage: ringdb membership [options]

Runs the membership service: node registry, failure detection, vnode placement and the table
catalogue, pushed to routers and storage nodes over gRPC.

Options:
  --listen <host:port>        gRPC address (env RINGDB_MEMBERSHIP_LISTEN, default 127.0.0.1:7000)
  --data-dir <dir>            where state is persisted (env RINGDB_DATA_DIR, default ./data/membership)
  --zones <a,b,c>             the zones; every vnode gets one replica in each (env RINGDB_ZONES,
                              default a,b,c)
  --vnodes <n>                number of vnodes, fixed for the life of the cluster (env RINGDB_VNODES,
                              default 256)
  --leader-zone <zone>        every vnode prefers its replica in this zone as leader (leader
                              affinity; env RINGDB_LEADER_ZONE; default: spread over the zones)
  --failure-timeout-ms <ms>   a node silent this long is reported down (env RINGDB_FAILURE_TIMEOUT_MS,
                              default 3000)
  --region <name>             region used in table ARNs (env AWS_REGION, default us-east-1)
  --admin-port <port>         /metrics, /health, /ready (env RINGDB_ADMIN_PORT, default 9100; 0 = any free port)
  -h, --help                  show this help
`;

export async function membershipCommand(argv: string[]): Promise<void> {
  const { values } = parse(argv, {
    listen: { type: 'string' },
    'data-dir': { type: 'string' },
    zones: { type: 'string' },
    vnodes: { type: 'string' },
    'failure-timeout-ms': { type: 'string' },
    'leader-zone': { type: 'string' },
    region: { type: 'string' },
    'admin-port': { type: 'string' },
  }, HELP);
  const log = createLogger({ role: 'membership' });
  const service = new MembershipService({
    listen: (values.listen as string) ?? env('RINGDB_MEMBERSHIP_LISTEN', '127.0.0.1:7000'),
    dataDir: (values['data-dir'] as string) ?? env('RINGDB_DATA_DIR', './data/membership'),
    zones: ((values.zones as string) ?? env('RINGDB_ZONES', 'a,b,c')).split(',').map((z) => z.trim()).filter(Boolean),
    vnodeCount: Number((values.vnodes as string) ?? env('RINGDB_VNODES', '256')),
    failureTimeoutMs: Number((values['failure-timeout-ms'] as string) ?? env('RINGDB_FAILURE_TIMEOUT_MS', '3000')),
    region: (values.region as string) ?? env('AWS_REGION', 'us-east-1'),
    leaderZone: ((values['leader-zone'] as string) ?? env('RINGDB_LEADER_ZONE', '')) || undefined,
    adminPort: Number((values['admin-port'] as string) ?? env('RINGDB_ADMIN_PORT', '9100')),
    log,
  });
  await service.start();
  await stopOnSignal(() => service.stop(), log);
}
