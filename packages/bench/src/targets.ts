import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoHttp } from './http-load.js';
import { alive, descendants, processTree, roleOf } from './proc-tree.js';

/**
 * The servers the comparison runs, each started on free loopback ports with its data in a fresh
 * temporary directory, and stopped (whole process tree, by PID) and removed afterwards.
 */
export const TARGETS = ['node-ceiling', 'dynalite', 'ringdb-1zone', 'ringdb-3zones', 'ringdb-3zones-leaders-a'] as const;
export type TargetName = (typeof TARGETS)[number];

export const DESCRIPTIONS: Record<TargetName, string> = {
  'node-ceiling': 'not a database: a bare Node HTTP server that parses each JSON body and answers from memory (the ceiling of this machine and client)',
  dynalite: 'dynalite 4 on disk (LevelDB), one process',
  'ringdb-1zone': 'RingDB `start --zones a`: membership, 1 storage node (1 replica), router',
  'ringdb-3zones': 'RingDB `start` (zones a,b,c): membership, 3 storage nodes, router; writes at 2 of 3; leaders spread over the zones',
  'ringdb-3zones-leaders-a': 'RingDB `start --leader-zone a` (zones a,b,c): as ringdb-3zones, every vnode led from zone a (leader affinity)',
};

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '../../..');
const RINGDB = path.join(ROOT, 'packages/cli/dist/main.js');
const DYNALITE_SERVER = path.join(HERE, 'dynalite-server.js');
const CEILING_SERVER = path.join(HERE, 'ceiling-server.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface RunningTarget {
  name: TargetName;
  endpoint: string;
  pid: number;
  dir: string;
  logFile: string;
  /** Role of each process of the target, by PID (filled once it is ready). */
  roles: Map<number, string>;
  /** Stops every process of the target (SIGTERM, then SIGKILL) and removes its directory. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Node flags for the server processes (e.g. --cpu-prof); `ringdb start` passes them on to its children. */
  nodeArgs?: string[];
  log: (line: string) => void;
}

/** Every target started and not yet stopped, for cleanup on errors and signals. */
const running = new Set<RunningTarget>();

export async function stopAllTargets(): Promise<void> {
  await Promise.all([...running].map((t) => t.stop()));
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** Ports handed out by `freePorts` in this run: free when checked, but maybe not bound yet. */
const handedOut = new Set<number>();

/**
 * `count` consecutive free ports on 127.0.0.1 (checked by binding each, then released), none of
 * them handed out before: a target's processes bind their ports only once started, so two calls
 * must not return overlapping ranges (a storage node and an admin server on one port, say).
 */
export async function freePorts(count: number): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    let ok = true;
    for (let i = 0; i < count && ok; i++) ok = !handedOut.has(base + i) && (await canBind(base + i));
    if (ok) {
      for (let i = 0; i < count; i++) handedOut.add(base + i);
      return base;
    }
  }
  throw new Error(`no ${count} consecutive free ports found`);
}

/** Does this `ringdb start` take --admin-base-port (admin/metrics ports)? Then give it free ones. */
function startTakesAdminPorts(): boolean {
  const r = spawnSync(process.execPath, [RINGDB, 'start', '--help'], { encoding: 'utf8' });
  return r.stdout.includes('--admin-base-port');
}

async function httpUp(endpoint: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(endpoint, (res) => {
      res.resume();
      resolve(true);
    });
    req.setTimeout(1000, () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

/**
 * Ready means: the HTTP port answers, a table can be created, and an item written and read back
 * (for RingDB: membership has placed the vnodes and every node applied the placement).
 */
async function waitReady(t: RunningTarget, child: ChildProcess, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  const check = () => {
    if (exited()) throw new Error(`${t.name} exited during startup (${child.exitCode ?? child.signalCode}); log: ${t.logFile}\n${tail(t.logFile)}`);
    if (Date.now() > deadline) throw new Error(`${t.name} not ready after ${timeoutMs / 1000}s; log: ${t.logFile}\n${tail(t.logFile)}`);
  };
  while (!(await httpUp(t.endpoint))) {
    check();
    await sleep(100);
  }
  const client = new DynamoHttp(t.endpoint, 1, 5_000);
  try {
    const table = { TableName: 'bench_probe', BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }] };
    for (;;) {
      try {
        const list = await client.json('ListTables', {});
        if (!(list.TableNames as string[]).includes('bench_probe')) await client.json('CreateTable', table);
        const d = await client.json('DescribeTable', { TableName: 'bench_probe' });
        if ((d.Table as { TableStatus: string }).TableStatus !== 'ACTIVE') throw new Error('probe table not active');
        await client.json('PutItem', { TableName: 'bench_probe', Item: { pk: { S: 'probe' } } });
        const got = await client.json('GetItem', { TableName: 'bench_probe', Key: { pk: { S: 'probe' } }, ConsistentRead: true });
        if (!got.Item) throw new Error('probe item not read back');
        return;
      } catch {
        check();
        await sleep(200);
      }
    }
  } finally {
    client.close();
  }
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** SIGTERM the process and, after `graceMs`, SIGKILL it and whatever it started that is still there. */
async function stopTree(child: ChildProcess, graceMs = 8_000): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  const tree = descendants(pid); // before the parent goes: its children would be re-parented
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
  // `ringdb start` waits for its children; anything left (or not yet gone) gets a grace and then SIGKILL.
  const until = Date.now() + graceMs;
  while (tree.some(alive) && Date.now() < until) await sleep(50);
  for (const p of tree.filter(alive)) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

export async function startTarget(name: TargetName, o: StartOptions): Promise<RunningTarget> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `ringdb-bench-${name}-`));
  const port = await freePorts(1);
  const endpoint = `http://127.0.0.1:${port}`;
  let args: string[];
  if (name === 'dynalite') {
    args = [DYNALITE_SERVER, '--port', String(port), '--path', path.join(dir, 'data')];
  } else if (name === 'node-ceiling') {
    args = [CEILING_SERVER, '--port', String(port)];
  } else {
    const zones = name === 'ringdb-1zone' ? ['a'] : ['a', 'b', 'c'];
    const membership = await freePorts(1);
    const storage = await freePorts(zones.length);
    args = [
      RINGDB, 'start', '--zones', zones.join(','), '--data-dir', path.join(dir, 'data'), '--port', String(port),
      '--membership-port', String(membership), '--storage-base-port', String(storage), '--json-logs',
    ];
    if (name === 'ringdb-3zones-leaders-a') args.push('--leader-zone', 'a');
    if (startTakesAdminPorts()) args.push('--admin-base-port', String(await freePorts(2 + zones.length)));
  }
  const logFile = path.join(dir, 'server.log');
  const log = createWriteStream(logFile);
  o.log(`starting ${name}: node ${args.map((a) => path.relative(ROOT, a).startsWith('..') ? a : path.relative(ROOT, a) || a).join(' ')}`);
  const child = spawn(process.execPath, [...(o.nodeArgs ?? []), ...args], {
    cwd: dir, // --cpu-prof and friends write here unless told otherwise
    stdio: ['ignore', 'pipe', 'pipe'],
    env: process.env,
  });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  let stopped: Promise<void> | undefined;
  const target: RunningTarget = {
    name,
    endpoint,
    pid: child.pid!,
    dir,
    logFile,
    roles: new Map(),
    stop: () => {
      stopped ??= (async () => {
        await stopTree(child);
        running.delete(target);
        log.end();
        rmSync(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
  running.add(target);
  try {
    await waitReady(target, child);
  } catch (err) {
    await target.stop();
    throw err;
  }
  for (const p of processTree(target.pid)) target.roles.set(p, roleOf(p));
  return target;
}
