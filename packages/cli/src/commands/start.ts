import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { STOP_DEADLINE_MS, env, parse, untilSignal } from '../args.js';

const HELP = `
Usage: ringdb start [options]

Starts a local cluster as child processes: one membership service, one storage node in each zone
(a, b and c unless --zones says otherwise), and one router serving the DynamoDB API. Every vnode has
one replica per zone. Ctrl-C (or SIGTERM) stops everything.

Options:
  --data-dir <dir>            data directory (env RINGDB_DATA_DIR, default ./data)
  --port <port>               router HTTP port (env RINGDB_PORT, default 8000)
  --membership-port <port>    membership gRPC port (default 7000)
  --storage-base-port <port>  storage nodes use this port and the following ones (default 7101)
  --zones <a,b,c>             zones, one storage node each (default a,b,c; "a" runs one replica)
  --vnodes <n>                number of vnodes (default 256)
  --leader-zone <zone>        every vnode prefers its replica in this zone as leader (default:
                              leaders spread over the zones; see docs/performance.md)
  --admin-base-port <port>    admin ports (/metrics): membership on this one, the router on the
                              next, storage nodes after it (default 9100)
  --engine <rocksdb|leveldb>  storage engine (default rocksdb)
  --json-logs                 print the processes' JSON log lines unchanged
  -h, --help                  show this help
`;

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../main.js');
const COLORS = ['\x1b[36m', '\x1b[33m', '\x1b[32m', '\x1b[35m', '\x1b[34m'];

interface Child {
  name: string;
  proc: ChildProcess;
}

/** Renders a JSON log line as `time [process] level msg key=value ...`. */
function readable(name: string, color: string, line: string, tty: boolean): string {
  const prefix = tty ? `${color}[${name}]\x1b[0m` : `[${name}]`;
  try {
    const o = JSON.parse(line) as Record<string, unknown>;
    const { time, level, msg, role: _role, node: _node, zone: _zone, ...rest } = o;
    const fields = Object.entries(rest)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    const t = typeof time === 'string' ? time.slice(11, 23) : '';
    return `${t} ${prefix} ${String(level).padEnd(5)} ${msg}${fields ? '  ' + fields : ''}`;
  } catch {
    return `${prefix} ${line}`;
  }
}

export async function startCommand(argv: string[]): Promise<void> {
  const { values } = parse(argv, {
    'data-dir': { type: 'string' },
    port: { type: 'string' },
    'membership-port': { type: 'string' },
    'storage-base-port': { type: 'string' },
    engine: { type: 'string' },
    zones: { type: 'string' },
    vnodes: { type: 'string' },
    'leader-zone': { type: 'string' },
    'admin-base-port': { type: 'string' },
    'json-logs': { type: 'boolean' },
  }, HELP);
  const zones = ((values.zones as string) ?? 'a,b,c').split(',').map((z) => z.trim()).filter(Boolean);
  const vnodes = (values.vnodes as string) ?? '256';
  const leaderZone = values['leader-zone'] as string | undefined;
  if (leaderZone !== undefined && !zones.includes(leaderZone)) {
    process.stderr.write(`--leader-zone ${leaderZone} is not one of the zones ${zones.join(', ')}\n`);
    process.exit(2);
  }
  const adminBase = Number((values['admin-base-port'] as string) ?? '9100');
  const dataDir = path.resolve((values['data-dir'] as string) ?? env('RINGDB_DATA_DIR', './data'));
  const port = (values.port as string) ?? env('RINGDB_PORT', '8000');
  const membershipPort = Number((values['membership-port'] as string) ?? '7000');
  const storageBase = Number((values['storage-base-port'] as string) ?? '7101');
  const engine = (values.engine as string) ?? 'rocksdb';
  const membership = `127.0.0.1:${membershipPort}`;
  const tty = process.stdout.isTTY === true;
  const children: Child[] = [];
  let stopping = false;

  const run = (name: string, args: string[]) => {
    // Node flags given to `start` (e.g. --cpu-prof, --inspect-port) carry over to every child.
    const proc = spawn(process.execPath, [...process.execArgv, MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RINGDB_DATA_DIR: '', RINGDB_EXIT_WITH_PARENT: '1' } });
    const color = COLORS[children.length % COLORS.length];
    const pipe = (stream: NodeJS.ReadableStream, out: NodeJS.WriteStream) => {
      let buf = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        buf += chunk;
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line) out.write((values['json-logs'] ? line : readable(name, color, line, tty)) + '\n');
        }
      });
    };
    pipe(proc.stdout!, process.stdout);
    pipe(proc.stderr!, process.stderr);
    proc.on('exit', (code, signal) => {
      if (!stopping) process.stdout.write(`[${name}] exited (${signal ?? code}); the rest of the cluster keeps running\n`);
    });
    children.push({ name, proc });
  };

  process.stdout.write(`RingDB local cluster: data in ${dataDir}, DynamoDB API on http://127.0.0.1:${port}\n`);
  run('membership', ['membership', '--listen', membership, '--data-dir', path.join(dataDir, 'membership'), '--zones', zones.join(','), '--vnodes', vnodes, '--admin-port', String(adminBase), ...(leaderZone ? ['--leader-zone', leaderZone] : [])]);
  zones.forEach((zone, i) => {
    run(`storage-${zone}`, [
      'storage', '--zone', zone, '--id', `node-${zone}`, '--listen', `127.0.0.1:${storageBase + i}`,
      '--membership', membership, '--data-dir', path.join(dataDir, `node-${zone}`), '--engine', engine,
      '--admin-port', String(adminBase + 2 + i),
    ]);
  });
  run('router', ['router', '--port', port, '--membership', membership, '--admin-port', String(adminBase + 1)]);

  const stop = async (sig: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${sig}: stopping the cluster\n`);
    const exits = children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.proc.exitCode !== null || c.proc.signalCode !== null) return resolve();
          // Each child exits within STOP_DEADLINE_MS of SIGTERM by itself; this is the backstop.
          const timer = setTimeout(() => c.proc.kill('SIGKILL'), STOP_DEADLINE_MS + 300);
          c.proc.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          c.proc.kill('SIGTERM');
        }),
    );
    await Promise.all(exits);
    process.stdout.write('cluster stopped\n');
    process.exit(0);
  };
  await stop(await untilSignal(true));
}
