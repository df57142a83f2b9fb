import { StorageNode, type EngineName } from '@ringdb/storage-node';
import { createLogger } from '@ringdb/runtime';
import { env, flagEnv, optionalEnv, parse, stopOnSignal } from '../args.js';

const HELP = `
Usage: ringdb storage --zone <zone> [options]

Runs a storage node: keeps vnode replicas in RocksDB (or LevelDB), leads the vnodes membership
assigns it, and replicates writes to the other zones.

Options:
  --zone <zone>               this node's zone (env RINGDB_ZONE; required)
  --id <id>                   stable node id (env RINGDB_NODE_ID; default: generated once, kept in
                              <data-dir>/node-id)
  --listen <host:port>        gRPC address (env RINGDB_STORAGE_LISTEN, default 127.0.0.1:0 = any free port)
  --advertise <host:port>     address peers and routers use to reach this node, e.g. its container's
                              DNS name (env RINGDB_ADVERTISE; default: the bound listen address)
  --membership <host:port>    membership service (env RINGDB_MEMBERSHIP, default 127.0.0.1:7000)
  --data-dir <dir>            data directory (env RINGDB_DATA_DIR, default ./data/<zone>)
  --engine <rocksdb|leveldb>  storage engine (env RINGDB_ENGINE, default rocksdb)
  --sync                      fsync the write-ahead log on every write batch (env RINGDB_SYNC=1)
  --election-timeout-ms <ms>  a vnode whose leader is silent this long (randomized up to twice it)
                              elects a new one (env RINGDB_ELECTION_TIMEOUT_MS, default 1000)
  --log-retain <entries>      applied log entries each vnode keeps for followers that fall behind;
                              older ones are compacted away and such a follower gets a snapshot of
                              the vnode's data instead (env RINGDB_LOG_RETAIN, default 4096)
  --anti-entropy-interval-ms <ms>
                              compare each vnode this node leads with its followers (Merkle trees) and
                              repair them about this often, jittered (env RINGDB_ANTI_ENTROPY_INTERVAL_MS,
                              default 600000 = 10 min; 0 = only on demand, see ringdb repair)
  --admin-port <port>         /metrics, /health, /ready (env RINGDB_ADMIN_PORT, default 9102; 0 = any free port)
  -h, --help                  show this help
`;

export async function storageCommand(argv: string[]): Promise<void> {
  const { values } = parse(argv, {
    zone: { type: 'string' },
    id: { type: 'string' },
    listen: { type: 'string' },
    advertise: { type: 'string' },
    membership: { type: 'string' },
    'data-dir': { type: 'string' },
    engine: { type: 'string' },
    sync: { type: 'boolean' },
    'election-timeout-ms': { type: 'string' },
    'log-retain': { type: 'string' },
    'admin-port': { type: 'string' },
    'anti-entropy-interval-ms': { type: 'string' },
  }, HELP);
  const zone = (values.zone as string) ?? process.env.RINGDB_ZONE;
  if (!zone) {
    process.stderr.write(`--zone is required\n${HELP}`);
    process.exit(2);
  }
  const engine = ((values.engine as string) ?? env('RINGDB_ENGINE', 'rocksdb')) as EngineName;
  if (engine !== 'rocksdb' && engine !== 'leveldb') {
    process.stderr.write(`--engine must be rocksdb or leveldb\n`);
    process.exit(2);
  }
  const electionTimeoutMs = Number((values['election-timeout-ms'] as string) ?? env('RINGDB_ELECTION_TIMEOUT_MS', '1000'));
  if (!Number.isInteger(electionTimeoutMs) || electionTimeoutMs < 100) {
    process.stderr.write(`--election-timeout-ms must be an integer of at least 100\n`);
    process.exit(2);
  }
  const retainedLogEntries = Number((values['log-retain'] as string) ?? env('RINGDB_LOG_RETAIN', '4096'));
  if (!Number.isInteger(retainedLogEntries) || retainedLogEntries < 1) {
    process.stderr.write(`--log-retain must be a positive integer\n`);
    process.exit(2);
  }
  const antiEntropyIntervalMs = Number((values['anti-entropy-interval-ms'] as string) ?? env('RINGDB_ANTI_ENTROPY_INTERVAL_MS', '600000'));
  if (!Number.isInteger(antiEntropyIntervalMs) || antiEntropyIntervalMs < 0) {
    process.stderr.write(`--anti-entropy-interval-ms must be a non-negative integer\n`);
    process.exit(2);
  }
  const log = createLogger({ role: 'storage' });
  const node = new StorageNode({
    id: (values.id as string | undefined) ?? optionalEnv('RINGDB_NODE_ID'),
    zone,
    listen: (values.listen as string) ?? env('RINGDB_STORAGE_LISTEN', '127.0.0.1:0'),
    advertise: (values.advertise as string | undefined) ?? optionalEnv('RINGDB_ADVERTISE'),
    membership: (values.membership as string) ?? env('RINGDB_MEMBERSHIP', '127.0.0.1:7000'),
    dataDir: (values['data-dir'] as string) ?? env('RINGDB_DATA_DIR', `./data/${zone}`),
    engine,
    sync: Boolean(values.sync) || flagEnv('RINGDB_SYNC'),
    electionTimeoutMs,
    retainedLogEntries,
    antiEntropyIntervalMs,
    adminPort: Number((values['admin-port'] as string) ?? env('RINGDB_ADMIN_PORT', '9102')),
    log,
  });
  await node.start();
  await stopOnSignal(() => node.stop(), log);
}
