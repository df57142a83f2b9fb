import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { hashKeyBytes, locatePartition } from '@ringdb/core';
import { Cluster, sleep, createKeyValueTable } from '../support/cluster.js';
import { TcpProxy } from '../support/tcp-proxy.js';

/**
 * node-a advertises (RINGDB_ADVERTISE) a proxy in front of its gRPC port, so everything its peers
 * and the router send it crosses the proxy. The proxy then drops all traffic for 12 s and heals;
 * connection attempts made during the partition never complete, as with a TCP connect whose SYN
 * was lost. grpc-js has no connect timeout, so without replacing stuck channels node-a's peers and
 * the router would not reach it again for minutes.
 */
describe('a network partition in front of a storage node heals within seconds', () => {
  const proxies: TcpProxy[] = [];
  const cluster = new Cluster({
    failureTimeoutMs: 1_000,
    advertise: async (node, port) => {
      if (node !== 'node-a') return undefined;
      const proxy = new TcpProxy(port);
      proxies.push(proxy);
      return `127.0.0.1:${await proxy.start()}`;
    },
  });
  let ddb: DynamoDBClient;
  let keysLedByA: string[] = [];

  before(async () => {
    await cluster.start();
    ddb = cluster.client(1);
    await createKeyValueTable(ddb, 'Split');
    const { placement } = await cluster.state();
    assert.equal(placement.nodes.find((n) => n.id === 'node-a')?.address, `127.0.0.1:${proxies[0].port}`, 'node-a advertises the proxy');
    keysLedByA = Array.from({ length: 60 }, (_, i) => `s${i}`).filter((k) => {
      const g = placement.vnodes[locatePartition('Split', hashKeyBytes('S', { S: k }), placement.vnodeCount).vnode];
      return g.nodes[g.leader] === 'node-a';
    });
    for (const k of keysLedByA) await cluster.client().send(new PutItemCommand({ TableName: 'Split', Item: { pk: { S: k }, v: { S: 'before' } } }));
  });
  after(async () => {
    ddb?.destroy();
    await cluster.destroy();
    for (const p of proxies) await p.close();
  });

  it('writes to the vnodes node-a leads succeed again within 5 s of the heal', async () => {
    assert.ok(keysLedByA.length >= 5, `${keysLedByA.length} keys led by node-a`);
    proxies[0].partition();
    await sleep(12_000);
    proxies[0].heal();
    const healed = Date.now();
    // Every key whose preferred leader is node-a must take a write and a strong read again.
    const recovered = new Map<string, number>();
    await Promise.all(
      keysLedByA.map(async (k) => {
        while (Date.now() - healed < 30_000) {
          try {
            await ddb.send(new PutItemCommand({ TableName: 'Split', Item: { pk: { S: k }, v: { S: 'after' } } }));
            const got = await ddb.send(new GetItemCommand({ TableName: 'Split', Key: { pk: { S: k } }, ConsistentRead: true }));
            assert.equal(got.Item?.v.S, 'after');
            recovered.set(k, Date.now() - healed);
            return;
          } catch {
            await sleep(100);
          }
        }
      }),
    );
    const worst = Math.max(...keysLedByA.map((k) => recovered.get(k) ?? Infinity));
    console.log(`after the heal, every vnode node-a led took writes again within ${worst} ms`);
    assert.ok(worst < 5_000, `a vnode node-a led was unavailable for ${worst} ms after the heal`);
  });

  it('node-a leads its preferred vnodes again and its peers reach it', async () => {
    const state = await cluster.state();
    const preferred = state.placement.vnodes.filter((g) => g.nodes[g.leader] === 'node-a').length;
    const started = Date.now();
    for (;;) {
      const m = /^ringdb_storage_vnodes\{role="leader"\} (\d+)$/m.exec(await cluster.metrics('node-a'));
      if (Number(m?.[1]) === preferred) break;
      assert.ok(Date.now() - started < 10_000, `node-a leads ${m?.[1]} of its ${preferred} preferred vnodes`);
      await sleep(200);
    }
  });
});
