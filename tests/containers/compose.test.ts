// docker-compose.yml as a user runs it: `up` brings up membership, six storage nodes in zones a, b
// and c and two routers; the AWS SDK uses it through ports published on 127.0.0.1; `ringdb chaos`
// finds the storage containers by their labels. The monitoring profile (Prometheus, Grafana) is
// checked statically: its images cannot be pulled here.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import YAML from 'yaml';
import { IMAGE, ROOT, buildImage, docker, dockerUnavailable, eventually, freePort, logDir, removeLogDir, ringdb, run } from './support.js';

/** `docker-compose` (Debian's, v1) or `docker compose` (the v2 plugin), whichever answers. */
async function composeCommand(): Promise<string[] | undefined> {
  for (const cmd of [['docker-compose'], ['docker', 'compose']]) {
    try {
      await run(cmd[0], [...cmd.slice(1), 'version'], { timeoutMs: 20_000 });
      return cmd;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

const dockerSkip = await dockerUnavailable();
const compose = dockerSkip ? undefined : await composeCommand();
let skip = dockerSkip;
if (!skip && !compose) {
  skip = 'neither docker-compose nor `docker compose` is installed; the compose tests are skipped';
  console.log(`# SKIP: ${skip}`);
}

const RINGDB_SERVICES = ['membership', 'storage-a1', 'storage-a2', 'storage-b1', 'storage-b2', 'storage-c1', 'storage-c2', 'router-1', 'router-2'];

// The skip is given to every test (not the suite), so the summary line counts them as skipped.
describe('docker-compose.yml', () => {
  const project = `ringdbtest${process.pid}`;
  const ports = { router: 0, router2: 0, routerAdmin: 0, membership: 0 };
  let env: NodeJS.ProcessEnv;
  let failed = false;
  const dc = (args: string[], timeoutMs = 300_000) => run(compose![0], [...compose!.slice(1), '-p', project, ...args], { env, timeoutMs });
  const client = (port: number) =>
    new DynamoDBClient({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 4 });
  const tracked = (fn: () => Promise<void>) => async () => {
    try {
      await fn();
    } catch (err) {
      failed = true;
      throw err;
    }
  };

  before(async () => {
    if (skip) return;
    ports.router = await freePort();
    ports.router2 = await freePort();
    ports.routerAdmin = await freePort();
    ports.membership = await freePort();
    env = {
      ...process.env,
      RINGDB_IMAGE: IMAGE,
      RINGDB_ROUTER_PORT: String(ports.router),
      RINGDB_ROUTER2_PORT: String(ports.router2),
      RINGDB_ROUTER_ADMIN_PORT: String(ports.routerAdmin),
      RINGDB_MEMBERSHIP_PORT: String(ports.membership),
      PROMETHEUS_PORT: String(await freePort()),
      GRAFANA_PORT: String(await freePort()),
    };
    await buildImage();
    await dc(['up', '-d', '--no-build']);
  }, { timeout: 900_000 });

  after(async () => {
    if (!env) return;
    if (failed) {
      const logs = await dc(['logs', '--no-color'], 120_000).catch((err: Error) => err.message);
      writeFileSync(path.join(logDir(), 'compose.log'), logs);
      console.log(`# compose logs: ${path.join(logDir(), 'compose.log')}`);
    }
    await dc(['down', '--volumes', '--remove-orphans', '--timeout', '10'], 300_000);
    if (!failed) removeLogDir();
  });

  it('publishes every port on 127.0.0.1 only, and the monitoring profile adds Prometheus and Grafana with the repository\'s configuration', { skip }, tracked(async () => {
    const monitoring = YAML.parse(await dc(['--profile', 'monitoring', 'config'], 60_000)) as {
      services: Record<string, { profiles?: string[]; ports?: (string | { host_ip?: string })[]; volumes?: (string | { source: string; target: string })[] }>;
    };
    assert.deepEqual(Object.keys(monitoring.services).sort(), [...RINGDB_SERVICES, 'grafana', 'prometheus'].sort());
    // Only Prometheus and Grafana belong to the profile (`up` without it starts the nine others:
    // see the next test).
    for (const [name, svc] of Object.entries(monitoring.services)) {
      assert.deepEqual(svc.profiles ?? [], ['grafana', 'prometheus'].includes(name) ? ['monitoring'] : [], name);
    }
    for (const [name, svc] of Object.entries(monitoring.services)) {
      for (const p of svc.ports ?? []) {
        const hostIp = typeof p === 'string' ? p.split(':')[0] : p.host_ip;
        assert.equal(hostIp, '127.0.0.1', `${name} publishes ${JSON.stringify(p)}`);
      }
    }
    // Bind mounts point at files of the repository that exist.
    const mounts = (svc: string) =>
      (monitoring.services[svc].volumes ?? []).map((v) => (typeof v === 'string' ? { source: v.split(':')[0], target: v.split(':')[1] } : v)).filter((v) => v.source.startsWith('/'));
    for (const svc of ['prometheus', 'grafana']) for (const m of mounts(svc)) assert.ok(existsSync(m.source), `${svc} mounts ${m.source}, which does not exist`);
    assert.ok(mounts('prometheus').some((m) => m.source.endsWith('deploy/prometheus-compose.yml') && m.target === '/etc/prometheus/prometheus.yml'));
    assert.ok(mounts('grafana').some((m) => m.source.endsWith('deploy/grafana/ringdb.json')));
    // Prometheus scrapes exactly the RingDB services, on their admin port.
    const prom = YAML.parse(readFileSync(path.join(ROOT, 'deploy/prometheus-compose.yml'), 'utf8')) as { scrape_configs: { static_configs: { targets: string[] }[] }[] };
    const targets = prom.scrape_configs.flatMap((j) => j.static_configs.flatMap((s) => s.targets)).sort();
    assert.deepEqual(targets, RINGDB_SERVICES.map((s) => `${s}:9000`).sort());
    // Grafana is provisioned with the Prometheus data source and the dashboard folder.
    const ds = YAML.parse(readFileSync(path.join(ROOT, 'deploy/grafana/provisioning/datasources/prometheus.yml'), 'utf8')) as { datasources: { type: string; url: string }[] };
    assert.deepEqual(ds.datasources.map((d) => [d.type, d.url]), [['prometheus', 'http://prometheus:9090']]);
    const dash = YAML.parse(readFileSync(path.join(ROOT, 'deploy/grafana/provisioning/dashboards/ringdb.yml'), 'utf8')) as { providers: { options: { path: string } }[] };
    assert.ok(mounts('grafana').some((m) => m.target.startsWith(dash.providers[0].options.path)));
    JSON.parse(readFileSync(path.join(ROOT, 'deploy/grafana/ringdb.json'), 'utf8'));
  }));

  it('brings every container up healthy (the compose health checks hit /ready)', { skip }, tracked(async () => {
    const ids = (await dc(['ps', '-q'], 60_000)).split('\n').filter(Boolean);
    assert.equal(ids.length, RINGDB_SERVICES.length);
    await eventually('all compose containers healthy', async () => {
      const states = (await docker(['inspect', '--format', '{{.Name}} {{.State.Health.Status}}', ...ids])).trim().split('\n');
      const unhealthy = states.filter((s) => !s.endsWith(' healthy'));
      if (unhealthy.length) throw new Error(unhealthy.join(', '));
    }, 240_000, 2_000);
    // Published ports are bound to 127.0.0.1 in the running containers too.
    for (const id of ids) {
      const [info] = JSON.parse(await docker(['inspect', id])) as { NetworkSettings: { Ports: Record<string, { HostIp: string }[] | null> } }[];
      for (const b of Object.values(info.NetworkSettings.Ports).flatMap((x) => x ?? [])) assert.equal(b.HostIp, '127.0.0.1');
    }
  }));

  it('registers six storage nodes, two in each zone, under their service names', { skip }, tracked(async () => {
    await eventually('six nodes up with vnodes placed', async () => {
      const { code, stdout, stderr } = await ringdb(['status', '--json', '--membership', `127.0.0.1:${ports.membership}`], 30_000);
      assert.equal(code, 0, stderr);
      const s = JSON.parse(stdout) as { vnodeCount: number; zones: string[]; nodes: { id: string; zone: string; address: string; health: string; leaderVnodes: number }[] };
      assert.deepEqual(s.zones, ['a', 'b', 'c']);
      assert.equal(s.vnodeCount, 256);
      assert.deepEqual(s.nodes.map((n) => `${n.id} ${n.zone} ${n.address} ${n.health}`), [
        'storage-a1 a storage-a1:7100 up', 'storage-a2 a storage-a2:7100 up',
        'storage-b1 b storage-b1:7100 up', 'storage-b2 b storage-b2:7100 up',
        'storage-c1 c storage-c1:7100 up', 'storage-c2 c storage-c2:7100 up',
      ]);
      assert.equal(s.nodes.reduce((n, x) => n + x.leaderVnodes, 0), 256);
    }, 60_000, 1_000);
  }));

  it('serves the AWS SDK through both routers', { skip }, tracked(async () => {
    const r1 = client(ports.router);
    const r2 = client(ports.router2);
    try {
      await r1.send(new CreateTableCommand({
        TableName: 'Orders',
        KeySchema: [{ AttributeName: 'user_id', KeyType: 'HASH' }, { AttributeName: 'order_id', KeyType: 'RANGE' }],
        AttributeDefinitions: [{ AttributeName: 'user_id', AttributeType: 'S' }, { AttributeName: 'order_id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }));
      await eventually('table active', async () => {
        assert.equal((await r2.send(new DescribeTableCommand({ TableName: 'Orders' }))).Table?.TableStatus, 'ACTIVE');
      });
      for (let i = 0; i < 40; i++) {
        await (i % 2 ? r1 : r2).send(new PutItemCommand({ TableName: 'Orders', Item: { user_id: { S: `user${i % 8}` }, order_id: { S: `order${i}` }, total: { N: `${i}.50` } } }));
      }
      const got = await r2.send(new GetItemCommand({ TableName: 'Orders', Key: { user_id: { S: 'user3' }, order_id: { S: 'order11' } }, ConsistentRead: true }));
      assert.equal(got.Item?.total.N, '11.5');
      const scan = await r1.send(new ScanCommand({ TableName: 'Orders', ConsistentRead: true }));
      assert.equal(scan.Count, 40);
    } finally {
      r1.destroy();
      r2.destroy();
    }
  }));

  it('ringdb chaos finds the storage containers by label, disrupts them and loses no acknowledged write', { skip }, tracked(async () => {
    const { code, stdout, stderr } = await ringdb([
      'chaos', '--project', project, '--endpoint', `http://127.0.0.1:${ports.router}`, '--membership', `127.0.0.1:${ports.membership}`,
      '--router-admin', `http://127.0.0.1:${ports.routerAdmin}`, '--faults', 'kill,disconnect', '--duration', '12',
      '--fault-seconds', '4', '--calm-seconds', '2', '--warmup', '2', '--concurrency', '4', '--seed', '5', '--settle-timeout', '90',
    ], 300_000);
    console.log(stdout.split('\n').map((l) => `# ${l}`).join('\n'));
    assert.equal(code, 0, stderr.split('\n').slice(-20).join('\n'));
    assert.match(stdout, /ACKNOWLEDGED WRITES LOST\s+0\n/);
    assert.match(stdout, /verdict\s+PASS/);
    // All six storage containers were the candidates, with their zones from the labels.
    const containers = /containers\s+(.*)\n/.exec(stdout)?.[1] ?? '';
    for (const svc of RINGDB_SERVICES.filter((s) => s.startsWith('storage-'))) assert.match(containers, new RegExp(`${svc}\\S* \\(${svc[8]}\\)`));
    // A second fault starts only while the phase (12 s) has not ended: the first, with its docker
    // commands (a network disconnect and reconnect have taken 5 s here) and 2 s of calm, must end
    // before; a third never fits (each takes at least 6 s).
    assert.match(stdout, /faults injected\s+(kill 1, disconnect 1|disconnect 1, kill 1)/);
  }));
});
