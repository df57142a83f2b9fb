#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { runSafely } from './vnode-simulation.js';

const HELP = `
Usage: node tests/dist/simulation/run-simulation.js [options]

Runs the deterministic replication simulation (three replicas of one vnode under crashes,
partitions, message loss, duplication and reordering, with clients checked for linearizability)
for a range of seeds, or replays one seed with a trace of every event.

Options:
  --seeds <n>        how many seeds to run (default 1000)
  --from <seed>      first seed (default 1)
  --seed <seed>      run only this seed (same as --from <seed> --seeds 1)
  --duration <ms>    simulated milliseconds of faults per seed (default 6000)
  --trace            print every event of the run (use with --seed)
  -h, --help         show this help
`;

const { values } = parseArgs({
  options: {
    seeds: { type: 'string' }, from: { type: 'string' }, seed: { type: 'string' },
    duration: { type: 'string' }, trace: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  process.stdout.write(HELP.trimStart());
  process.exit(0);
}
const from = Number(values.seed ?? values.from ?? 1);
const count = values.seed !== undefined ? 1 : Number(values.seeds ?? 1000);
const durationMs = values.duration !== undefined ? Number(values.duration) : undefined;
if (![from, count].every(Number.isInteger) || (durationMs !== undefined && !(durationMs > 0))) {
  process.stderr.write(`bad arguments\n${HELP}`);
  process.exit(2);
}
let failed = 0;
let deposedReads = 0;
const started = Date.now();
for (let seed = from; seed < from + count; seed++) {
  const r = runSafely({ seed, durationMs, trace: values.trace ? (l) => process.stdout.write(l + '\n') : undefined });
  deposedReads += r.stats.deposedReads;
  if (!r.ok) {
    failed++;
    process.stdout.write(`seed ${seed} FAILED:\n  ${r.problems.join('\n  ')}\n  replay: node tests/dist/simulation/run-simulation.js --seed ${seed} --trace\n`);
  } else if (count === 1) {
    process.stdout.write(`seed ${seed} ok ${JSON.stringify(r.stats)}\n`);
  }
  if ((seed - from + 1) % 100 === 0) process.stderr.write(`${seed - from + 1}/${count} seeds, ${failed} failed, ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
}
process.stderr.write(`strongly consistent reads answered by a leader of an older term (safe only under its lease): ${deposedReads}\n`);
process.stdout.write(`${count - failed} passed, ${failed} failed\n`);
process.exit(failed > 0 ? 1 : 0);
