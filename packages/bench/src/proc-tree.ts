import { readdirSync, readFileSync } from 'node:fs';

/**
 * Linux /proc helpers for the benchmark's own child processes: find a process's descendants (to
 * stop a whole cluster by PID) and read their CPU time and memory (to show how busy and how big
 * the servers were).
 */
const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ, 100 on Linux x86 and arm

interface Stat {
  ppid: number;
  ticks: number; // utime + stime
}

function stat(pid: number): Stat | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid ..."; comm may hold spaces and parentheses, so split after the last ')'.
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) };
  } catch {
    return undefined;
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Every live descendant of `root` (not root itself). */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(Number(name));
    if (!s) continue;
    const list = children.get(s.ppid) ?? [];
    list.push(Number(name));
    children.set(s.ppid, list);
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    for (const c of children.get(pid) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(root);
  return out;
}

/** A short name for a benchmark child from its command line: router, storage-a, membership, ... */
export function roleOf(pid: number): string {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const i = argv.findIndex((a) => a.endsWith('cli/dist/main.js'));
    if (i >= 0) {
      const cmd = argv[i + 1] ?? '?';
      if (cmd === 'storage') return `storage-${argv[argv.indexOf('--zone') + 1] ?? '?'}`;
      return cmd === 'start' ? 'ringdb-start' : cmd;
    }
    if (argv.some((a) => a.includes('dynalite'))) return 'dynalite';
    if (argv.some((a) => a.endsWith('ceiling-server.js'))) return 'node-ceiling';
    return argv[0] ?? String(pid);
  } catch {
    return String(pid);
  }
}

/** Root and its live descendants. */
export function processTree(root: number): number[] {
  return [root, ...descendants(root)];
}

/** CPU seconds used so far by each of `pids` (a processTree), by role. */
export function treeCpuSeconds(pids: number[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of pids) {
    const s = stat(pid);
    if (!s) continue;
    const role = roleOf(pid);
    out.set(role, (out.get(role) ?? 0) + s.ticks / CLOCK_TICKS_PER_SECOND);
  }
  return out;
}

/** Resident memory (VmRSS) of `pids` (a processTree) together, in bytes. */
export function treeRssBytes(pids: number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) total += Number(m[1]) * 1024;
    } catch {
      // exited meanwhile
    }
  }
  return total;
}
