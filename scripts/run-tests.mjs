#!/usr/bin/env node
// Runs the compiled test files with node's test runner: unit tests first, then integration tests
// (which start real clusters, one file at a time). Usage: node scripts/run-tests.mjs [unit|integration] [file filter]
import { spawnSync } from 'node:child_process';
import { readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const which = process.argv[2] ?? 'all';
const filter = process.argv[3] ?? '';
const dirs = which === 'all' ? ['unit', 'integration'] : [which];
const files = [];
for (const d of dirs) {
  const dir = path.join(root, 'tests/dist', d);
  if (!existsSync(dir)) continue;
  for (const f of readdirSync(dir).sort()) if (f.endsWith('.test.js') && f.includes(filter)) files.push(path.join(dir, f));
}
if (files.length === 0) {
  console.error('no compiled test files found: run `npx tsc -b` first');
  process.exit(1);
}
const reporter = path.join(root, 'scripts/summary-reporter.mjs');
const result = spawnSync(
  process.execPath,
  [
    '--test', '--test-concurrency=1',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    `--test-reporter=${reporter}`, '--test-reporter-destination=stdout',
    ...files,
  ],
  { stdio: 'inherit', cwd: root },
);
process.exit(result.status ?? 1);
