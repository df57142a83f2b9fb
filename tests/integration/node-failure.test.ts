import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateTableCommand, GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { hashKeyBytes, locatePartition } from '@ringdb/core';
import type { Placement } from '@ringdb/runtime';
import { execFileSync } from 'node:child_process';
import { Cluster, RINGDB_BIN, eventually } from '../support/cluster.js';

interface Located {
  vnode: number;
  replicas: { node: string; zone: string; role: string; preferredLeader: boolean; health: string }[];
}

/** Which node is the preferred leader of each key's vnode (the leader once the cluster settled). */
function leaders(placement: Placement, table: string, keys: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const k of keys) {
    const { vnode } = locatePartition(table, hashKeyBytes('S', { S: k }), placement.vnodeCount);
    const group = placement.vnodes[vnode];
    out.set(k, group.nodes[group.leader]);
  }
  return out;
}

describe('kill -9 of one storage node', () => {
  const cluster = new Cluster({ failureTimeoutMs: 1_000 });
  let ddb: DynamoDBClient;
  let leaderOf: Map<string, string>;
  const keys = Array.from({ length: 150 }, (_, i) => `key-${i}`);
  const victim = 'node-a';

  before(async () => {
    await cluster.start();
    ddb = cluster.client();
    await ddb.send(
      new CreateTableCommand({
        TableName: 'KvStore',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    leaderOf = leaders((await cluster.state()).placement, 'KvStore', keys);
    for (const k of keys) await ddb.send(new PutItemCommand({ TableName: 'KvStore', Item: { pk: { S: k }, v: { S: 'before' } } }));
  });
  after(async () => {
    ddb?.destroy();
    await cluster.destroy();
  });

  const locate = (key: string): Located =>
    JSON.parse(execFileSync(process.execPath, [RINGDB_BIN, 'locate', 'KvStore', key, '--json', '--membership', cluster.membershipAddress], { encoding: 'utf8' })) as Located;

  it('ringdb locate and status show the replicas, the preferred leader and the elected one', async () => {
    const k = keys.find((x) => leaderOf.get(x) === victim)!;
    const where = locate(k);
    assert.equal(where.replicas.length, 3);
    assert.deepEqual(where.replicas.map((r) => r.zone).sort(), ['a', 'b', 'c']);
    const preferred = where.replicas.find((r) => r.preferredLeader)!;
    assert.equal(preferred.node, victim);
    await eventually('the preferred leader is reported as leader', async () => assert.equal(locate(k).replicas.find((r) => r.role === 'leader')?.node, victim));
    const status = JSON.parse(execFileSync(process.execPath, [RINGDB_BIN, 'status', '--json', '--membership', cluster.membershipAddress], { encoding: 'utf8' })) as {
      nodes: { id: string; health: string; leaderVnodes: number; preferredLeaderVnodes: number }[];
    };
    assert.equal(status.nodes.length, 3);
    for (const n of status.nodes) assert.equal(n.health, 'up');
    assert.equal(status.nodes.reduce((sum, n) => sum + n.preferredLeaderVnodes, 0), 64);
  });

  it('elects new leaders for the dead node\'s vnodes within 3 seconds; writes and reads continue on two replicas', async () => {
    const killedAt = Date.now();
    await cluster.signal(victim, 'SIGKILL');
    // Every key is written, and read back with ConsistentRead, until both succeed; keys the dead
    // node led wait for their new leader. Before the kill every key was served, so this is the
    // longest time each key went without a successful write and strong read.
    const firstSuccessMs = new Map<string, number>();
    await Promise.all(
      keys.map(async (k) => {
        for (;;) {
          try {
            await ddb.send(new PutItemCommand({ TableName: 'KvStore', Item: { pk: { S: k }, v: { S: 'during' } } }));
            const got = await ddb.send(new GetItemCommand({ TableName: 'KvStore', Key: { pk: { S: k } }, ConsistentRead: true }));
            if (got.Item?.v.S !== 'during') throw new Error(`strong read of ${k}: ${JSON.stringify(got.Item)}`);
            firstSuccessMs.set(k, Date.now() - killedAt);
            return;
          } catch (err) {
            if (Date.now() - killedAt > 15_000) throw err;
          }
        }
      }),
    );
    const led = keys.filter((k) => leaderOf.get(k) === victim);
    const others = keys.filter((k) => leaderOf.get(k) !== victim);
    assert.ok(led.length > 20 && others.length > 50, `${led.length} keys led by ${victim}, ${others.length} elsewhere`);
    const worst = Math.max(...led.map((k) => firstSuccessMs.get(k)!));
    const gained = (text: string) => Number(/^ringdb_storage_leadership_changes_total\{change="gained"[^}]*\} (\d+)$/m.exec(text)?.[1] ?? 0);
    const survivorsGained = gained(await cluster.metrics('node-b')) + gained(await cluster.metrics('node-c'));
    assert.ok(survivorsGained >= 64 * 2 / 3 + 1, `the survivors count ${survivorsGained} leaderships gained`);
    console.log(`failover: every vnode of ${victim} took writes again after at most ${worst} ms`);
    assert.ok(worst <= 3_000, `a vnode of ${victim} was unavailable for ${worst} ms`);
    for (const k of keys) {
      const strong = await ddb.send(new GetItemCommand({ TableName: 'KvStore', Key: { pk: { S: k } }, ConsistentRead: true }));
      assert.equal(strong.Item?.v.S, 'during', k);
    }
    // Eventually consistent reads are served by a live replica.
    for (const k of keys) {
      const weak = await ddb.send(new GetItemCommand({ TableName: 'KvStore', Key: { pk: { S: k } } }));
      assert.ok(weak.Item, `eventual read of ${k}`);
    }
    // ringdb locate names the new leader (once the survivors have reported it).
    const k = led[0];
    await eventually('locate shows the new leader', async () => {
      const leader = locate(k).replicas.find((r) => r.role === 'leader');
      assert.ok(leader && leader.node !== victim && leader.health === 'up', JSON.stringify(locate(k)));
    });
  });

  it('catches the restarted node up on what it missed', async () => {
    cluster.run(victim);
    await eventually(`${victim} up`, async () => {
      const s = await cluster.state();
      assert.ok(s.placement.nodes.find((n) => n.id === victim)?.alive);
    });
    // The restarted node catches up from the leaders' logs, then gets back the vnodes it is the
    // preferred leader of (leadership transfer), so load stays spread over the zones.
    const state = await cluster.state();
    const preferred = state.placement.vnodes.filter((g) => g.nodes[g.leader] === victim).length;
    await eventually(`${victim} leads its ${preferred} preferred vnodes again`, async () => {
      const m = /^ringdb_storage_vnodes\{role="leader"\} (\d+)$/m.exec(await cluster.metrics(victim));
      assert.equal(Number(m?.[1]), preferred);
    }, 20_000, 250);
    // Now make the restarted node the only live replica: every eventual read must come from it.
    await cluster.signal('node-b', 'SIGKILL');
    await cluster.signal('node-c', 'SIGKILL');
    for (const k of keys) {
      const got = await ddb.send(new GetItemCommand({ TableName: 'KvStore', Key: { pk: { S: k } } }));
      assert.equal(got.Item?.v.S, 'during', `${k} as held by ${victim}`);
    }
  });
});
