import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { readClusterState, type ClusterState } from '@ringdb/runtime';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const RINGDB_BIN = path.join(ROOT, 'packages/cli/dist/main.js');

/** Ports this test process already handed out: the OS may offer a released port again. */
const handedOut = new Set<number>();

/** A free TCP port on 127.0.0.1 (bound once, then released), never the same one twice. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await anyFreePort();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

function anyFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function eventually<T>(what: string, fn: () => Promise<T>, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${(last as Error)?.message ?? last}`);
    await sleep(everyMs);
  }
}

interface Proc {
  name: string;
  args: string[];
  /** Environment of this process only. */
  env?: Record<string, string>;
  child?: ChildProcess;
}

/** Creates an on-demand table keyed by `pk` (S), and by `sk` of the given type when there is a sort key. */
export async function createKeyValueTable(ddb: DynamoDBClient, TableName: string, sortKeyType?: 'S' | 'N'): Promise<void> {
  await ddb.send(
    new CreateTableCommand({
      TableName,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, ...(sortKeyType ? [{ AttributeName: 'sk', KeyType: 'RANGE' as const }] : [])],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, ...(sortKeyType ? [{ AttributeName: 'sk', AttributeType: sortKeyType }] : [])],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}

/** Waits (up to 20 s) until DescribeTable reports `count` items: statistics arrive with node heartbeats. */
export async function expectItemCount(ddb: DynamoDBClient, TableName: string, count: number): Promise<void> {
  await eventually(
    'item count',
    async () => {
      const d = await ddb.send(new DescribeTableCommand({ TableName }));
      assert.equal(d.Table?.ItemCount, count);
    },
    20_000,
    500,
  );
}

/** The value of the first Prometheus sample `re` matches (its group 1), 0 when there is none. */
export function metricValue(text: string, re: RegExp): number {
  const m = re.exec(text);
  return m ? Number(m[1]) : 0;
}

export interface ClusterOptions {
  zones?: string[];
  vnodes?: number;
  engine?: 'rocksdb' | 'leveldb';
  failureTimeoutMs?: number;
  /** Extra environment for every process (e.g. RINGDB_ELECTION_TIMEOUT_MS). */
  env?: Record<string, string>;
  /**
   * The address a storage node advertises (passed as RINGDB_ADVERTISE), given its listen port;
   * undefined advertises the listen address. Lets a test put a proxy in front of a node.
   */
  advertise?: (node: string, listenPort: number) => Promise<string | undefined>;
}

/**
 * A real RingDB cluster for tests: the membership service, one storage node per zone and one
 * router, each its own OS process started from the built CLI, on free loopback ports, with data in
 * a fresh temporary directory. Logs go to <dir>/logs/<process>.log.
 */
export class Cluster {
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'ringdb-test-'));
  readonly zones: string[];
  private readonly procs = new Map<string, Proc>();
  private readonly adminPorts = new Map<string, number>();
  membershipAddress = '';
  routerPort = 0;

  constructor(private readonly options: ClusterOptions = {}) {
    this.zones = options.zones ?? ['a', 'b', 'c'];
    mkdirSync(path.join(this.dir, 'logs'));
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.routerPort}`;
  }

  nodeNames(): string[] {
    return this.zones.map((z) => `node-${z}`);
  }

  async start(): Promise<void> {
    const membershipPort = await freePort();
    this.membershipAddress = `127.0.0.1:${membershipPort}`;
    this.routerPort = await freePort();
    await this.define('membership', [
      'membership', '--listen', this.membershipAddress, '--data-dir', path.join(this.dir, 'membership'),
      '--zones', this.zones.join(','), '--vnodes', String(this.options.vnodes ?? 64),
      '--failure-timeout-ms', String(this.options.failureTimeoutMs ?? 1500),
    ]);
    for (const zone of this.zones) {
      const port = await freePort();
      await this.define(`node-${zone}`, [
        'storage', '--zone', zone, '--id', `node-${zone}`, '--listen', `127.0.0.1:${port}`,
        '--membership', this.membershipAddress, '--data-dir', path.join(this.dir, `node-${zone}`),
        '--engine', this.options.engine ?? 'rocksdb',
      ]);
      const advertised = await this.options.advertise?.(`node-${zone}`, port);
      if (advertised) this.procs.get(`node-${zone}`)!.env = { RINGDB_ADVERTISE: advertised };
    }
    await this.define('router', ['router', '--port', String(this.routerPort), '--membership', this.membershipAddress]);
    for (const name of this.procs.keys()) this.run(name);
    await this.waitReady();
  }

  /** Starts one more storage node (its process is named after its id) in a running cluster. */
  async addStorageNode(zone: string, id: string): Promise<void> {
    const port = await freePort();
    await this.define(id, [
      'storage', '--zone', zone, '--id', id, '--listen', `127.0.0.1:${port}`,
      '--membership', this.membershipAddress, '--data-dir', path.join(this.dir, id),
      '--engine', this.options.engine ?? 'rocksdb',
    ]);
    this.run(id);
  }

  private async define(name: string, args: string[]): Promise<void> {
    const adminPort = await freePort();
    this.adminPorts.set(name, adminPort);
    this.procs.set(name, { name, args: [...args, '--admin-port', String(adminPort)] });
  }

  /** The admin HTTP port (/metrics, /health, /ready) of one process. */
  adminPort(name: string): number {
    const port = this.adminPorts.get(name);
    if (port === undefined) throw new Error(`no process ${name}`);
    return port;
  }

  /** Prometheus text from one process's /metrics. */
  async metrics(name: string): Promise<string> {
    const res = await fetch(`http://127.0.0.1:${this.adminPort(name)}/metrics`);
    if (res.status !== 200) throw new Error(`${name} /metrics answered ${res.status}`);
    return res.text();
  }

  /** Starts (or restarts) one process by name: membership, router or node-<zone>. */
  run(name: string): void {
    const p = this.procs.get(name);
    if (!p) throw new Error(`no process ${name}`);
    if (p.child && p.child.exitCode === null && p.child.signalCode === null) throw new Error(`${name} is running`);
    const log = createWriteStream(path.join(this.dir, 'logs', `${name}.log`), { flags: 'a' });
    const child = spawn(process.execPath, [RINGDB_BIN, ...p.args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RINGDB_LOG_LEVEL: 'info', RINGDB_EXIT_WITH_PARENT: '1', ...this.options.env, ...p.env } });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    p.child = child;
  }

  pid(name: string): number | undefined {
    return this.procs.get(name)?.child?.pid;
  }

  /** Sends a signal to one process; resolves once it exited (for SIGKILL/SIGTERM). */
  async signal(name: string, sig: NodeJS.Signals): Promise<void> {
    const child = this.procs.get(name)?.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    // Only signals that end the process are waited for (a listener per SIGSTOP/SIGCONT would pile up).
    const ends = sig === 'SIGKILL' || sig === 'SIGTERM' || sig === 'SIGINT';
    const exited = ends ? new Promise<void>((resolve) => child.once('exit', () => resolve())) : undefined;
    child.kill(sig);
    await exited;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.procs.keys()].map((n) => this.signal(n, 'SIGTERM')));
  }

  async restartAll(sig: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await Promise.all([...this.procs.keys()].map((n) => this.signal(n, sig)));
    for (const name of this.procs.keys()) this.run(name);
    await this.waitReady();
  }

  state(): Promise<ClusterState> {
    return readClusterState(this.membershipAddress, 2_000, 'test');
  }

  /** Every node up and applying the current placement, and the router answering. */
  async waitReady(): Promise<void> {
    await eventually('cluster ready', async () => {
      const s = await this.state();
      if (s.placement.vnodes.length === 0) throw new Error('vnodes not placed');
      for (const n of s.placement.nodes) if (!n.alive) throw new Error(`${n.id} down`);
      for (const st of s.nodeStatus) {
        if (st.appliedPlacementVersion !== s.placement.version) throw new Error(`${st.id} has not applied placement ${s.placement.version}`);
      }
      // Each vnode's replicas elect its leader (about an election timeout after they start), and
      // hand leadership to the placement's preferred replica: tests may rely on who leads.
      for (const n of s.placement.nodes) {
        const preferred = s.placement.vnodes.filter((g) => g.nodes[g.leader] === n.id).length;
        const m = /^ringdb_storage_vnodes\{role="leader"\} (\d+)$/m.exec(await this.metrics(n.id));
        if (Number(m?.[1]) !== preferred) throw new Error(`${n.id} leads ${m?.[1]} vnodes, not its ${preferred} preferred ones`);
      }
      const res = await fetch(this.endpoint, { method: 'GET' });
      if (res.status !== 200) throw new Error(`router answered ${res.status}`);
    }, 30_000, 200);
  }

  /** An AWS SDK client for the router; maxAttempts 1 shows every error (no SDK retries). */
  client(maxAttempts = 3): DynamoDBClient {
    return new DynamoDBClient({
      endpoint: this.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts,
    });
  }

  /** Whether a process is running (not exited; a stopped one counts as running). */
  running(name: string): boolean {
    const child = this.procs.get(name)?.child;
    return !!child && child.exitCode === null && child.signalCode === null;
  }

  async destroy(): Promise<void> {
    await Promise.all([...this.procs.keys()].map((n) => this.signal(n, 'SIGKILL')));
    if (!process.env.RINGDB_KEEP_TEST_DATA) rmSync(this.dir, { recursive: true, force: true });
  }
}
