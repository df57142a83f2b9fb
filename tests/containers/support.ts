// Shared by the container tests: Docker detection, image builds, a loopback-only container class,
// a RingDB cluster of containers on its own Docker network, and a write-load recorder.
import { execFile, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BatchGetItemCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { hashKeyBytes, locatePartition } from '@ringdb/core';
import { readClusterState, type ClusterState } from '@ringdb/runtime';
import { GenericContainer, Network, Wait, type StartedNetwork, type StartedTestContainer } from 'testcontainers';
import type { PortWithOptionalBinding } from 'testcontainers';
import { eventually, freePort, sleep } from '../support/cluster.js';

// No image registry is reachable: no Ryuk reaper container (every test removes what it started in
// its `after` hooks), and mapped ports are read on 127.0.0.1.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';
// The AWS SDK warns about Node 20 on every client; it is noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const RINGDB_BIN = path.join(ROOT, 'packages/cli/dist/main.js');
export const IMAGE = process.env.RINGDB_TEST_IMAGE ?? 'ringdb:test';
export { eventually, freePort, sleep };

/** Runs a command; resolves with stdout, rejects with its stderr (or stdout) tail. */
export function run(cmd: string, args: string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 << 20, env: options.env ?? process.env, cwd: options.cwd ?? ROOT }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${(stderr || stdout || err.message).trim().split('\n').slice(-15).join('\n')}`));
      else resolve(stdout);
    });
  });
}

export const docker = (args: string[], timeoutMs?: number) => run('docker', args, { timeoutMs });

/**
 * Why container tests cannot run here, or undefined when a Docker engine answers. With
 * RINGDB_REQUIRE_DOCKER=1 (set by .ci/run once it started dockerd) a missing engine is an error
 * instead of a reason to skip.
 */
export async function dockerUnavailable(): Promise<string | undefined> {
  let reason: string | undefined;
  try {
    await docker(['version', '--format', '{{.Server.Version}}'], 20_000);
  } catch (err) {
    reason = `no Docker engine is reachable (${(err as Error).message.split('\n').pop()}); container tests are skipped`;
  }
  if (reason && process.env.RINGDB_REQUIRE_DOCKER === '1') throw new Error(`RINGDB_REQUIRE_DOCKER=1 but ${reason}`);
  if (reason) console.log(`# SKIP: ${reason}`);
  return reason;
}

/**
 * Builds the RingDB image from the work tree (which `npm run test:containers` has compiled). The
 * base image is RINGDB_BASE_IMAGE if set, otherwise one made from this machine's Node by
 * scripts/build-base-image.sh, since no registry is reachable. The build goes through the docker
 * CLI: testcontainers' own build (11.x) drops the daemon's error messages.
 */
export async function buildImage(): Promise<string> {
  let base = process.env.RINGDB_BASE_IMAGE;
  if (!base) {
    base = 'ringdb-base:test';
    await run('bash', [path.join(ROOT, 'scripts/build-base-image.sh'), '--tag', base, '--if-missing'], { timeoutMs: 300_000 });
  }
  // The build stage is tagged too (<image>-build): the classic builder would otherwise leave it
  // behind untagged after every build whose inputs changed, about 200 MB each time.
  for (const [tag, target] of [[`${IMAGE}-build`, ['--target', 'build']], [IMAGE, []]] as const) {
    const before = (await docker(['image', 'inspect', '--format', '{{.Id}}', tag]).catch(() => '')).trim();
    await run('docker', ['build', '--build-arg', `BASE_IMAGE=${base}`, '--label', 'ringdb.test=containers', ...target, '-t', tag, '.'], {
      timeoutMs: 600_000,
      env: { ...process.env, DOCKER_BUILDKIT: process.env.DOCKER_BUILDKIT ?? '0' },
    });
    const after = (await docker(['image', 'inspect', '--format', '{{.Id}}', tag])).trim();
    // The previous build of this tag is now untagged: remove it (it is ours) unless still in use.
    if (before && before !== after) await docker(['rmi', before]).catch(() => undefined);
  }
  return IMAGE;
}

/** A container whose published ports are bound to 127.0.0.1 only (testcontainers binds 0.0.0.0). */
export class LoopbackContainer extends GenericContainer {
  /**
   * Attaches the container to `network` under `aliases` at creation, as `docker run --network
   * <network> --network-alias <alias>` does. (testcontainers' withNetworkAliases instead creates the
   * container on the default bridge and connects it to the network afterwards, so after a chaos
   * disconnect and restart Docker puts it back on the default bridge as well.)
   */
  withNetworkAndAliases(network: StartedNetwork, ...aliases: string[]): this {
    this.withNetwork(network);
    this.createOpts.NetworkingConfig = { EndpointsConfig: { [network.getName()]: { Aliases: aliases } } };
    return this;
  }

  /** Kernel parameters of the container's network namespace (docker run --sysctl). */
  withSysctls(sysctls: Record<string, string>): this {
    this.hostConfig.Sysctls = { ...this.hostConfig.Sysctls, ...sysctls };
    return this;
  }

  override withExposedPorts(...ports: PortWithOptionalBinding[]): this {
    super.withExposedPorts(...ports);
    for (const bindings of Object.values(this.hostConfig.PortBindings ?? {}) as { HostIp?: string; HostPort?: string }[][]) {
      for (const b of bindings) b.HostIp = '127.0.0.1';
    }
    return this;
  }
}

/**
 * As docker-compose.yml sets them: an unanswered TCP connect gives up after about 7 s instead of the
 * kernel's 2 minutes. Without it, a gRPC connection attempt that a storage node starts just as a
 * network partition heals can hang for up to 2 minutes (grpc-js sets no connect timeout), and the
 * node stays cut off from membership that long (docs/deployment.md). RINGDB_TEST_TCP_SYN_RETRIES=
 * default runs without it, to reproduce that.
 */
const SYSCTLS: Record<string, string> =
  process.env.RINGDB_TEST_TCP_SYN_RETRIES === 'default' ? {} : { 'net.ipv4.tcp_syn_retries': process.env.RINGDB_TEST_TCP_SYN_RETRIES ?? '2' };

let logDirectory: string | undefined;
/** Directory for container logs of this test run (printed when a test fails), made on first use. */
export function logDir(): string {
  logDirectory ??= mkdtempSync(path.join(os.tmpdir(), 'ringdb-containers-'));
  return logDirectory;
}

/** Removes the log directory, if one was made (after tests that passed). */
export function removeLogDir(): void {
  if (logDirectory && !process.env.RINGDB_KEEP_TEST_DATA) rmSync(logDirectory, { recursive: true, force: true });
}

export interface Node {
  name: string;
  zone: string;
  container: StartedTestContainer;
  adminPort: number;
}

/**
 * membership + one storage node per zone + one router, each a container of the RingDB image on a
 * fresh user-defined network, reached from the test through ports published on 127.0.0.1.
 */
export class ContainerCluster {
  network!: StartedNetwork;
  membership!: StartedTestContainer;
  router!: StartedTestContainer;
  nodes: Node[] = [];
  membershipPort = 0;
  routerPort = 0;
  routerAdminPort = 0;
  private readonly started: StartedTestContainer[] = [];

  constructor(private readonly zones = ['a', 'b', 'c']) {}

  get endpoint(): string {
    return `http://127.0.0.1:${this.routerPort}`;
  }

  get membershipAddress(): string {
    return `127.0.0.1:${this.membershipPort}`;
  }

  private container(name: string, command: string[], ports: { container: number; host: number }[]): LoopbackContainer {
    const log = createWriteStream(path.join(logDir(), `${name}.log`), { flags: 'a' });
    return new LoopbackContainer(IMAGE)
      .withNetworkAndAliases(this.network, name)
      .withName(`ringdb-test-${name}-${process.pid}`)
      .withLabels({ 'ringdb.test': 'containers', 'ringdb.role': command[0], ...(command[0] === 'storage' ? { 'ringdb.zone': command[2] } : {}) })
      .withCommand(command)
      .withEnvironment({ RINGDB_MEMBERSHIP: 'membership:7000', RINGDB_LOG_LEVEL: process.env.RINGDB_LOG_LEVEL ?? 'info' })
      .withExposedPorts(...ports)
      .withSysctls(SYSCTLS)
      .withLogConsumer((stream) => stream.pipe(log))
      .withStartupTimeout(60_000);
  }

  async start(): Promise<void> {
    this.network = await new Network().start();
    this.membershipPort = await freePort();
    this.membership = await this.container('membership', ['membership', '--zones', this.zones.join(','), '--vnodes', '64', '--failure-timeout-ms', '1500'], [
      { container: 7000, host: this.membershipPort },
      { container: 9000, host: await freePort() },
    ])
      .withWaitStrategy(Wait.forHttp('/ready', 9000))
      .start();
    this.started.push(this.membership);
    const nodes = await Promise.all(
      this.zones.map(async (zone) => {
        const name = `storage-${zone}`;
        const adminPort = await freePort();
        const container = await this.container(name, ['storage', '--zone', zone, '--id', name, '--advertise', `${name}:7100`], [{ container: 9000, host: adminPort }])
          .withWaitStrategy(Wait.forHttp('/health', 9000))
          .start();
        this.started.push(container);
        return { name, zone, container, adminPort };
      }),
    );
    this.nodes = nodes;
    this.routerPort = await freePort();
    this.routerAdminPort = await freePort();
    this.router = await this.container('router', ['router'], [
      { container: 8000, host: this.routerPort },
      { container: 9000, host: this.routerAdminPort },
    ])
      .withWaitStrategy(Wait.forHttp('/ready', 9000))
      .start();
    this.started.push(this.router);
    await this.waitReady();
  }

  node(name: string): Node {
    const n = this.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  state(): Promise<ClusterState> {
    return readClusterState(this.membershipAddress, 3_000, 'test');
  }

  async metrics(node: Node): Promise<string> {
    const res = await fetch(`http://127.0.0.1:${node.adminPort}/metrics`, { signal: AbortSignal.timeout(3_000) });
    if (res.status !== 200) throw new Error(`${node.name} /metrics answered ${res.status}`);
    return res.text();
  }

  /**
   * Every node up and applying the current placement, each leading the vnodes placement prefers
   * for it (so tests know who leads what), and the router answering.
   */
  async waitReady(timeoutMs = 60_000): Promise<ClusterState> {
    return eventually('container cluster ready', async () => {
      const s = await this.state();
      if (s.placement.vnodes.length === 0) throw new Error('vnodes not placed');
      for (const n of s.placement.nodes) if (!n.alive) throw new Error(`${n.id} down`);
      if (s.placement.nodes.length !== this.nodes.length) throw new Error(`${s.placement.nodes.length} nodes registered`);
      for (const st of s.nodeStatus) if (st.appliedPlacementVersion !== s.placement.version) throw new Error(`${st.id} has not applied placement ${s.placement.version}`);
      for (const node of this.nodes) {
        const preferred = s.placement.vnodes.filter((g) => g.nodes[g.leader] === node.name).length;
        const m = /^ringdb_storage_vnodes\{role="leader"\} (\d+)$/m.exec(await this.metrics(node));
        if (Number(m?.[1]) !== preferred) throw new Error(`${node.name} leads ${m?.[1]} vnodes, not its ${preferred} preferred ones`);
      }
      const res = await fetch(this.endpoint, { signal: AbortSignal.timeout(3_000) });
      if (res.status !== 200) throw new Error(`router answered ${res.status}`);
      return s;
    }, timeoutMs, 500);
  }

  client(): DynamoDBClient {
    return new DynamoDBClient({
      endpoint: this.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 4,
      // A write without an answer in 5 s fails (and is retried, like any retryable error).
      requestHandler: { requestTimeout: 5_000, connectionTimeout: 2_000, throwOnRequestTimeout: true },
    });
  }

  /** Stops and removes every container this cluster started, then its network. */
  async destroy(): Promise<void> {
    await Promise.all(this.started.map((c) => c.stop({ timeout: 5_000 }).catch(() => undefined)));
    await this.network?.stop().catch(() => undefined);
  }
}

/** The node (by id) that placement prefers as leader of each vnode. */
export function preferredLeaders(state: ClusterState): string[] {
  return state.placement.vnodes.map((g) => g.nodes[g.leader]);
}

export interface WriteRecord {
  key: string;
  vnode: number;
  startedMs: number;
  endedMs: number;
  ok: boolean;
  error?: string;
}

/**
 * A write load: `concurrency` writers put new keys (each key once) until stopped, recording every
 * outcome. An acknowledged write is one the SDK returned successfully for.
 */
export class WriteLoad {
  readonly records: WriteRecord[] = [];
  readonly acked = new Map<string, string>();
  private running = true;
  private readonly loops: Promise<void>[];

  constructor(
    private readonly ddb: DynamoDBClient,
    readonly table: string,
    private readonly vnodeCount: number,
    prefix: string,
    concurrency = 4,
  ) {
    this.loops = Array.from({ length: concurrency }, async (_, w) => {
      for (let seq = 0; this.running; seq++) {
        const key = `${prefix}-${w}-${seq}`;
        const value = `${prefix}/${w}/${seq}`;
        const vnode = locatePartition(table, hashKeyBytes('S', { S: key }), vnodeCount).vnode;
        const startedMs = Date.now();
        try {
          await this.ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: key }, v: { S: value } } }));
          this.acked.set(key, value);
          this.records.push({ key, vnode, startedMs, endedMs: Date.now(), ok: true });
        } catch (err) {
          this.records.push({ key, vnode, startedMs, endedMs: Date.now(), ok: false, error: (err as Error).name });
          await sleep(20);
        }
      }
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  /** Writes that started and ended inside [fromMs, toMs]. */
  between(fromMs: number, toMs: number): WriteRecord[] {
    return this.records.filter((r) => r.startedMs >= fromMs && r.endedMs <= toMs);
  }
}

/**
 * Reads every acknowledged key back with ConsistentRead (BatchGetItem, 100 keys a call, retrying
 * unprocessed keys) and returns the keys that are missing or hold another value.
 */
export async function lostWrites(ddb: DynamoDBClient, table: string, acked: Map<string, string>, timeoutMs = 60_000): Promise<string[]> {
  const pending = new Set(acked.keys());
  const lost: string[] = [];
  const deadline = Date.now() + timeoutMs;
  while (pending.size > 0) {
    if (Date.now() > deadline) throw new Error(`${pending.size} acknowledged keys could not be read back within ${timeoutMs} ms`);
    const keys = [...pending];
    for (let i = 0; i < keys.length; i += 100) {
      const chunk = keys.slice(i, i + 100);
      let res;
      try {
        res = await ddb.send(new BatchGetItemCommand({ RequestItems: { [table]: { Keys: chunk.map((k) => ({ pk: { S: k } })), ConsistentRead: true } } }));
      } catch {
        continue;
      }
      const found = new Map((res.Responses?.[table] ?? []).map((item) => [item.pk.S!, item.v?.S]));
      const unprocessed = new Set((res.UnprocessedKeys?.[table]?.Keys ?? []).map((k) => k.pk.S!));
      for (const k of chunk) {
        if (unprocessed.has(k)) continue;
        pending.delete(k);
        if (found.get(k) !== acked.get(k)) lost.push(k);
      }
    }
    if (pending.size > 0) await sleep(500);
  }
  return lost;
}

/** Spawns `ringdb <args>` from the work tree; resolves with its exit code and output. */
export function ringdb(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [RINGDB_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
