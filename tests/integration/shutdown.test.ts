import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { Cluster, RINGDB_BIN, eventually, freePort, sleep, createKeyValueTable } from '../support/cluster.js';

/** Every process must exit this soon after SIGTERM (its stop() included). */
const EXIT_WITHIN_MS = 2_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERMs one process of the cluster; resolves with how long it took to exit (SIGKILL after 10 s). */
async function terminate(cluster: Cluster, name: string): Promise<number> {
  const t0 = Date.now();
  await Promise.race([cluster.signal(name, 'SIGTERM'), sleep(10_000)]);
  const ms = Date.now() - t0;
  if (cluster.running(name)) {
    await cluster.signal(name, 'SIGCONT');
    await cluster.signal(name, 'SIGKILL');
  }
  return ms;
}

describe('prompt exit on SIGTERM', () => {
  const cluster = new Cluster();
  after(async () => {
    await cluster.destroy();
  });

  it('router, storage nodes and membership each exit within 2 s of SIGTERM', async () => {
    await cluster.start();
    const ddb = cluster.client();
    await createKeyValueTable(ddb, 'Bye');
    // Open every stream (router -> nodes, node -> node) and leave keep-alive HTTP connections behind.
    await Promise.all(Array.from({ length: 40 }, (_, i) => ddb.send(new PutItemCommand({ TableName: 'Bye', Item: { pk: { S: `k${i}` } } }))));
    const took: Record<string, number> = {};
    // A paused peer keeps its connections open without reading: node-a's streams to it stall.
    await cluster.signal('node-c', 'SIGSTOP');
    await sleep(500);
    await Promise.all(Array.from({ length: 40 }, (_, i) => ddb.send(new PutItemCommand({ TableName: 'Bye', Item: { pk: { S: `k${i}` }, v: { S: 'again' } } })).catch(() => undefined)));
    // Router first, then the storage nodes while the others still run (their peers stay connected),
    // membership last.
    for (const name of ['router', 'node-a', 'membership', 'node-b']) {
      took[name] = await terminate(cluster, name);
    }
    await cluster.signal('node-c', 'SIGCONT');
    took['node-c'] = await terminate(cluster, 'node-c');
    ddb.destroy();
    console.log(`exit after SIGTERM (ms): ${JSON.stringify(took)}`);
    for (const [name, ms] of Object.entries(took)) assert.ok(ms < EXIT_WITHIN_MS, `${name} took ${ms} ms to exit`);
  });

  it('ringdb start exits, with all its children, within 2 s of SIGTERM', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ringdb-start-'));
    try {
      const port = await freePort();
      const membershipPort = await freePort();
      const storageBase = await freePort();
      const adminBase = await freePort();
      const child = spawn(process.execPath, [
        RINGDB_BIN, 'start', '--data-dir', dir, '--port', String(port), '--membership-port', String(membershipPort),
        '--storage-base-port', String(storageBase), '--admin-base-port', String(adminBase), '--vnodes', '16', '--json-logs',
      ], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      try {
        await eventually('the router of ringdb start answers', async () => {
          const res = await fetch(`http://127.0.0.1:${port}/`);
          assert.equal(res.status, 200);
        }, 30_000, 200);
        // Let the storage nodes register and start replicating.
        await sleep(1_500);
        const pids = execFileSync('ps', ['-o', 'pid=', '--ppid', String(child.pid)], { encoding: 'utf8' }).split('\n').filter((l) => l.trim()).map(Number);
        assert.equal(pids.length, 5, 'membership, three storage nodes and a router');
        const t0 = Date.now();
        child.kill('SIGTERM');
        await Promise.race([exited, sleep(10_000)]);
        const ms = Date.now() - t0;
        console.log(`ringdb start exited ${ms} ms after SIGTERM`);
        assert.ok(ms < EXIT_WITHIN_MS, `ringdb start took ${ms} ms to exit\n${output.slice(-3000)}`);
        for (const pid of pids) assert.ok(!alive(pid), `child ${pid} still running`);
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
