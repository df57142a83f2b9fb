import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Cluster, RINGDB_BIN, sleep } from '../support/cluster.js';

const run = promisify(execFile);
const BENCH = path.join(path.dirname(RINGDB_BIN), '../../bench/dist/main.js');

/** The load generator against a real cluster: every workload runs and reports its JSON line. */
describe('npm run bench (load generator)', () => {
  const cluster = new Cluster({ vnodes: 32 });
  before(() => cluster.start());
  after(() => cluster.destroy());

  for (const op of ['put', 'get', 'query', 'mix']) {
    it(`${op}: one JSON line with throughput, latency percentiles, errors and client CPU`, async () => {
      const { stdout } = await run(process.execPath, [BENCH, '--endpoint', cluster.endpoint, '--op', op, '--duration', '1', '--warmup', '0', '--keys', '200', '--concurrency', '4', '--json'], { timeout: 60_000 });
      const lines = stdout.trim().split('\n');
      assert.equal(lines.length, 1);
      const r = JSON.parse(lines[0]) as Record<string, unknown>;
      assert.equal(r.op, op);
      assert.ok((r.ops as number) > 10, `ops ${r.ops}`);
      assert.ok((r.opsPerSec as number) > 0);
      for (const q of ['p50Ms', 'p90Ms', 'p99Ms', 'p999Ms']) assert.equal(typeof r[q], 'number');
      assert.ok((r.p50Ms as number) <= (r.p99Ms as number));
      assert.deepEqual(r.errors, {});
      assert.equal(r.rate, null);
      assert.equal(typeof r.clientCpuPercent, 'number');
      assert.ok((r.clientLoopDelayP99Ms as number) >= 0 && (r.clientLoopDelayP99Ms as number) <= (r.clientLoopDelayMaxMs as number), stdout);
    });
  }

  it('reports a stall of its own event loop (the client stopped for 400 ms mid-run)', async () => {
    const child = spawn(process.execPath, [BENCH, '--endpoint', cluster.endpoint, '--op', 'get', '--rate', '100', '--duration', '3', '--warmup', '0', '--keys', '100', '--concurrency', '4', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    // Stopped once it is measuring (its progress line says so), resumed 400 ms later.
    const measuring = new Promise<void>((resolve) => child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('measuring for')) resolve();
    }));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await measuring;
    await sleep(500);
    child.kill('SIGSTOP');
    await sleep(400);
    child.kill('SIGCONT');
    assert.equal(await exited, 0, stderr);
    const r = JSON.parse(stdout.trim()) as { clientLoopDelayMaxMs: number; p999Ms: number };
    assert.ok(r.clientLoopDelayMaxMs >= 300, `max event-loop delay ${r.clientLoopDelayMaxMs} ms`);
    // Requests due while it was stopped waited too, and their latency says so.
    assert.ok(r.p999Ms >= 200, `p99.9 ${r.p999Ms} ms`);
  });

  it('paced (--rate): sends at the asked rate and says so in its JSON line', async () => {
    const { stdout } = await run(process.execPath, [BENCH, '--endpoint', cluster.endpoint, '--op', 'get', '--rate', '100', '--duration', '2', '--warmup', '0', '--keys', '100', '--concurrency', '4', '--json'], { timeout: 60_000 });
    const r = JSON.parse(stdout.trim()) as Record<string, unknown>;
    assert.equal(r.rate, 100);
    // 200 requests are due in the 2 s window; a few in flight at its end do not count.
    assert.ok((r.ops as number) >= 180 && (r.ops as number) <= 201, `ops ${r.ops}`);
    assert.ok(Math.abs((r.opsPerSec as number) - 100) <= 10, `ops/s ${r.opsPerSec}`);
    assert.deepEqual(r.errors, {});
  });

  it('prints help, and refuses bad flags with exit code 2', async () => {
    const { stdout } = await run(process.execPath, [BENCH, '--help']);
    assert.match(stdout, /--concurrency/);
    await assert.rejects(run(process.execPath, [BENCH, '--op', 'nope']), (err: { code?: number }) => err.code === 2);
  });
});
