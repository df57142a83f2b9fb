#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { runLoad, type RunResult } from './load-runner.js';
import { OPS, defaultTable, type Op } from './workloads.js';

const HELP = `
Usage: npm run bench -- [options]        (node packages/bench/dist/main.js [options])

Load generator for any DynamoDB-compatible endpoint (RingDB, dynalite, ...). Closed loop: each of
--concurrency workers keeps one request in flight, on random keys over the key space; or paced
(--rate): a request is due every 1/rate seconds and its latency counts from when it was due, so
waiting for a free worker counts too. Sends over keep-alive connections (undici) with ready-made
request bodies, not the AWS SDK, so the client stays cheap.

Progress goes to stderr once a second. stdout gets exactly one JSON line:
  {target, op, concurrency, rate, durationS, ops, opsPerSec, p50Ms, p90Ms, p99Ms, p999Ms,
   errors: {<type>: n}, clientCpuPercent, clientLoopDelayP99Ms, clientLoopDelayMaxMs, ...}
clientCpuPercent is this process's own CPU time over the measured wall time, in % of one core:
near 100 means the client, not the server, was the bottleneck. clientLoopDelay*Ms say how late
the client's own event loop ran (p99 and worst, sampled every 5 ms): a stalled client counts its
stall in the latencies, so tails no longer than these are not the server's.

Options:
  --endpoint <url>       DynamoDB endpoint (default http://127.0.0.1:8000)
  --op <op>              put | get | query | mix (80% get / 20% put) (default put)
  --concurrency <n>      requests in flight (default 16)
  --rate <ops/s>         pace at this many operations per second, at most --concurrency in
                         flight (keep it above rate x latency, or requests queue in the client)
                         (default: closed loop, as fast as the workers go)
  --duration <s>         measured seconds (default 10)
  --warmup <s>           unmeasured seconds before that (default 2)
  --item-bytes <n>       item size in bytes (default 1024)
  --keys <n>             key space size (default 10000); query reads its items as partitions of 10
  --table <name>         table, created if missing (PAY_PER_REQUEST, hash key pk S; plus range key
                         sk S for query) (default bench_kv, or bench_query for query)
  --label <name>         "target" in the result (default: the endpoint)
  --json                 machine use: no readable summary on stderr, only the JSON line on stdout
  -h, --help             show this help

get and mix first load every key of the key space, query loads every partition (10 items each);
none of that is measured. Only successful operations are timed; errors are counted by type
(DynamoDB error type, network error code, NotFound for a GetItem without item, ShortQuery for a
Query returning fewer than 10 items).
`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${HELP.trimStart()}`);
  process.exit(2);
}

function positiveNumber(name: string, v: string | undefined, fallback: number, integer = true): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) fail(`--${name} must be a ${integer ? 'non-negative integer' : 'non-negative number'}, got ${v}`);
  return n;
}

async function main(): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      options: {
        endpoint: { type: 'string' }, op: { type: 'string' }, concurrency: { type: 'string' }, rate: { type: 'string' },
        duration: { type: 'string' }, warmup: { type: 'string' }, 'item-bytes': { type: 'string' },
        keys: { type: 'string' }, table: { type: 'string' }, label: { type: 'string' },
        json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (err) {
    fail((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(HELP.trimStart());
    return;
  }
  const op = ((values.op as string | undefined) ?? 'put') as Op;
  if (!OPS.includes(op)) fail(`--op must be one of ${OPS.join(', ')}, got ${op}`);
  const endpoint = (values.endpoint as string | undefined) ?? 'http://127.0.0.1:8000';
  try {
    new URL(endpoint);
  } catch {
    fail(`--endpoint is not a URL: ${endpoint}`);
  }
  const concurrency = positiveNumber('concurrency', values.concurrency as string, 16);
  const keys = positiveNumber('keys', values.keys as string, 10_000);
  const itemBytes = positiveNumber('item-bytes', values['item-bytes'] as string, 1024);
  if (concurrency < 1 || keys < 1 || itemBytes < 32) fail('--concurrency and --keys must be at least 1, --item-bytes at least 32');
  if (itemBytes > 350_000) fail('--item-bytes must stay under DynamoDB\'s 400 KB item limit (at most 350000)');

  const result: RunResult = await runLoad({
    endpoint,
    label: (values.label as string | undefined) ?? endpoint,
    spec: { op, table: (values.table as string | undefined) ?? defaultTable(op), keys, itemBytes },
    concurrency,
    rate: positiveNumber('rate', values.rate as string, 0, false),
    durationS: positiveNumber('duration', values.duration as string, 10, false) || fail('--duration must be > 0'),
    warmupS: positiveNumber('warmup', values.warmup as string, 2, false),
    log: (line) => process.stderr.write(line + '\n'),
  });
  if (!values.json) {
    const errs = Object.entries(result.errors).map(([k, v]) => `${k}=${v}`).join(' ') || 'none';
    process.stderr.write(
      `${result.target} ${result.op}${result.rate ? ` paced at ${result.rate}/s` : ''}: ${result.opsPerSec} ops/s over ${result.durationS}s (${result.ops} ops), ` +
        `latency ms p50 ${result.p50Ms} p90 ${result.p90Ms} p99 ${result.p99Ms} p99.9 ${result.p999Ms}, ` +
        `errors ${errs}, client CPU ${result.clientCpuPercent}% of one core, ` +
        `client event-loop delay p99 ${result.clientLoopDelayP99Ms} ms, max ${result.clientLoopDelayMaxMs} ms\n`,
    );
  }
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
