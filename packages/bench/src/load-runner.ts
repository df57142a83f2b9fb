import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Histogram } from './histogram.js';
import { DynamoHttp } from './http-load.js';
import { ensureTable, makePayload, partitions, preload, templatesFor, QUERY_PARTITION_ITEMS, type WorkloadSpec } from './workloads.js';

export interface RunOptions {
  endpoint: string;
  label: string;
  spec: WorkloadSpec;
  concurrency: number;
  durationS: number;
  warmupS: number;
  /**
   * Operations per second to send at (0: closed loop, as fast as the workers go). Paced, a request
   * is due every 1/rate s and its latency counts from when it was due, so time spent waiting for a
   * free worker counts too (no coordinated omission); `concurrency` caps what is in flight.
   */
  rate?: number;
  /** Progress lines (stderr), once a second. */
  log: (line: string) => void;
}

/** The one JSON line a run prints. */
export interface RunResult {
  target: string;
  op: string;
  concurrency: number;
  /** The pace asked for in ops/s (null: closed loop). */
  rate: number | null;
  durationS: number;
  ops: number;
  opsPerSec: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  errors: Record<string, number>;
  clientCpuPercent: number;
  /**
   * How late this process's event loop ran (p99 and max over the measured window, ms): a client
   * that stalls delays the requests it should send and the replies it should read, and its
   * stall counts in the latencies above.
   */
  clientLoopDelayP99Ms: number;
  clientLoopDelayMaxMs: number;
  endpoint: string;
  table: string;
  itemBytes: number;
  keys: number;
  warmupS: number;
  startedAt: string;
}

type Phase = 'warmup' | 'measure' | 'done';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const LOOP_SAMPLE_MS = 5;
const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * Runs one workload: `concurrency` workers, each with one request in flight, send random keys over
 * the key space for warmup + duration seconds, as fast as they can (closed loop) or paced at
 * `rate` operations per second. Only operations that complete
 * inside the measured window count; their latencies go into a fixed histogram. Errors (HTTP
 * errors by DynamoDB type, network errors by code, a GetItem that finds no item, a Query that
 * returns fewer than its 10 items) are counted by type and not timed.
 */
export async function runLoad(o: RunOptions): Promise<RunResult> {
  const { spec } = o;
  const tag = `[${o.label} ${spec.op}]`;
  const client = new DynamoHttp(o.endpoint, o.concurrency);
  try {
    o.log(`${tag} table ${spec.table}: creating if missing`);
    await ensureTable(client, spec);
    if (spec.op !== 'put') {
      const t0 = Date.now();
      let last = 0;
      const n = await preload(client, spec, o.concurrency, (done, total) => {
        if (Date.now() - last >= 1000) {
          last = Date.now();
          o.log(`${tag} preloading ${done}/${total} items`);
        }
      });
      o.log(`${tag} preloaded ${n} items in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    }

    const data = makePayload(spec);
    const keySpace = spec.op === 'query' ? partitions(spec) : spec.keys;
    const minQueryBytes = QUERY_PARTITION_ITEMS * data.length;
    const hist = new Histogram();
    const errors: Record<string, number> = {};
    let phase: Phase = o.warmupS > 0 ? 'warmup' : 'measure';
    let ops = 0;
    let completed = 0; // successes in any phase, for progress
    let failed = 0;

    const rate = o.rate ?? 0;
    const interval = rate > 0 ? 1000 / rate : 0;
    let due = 0; // when the next paced request is due: set when the run begins
    const worker = async () => {
      const t = templatesFor(spec, data);
      while (phase !== 'done') {
        let start = 0;
        if (interval > 0) {
          // The next request due, whichever worker is free first; a late one is sent at once.
          start = due;
          due += interval;
          const wait = start - performance.now();
          if (wait >= 1) await sleep(wait);
          if ((phase as Phase) === 'done') break;
        }
        const k = Math.floor(Math.random() * keySpace);
        const tpl = spec.op === 'mix' ? (Math.random() < 0.2 ? t.put! : t.get!) : (t.put ?? t.get ?? t.query)!;
        const body = tpl.setKey(k);
        if (interval === 0) start = performance.now();
        const r = await client.call(tpl.operation, body);
        const us = (performance.now() - start) * 1000;
        let errorType = r.errorType;
        if (!errorType && tpl === t.get && r.bytes <= 2) errorType = 'NotFound';
        if (!errorType && tpl === t.query && r.bytes < minQueryBytes) errorType = 'ShortQuery';
        if (errorType) {
          failed++;
          if (phase === 'measure') errors[errorType] = (errors[errorType] ?? 0) + 1;
          if (r.status === 0) await sleep(10); // network error: do not spin
          continue;
        }
        completed++;
        if (phase === 'measure') {
          ops++;
          hist.record(us);
        }
      }
    };

    let measureStart = performance.now();
    let cpuStart = process.cpuUsage();
    // Sampled every LOOP_SAMPLE_MS by a timer of its own (cheap next to the requests); each sample
    // is the time since the previous one, so the sampling interval is taken off when reporting.
    const loopDelay = monitorEventLoopDelay({ resolution: LOOP_SAMPLE_MS });
    loopDelay.enable();
    const startedAt = new Date();
    const begin = performance.now();
    due = begin;
    if (phase === 'measure') o.log(`${tag} measuring for ${o.durationS}s`);
    let lastCompleted = 0;
    let lastTick = begin;
    const ticker = setInterval(() => {
      const now = performance.now();
      const rate = ((completed - lastCompleted) * 1000) / (now - lastTick);
      lastCompleted = completed;
      lastTick = now;
      const errs = failed > 0 ? `, ${failed} errors` : '';
      if (phase === 'warmup') o.log(`${tag} warmup ${Math.round((now - begin) / 1000)}s: ${Math.round(rate)} ops/s${errs}`);
      else if (phase === 'measure') {
        const avg = (ops * 1000) / (now - measureStart);
        o.log(`${tag} ${Math.round((now - measureStart) / 1000)}/${o.durationS}s: ${Math.round(rate)} ops/s (so far ${Math.round(avg)} ops/s)${errs}`);
      }
    }, 1000);
    const workers = Array.from({ length: o.concurrency }, worker);

    if (phase === 'warmup') {
      await sleep(o.warmupS * 1000);
      phase = 'measure';
      measureStart = performance.now();
      cpuStart = process.cpuUsage();
      loopDelay.reset();
      o.log(`${tag} measuring for ${o.durationS}s`);
    }
    await sleep(o.durationS * 1000);
    phase = 'done';
    const wallMs = performance.now() - measureStart;
    const cpu = process.cpuUsage(cpuStart);
    loopDelay.disable();
    clearInterval(ticker);
    await Promise.race([Promise.all(workers), sleep(15_000)]);

    const ms = (q: number) => round(hist.quantileUs(q) / 1000);
    return {
      target: o.label,
      op: spec.op,
      concurrency: o.concurrency,
      rate: rate > 0 ? rate : null,
      durationS: round(wallMs / 1000, 2),
      ops,
      opsPerSec: Math.round((ops * 1000) / wallMs),
      p50Ms: ms(0.5),
      p90Ms: ms(0.9),
      p99Ms: ms(0.99),
      p999Ms: ms(0.999),
      errors,
      clientCpuPercent: round(((cpu.user + cpu.system) / 1000 / wallMs) * 100, 1),
      clientLoopDelayP99Ms: round(Math.max(0, loopDelay.percentile(99) / 1e6 - LOOP_SAMPLE_MS), 1),
      clientLoopDelayMaxMs: round(Math.max(0, loopDelay.max / 1e6 - LOOP_SAMPLE_MS), 1),
      endpoint: o.endpoint,
      table: spec.table,
      itemBytes: spec.itemBytes,
      keys: spec.keys,
      warmupS: o.warmupS,
      startedAt: startedAt.toISOString(),
    };
  } finally {
    client.close();
  }
}
