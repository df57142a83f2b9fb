import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runSafely } from '../simulation/vnode-simulation.js';

/**
 * The replication protocol (the real VnodeReplica) under seeded schedules of crashes, restarts,
 * partitions, loss, duplication and reordering; see tests/simulation/vnode-simulation.ts for what
 * is checked. RINGDB_SIM_SEEDS runs more seeds (default 1000), RINGDB_SIM_FROM starts elsewhere.
 */
const SEEDS = Number(process.env.RINGDB_SIM_SEEDS ?? 1000);
const FROM = Number(process.env.RINGDB_SIM_FROM ?? 1);

describe('replication simulation', () => {
  it(`${SEEDS} seeded fault schedules with log compaction, snapshots and a replica move: linearizable, no lost acknowledged write, one leader per term, replicas converge`, () => {
    const failures: string[] = [];
    let acked = 0;
    let elections = 0;
    let crashes = 0;
    let snapshots = 0;
    let moved = 0;
    for (let seed = FROM; seed < FROM + SEEDS; seed++) {
      const r = runSafely({ seed });
      acked += r.stats.acked;
      elections += r.stats.elections;
      crashes += r.stats.crashes;
      snapshots += r.stats.snapshots;
      moved += r.stats.moved;
      if (!r.ok) {
        failures.push(`seed ${seed}: ${r.problems[0].slice(0, 500)}\n    replay: node tests/dist/simulation/run-simulation.js --seed ${seed} --trace`);
      }
    }
    console.log(`simulation: ${SEEDS} seeds, ${acked} acknowledged operations, ${elections} elections, ${crashes} crashes, ${snapshots} snapshots installed, ${moved} moves completed`);
    // Schedules that exercise nothing would make this test vacuous.
    assert.ok(snapshots > SEEDS / 4, `too few snapshot installs (${snapshots})`);
    assert.ok(moved > SEEDS / 4, `too few completed moves (${moved})`);
    assert.ok(acked > SEEDS * 20, `too few acknowledged operations (${acked})`);
    assert.ok(elections > SEEDS, `too few elections (${elections})`);
    assert.deepEqual(failures, [], `${failures.length} failing seeds:\n${failures.slice(0, 10).join('\n')}`);
  });

  /**
   * Schedules that longer runs found failing, kept once fixed: 394 and 459 (a follower that got a
   * snapshot was fetched for forever: a harness bug), 8677 (a deposed leader that did not know it
   * yet answered a failed condition from stale data).
   */
  it('the schedules that once failed pass', () => {
    for (const seed of [394, 459, 8677]) {
      const r = runSafely({ seed });
      assert.ok(r.ok, `seed ${seed}: ${r.problems.join('\n').slice(0, 800)}\n    replay: node tests/dist/simulation/run-simulation.js --seed ${seed} --trace`);
    }
  });
});
