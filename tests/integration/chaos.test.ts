import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateTableCommand, GetItemCommand, PutItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { seededRandom } from '@ringdb/core';
import { Cluster, eventually, sleep } from '../support/cluster.js';

/**
 * Chaos on loopback: real processes, the AWS SDK as the client. Writers put and increment their own
 * keys while a seeded schedule kills (-9), pauses (SIGSTOP/SIGCONT) and restarts storage nodes.
 * After each schedule everything is healed and checked with strongly consistent reads:
 *  - every key holds its last acknowledged value, or a value written after it whose answer was an
 *    error (its outcome was unknown), never an older one;
 *  - every counter is at least its acknowledged increments and at most those plus the increments
 *    whose outcome was unknown (nothing lost, nothing applied twice).
 * RINGDB_CHAOS_SCHEDULES sets the number of schedules (default 20).
 */
const SCHEDULES = Number(process.env.RINGDB_CHAOS_SCHEDULES ?? 20);
const WRITERS = 6;
const KEYS_PER_WRITER = 4;
const NODES = ['node-a', 'node-b', 'node-c'];

interface KeyLog {
  /** Last acknowledged value. */
  acked: string | undefined;
  /** Values written after it whose outcome is unknown. */
  unknown: string[];
}

describe('chaos: kill -9, SIGSTOP and restarts under write load', () => {
  const cluster = new Cluster({ vnodes: 32, failureTimeoutMs: 1_000, env: { RINGDB_ELECTION_TIMEOUT_MS: '500' } });
  let ddb: DynamoDBClient;
  const keys = new Map<string, KeyLog>();
  const counters = new Map<string, { acked: number; unknown: number }>();
  const stats = { acked: 0, failed: 0, longestGapMs: 0 };

  before(async () => {
    await cluster.start();
    ddb = cluster.client(1);
    await ddb.send(
      new CreateTableCommand({
        TableName: 'Chaos',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    for (let w = 0; w < WRITERS; w++) {
      for (let k = 0; k < KEYS_PER_WRITER; k++) keys.set(`w${w}-k${k}`, { acked: undefined, unknown: [] });
      counters.set(`w${w}-counter`, { acked: 0, unknown: 0 });
    }
  });
  after(async () => {
    for (const n of NODES) await cluster.signal(n, 'SIGCONT');
    ddb?.destroy();
    await cluster.destroy();
  });

  /** One writer: its own keys, one request at a time, until told to stop. */
  async function writer(w: number, stop: { now: boolean }, seq: { n: number }): Promise<void> {
    let lastSuccess = Date.now();
    while (!stop.now) {
      const k = seq.n % (KEYS_PER_WRITER + 1);
      seq.n++;
      try {
        if (k === KEYS_PER_WRITER) {
          const c = counters.get(`w${w}-counter`)!;
          try {
            await ddb.send(new UpdateItemCommand({
              TableName: 'Chaos', Key: { pk: { S: `w${w}-counter` } },
              UpdateExpression: 'ADD n :one', ExpressionAttributeValues: { ':one': { N: '1' } },
            }));
            c.acked++;
          } catch (err) {
            c.unknown++;
            throw err;
          }
        } else {
          const key = `w${w}-k${k}`;
          const value = `w${w}-${seq.n}`;
          const log = keys.get(key)!;
          try {
            await ddb.send(new PutItemCommand({ TableName: 'Chaos', Item: { pk: { S: key }, v: { S: value } } }));
            log.acked = value;
            log.unknown = [];
          } catch (err) {
            log.unknown.push(value);
            throw err;
          }
        }
        stats.acked++;
        stats.longestGapMs = Math.max(stats.longestGapMs, Date.now() - lastSuccess);
        lastSuccess = Date.now();
      } catch {
        stats.failed++;
        await sleep(20);
      }
    }
  }

  async function heal(): Promise<void> {
    for (const n of NODES) {
      await cluster.signal(n, 'SIGCONT');
      if (!cluster.running(n)) cluster.run(n);
    }
  }

  async function verify(round: number): Promise<void> {
    const reader = cluster.client(5);
    try {
      for (const [key, log] of keys) {
        const got = await eventually(`read ${key}`, () => reader.send(new GetItemCommand({ TableName: 'Chaos', Key: { pk: { S: key } }, ConsistentRead: true })), 20_000, 200);
        const value = got.Item?.v.S;
        const allowed = [log.acked, ...log.unknown];
        assert.ok(allowed.includes(value), `schedule ${round}: ${key} = ${value}; last acknowledged ${log.acked}, unknown ${log.unknown.join(',') || 'none'}`);
      }
      for (const [key, c] of counters) {
        const got = await eventually(`read ${key}`, () => reader.send(new GetItemCommand({ TableName: 'Chaos', Key: { pk: { S: key } }, ConsistentRead: true })), 20_000, 200);
        const n = Number(got.Item?.n.N ?? 0);
        assert.ok(n >= c.acked && n <= c.acked + c.unknown, `schedule ${round}: ${key} = ${n}; acknowledged ${c.acked}, unknown ${c.unknown}`);
        // What is now known settles the unknown increments.
        c.acked = n;
        c.unknown = 0;
      }
      for (const [, log] of keys) log.unknown = [];
    } finally {
      reader.destroy();
    }
  }

  it(`${SCHEDULES} seeded fault schedules: no acknowledged write lost, no increment applied twice`, async () => {
    let faults = 0;
    for (let round = 1; round <= SCHEDULES; round++) {
      const rnd = seededRandom(round);
      const stop = { now: false };
      const seqs = Array.from({ length: WRITERS }, () => ({ n: 0 }));
      const writers = seqs.map((seq, w) => writer(w, stop, seq));
      const steps = 2 + Math.floor(rnd() * 3);
      const log: string[] = [];
      for (let s = 0; s < steps; s++) {
        const node = NODES[Math.floor(rnd() * NODES.length)];
        const action = rnd();
        const hold = 300 + Math.floor(rnd() * 1_700);
        if (action < 0.45) {
          log.push(`kill -9 ${node}, restart after ${hold} ms`);
          await cluster.signal(node, 'SIGKILL');
          await sleep(hold);
          cluster.run(node);
        } else if (action < 0.85) {
          log.push(`SIGSTOP ${node} for ${hold} ms`);
          await cluster.signal(node, 'SIGSTOP');
          await sleep(hold);
          await cluster.signal(node, 'SIGCONT');
        } else {
          // Two nodes down at once: no quorum for some vnodes; they must stall, not lose writes.
          const other = NODES.filter((n) => n !== node)[Math.floor(rnd() * 2)];
          log.push(`SIGSTOP ${node} and ${other} for ${Math.round(hold / 2)} ms`);
          await cluster.signal(node, 'SIGSTOP');
          await cluster.signal(other, 'SIGSTOP');
          await sleep(hold / 2);
          await cluster.signal(node, 'SIGCONT');
          await cluster.signal(other, 'SIGCONT');
        }
        faults++;
        await sleep(200 + Math.floor(rnd() * 800));
      }
      await heal();
      await sleep(1_500); // let writers run against the healed cluster
      stop.now = true;
      await Promise.all(writers);
      await verify(round);
      console.log(`schedule ${round}: ${log.join('; ')}`);
    }
    console.log(`chaos: ${SCHEDULES} schedules, ${faults} faults, ${stats.acked} acknowledged writes, ${stats.failed} failed, longest gap a writer saw ${stats.longestGapMs} ms`);
    assert.ok(stats.acked > SCHEDULES * 50, `only ${stats.acked} acknowledged writes`);
  });
});
