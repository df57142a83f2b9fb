import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cluster } from '../support/cluster.js';

// Compiled to tests/dist/integration/, so the repository root is three levels up.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(ROOT, 'tests/python/seed_examples.py');

function describeRun(r: ReturnType<typeof spawnSync>): string {
  const parts = [`exit status ${r.status}${r.signal ? `, signal ${r.signal}` : ''}${r.error ? `, error ${r.error.message}` : ''}`];
  parts.push(`--- stdout ---\n${r.stdout?.toString() ?? ''}`);
  parts.push(`--- stderr ---\n${r.stderr?.toString() ?? ''}`);
  return parts.join('\n');
}

describe('boto3 seed examples (python)', () => {
  const cluster = new Cluster();
  before(async () => {
    await cluster.start();
  });
  after(async () => {
    await cluster.destroy();
  });

  it(`${PYTHON} can import boto3 (CI installs python3-boto3)`, () => {
    const r = spawnSync(PYTHON, ['-c', 'import boto3, botocore; print(boto3.__version__)'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(
      r.status,
      0,
      `${PYTHON} cannot import boto3; install it (apt-get install python3-boto3) — this test does not skip.\n${describeRun(r)}`,
    );
  });

  it('runs tests/python/seed_examples.py against the router and it exits 0', () => {
    const r = spawnSync(PYTHON, [SCRIPT], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 180_000,
      env: {
        ...process.env,
        RINGDB_ENDPOINT: cluster.endpoint,
        PYTHONUNBUFFERED: '1',
        PYTHONDONTWRITEBYTECODE: '1',
        // boto3 must not pick up real credentials/config from the environment or home directory
        AWS_CONFIG_FILE: '/dev/null',
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        AWS_EC2_METADATA_DISABLED: 'true',
      },
    });
    if (r.status !== 0) {
      console.log(describeRun(r));
      console.log(`cluster logs: ${cluster.dir}/logs (set RINGDB_KEEP_TEST_DATA=1 to keep them)`);
    }
    assert.equal(r.status, 0, `seed_examples.py failed:\n${describeRun(r)}`);
    assert.match(r.stdout, /all seed examples passed/, `seed_examples.py did not finish:\n${describeRun(r)}`);
  });
});
