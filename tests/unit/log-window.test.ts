import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '@ringdb/core';
import { LogWindow, type LogEntry } from '@ringdb/storage-node';

const entry = (index: number, term: number): LogEntry => ({ index, term, mutations: [] });

describe('LogWindow', () => {
  it('answers terms and whole entries as a plain array of every entry would, under random pushes, releases, drops and truncations', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const random = seededRandom(seed);
      // The model: every entry ever in the log, by index (index 0 unused), and the window's bounds.
      const all: LogEntry[] = [entry(0, 0)];
      let floor = 0;
      let memoryFloor = 0;
      let term = 1;
      const w = new LogWindow(0, 0, []);
      for (let step = 0; step < 400; step++) {
        const last = all.length - 1;
        const r = random();
        if (r < 0.5) {
          if (random() < 0.1) term++;
          const e = entry(last + 1, term);
          all.push(e);
          w.push(e);
        } else if (r < 0.7 && last > memoryFloor) {
          const to = memoryFloor + 1 + Math.floor(random() * (last - memoryFloor));
          w.releaseThrough(to);
          memoryFloor = to;
        } else if (r < 0.85 && last > floor) {
          const to = floor + 1 + Math.floor(random() * (last - floor));
          w.dropThrough(to);
          floor = to;
          memoryFloor = Math.max(memoryFloor, to);
        } else if (last > memoryFloor) {
          const from = memoryFloor + 1 + Math.floor(random() * (last - memoryFloor));
          w.truncateFrom(from);
          all.length = from;
        }
        const ctx = `seed ${seed} step ${step}`;
        assert.equal(w.last, all.length - 1, ctx);
        assert.equal(w.floor, floor, ctx);
        assert.equal(w.memoryFloor, memoryFloor, ctx);
        assert.equal(w.floorTerm, all[floor].term, ctx);
        for (let i = 0; i <= all.length; i++) {
          const want = i < floor || i >= all.length ? undefined : all[i].term;
          assert.equal(w.termAt(i), want, `${ctx}: term of ${i}`);
        }
        // Released entries are not referenced any more (their writes can be collected at once).
        const held = new Set((w as unknown as { whole: LogEntry[] }).whole);
        for (let i = 1; i <= Math.min(memoryFloor, all.length - 1); i++) assert.ok(!held.has(all[i]), `${ctx}: entry ${i} released but still held`);
        if (all.length - 1 > memoryFloor) {
          assert.deepEqual(w.from(memoryFloor + 1), all.slice(memoryFloor + 1), ctx);
          const a = memoryFloor + 1 + Math.floor(random() * (all.length - 1 - memoryFloor));
          const b = a + Math.floor(random() * (all.length - a));
          assert.deepEqual(w.slice(a, b), all.slice(a, b + 1), ctx);
          for (const e of w.from(memoryFloor + 1)) assert.equal(e, all[e.index], `${ctx}: the same entry objects`);
        }
      }
    }
  });

  it('restarts after a snapshot, keeping the whole entries after it or none', () => {
    const w = new LogWindow(0, 0, []);
    for (let i = 1; i <= 10; i++) w.push(entry(i, i < 6 ? 1 : 2));
    w.releaseThrough(3);
    w.restartAt(5, 1, true);
    assert.deepEqual([w.floor, w.floorTerm, w.memoryFloor, w.last], [5, 1, 5, 10]);
    assert.deepEqual(w.from(6).map((e) => e.index), [6, 7, 8, 9, 10]);
    assert.equal(w.termAt(4), undefined);
    assert.throws(() => w.restartAt(2, 1, true), /below the memory floor/);
    w.restartAt(20, 3, false);
    assert.deepEqual([w.floor, w.floorTerm, w.memoryFloor, w.last], [20, 3, 20, 20]);
    assert.equal(w.termAt(20), 3);
    assert.equal(w.termAt(21), undefined);
  });
});
