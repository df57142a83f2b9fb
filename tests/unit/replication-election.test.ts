import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '@ringdb/core';
import { DEFAULT_TIMINGS, MSG_APPEND_REPLY, VnodeReplica, type PeerMsg, type ReplicaTimings } from '@ringdb/storage-node';

/**
 * Hand-driven scenarios for one vnode's three replicas: elections, the leader lease and leadership
 * transfer, with the network under the test's control (the seeded simulation covers random ones).
 */
const TIMINGS: ReplicaTimings = { ...DEFAULT_TIMINGS, electionTimeoutMs: 100, heartbeatMs: 25, transferCooldownMs: 200 };
const IDS = ['a', 'b', 'c'];

class Group {
  now = 0;
  readonly replicas = new Map<string, VnodeReplica>();
  /** Nodes whose messages (in and out) are dropped, and nodes that are paused (no ticks, no input). */
  readonly cut = new Set<string>();
  readonly paused = new Set<string>();
  /** Messages of these types are dropped. */
  readonly droppedTypes = new Set<number>();
  private queue: { from: string; to: string; msg: PeerMsg }[] = [];

  constructor(preferred = 'a', seed = 0) {
    IDS.forEach((id, i) => {
      const random = seededRandom(seed * 10 + i + 1);
      const r = new VnodeReplica(0, id, { term: 0, applied: 0, appliedTerm: 0, lastIndex: 0, lastTerm: 0, unapplied: [] }, TIMINGS, 0, random);
      r.configure(IDS, preferred, 0);
      this.replicas.set(id, r);
    });
  }

  r(id: string): VnodeReplica {
    return this.replicas.get(id)!;
  }

  /** Runs every replica's effects (storage is instant) and delivers messages until quiet. */
  settle(): void {
    for (let round = 0; round < 1000; round++) {
      let busy = false;
      for (const [id, r] of this.replicas) {
        if (this.paused.has(id) || !r.hasReady()) continue;
        busy = true;
        const ready = r.ready(this.now);
        for (const out of ready.messages) this.queue.push({ from: id, to: out.to, msg: out.msg });
        r.advance(ready);
      }
      const q = this.queue;
      this.queue = [];
      for (const m of q) {
        if (this.cut.has(m.from) || this.cut.has(m.to)) continue;
        if (this.paused.has(m.to) || this.droppedTypes.has(m.msg.type)) continue;
        busy = true;
        this.r(m.to).step(m.from, m.msg, this.now);
      }
      if (!busy) return;
    }
    throw new Error('did not settle');
  }

  /** Advances the clock in 5 ms ticks. */
  run(ms: number): void {
    for (let t = 0; t < ms; t += 5) {
      this.now += 5;
      for (const [id, r] of this.replicas) if (!this.paused.has(id)) r.tick(this.now);
      this.settle();
    }
  }

  leaders(): string[] {
    return IDS.filter((id) => this.r(id).role === 'leader');
  }

  write(id: string): number {
    const index = this.r(id).propose([{ tableId: Buffer.alloc(16), key: Buffer.from('k'), value: Buffer.from(String(this.now)), delete: false, countDelta: 0, sizeDelta: 0 }]);
    this.settle();
    return index;
  }
}

describe('vnode elections and leases', () => {
  it('elects the preferred replica first, which then serves writes and consistent reads', () => {
    const g = new Group('b');
    g.run(1_000); // another replica may win the first election; it then hands over to b
    assert.deepEqual(g.leaders(), ['b']);
    assert.ok(g.r('b').canWrite);
    assert.ok(g.r('b').canReadConsistent(g.now));
    const index = g.write('b');
    assert.ok(g.r('b').applied >= index, 'applied at the leader once a majority holds it');
    // Followers learn the commit index with the next append, or a commit notice at the next tick.
    g.run(5);
    assert.ok(IDS.every((id) => g.r(id).applied >= index));
  });

  it('when the leader dies, its first successor takes over within 1.5 election timeouts, without a split vote', () => {
    // With every survivor's timeout drawn from the same range, two of them sometimes campaign at
    // once, each votes for itself, and both wait a second timeout; the succession order gives the
    // first successor (b here: the others sorted, rotated by vnode 0) its own earlier band.
    for (let seed = 0; seed < 40; seed++) {
      const g = new Group('a', seed);
      g.run(300 + seed * 7);
      assert.deepEqual(g.leaders(), ['a'], `seed ${seed}`);
      const term = g.r('a').term;
      g.cut.add('a');
      const killedAt = g.now;
      while (g.leaders().filter((id) => id !== 'a').length === 0 && g.now - killedAt < 1_000) g.run(5);
      const elected = g.now - killedAt;
      assert.equal(g.r('b').role, 'leader', `seed ${seed}: b is the first successor`);
      assert.equal(g.r('b').term, term + 1, `seed ${seed}: one election, no split vote`);
      assert.ok(elected <= 1.5 * TIMINGS.electionTimeoutMs + 10, `seed ${seed}: elected ${elected} ms after the leader died`);
    }
  });

  it('a paused leader stops serving consistent reads before anyone else can be elected', () => {
    const g = new Group('a');
    g.run(300);
    assert.deepEqual(g.leaders(), ['a']);
    g.paused.add('a');
    // Until the lease ends, b and c refuse to elect anyone.
    const leaseEnd = g.r('a').leaseUntil(g.now);
    while (g.now + 5 < leaseEnd) {
      g.run(5);
      assert.deepEqual(g.leaders().filter((x) => x !== 'a'), [], `someone else led at ${g.now}, lease until ${leaseEnd}`);
    }
    g.run(400);
    const newLeader = g.leaders().find((x) => x !== 'a');
    assert.ok(newLeader, 'b or c took over');
    g.write(newLeader);
    // a wakes up with messages not yet read: it still thinks it leads, but its lease ran out.
    assert.equal(g.r('a').role, 'leader');
    assert.equal(g.r('a').canReadConsistent(g.now), false);
    const oldTerm = g.r('a').term;
    g.paused.delete('a');
    g.run(100);
    // It learned of the newer term (and, being the preferred replica, may have been handed back
    // leadership in a term newer still).
    assert.ok(g.r('a').term > oldTerm);
    assert.equal(g.leaders().length, 1);
  });

  it('a new leader answers no eventually consistent read until its no-op is applied', () => {
    const g = new Group('a');
    g.run(300);
    const index = g.write('a');
    g.run(5);
    assert.ok(IDS.every((id) => g.r(id).applied >= index));
    // a goes away; whoever wins next cannot commit its no-op (acknowledgements are lost).
    g.cut.add('a');
    g.droppedTypes.add(MSG_APPEND_REPLY);
    let next: string | undefined;
    for (let t = 0; t < 2_000 && !next; t += 5) {
      g.run(5);
      next = g.leaders().find((x) => x !== 'a');
    }
    assert.ok(next, 'b or c was elected');
    const follower = IDS.find((x) => x !== 'a' && x !== next)!;
    assert.equal(g.r(next).hasUsableData, false, 'the leader has not applied its no-op');
    assert.equal(g.r(next).canReadConsistent(g.now), false);
    assert.equal(g.r(follower).hasUsableData, true, 'a follower may answer (possibly stale) reads');
    g.droppedTypes.clear();
    g.run(50);
    const leader = g.leaders().find((x) => x !== 'a')!;
    assert.equal(g.r(leader).hasUsableData, true);
    assert.ok(g.r(leader).applied > index);
  });

  it('a cut-off leader steps down; its unreplicated write is replaced and never applies', () => {
    const g = new Group('a');
    g.run(300);
    g.cut.add('a');
    const lost = g.r('a').propose([{ tableId: Buffer.alloc(16), key: Buffer.from('k'), value: Buffer.from('lost'), delete: false, countDelta: 0, sizeDelta: 0 }]);
    g.run(500);
    assert.equal(g.r('a').role, 'follower', 'stepped down without a quorum');
    const b = g.leaders()[0];
    assert.ok(b && b !== 'a');
    const termOfB = g.r(b).term;
    const kept = g.write(b);
    assert.ok(kept > lost);
    g.cut.delete('a');
    g.run(300);
    assert.ok(g.r('a').applied >= kept);
    // The new leader's no-op took the index of a's unreplicated write.
    assert.equal(g.r('a').entryTerm(lost), termOfB, 'the old entry was replaced');
  });

  it('hands leadership back to the preferred replica once it has caught up', () => {
    const g = new Group('a');
    g.run(300);
    g.cut.add('a');
    g.run(500);
    const interim = g.leaders().find((x) => x !== 'a')!;
    for (let i = 0; i < 5; i++) g.write(interim);
    g.cut.delete('a');
    g.run(1_000);
    assert.deepEqual(g.leaders(), ['a']);
    assert.equal(g.r('a').applied, g.r(interim).applied);
  });
});

describe('vnode log in memory', () => {
  it('keeps an applied entry whole only while a follower lacks it (at most memoryEntries), and a follower keeps none', () => {
    const g = new Group('a');
    g.run(300);
    assert.deepEqual(g.leaders(), ['a']);
    const a = g.r('a');
    const first = g.write('a');
    g.run(5);
    // Every follower holds it: no replica keeps it whole (its writes are in the durable log).
    assert.equal(a.entriesBetween(first - 1, first), undefined);
    assert.equal(g.r('b').entriesBetween(first - 1, first), undefined);
    assert.equal(a.entryTerm(first), a.term, 'its term is still known');

    // c stops answering: what it lacks stays whole at the leader, and goes once c has caught up.
    g.cut.add('c');
    const few: number[] = [];
    for (let i = 0; i < 5; i++) few.push(g.write('a'));
    g.run(5); // b learns the commit index at the next tick
    const fewLast = few[few.length - 1];
    assert.ok(g.r('b').applied >= fewLast, 'a and b commit without c');
    assert.equal(g.r('b').entriesBetween(fewLast - 1, fewLast), undefined, 'a follower releases what it applied');
    assert.deepEqual(a.entriesBetween(few[0] - 1, fewLast)?.map((e) => e.index), few, 'held whole for c');
    g.cut.delete('c');
    g.run(500);
    assert.ok(g.r('c').applied >= fewLast, 'c caught up from the leader\'s memory');
    assert.equal(a.entriesBetween(fewLast - 1, fewLast), undefined, 'released once c holds them');

    // Cut off for longer, c lacks more than the leader keeps whole: the last memoryEntries only
    // (the real node reads older ones back from its durable log for c).
    g.cut.add('c');
    const many: number[] = [];
    for (let i = 0; i < TIMINGS.memoryEntries + 10; i++) many.push(g.write('a'));
    const last = many[many.length - 1];
    assert.ok(a.applied >= last);
    const whole = a.entriesBetween(last - TIMINGS.memoryEntries, last);
    assert.deepEqual(whole?.map((e) => e.index), many.slice(-TIMINGS.memoryEntries));
    assert.equal(a.entriesBetween(last - TIMINGS.memoryEntries - 1, last), undefined, 'older ones are not held whole');
  });
});
