import type { RunResult } from './load-runner.js';

/** One row of the comparison: the load generator's result plus what the comparison measured. */
export interface CompareRow extends RunResult {
  /** ops/s divided by dynalite's ops/s for the same op (null without a dynalite run). */
  vsDynalite: number | null;
  /** CPU of all the target's processes over the measured window, % of one core. */
  serverCpuPercent: number;
  serverCpuByRole: Record<string, number>;
  /** Resident memory of all the target's processes together at the end of the run, MiB. */
  serverRssMb: number;
}

const pad = (s: string, n: number, right = false) => (right ? s.padStart(n) : s.padEnd(n));

/** A Markdown table (aligned, so it also reads in a terminal). */
export function formatTable(rows: CompareRow[]): string {
  const head = ['target', 'op', 'ops/s', 'p50 ms', 'p99 ms', 'vs dynalite', 'client CPU %', 'server CPU %', 'server CPU us/op', 'server RSS MB', 'errors'];
  const right = [false, false, true, true, true, true, true, true, true, true, false];
  return markdown(head, right, rows.map((r) => [
    r.target,
    r.op,
    String(r.opsPerSec),
    r.p50Ms.toFixed(2),
    r.p99Ms.toFixed(2),
    r.vsDynalite === null ? '-' : `${r.vsDynalite.toFixed(2)}x`,
    r.clientCpuPercent.toFixed(0),
    r.serverCpuPercent.toFixed(0),
    cpuPerOp(r),
    String(r.serverRssMb),
    errorList(r),
  ]));
}

/** Server CPU per operation in microseconds: the servers' CPU share over the rate. */
function cpuPerOp(r: CompareRow): string {
  return r.opsPerSec > 0 ? ((r.serverCpuPercent / 100 / r.opsPerSec) * 1e6).toFixed(0) : '-';
}

function errorList(r: CompareRow): string {
  return Object.entries(r.errors).map(([k, v]) => `${k}:${v}`).join(' ') || '0';
}

/** The paced runs at half of peak: their latency against the p99 target of their workload. */
export function formatHalfLoadTable(rows: CompareRow[], targets: Readonly<Record<string, number>>): string {
  const head = ['target', 'op', 'paced at ops/s', 'ops/s', 'p50 ms', 'p99 ms', 'p99 target ms', 'met', 'server CPU %', 'server CPU us/op', 'client stall p99/max ms', 'errors'];
  const right = [false, false, true, true, true, true, true, false, true, true, true, false];
  return markdown(head, right, rows.map((r) => {
    const goal = targets[r.op];
    return [
      r.target,
      r.op,
      String(r.rate ?? '-'),
      String(r.opsPerSec),
      r.p50Ms.toFixed(2),
      r.p99Ms.toFixed(2),
      goal === undefined ? '-' : String(goal),
      goal === undefined ? '-' : r.p99Ms < goal ? 'yes' : 'no',
      r.serverCpuPercent.toFixed(0),
      cpuPerOp(r),
      `${r.clientLoopDelayP99Ms.toFixed(1)} / ${r.clientLoopDelayMaxMs.toFixed(1)}`,
      errorList(r),
    ];
  }));
}

function markdown(head: string[], right: boolean[], body: string[][]): string {
  const width = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => pad(c, width[i], right[i])).join(' | ')} |`;
  const rule = `|${width.map((w, i) => (right[i] ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2))).join('|')}|`;
  return [line(head), rule, ...body.map(line)].join('\n');
}

/** Where each server process spent CPU, e.g. "router 95%, storage-a 60%, ringdb-start 2%". */
export function formatCpuByRole(rows: CompareRow[]): string {
  return rows
    .map((r) => {
      const parts = Object.entries(r.serverCpuByRole).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v.toFixed(0)}%`);
      return `  ${r.target} ${r.op}: ${parts.join(', ')}`;
    })
    .join('\n');
}
