// The RingDB image and a three-zone cluster of its containers (membership, one storage node per
// zone, one router) on a user-defined Docker network, driven with the AWS SDK through ports
// published on 127.0.0.1. Faults: a storage container stopped, another disconnected from the
// network, then `ringdb chaos` killing, pausing, restarting and disconnecting them. The invariant
// throughout: every write the SDK saw acknowledged reads back (ConsistentRead) after healing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateTableCommand, DescribeTableCommand, GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ClusterState } from '@ringdb/runtime';
import { ContainerCluster, IMAGE, WriteLoad, buildImage, docker, dockerUnavailable, eventually, logDir, lostWrites, preferredLeaders, removeLogDir, ringdb, sleep } from './support.js';

const skip = await dockerUnavailable();
const TABLE = 'Orders';

// The skip is given to every test (not the suite), so the summary line counts them as skipped.
describe('RingDB in containers', () => {
  const cluster = new ContainerCluster();
  let ddb: DynamoDBClient;
  let failed = false;

  before(async () => {
    if (skip) return;
    await buildImage();
    await cluster.start();
    ddb = cluster.client();
  }, { timeout: 900_000 });

  after(async () => {
    if (skip) return;
    ddb?.destroy();
    if (failed || process.env.RINGDB_KEEP_TEST_DATA) console.log(`# container logs: ${logDir()}`);
    await cluster.destroy();
    if (!failed) removeLogDir();
  });

  /** Runs a test body, remembering a failure so that `after` points at the container logs. */
  const tracked = (fn: () => Promise<void>) => async () => {
    try {
      await fn();
    } catch (err) {
      failed = true;
      throw err;
    }
  };

  it('builds one image for every role: the ringdb CLI as entrypoint, a non-root user, a HEALTHCHECK on /health', { skip }, tracked(async () => {
    const [image] = JSON.parse(await docker(['image', 'inspect', IMAGE])) as { Config: { User: string; Entrypoint: string[]; Healthcheck?: { Test: string[] }; ExposedPorts: Record<string, unknown> } }[];
    assert.equal(image.Config.User, '1000:1000');
    assert.deepEqual(image.Config.Entrypoint, ['node', '/app/packages/cli/dist/main.js']);
    assert.match(image.Config.Healthcheck?.Test.join(' ') ?? '', /\/health/);
    for (const p of ['7000/tcp', '7100/tcp', '8000/tcp', '9000/tcp']) assert.ok(p in image.Config.ExposedPorts, p);
    const help = await docker(['run', '--rm', IMAGE, '--help']);
    for (const role of ['membership', 'storage', 'router']) assert.match(help, new RegExp(`^  ${role} `, 'm'));
    assert.match(await docker(['run', '--rm', IMAGE, 'storage', '--help']), /Usage: ringdb storage/);
    const uid = await docker(['run', '--rm', '--entrypoint', 'node', IMAGE, '-p', 'process.getuid() + ":" + process.getgid()']);
    assert.equal(uid.trim(), '1000:1000');
    // The dev-only packages are gone, the native RocksDB binding is there and loads.
    const probe = await docker(['run', '--rm', '--entrypoint', 'node', '-w', '/app/packages/storage-node', IMAGE, '-e',
      "const fs=require('fs');console.log(fs.existsSync('/app/node_modules/typescript'), fs.existsSync('/app/node_modules/@aws-sdk'), " +
      "Object.keys(require('@nxtedition/rocksdb')).length > 0, Object.keys(require('classic-level')).length > 0)"]);
    assert.equal(probe.trim(), 'false false true true');
    // Docker's own health check (the image's HEALTHCHECK) turns healthy for a running process.
    await eventually('router container healthy', async () => {
      const status = (await docker(['inspect', '--format', '{{.State.Health.Status}}', cluster.router.getId()])).trim();
      if (status !== 'healthy') throw new Error(status);
    }, 60_000, 1_000);
  }));

  it('publishes ports on 127.0.0.1 only', { skip }, tracked(async () => {
    for (const c of [cluster.membership, cluster.router, ...cluster.nodes.map((n) => n.container)]) {
      const [info] = JSON.parse(await docker(['inspect', c.getId()])) as { NetworkSettings: { Ports: Record<string, { HostIp: string }[] | null> } }[];
      const bindings = Object.values(info.NetworkSettings.Ports).flatMap((b) => b ?? []);
      assert.ok(bindings.length > 0);
      for (const b of bindings) assert.equal(b.HostIp, '127.0.0.1');
    }
  }));

  it('serves the AWS SDK: one replica per zone, addressed by container name', { skip }, tracked(async () => {
    await ddb.send(new CreateTableCommand({
      TableName: TABLE,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }));
    await eventually('table active', async () => {
      const d = await ddb.send(new DescribeTableCommand({ TableName: TABLE }));
      assert.equal(d.Table?.TableStatus, 'ACTIVE');
    });
    for (let i = 0; i < 50; i++) await ddb.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: `first-${i}` }, n: { N: String(i) } } }));
    for (let i = 0; i < 50; i += 7) {
      const got = await ddb.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: `first-${i}` } }, ConsistentRead: true }));
      assert.equal(got.Item?.n.N, String(i));
    }
    const state = await cluster.state();
    assert.deepEqual(state.placement.nodes.map((n) => [n.id, n.zone, n.address]).sort(), [
      ['storage-a', 'a', 'storage-a:7100'],
      ['storage-b', 'b', 'storage-b:7100'],
      ['storage-c', 'c', 'storage-c:7100'],
    ]);
    for (const g of state.placement.vnodes) assert.equal(new Set(g.nodes).size, 3);
  }));

  /**
   * Runs a write load, applies `fault` to `victim` for `faultMs`, heals it and checks: some writes
   * were acknowledged during the fault, every write to a vnode the victim did not lead was, and
   * after healing every acknowledged write reads back. Writes to the victim's vnodes fail while it
   * is unreachable, until a new leader is elected (or, without failover, until it is back): they
   * count as unacknowledged, never as lost.
   */
  async function faultRound(victim: string, fault: () => Promise<void>, heal: () => Promise<void>, faultMs: number): Promise<void> {
    const state: ClusterState = await cluster.waitReady();
    const leaders = preferredLeaders(state);
    const load = new WriteLoad(ddb, TABLE, state.placement.vnodeCount, `${victim}-${Date.now()}`);
    let faultStart = 0;
    let faultEnd = 0;
    try {
      await sleep(2_000);
      faultStart = Date.now();
      await fault();
      await sleep(faultMs);
      faultEnd = Date.now();
      await heal();
      await cluster.waitReady(90_000);
      console.log(`# ${victim}: cluster ready again ${((Date.now() - faultEnd) / 1000).toFixed(1)} s after healing`);
      await sleep(1_000);
    } finally {
      await load.stop();
    }
    const during = load.between(faultStart, faultEnd);
    const others = during.filter((r) => leaders[r.vnode] !== victim);
    const victims = during.filter((r) => leaders[r.vnode] === victim);
    const failedOthers = others.filter((r) => !r.ok);
    const summary = `${victim}: ${during.length} writes during the fault (${during.filter((r) => r.ok).length} acknowledged); ` +
      `to vnodes it led: ${victims.filter((r) => r.ok).length}/${victims.length} acknowledged; ` +
      `elsewhere: ${others.length - failedOthers.length}/${others.length}; in all ${load.acked.size} of ${load.records.length} acknowledged`;
    console.log(`# ${summary}`);
    assert.ok(during.some((r) => r.ok), `no write was acknowledged during the fault: ${summary}`);
    assert.ok(others.length > 0, summary);
    assert.deepEqual(failedOthers.map((r) => `${r.key} (vnode ${r.vnode}): ${r.error}`), [], `writes to vnodes ${victim} did not lead failed: ${summary}`);
    const lost = await lostWrites(ddb, TABLE, load.acked);
    assert.deepEqual(lost, [], `acknowledged writes lost: ${summary}`);
  }

  it('stopping a storage container loses no acknowledged write; it catches up when started again', { skip }, tracked(async () => {
    const node = cluster.node('storage-a');
    await faultRound(
      node.name,
      () => docker(['stop', '--time', '10', node.container.getId()]).then(() => undefined),
      () => docker(['start', node.container.getId()]).then(() => undefined),
      8_000,
    );
  }));

  it('disconnecting a storage container from the network loses no acknowledged write', { skip }, tracked(async () => {
    const node = cluster.node('storage-b');
    const network = cluster.network.getName();
    await faultRound(
      node.name,
      () => docker(['network', 'disconnect', network, node.container.getId()]).then(() => undefined),
      () => docker(['network', 'connect', '--alias', node.name, network, node.container.getId()]).then(() => undefined),
      8_000,
    );
  }));

  it('leaves every replica caught up: no leader reports replication lag', { skip }, tracked(async () => {
    await eventually('no replication lag', async () => {
      for (const node of cluster.nodes) {
        const text = await cluster.metrics(node);
        for (const m of text.matchAll(/^ringdb_storage_replication_lag_entries\{[^}]*peer="([^"]+)"[^}]*\} (\d+)$/gm)) {
          if (Number(m[2]) !== 0) throw new Error(`${node.name} reports ${m[2]} entries not acknowledged by ${m[1]}`);
        }
      }
    }, 60_000, 1_000);
  }));

  it('ringdb chaos: kills, pauses, restarts and disconnects storage containers under load and finds no acknowledged write lost', { skip }, tracked(async () => {
    await cluster.waitReady();
    const { code, stdout, stderr } = await ringdb([
      'chaos', '--endpoint', cluster.endpoint, '--membership', cluster.membershipAddress,
      '--router-admin', `http://127.0.0.1:${cluster.routerAdminPort}`,
      '--containers', cluster.nodes.map((n) => n.container.getId()).join(','),
      '--duration', '36', '--fault-seconds', '4', '--calm-seconds', '3', '--warmup', '2', '--concurrency', '4',
      '--seed', '11', '--settle-timeout', '90', '--json',
    ], 300_000);
    const last = stdout.trim().split('\n').pop() ?? '';
    let summary;
    try {
      summary = JSON.parse(last);
    } catch {
      assert.fail(`ringdb chaos printed no summary (exit ${code}):\n${stdout}\n${stderr.split('\n').slice(-20).join('\n')}`);
    }
    console.log(`# chaos: faults ${JSON.stringify(summary.faultCounts)}, writes ${JSON.stringify(summary.writes)}, ` +
      `lost ${summary.verification.lost}, longest vnode unavailability ${summary.unavailability.longestVnodeSeconds} s, ` +
      `leaderships gained ${summary.failovers.leadershipsGained}, leadership moves ${summary.failovers.leadershipMoves}, router retries ${summary.failovers.routerRetries}`);
    assert.equal(code, 0, stderr.split('\n').slice(-20).join('\n'));
    assert.equal(summary.verification.lost, 0);
    assert.equal(summary.verification.unreadable, 0);
    assert.equal(summary.passed, true);
    // At least four faults: every kind occurs (kinds come from a shuffled bag).
    assert.deepEqual(Object.keys(summary.faultCounts).sort(), ['disconnect', 'kill', 'pause', 'restart'], JSON.stringify(summary.faults));
    assert.ok(summary.writes.acknowledged > 0 && summary.writes.acknowledgedDuringFaults > 0, JSON.stringify(summary.writes));
    assert.ok(summary.failovers.placementVersions.length >= 1);
    // Killing, pausing and restarting nodes that lead vnodes moves leaderships to the survivors
    // (and back): the nodes' own counters, read inside the containers, saw it.
    assert.ok(summary.failovers.leadershipsGained > 0, JSON.stringify(summary.failovers));
    assert.ok(summary.failovers.routerRetries !== null && summary.failovers.routerPlacementVersions.length >= 1, JSON.stringify(summary.failovers));
    // Every container is running and connected again, and the cluster is whole.
    const network = cluster.network.getName();
    for (const n of cluster.nodes) {
      const [info] = JSON.parse(await docker(['inspect', n.container.getId()])) as { State: { Status: string }; NetworkSettings: { Networks: Record<string, { Aliases: string[] | null }> } }[];
      assert.equal(info.State.Status, 'running', n.name);
      assert.deepEqual(Object.keys(info.NetworkSettings.Networks), [network], `${n.name}: ${JSON.stringify(info.NetworkSettings.Networks)}`);
      assert.ok(info.NetworkSettings.Networks[network]?.Aliases?.includes(n.name), `${n.name} is on ${network} as ${n.name}: ${JSON.stringify(info.NetworkSettings.Networks)}`);
    }
    await cluster.waitReady(90_000);
  }));
});
