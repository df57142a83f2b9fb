import { execFile } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { hashKeyBytes, locatePartition, seededRandom } from '@ringdb/core';
import type { ClusterState } from '@ringdb/runtime';
import { env, parse } from '../args.js';
import { readClusterState } from './cluster-view.js';

const HELP = `
Usage: ringdb chaos [options]

Runs a write load through a router while it kills, pauses, restarts and network-disconnects random
storage-node containers on a schedule, then heals every container and verifies that each write
the router acknowledged reads back with ConsistentRead. Prints a summary table: writes attempted,
acknowledged and failed, acknowledged writes lost (must be 0), the longest unavailability the
client saw (one vnode, and the whole cluster), and the failovers it observed (placement versions,
vnode leaderships the storage nodes gained by election or handover, router retries). Exits 1 if an acknowledged write is lost
or cannot be read back, 0 otherwise.

Containers are found by label (ringdb.role=storage, as docker-compose.yml sets), or given with
--containers; only those are touched. Needs the docker CLI. A fault lasts --fault-seconds, one at
a time, so two zones keep a quorum for every vnode; writes to the vnodes a faulty node leads fail
until a new leader is elected (or, without failover, until the node is back): they are counted as
failed (unacknowledged), never as lost.

Options:
  --endpoint <url>            router (DynamoDB API) to load (default http://127.0.0.1:8000)
  --membership <host:port>    membership service, for vnodes and failovers (env RINGDB_MEMBERSHIP,
                              default 127.0.0.1:7000; docker-compose.yml publishes it there)
  --router-admin <url>        router admin port, for ringdb_router_* metrics (optional;
                              docker-compose.yml publishes router-1's at http://127.0.0.1:9101)
  --containers <a,b,...>      container names or ids to disrupt (default: running containers
                              labelled ringdb.role=storage)
  --project <name>            with the default, only containers of this compose project
  --faults <list>             fault kinds to draw from (default kill,pause,restart,disconnect)
  --duration <s>              length of the fault phase: no fault starts after it (default 60)
  --fault-seconds <s>         how long a kill, pause or disconnect lasts before it is healed (default 6)
  --calm-seconds <s>          quiet time after each heal before the next fault (default 4)
  --warmup <s>                load before the first fault (default 5)
  --concurrency <n>           concurrent writers (default 8)
  --request-timeout-ms <ms>   a write without an answer this long counts as failed (default 5000)
  --settle-timeout <s>        how long to wait for the healed cluster to serve every read (default 120)
  --seed <n>                  seed of the fault schedule (default: random, printed)
  --table <name>              table to write (default chaos-<time>; created, and deleted afterwards)
  --keep-table                do not delete the table afterwards
  --json                      print the summary as JSON instead of a table
  -h, --help                  show this help

Example (the cluster of docker-compose.yml):
  ringdb chaos --duration 120 --router-admin http://127.0.0.1:9101
`;

type FaultKind = 'kill' | 'pause' | 'restart' | 'disconnect';
const FAULT_KINDS: FaultKind[] = ['kill', 'pause', 'restart', 'disconnect'];

interface Target {
  id: string;
  name: string;
  zone: string;
}

interface FaultEvent {
  kind: FaultKind;
  container: string;
  zone: string;
  startMs: number;
  endMs: number;
}

export interface ChaosSummary {
  seed: number;
  table: string;
  endpoint: string;
  targets: { name: string; zone: string }[];
  faultPhaseSeconds: number;
  faults: FaultEvent[];
  faultCounts: Record<string, number>;
  writes: { attempted: number; acknowledged: number; failed: number; acknowledgedDuringFaults: number; failedByError: Record<string, number> };
  verification: { checked: number; lost: number; wrongValue: number; unreadable: number; lostKeys: string[]; seconds: number };
  unavailability: { longestVnodeSeconds: number | null; longestVnode: number | null; vnodesAffected: number | null; longestClusterSeconds: number };
  failovers: {
    placementVersions: number[];
    placementChanges: number;
    leadershipMoves: number | null;
    leadershipsGained: number | null;
    routerPlacementVersions: number[];
    routerRetries: number | null;
  };
  passed: boolean;
}

/** Structured log lines on stderr (stdout carries the summary). */
function log(level: 'info' | 'warn' | 'error', msg: string, fields: Record<string, unknown> = {}): void {
  process.stderr.write(JSON.stringify({ time: new Date().toISOString(), level, role: 'chaos', msg, ...fields }) + '\n');
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function docker(args: string[], timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('docker', args, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`docker ${args.join(' ')}: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

interface Inspect {
  Id: string;
  Name: string;
  State: { Status: string; Running: boolean; Paused: boolean };
  Config: { Labels: Record<string, string> | null };
  NetworkSettings: { Networks: Record<string, { Aliases: string[] | null }> };
}

async function inspect(ids: string[]): Promise<Inspect[]> {
  return JSON.parse(await docker(['inspect', '--type', 'container', ...ids])) as Inspect[];
}

/**
 * One container fault: applying it records how to undo it (networks and aliases of a
 * disconnected container), and healing is idempotent, so a final heal of every target is safe.
 */
class Faults {
  /** network name -> aliases, for containers currently disconnected by us. */
  private readonly disconnected = new Map<string, { network: string; aliases: string[] }[]>();

  async apply(kind: FaultKind, t: Target): Promise<void> {
    if (kind === 'kill') await docker(['kill', '--signal', 'KILL', t.id]);
    else if (kind === 'pause') await docker(['pause', t.id]);
    else if (kind === 'restart') await docker(['restart', '--time', '10', t.id], 120_000);
    else {
      const [info] = await inspect([t.id]);
      const nets = Object.entries(info.NetworkSettings.Networks).map(([network, n]) => ({
        network,
        aliases: (n.Aliases ?? []).filter((a) => !info.Id.startsWith(a)),
      }));
      this.disconnected.set(t.id, nets);
      for (const n of nets) await docker(['network', 'disconnect', n.network, t.id]);
    }
  }

  /** Brings a container back whatever was done to it: reconnects, unpauses, starts. */
  async heal(t: Target): Promise<void> {
    const nets = this.disconnected.get(t.id);
    if (nets) {
      const [info] = await inspect([t.id]);
      for (const n of nets) {
        if (info.NetworkSettings.Networks[n.network]) continue;
        await docker(['network', 'connect', ...n.aliases.flatMap((a) => ['--alias', a]), n.network, t.id]);
      }
      this.disconnected.delete(t.id);
    }
    const [info] = await inspect([t.id]);
    if (info.State.Paused) await docker(['unpause', t.id]);
    else if (!info.State.Running) await docker(['start', t.id]);
  }
}

/**
 * Sums `ringdb_storage_leadership_changes_total{change="gained"}` over the target containers, read
 * inside each container (`docker exec ... node`: the image has no curl, and storage admin ports
 * are usually not published). A restarted process starts its counter at 0, so each container's
 * increases are added up across restarts; a container is sampled before every fault it gets.
 */
class LeadershipCounter {
  private readonly last = new Map<string, number>();
  total = 0;
  available = true;

  async sample(t: Target): Promise<void> {
    const script = "fetch('http://127.0.0.1:' + (process.env.RINGDB_ADMIN_PORT || '9000') + '/metrics').then((r) => r.text()).then((t) => process.stdout.write(t))";
    let value: number | undefined;
    try {
      value = metric(await docker(['exec', t.id, 'node', '-e', script], 15_000), 'ringdb_storage_leadership_changes_total', 'change="gained"');
    } catch {
      return; // not running or paused: sampled again later
    }
    if (value === undefined) {
      this.available = false;
      return;
    }
    const before = this.last.get(t.id);
    if (before !== undefined) this.total += value >= before ? value - before : value;
    this.last.set(t.id, value);
  }
}

/** A minimal DynamoDB JSON-protocol client over fetch, with AWS Signature V4 headers. */
class DynamoHttp {
  private readonly url: URL;
  private readonly accessKey = process.env.AWS_ACCESS_KEY_ID ?? 'chaos';
  private readonly secretKey = process.env.AWS_SECRET_ACCESS_KEY ?? 'chaos';
  private readonly region = process.env.AWS_REGION ?? 'us-east-1';

  constructor(endpoint: string) {
    this.url = new URL(endpoint);
  }

  async call<T = Record<string, unknown>>(operation: string, input: unknown, timeoutMs: number): Promise<T> {
    const body = JSON.stringify(input);
    const now = new Date();
    const amzDate = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    const day = amzDate.slice(0, 8);
    const target = `DynamoDB_20120810.${operation}`;
    const host = this.url.host;
    const sha = (s: string) => createHash('sha256').update(s).digest('hex');
    const canonical = ['POST', '/', '', `content-type:application/x-amz-json-1.0`, `host:${host}`, `x-amz-date:${amzDate}`, `x-amz-target:${target}`, '', 'content-type;host;x-amz-date;x-amz-target', sha(body)].join('\n');
    const scope = `${day}/${this.region}/dynamodb/aws4_request`;
    const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha(canonical)].join('\n');
    let key: Buffer = createHmac('sha256', `AWS4${this.secretKey}`).update(day).digest();
    for (const part of [this.region, 'dynamodb', 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
    const signature = createHmac('sha256', key).update(toSign).digest('hex');
    const res = await fetch(new URL('/', this.url), {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-date': amzDate,
        'x-amz-target': target,
        authorization: `AWS4-HMAC-SHA256 Credential=${this.accessKey}/${scope}, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=${signature}`,
      },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    const json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    if (res.status !== 200) {
      const type = String(json.__type ?? `HTTP${res.status}`).split('#').pop()!;
      throw Object.assign(new Error(`${type}: ${String(json.message ?? json.Message ?? '')}`), { errorType: type });
    }
    return json as T;
  }
}

/** The kind of a failed request: the DynamoDB error type, `timeout`, or `connection`. */
function errorKind(err: unknown): string {
  const e = err as Error & { errorType?: string; name?: string; cause?: { code?: string } };
  if (e.errorType) return e.errorType;
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'timeout';
  return e.cause?.code ? `connection:${e.cause.code}` : 'connection';
}

function number(values: Record<string, string | boolean | undefined>, name: string, fallback: number, min = 0): number {
  const raw = values[name];
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(n) || n < min) {
    process.stderr.write(`--${name} must be a number of at least ${min}\n`);
    process.exit(2);
  }
  return n;
}

/** The value of a Prometheus sample, optionally of the series whose labels include `label`. */
function metric(text: string, name: string, label?: string): number | undefined {
  for (const m of text.matchAll(new RegExp(`^${name}(\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'gm'))) {
    if (!label || (m[1] ?? '').includes(label)) return Number(m[2]);
  }
  return undefined;
}

export async function chaosCommand(argv: string[]): Promise<void> {
  const { values } = parse(argv, {
    endpoint: { type: 'string' },
    membership: { type: 'string' },
    'router-admin': { type: 'string' },
    containers: { type: 'string' },
    project: { type: 'string' },
    faults: { type: 'string' },
    duration: { type: 'string' },
    'fault-seconds': { type: 'string' },
    'calm-seconds': { type: 'string' },
    warmup: { type: 'string' },
    concurrency: { type: 'string' },
    'request-timeout-ms': { type: 'string' },
    'settle-timeout': { type: 'string' },
    seed: { type: 'string' },
    table: { type: 'string' },
    'keep-table': { type: 'boolean' },
    json: { type: 'boolean' },
  }, HELP);
  const endpoint = (values.endpoint as string) ?? 'http://127.0.0.1:8000';
  const membership = (values.membership as string) ?? env('RINGDB_MEMBERSHIP', '127.0.0.1:7000');
  const routerAdmin = values['router-admin'] as string | undefined;
  const kinds = ((values.faults as string) ?? FAULT_KINDS.join(',')).split(',').map((k) => k.trim()).filter(Boolean) as FaultKind[];
  for (const k of kinds) {
    if (!FAULT_KINDS.includes(k)) {
      process.stderr.write(`unknown fault kind: ${k} (kinds: ${FAULT_KINDS.join(', ')})\n`);
      process.exit(2);
    }
  }
  const durationMs = number(values, 'duration', 60) * 1000;
  const faultMs = number(values, 'fault-seconds', 6) * 1000;
  const calmMs = number(values, 'calm-seconds', 4) * 1000;
  const warmupMs = number(values, 'warmup', 5) * 1000;
  const concurrency = Math.floor(number(values, 'concurrency', 8, 1));
  const requestTimeoutMs = number(values, 'request-timeout-ms', 5000, 100);
  const settleMs = number(values, 'settle-timeout', 120, 1) * 1000;
  const seed = values.seed !== undefined ? Math.floor(number(values, 'seed', 0)) : Math.floor(Math.random() * 2 ** 31);
  const table = (values.table as string) ?? `chaos-${Date.now()}`;
  const random = seededRandom(seed); // a schedule replays with --seed

  // Targets: the given containers, or the running ones labelled as storage nodes.
  let ids: string[];
  if (values.containers) ids = (values.containers as string).split(',').map((s) => s.trim()).filter(Boolean);
  else {
    const filters = ['--filter', 'label=ringdb.role=storage', ...(values.project ? ['--filter', `label=com.docker.compose.project=${values.project as string}`] : [])];
    ids = (await docker(['ps', '-q', ...filters])).split('\n').filter(Boolean);
  }
  if (ids.length === 0) throw new Error('no storage containers found (label ringdb.role=storage, or give --containers)');
  const targets: Target[] = (await inspect(ids)).map((c) => ({ id: c.Id, name: c.Name.replace(/^\//, ''), zone: c.Config.Labels?.['ringdb.zone'] ?? '?' }));
  const faults = new Faults();
  const leaderships = new LeadershipCounter();
  await Promise.all(targets.map((t) => leaderships.sample(t)));
  const ddb = new DynamoHttp(endpoint);
  log('info', 'chaos starting', { seed, table, endpoint, targets: targets.map((t) => t.name), faults: kinds });

  // Observers: membership state (placement versions, leadership reported by nodes) and the
  // router's metrics, sampled every 500 ms for the whole run.
  let state: ClusterState | undefined;
  try {
    state = await readClusterState(membership);
  } catch (err) {
    log('warn', 'membership not reachable: no per-vnode unavailability or leadership moves', { membership, error: (err as Error).message });
  }
  const vnodeCount = state?.placement.vnodeCount;
  const placementVersions = new Set<number>();
  const routerPlacementVersions = new Set<number>();
  let leadershipMoves = state ? 0 : null;
  let lastLeaders = new Map<string, number>();
  const noteState = (s: ClusterState) => {
    placementVersions.add(Number(s.placement.version));
    const alive = new Set(s.placement.nodes.filter((n) => n.alive).map((n) => n.id));
    const leaders = new Map<string, number>();
    for (const st of s.nodeStatus) if (alive.has(st.id)) leaders.set(st.id, st.leaderVnodes);
    // A vnode that changes leader adds one to its new leader's count: sum the increases.
    for (const [id, n] of leaders) {
      const before = lastLeaders.get(id);
      if (before !== undefined && n > before && leadershipMoves !== null) leadershipMoves += n - before;
    }
    lastLeaders = leaders;
  };
  if (state) noteState(state);
  let routerRetriesStart: number | undefined;
  let routerRetriesEnd: number | undefined;
  const sampleRouter = async () => {
    if (!routerAdmin) return;
    try {
      const text = await (await fetch(new URL('/metrics', routerAdmin), { signal: AbortSignal.timeout(2000) })).text();
      const v = metric(text, 'ringdb_router_placement_version');
      if (v !== undefined) routerPlacementVersions.add(v);
      const r = metric(text, 'ringdb_router_routing_retries_total');
      if (r !== undefined) {
        routerRetriesStart ??= r;
        routerRetriesEnd = r;
      }
    } catch {
      // the router may be unreachable for a moment; the next sample counts
    }
  };
  let observing = true;
  const observer = (async () => {
    while (observing) {
      if (state) {
        try {
          noteState(await readClusterState(membership, 2000));
        } catch {
          // membership unreachable for a moment
        }
      }
      await sampleRouter();
      await sleep(500);
    }
  })();

  // The table.
  await ddb.call('CreateTable', {
    TableName: table,
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
  }, 30_000);
  for (const deadline = Date.now() + 30_000; ; await sleep(200)) {
    const d = await ddb.call<{ Table: { TableStatus: string } }>('DescribeTable', { TableName: table }, 5000);
    if (d.Table.TableStatus === 'ACTIVE') break;
    if (Date.now() > deadline) throw new Error(`table ${table} did not become ACTIVE`);
  }

  // The load: every write puts a new key, so an acknowledged key must read back with its value.
  const acked = new Map<string, number>();
  const failedByError: Record<string, number> = {};
  let attempted = 0;
  let ackedDuringFaults = 0;
  let faultActive = false;
  const successTimes: number[] = [];
  const vnodeFailingSince = new Map<number, number>();
  const vnodesAffected = new Set<number>();
  let longestVnodeMs = 0;
  let longestVnode: number | null = null;
  const vnodeOf = (key: string) => (vnodeCount ? locatePartition(table, hashKeyBytes('S', { S: key }), vnodeCount).vnode : -1);
  let writing = true;
  // After a failed write, a writer's next keys go to the same vnode until one succeeds, and a
  // writer whose probe succeeded takes over another failing vnode nobody probes, so the
  // unavailability of every failing vnode is measured to within one request rather than to the
  // next time the load happens to hit it. At most half of the writers probe at a time, so that
  // the others keep measuring the rest of the cluster.
  const maxProbing = Math.max(1, Math.floor(concurrency / 2));
  const probed = new Set<number>();
  const writers = Array.from({ length: concurrency }, async (_, w) => {
    let probe: number | undefined;
    for (let seq = 0; writing; seq++) {
      if (probe !== undefined) for (let tries = 0; tries < 100_000 && vnodeOf(`w${w}-${seq}`) !== probe; tries++) seq++;
      const key = `w${w}-${seq}`;
      const value = w * 1_000_000_000 + seq;
      const vnode = vnodeOf(key);
      const started = Date.now();
      attempted++;
      try {
        await ddb.call('PutItem', { TableName: table, Item: { pk: { S: key }, v: { N: String(value) } } }, requestTimeoutMs);
        const done = Date.now();
        acked.set(key, value);
        successTimes.push(done);
        if (faultActive) ackedDuringFaults++;
        const since = vnodeFailingSince.get(vnode);
        if (since !== undefined) {
          vnodeFailingSince.delete(vnode);
          if (done - since > longestVnodeMs) {
            longestVnodeMs = done - since;
            longestVnode = vnode;
          }
        }
        if (probe !== undefined) {
          probed.delete(probe);
          probe = [...vnodeFailingSince.keys()].find((v) => v >= 0 && !probed.has(v));
          if (probe !== undefined) probed.add(probe);
        }
      } catch (err) {
        const kind = errorKind(err);
        failedByError[kind] = (failedByError[kind] ?? 0) + 1;
        if (!vnodeFailingSince.has(vnode)) vnodeFailingSince.set(vnode, started);
        if (probe === undefined && vnode >= 0 && !probed.has(vnode) && probed.size < maxProbing) {
          probe = vnode;
          probed.add(vnode);
        }
        vnodesAffected.add(vnode);
        await sleep(50);
      }
    }
  });

  // The fault schedule: one fault at a time, on a random target, drawn from the seed.
  await sleep(warmupMs);
  const events: FaultEvent[] = [];
  const bag: FaultKind[] = [];
  const phaseStart = Date.now();
  try {
    while (Date.now() - phaseStart < durationMs) {
      const target = targets[Math.floor(random() * targets.length)];
      // Kinds come from a shuffled bag, so every kind occurs once in each run of kinds.length faults.
      if (bag.length === 0) {
        bag.push(...kinds);
        for (let i = bag.length - 1; i > 0; i--) {
          const j = Math.floor(random() * (i + 1));
          [bag[i], bag[j]] = [bag[j], bag[i]];
        }
      }
      const kind = bag.pop()!;
      const ev: FaultEvent = { kind, container: target.name, zone: target.zone, startMs: Date.now() - phaseStart, endMs: 0 };
      log('info', 'fault', { kind, container: target.name, zone: target.zone });
      await leaderships.sample(target);
      faultActive = true;
      await faults.apply(kind, target);
      if (kind !== 'restart') await sleep(faultMs);
      await faults.heal(target);
      faultActive = false;
      ev.endMs = Date.now() - phaseStart;
      events.push(ev);
      log('info', 'healed', { kind, container: target.name, faultSeconds: (ev.endMs - ev.startMs) / 1000 });
      await sleep(calmMs);
    }
  } finally {
    faultActive = false;
    for (const t of targets) {
      try {
        await faults.heal(t);
      } catch (err) {
        log('error', 'heal failed', { container: t.name, error: (err as Error).message });
      }
    }
  }
  const phaseSeconds = (Date.now() - phaseStart) / 1000;
  writing = false;
  await Promise.all(writers);
  const loadEnd = Date.now();
  for (const [vnode, since] of vnodeFailingSince) {
    // Still failing when the load stopped: unavailable at least until then.
    if (loadEnd - since > longestVnodeMs) {
      longestVnodeMs = loadEnd - since;
      longestVnode = vnode;
    }
  }
  let longestClusterMs = 0;
  successTimes.sort((a, b) => a - b);
  for (let i = 1; i < successTimes.length; i++) longestClusterMs = Math.max(longestClusterMs, successTimes[i] - successTimes[i - 1]);
  if (successTimes.length > 0) longestClusterMs = Math.max(longestClusterMs, loadEnd - successTimes[successTimes.length - 1]);
  log('info', 'load stopped, verifying', { acknowledged: acked.size, attempted });

  // Verify: every acknowledged key, read with ConsistentRead (BatchGetItem, 100 keys at a time),
  // retried until the healed cluster answers or the settle timeout passes.
  const verifyStart = Date.now();
  const pending = new Set(acked.keys());
  const lostKeys: string[] = [];
  let wrongValue = 0;
  const deadline = Date.now() + settleMs;
  type Item = Record<string, { S?: string; N?: string }>;
  while (pending.size > 0 && Date.now() < deadline) {
    const keys = [...pending];
    for (let i = 0; i < keys.length && Date.now() < deadline; i += 100) {
      const chunk = keys.slice(i, i + 100);
      let r: { Responses?: Record<string, Item[]>; UnprocessedKeys?: Record<string, { Keys: Item[] }> };
      try {
        r = await ddb.call('BatchGetItem', { RequestItems: { [table]: { Keys: chunk.map((k) => ({ pk: { S: k } })), ConsistentRead: true } } }, requestTimeoutMs);
      } catch {
        continue; // not answered: retried in the next pass
      }
      const found = new Map((r.Responses?.[table] ?? []).map((item) => [item.pk.S!, Number(item.v?.N)]));
      const unprocessed = new Set((r.UnprocessedKeys?.[table]?.Keys ?? []).map((k) => k.pk.S!));
      for (const k of chunk) {
        if (unprocessed.has(k)) continue; // its replicas did not answer yet: retried
        pending.delete(k);
        if (!found.has(k)) lostKeys.push(k);
        else if (found.get(k) !== acked.get(k)) {
          wrongValue++;
          lostKeys.push(k);
        }
      }
    }
    if (pending.size > 0) await sleep(1000);
  }
  const unreadable = pending.size;
  const verifySeconds = (Date.now() - verifyStart) / 1000;

  observing = false;
  await observer;
  await sampleRouter();
  await Promise.all(targets.map((t) => leaderships.sample(t)));
  if (!values['keep-table']) {
    try {
      await ddb.call('DeleteTable', { TableName: table }, 30_000);
    } catch (err) {
      log('warn', 'could not delete the table', { table, error: (err as Error).message });
    }
  }

  const faultCounts: Record<string, number> = {};
  for (const e of events) faultCounts[e.kind] = (faultCounts[e.kind] ?? 0) + 1;
  const versions = [...placementVersions].sort((a, b) => a - b);
  const summary: ChaosSummary = {
    seed,
    table,
    endpoint,
    targets: targets.map((t) => ({ name: t.name, zone: t.zone })),
    faultPhaseSeconds: phaseSeconds,
    faults: events,
    faultCounts,
    writes: { attempted, acknowledged: acked.size, failed: attempted - acked.size, acknowledgedDuringFaults: ackedDuringFaults, failedByError },
    verification: { checked: acked.size, lost: lostKeys.length, wrongValue, unreadable, lostKeys: lostKeys.slice(0, 20), seconds: verifySeconds },
    unavailability: {
      longestVnodeSeconds: vnodeCount ? longestVnodeMs / 1000 : null,
      longestVnode: vnodeCount ? longestVnode : null,
      vnodesAffected: vnodeCount ? vnodesAffected.size : null,
      longestClusterSeconds: longestClusterMs / 1000,
    },
    failovers: {
      placementVersions: versions,
      placementChanges: Math.max(0, versions.length - 1),
      leadershipMoves,
      leadershipsGained: leaderships.available ? leaderships.total : null,
      routerPlacementVersions: [...routerPlacementVersions].sort((a, b) => a - b),
      routerRetries: routerRetriesStart !== undefined && routerRetriesEnd !== undefined ? routerRetriesEnd - routerRetriesStart : null,
    },
    passed: lostKeys.length === 0 && unreadable === 0 && acked.size > 0,
  };
  process.stdout.write(values.json ? JSON.stringify(summary) + '\n' : renderSummary(summary));
  if (!summary.passed) process.exitCode = 1;
}

function renderSummary(s: ChaosSummary): string {
  const u = s.unavailability;
  const f = s.failovers;
  const errors = Object.entries(s.writes.failedByError).map(([k, n]) => `${k} ${n}`).join(', ');
  const rows: [string, string][] = [
    ['seed', String(s.seed)],
    ['containers', s.targets.map((t) => `${t.name} (${t.zone})`).join(', ')],
    ['fault phase', `${s.faultPhaseSeconds.toFixed(1)} s`],
    ['faults injected', Object.entries(s.faultCounts).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'],
    ['writes attempted', String(s.writes.attempted)],
    ['writes acknowledged', `${s.writes.acknowledged} (${s.writes.acknowledgedDuringFaults} while a fault was active)`],
    ['writes failed (unacknowledged)', `${s.writes.failed}${errors ? ` (${errors})` : ''}`],
    ['ACKNOWLEDGED WRITES LOST', `${s.verification.lost}${s.verification.wrongValue ? ` (${s.verification.wrongValue} with a wrong value)` : ''}`],
    ['acknowledged writes unreadable', `${s.verification.unreadable} (after ${s.verification.seconds.toFixed(1)} s of verification)`],
    ['longest unavailability, one vnode', u.longestVnodeSeconds === null ? 'n/a (membership not reachable)' : `${u.longestVnodeSeconds.toFixed(1)} s${u.longestVnode !== null ? ` (vnode ${u.longestVnode}; ${u.vnodesAffected} vnodes saw a failed write)` : ''}`],
    ['longest time with no write acknowledged', `${u.longestClusterSeconds.toFixed(1)} s`],
    ['placement versions seen', f.placementVersions.length ? `${f.placementVersions.join(', ')} (${f.placementChanges} changes)` : 'n/a'],
    ['vnode leaderships gained (node counters)', f.leadershipsGained === null ? 'n/a (no ringdb_storage_leadership_changes_total)' : String(f.leadershipsGained)],
    ['leadership moves (reports to membership)', f.leadershipMoves === null ? 'n/a' : String(f.leadershipMoves)],
    ['router placement versions', f.routerPlacementVersions.length ? f.routerPlacementVersions.join(', ') : 'n/a (no --router-admin)'],
    ['router routing retries', f.routerRetries === null ? 'n/a (no --router-admin)' : String(f.routerRetries)],
    ['verdict', s.passed ? 'PASS: every acknowledged write reads back' : 'FAIL'],
  ];
  const width = Math.max(...rows.map((r) => r[0].length));
  const lines = [`RingDB chaos summary (table ${s.table}, ${s.endpoint})`, ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)];
  if (s.faults.length) {
    lines.push('', '  faults:');
    for (const e of s.faults) lines.push(`    ${(e.startMs / 1000).toFixed(1).padStart(6)} s  ${e.kind.padEnd(10)} ${e.container} (zone ${e.zone}), healed at ${(e.endMs / 1000).toFixed(1)} s`);
  }
  return lines.join('\n') + '\n';
}
