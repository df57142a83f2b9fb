#!/usr/bin/env node
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, renameSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { RunResult } from './load-runner.js';
import { formatSummary, summarise } from './profile-summary.js';
import { processTree, treeCpuSeconds, treeRssBytes } from './proc-tree.js';
import { formatCpuByRole, formatHalfLoadTable, formatTable, type CompareRow } from './report.js';
import { DESCRIPTIONS, TARGETS, startTarget, stopAllTargets, type RunningTarget, type TargetName } from './targets.js';
import type { Op } from './workloads.js';

/** The p99 latency targets at half of peak throughput (issue #5), by workload. */
const HALF_LOAD_P99_MS = { get: 5, put: 10 } as const;
/** Paced runs may have this many times --concurrency requests in flight. */
const HALF_LOAD_IN_FLIGHT = 4;

const HELP = `
Usage: npm run bench:compare -- [options]     (node packages/bench/dist/compare.js [options])

Starts each target in turn on free loopback ports with its data in a fresh temporary directory
(a bare Node HTTP server answering from memory, the ceiling of this machine and client; dynalite on
disk; RingDB with one zone; RingDB with three zones), runs the same workloads against
it with the load generator (packages/bench/dist/main.js) as a separate process, stops it and
removes its data, then prints one table: ops/s, latency, ops/s relative to dynalite, and the CPU
used by the client and by the server processes (% of one core; this machine has ${os.cpus().length}; and
the servers' CPU per operation), and the servers' resident memory (all their processes together)
at the end of each workload.
After each closed-loop put and get it runs the same workload paced at half the throughput just
measured (with up to ${HALF_LOAD_IN_FLIGHT} x --concurrency requests in flight, so that requests do not queue in the
client), and prints a second table: latency at half of peak against the targets (p99 GetItem
under ${HALF_LOAD_P99_MS.get} ms, PutItem under ${HALF_LOAD_P99_MS.put} ms), with the servers' CPU then (an operation
costs more CPU at a lower rate: less batching, more wake-ups per operation) and how long the
load generator's own event loop stalled (p99 and worst; its stalls count in the latencies).

Options:
  --duration <s>       measured seconds per workload (default 10)
  --warmup <s>         unmeasured seconds before each (default 2)
  --settle <s>         unmeasured seconds of mix load after each target starts, before its first
                       workload, so every target is measured with its code compiled by V8's
                       optimizing tiers (five processes on two cores take ~10 s to get there)
                       (default 10; 0 to skip)
  --concurrency <n>    requests in flight (default 16)
  --ops <list>         workloads, comma-separated, from put,get,mix,query (default all, in that order)
  --targets <list>     from ${TARGETS.join(',')} (default all)
  --item-bytes <n>     item size (default 1024)
  --keys <n>           key space (default 10000)
  --no-half-load       skip the paced runs at half of peak
  --cpu-prof <dir>     run the servers under \`node --cpu-prof\` and write their profiles to <dir>
                       (named <target>-<process>.cpuprofile), then print their top functions
  --json               one JSON line per workload and target instead of the table
  -h, --help           show this help
`;

const HERE = path.dirname(fileURLToPath(import.meta.url));
const GENERATOR = path.join(HERE, 'main.js');
const err = (line: string) => process.stderr.write(line + '\n');

let generator: ChildProcess | undefined;
let interrupted = false;

function list<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T[] {
  if (value === undefined) return [...allowed];
  const items = value.split(',').map((s) => s.trim()).filter(Boolean) as T[];
  const bad = items.filter((i) => !allowed.includes(i));
  if (bad.length || items.length === 0) usage(`--${flag}: unknown ${bad.join(', ') || '(empty)'}; choose from ${allowed.join(', ')}`);
  return items;
}

function usage(message: string): never {
  process.stderr.write(`${message}\n\n${HELP.trimStart()}`);
  process.exit(2);
}

function num(flag: string, v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) usage(`--${flag} must be a non-negative number, got ${v}`);
  return n;
}

interface Settings {
  duration: number;
  warmup: number;
  concurrency: number;
  itemBytes: number;
  keys: number;
}

/**
 * Runs the load generator against a target, forwarding its progress. The servers' CPU time is read
 * from /proc when the generator announces the measured window and again when it reports.
 */
function runGenerator(t: RunningTarget, op: Op, s: Settings, rate = 0): Promise<CompareRow> {
  return new Promise((resolve, reject) => {
    const args = [
      GENERATOR, '--endpoint', t.endpoint, '--op', op, '--label', t.name, '--json',
      '--concurrency', String(s.concurrency), '--duration', String(s.duration), '--warmup', String(s.warmup),
      '--item-bytes', String(s.itemBytes), '--keys', String(s.keys),
      ...(rate > 0 ? ['--rate', String(rate)] : []),
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    generator = child;
    let out = '';
    let errBuf = '';
    let cpuStart: { at: number; cpu: Map<string, number> } | undefined;
    let cpuEnd: { at: number; cpu: Map<string, number>; rss: number } | undefined;
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      errBuf += chunk;
      let nl;
      while ((nl = errBuf.indexOf('\n')) >= 0) {
        const line = errBuf.slice(0, nl);
        errBuf = errBuf.slice(nl + 1);
        if (line.includes('measuring for')) cpuStart = { at: performance.now(), cpu: treeCpuSeconds(processTree(t.pid)) };
        err(`    ${line}`);
      }
    });
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      out += chunk;
      if (!cpuEnd && out.includes('\n')) {
        const pids = processTree(t.pid);
        cpuEnd = { at: performance.now(), cpu: treeCpuSeconds(pids), rss: treeRssBytes(pids) };
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      generator = undefined;
      if (code !== 0) return reject(new Error(`load generator for ${t.name} ${op} failed (${signal ?? code})${errBuf ? ': ' + errBuf : ''}`));
      const result = JSON.parse(out.trim().split('\n').pop()!) as RunResult;
      const byRole: Record<string, number> = {};
      let total = 0;
      if (cpuStart && cpuEnd) {
        const wall = (cpuEnd.at - cpuStart.at) / 1000;
        for (const [role, sec] of cpuEnd.cpu) {
          const pct = ((sec - (cpuStart.cpu.get(role) ?? 0)) / wall) * 100;
          byRole[role] = Math.round(pct);
          total += pct;
        }
      }
      const serverRssMb = cpuEnd ? Math.round(cpuEnd.rss / 1048576) : 0;
      resolve({ ...result, vsDynalite: null, serverCpuPercent: Math.round(total), serverCpuByRole: byRole, serverRssMb });
    });
  });
}

/** Renames the profiles the target's processes wrote to <target>-<role>.cpuprofile. */
function collectProfiles(t: RunningTarget, dir: string): string[] {
  const out: string[] = [];
  for (const f of readdirSync(dir)) {
    const m = /^CPU\.\d+\.\d+\.(\d+)\.\d+\.\d+\.cpuprofile$/.exec(f);
    if (!m) continue;
    const role = t.roles.get(Number(m[1]));
    if (!role) continue;
    const name = `${t.name}-${role}.cpuprofile`;
    renameSync(path.join(dir, f), path.join(dir, name));
    out.push(path.join(dir, name));
  }
  return out;
}

async function cleanup(): Promise<void> {
  const g = generator;
  if (g?.pid !== undefined && g.exitCode === null) {
    g.kill('SIGKILL');
  }
  await stopAllTargets();
}

async function main(): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      options: {
        duration: { type: 'string' }, warmup: { type: 'string' }, settle: { type: 'string' }, concurrency: { type: 'string' },
        ops: { type: 'string' }, targets: { type: 'string' }, 'item-bytes': { type: 'string' },
        keys: { type: 'string' }, 'cpu-prof': { type: 'string' }, json: { type: 'boolean' }, 'no-half-load': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (e) {
    usage((e as Error).message);
  }
  if (values.help) {
    process.stdout.write(HELP.trimStart());
    return;
  }
  const settings: Settings = {
    duration: num('duration', values.duration as string, 10),
    warmup: num('warmup', values.warmup as string, 2),
    concurrency: num('concurrency', values.concurrency as string, 16),
    itemBytes: num('item-bytes', values['item-bytes'] as string, 1024),
    keys: num('keys', values.keys as string, 10_000),
  };
  const settle = num('settle', values.settle as string, 10);
  const ops = list('ops', values.ops as string, ['put', 'get', 'mix', 'query'] as const satisfies readonly Op[]);
  const targets = list('targets', values.targets as string, TARGETS);
  const profDir = values['cpu-prof'] ? path.resolve(values['cpu-prof'] as string) : undefined;
  if (profDir) mkdirSync(profDir, { recursive: true });

  const started = Date.now();
  err(`bench:compare: targets ${targets.join(', ')}; workloads ${ops.join(', ')}; ${settings.duration}s each after ${settings.warmup}s warmup ` +
    `(and ${settle}s of settling per target); ` +
    `concurrency ${settings.concurrency}, ${settings.itemBytes}-byte items, ${settings.keys} keys`);
  const rows: CompareRow[] = [];
  const halfRows: CompareRow[] = [];
  const halfLoad = !values['no-half-load'];
  const profiles: string[] = [];
  for (const name of targets as TargetName[]) {
    if (interrupted) break;
    err(`\n== ${name}: ${DESCRIPTIONS[name]}`);
    const t = await startTarget(name, {
      log: (l) => err(`  ${l}`),
      nodeArgs: profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : undefined,
    });
    err(`  ${name} ready at ${t.endpoint} (pid ${t.pid}, data in ${t.dir})`);
    try {
      if (settle > 0 && !interrupted) {
        err(`  -- ${name} settling: ${settle}s of mix load, not measured`);
        const warm = await runGenerator(t, 'mix', { ...settings, duration: settle, warmup: 0 });
        err(`  => settled at ${warm.opsPerSec} ops/s`);
      }
      for (const op of ops) {
        if (interrupted) break;
        err(`  -- ${name} ${op}`);
        const row = await runGenerator(t, op, settings);
        rows.push(row);
        if (values.json) process.stdout.write(JSON.stringify(row) + '\n');
        err(`  => ${row.opsPerSec} ops/s, p99 ${row.p99Ms} ms, client CPU ${row.clientCpuPercent}%, server CPU ${row.serverCpuPercent}%`);
        if (halfLoad && (op === 'get' || op === 'put') && row.opsPerSec >= 2 && !interrupted) {
          const rate = Math.floor(row.opsPerSec / 2);
          err(`  -- ${name} ${op} paced at ${rate}/s (half of peak)`);
          // Up to four times as many in flight as the closed loop had: a request that falls due while
          // every connection waits would otherwise queue in the client, not in the server.
          const half = await runGenerator(t, op, { ...settings, concurrency: settings.concurrency * HALF_LOAD_IN_FLIGHT }, rate);
          halfRows.push(half);
          if (values.json) process.stdout.write(JSON.stringify(half) + '\n');
          err(`  => ${half.opsPerSec} ops/s, p50 ${half.p50Ms} ms, p99 ${half.p99Ms} ms`);
        }
      }
    } finally {
      err(`  stopping ${name}`);
      await t.stop();
      if (profDir) profiles.push(...collectProfiles(t, profDir));
    }
  }

  for (const r of rows) {
    const base = rows.find((d) => d.target === 'dynalite' && d.op === r.op);
    r.vsDynalite = base && base.opsPerSec > 0 ? Math.round((r.opsPerSec / base.opsPerSec) * 100) / 100 : null;
  }
  if (!values.json) {
    const date = new Date().toISOString().slice(0, 16).replace('T', ' ');
    process.stdout.write(`\nRingDB vs dynalite, ${date} UTC, ${os.cpus().length} cores, Node ${process.version}; ` +
      `concurrency ${settings.concurrency}, ${settings.itemBytes}-byte items, ${settings.keys} keys, ${settings.duration}s per workload\n\n`);
    process.stdout.write(formatTable(rows) + '\n\nserver CPU by process (% of one core):\n' + formatCpuByRole(rows) + '\n');
    if (halfRows.length > 0) {
      process.stdout.write(`\nlatency at half of peak throughput (paced, up to ${settings.concurrency * HALF_LOAD_IN_FLIGHT} in flight; latency from when each request was due):\n` +
        formatHalfLoadTable(halfRows, HALF_LOAD_P99_MS) + '\n');
    }
  }
  if (profDir) {
    for (const f of profiles) process.stdout.write('\n' + formatSummary(path.basename(f), summarise(f, 15)) + '\n');
  }
  err(`\nbench:compare done in ${Math.round((Date.now() - started) / 1000)}s`);
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    if (interrupted) return;
    interrupted = true;
    err(`\n${sig}: stopping the load generator and the servers`);
    cleanup().finally(() => process.exit(130));
  });
}

main().then(
  () => process.exit(0),
  async (e: unknown) => {
    err(`bench:compare: ${(e as Error)?.message ?? String(e)}`);
    await cleanup();
    process.exit(1);
  },
);
