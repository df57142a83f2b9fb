#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`) by self time: the top functions and the
 * top modules (workspace package, npm package, node internals, GC). Percentages are of busy time,
 * i.e. every sample except `(idle)`.
 *
 *   node packages/bench/dist/profile-summary.js <file.cpuprofile> [--top 20]
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface Entry {
  name: string;
  ms: number;
  percent: number;
}
export interface ProfileSummary {
  busyMs: number;
  idleMs: number;
  functions: Entry[];
  modules: Entry[];
}

/** Which package or part of Node a script URL belongs to. */
export function moduleOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0] === 'internal' ? url.slice(5).split('/').slice(0, 2).join('/') : url.slice(5)}`;
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const pk = url.indexOf('/packages/');
  if (pk >= 0) {
    const rest = url.slice(pk + '/packages/'.length).split('/');
    return `@ringdb/${rest[0]}${rest[rest.length - 1] ? ` (${rest[rest.length - 1]})` : ''}`;
  }
  return url;
}

export function summarise(file: string, top = 20): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    // timeDeltas[i] is the time before sample i; attribute the following interval to sample i.
    const dt = p.timeDeltas[i + 1] ?? 0;
    selfUs.set(p.samples[i], (selfUs.get(p.samples[i]) ?? 0) + Math.max(0, dt));
  }
  const fn = new Map<string, number>();
  const mod = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') {
      idle += us;
      continue;
    }
    busy += us;
    const where = url ? ` ${path.basename(url)}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'}${where} [${moduleOf(url, functionName)}]`;
    fn.set(key, (fn.get(key) ?? 0) + us);
    const m = moduleOf(url, functionName);
    mod.set(m, (mod.get(m) ?? 0) + us);
  }
  const rank = (m: Map<string, number>): Entry[] =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, us]) => ({ name, ms: Math.round(us / 1000), percent: Math.round((us / busy) * 1000) / 10 }));
  return { busyMs: Math.round(busy / 1000), idleMs: Math.round(idle / 1000), functions: rank(fn), modules: rank(mod) };
}

export function formatSummary(title: string, s: ProfileSummary): string {
  const lines = [`${title}: ${(s.busyMs / 1000).toFixed(1)} s busy, ${(s.idleMs / 1000).toFixed(1)} s idle`, '  top modules by self time:'];
  for (const e of s.modules) lines.push(`    ${e.percent.toFixed(1).padStart(5)}%  ${e.name}`);
  lines.push('  top functions by self time:');
  for (const e of s.functions) lines.push(`    ${e.percent.toFixed(1).padStart(5)}%  ${e.name}`);
  return lines.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const t = args.indexOf('--top');
  const top = t >= 0 ? Number(args[t + 1]) : 20;
  const files = args.filter((a, i) => a !== '--top' && (t < 0 || i !== t + 1));
  if (files.length === 0 || args.includes('-h') || args.includes('--help')) {
    process.stdout.write('Usage: node packages/bench/dist/profile-summary.js <file.cpuprofile>... [--top 20]\n');
    process.exit(files.length === 0 ? 2 : 0);
  }
  for (const f of files) process.stdout.write(formatSummary(path.basename(f), summarise(f, top)) + '\n\n');
}
