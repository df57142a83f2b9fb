import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { VnodeReplica, type LogEntry, type PeerMsg, type Ready } from '@ringdb/storage-node';

/**
 * Drives three replicas of one vnode through a seeded random schedule: proposals at the designated
 * leader, message loss, duplication and reordering, and crashes that lose everything not yet
 * persisted. After healing, every acknowledged write must be applied on every replica, and all
 * replicas must hold identical data.
 */

function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

interface Disk {
  log: Map<number, LogEntry>;
  state: { term: number; applied: number; appliedTerm: number };
  data: Map<string, string>;
}

interface InFlight {
  at: number;
  from: string;
  to: string;
  msg: PeerMsg;
}

const IDS = ['a', 'b', 'c'];
const LEADER = 'a';

function restore(id: string, disk: Disk): VnodeReplica {
  const indices = [...disk.log.keys()].sort((x, y) => x - y);
  const lastIndex = indices.length ? indices[indices.length - 1] : disk.state.applied;
  const unapplied = indices.filter((i) => i > disk.state.applied).map((i) => disk.log.get(i)!);
  const lastTerm = unapplied.length ? unapplied[unapplied.length - 1].term : disk.state.appliedTerm;
  const r = new VnodeReplica(0, id, { ...disk.state, lastIndex, lastTerm, unapplied }, {
    heartbeatMs: 100,
    resendMs: 300,
    maxEntriesPerMessage: 8,
    retainedEntries: 16, // small, so catch-up exercises reading the log back from "disk"
  });
  return r;
}

function runSchedule(seed: number, steps: number): { acked: number; applied: number } {
  const rnd = prng(seed);
  const disks = new Map<string, Disk>(IDS.map((id) => [id, { log: new Map(), state: { term: 0, applied: 0, appliedTerm: 0 }, data: new Map() }]));
  const replicas = new Map<string, VnodeReplica | null>();
  let now = 0;
  const boot = (id: string) => {
    const r = restore(id, disks.get(id)!);
    r.configure(IDS, LEADER, 1, now);
    replicas.set(id, r);
  };
  IDS.forEach(boot);
  let network: InFlight[] = [];
  let lossy = true;
  const acked = new Map<string, string>(); // key -> value of the last acknowledged write
  const waiting = new Map<number, { key: string; value: string }>(); // leader index -> write
  let counter = 0;

  const processReady = (id: string) => {
    const r = replicas.get(id);
    if (!r || !r.hasReady()) return;
    const ready: Ready = r.ready(now);
    const disk = disks.get(id)!;
    for (const e of ready.entries) disk.log.set(e.index, e);
    for (const e of ready.apply) {
      for (const m of e.mutations) disk.data.set(m.key.toString(), m.value.toString());
    }
    if (ready.state) disk.state = { ...ready.state };
    for (const out of ready.messages) {
      if (lossy && rnd() < 0.1) continue; // lost
      const copies = lossy && rnd() < 0.05 ? 2 : 1; // duplicated
      for (let c = 0; c < copies; c++) network.push({ at: now + 1 + Math.floor(rnd() * (lossy ? 200 : 20)), from: id, to: out.to, msg: out.msg });
    }
    for (const f of ready.fetch) {
      const entries: LogEntry[] = [];
      for (let i = f.from; i <= f.to; i++) if (disk.log.has(i)) entries.push(disk.log.get(i)!);
      const prevTerm = f.from > 1 ? disk.log.get(f.from - 1)!.term : 0;
      r.fetched(f.peer, f.from - 1, prevTerm, entries, now);
    }
    r.advance(ready);
    if (id === LEADER) {
      for (const [index, w] of waiting) {
        if (index <= r.applied) {
          acked.set(w.key, w.value);
          waiting.delete(index);
        }
      }
    }
  };

  const step = () => {
    const roll = rnd();
    const leader = replicas.get(LEADER);
    if (roll < 0.3 && leader) {
      const key = `k${Math.floor(rnd() * 20)}`;
      const value = `v${++counter}`;
      const index = leader.propose([{ tableId: Buffer.alloc(16), key: Buffer.from(key), value: Buffer.from(value), delete: false, countDelta: 0, sizeDelta: 0 }]);
      waiting.set(index, { key, value });
    } else if (roll < 0.33 && lossy) {
      // crash a random replica: in-memory state and unsent messages are gone
      const id = IDS[Math.floor(rnd() * 3)];
      if (replicas.get(id)) {
        replicas.set(id, null);
        network = network.filter((m) => m.to !== id && m.from !== id);
        if (id === LEADER) waiting.clear(); // clients of a crashed leader get no answer
      }
    } else if (roll < 0.4) {
      for (const id of IDS) if (!replicas.get(id)) boot(id);
    } else {
      now += 10 + Math.floor(rnd() * 40);
      for (const r of replicas.values()) r?.tick(now);
    }
    // deliver due messages in a shuffled order (reordering)
    const due = network.filter((m) => m.at <= now);
    network = network.filter((m) => m.at > now);
    due.sort(() => rnd() - 0.5);
    for (const m of due) replicas.get(m.to)?.step(m.from, m.msg, now);
    for (const id of IDS) processReady(id);
  };

  for (let i = 0; i < steps; i++) step();
  // heal: everyone up, no loss, until quiet
  lossy = false;
  for (const id of IDS) if (!replicas.get(id)) boot(id);
  for (let i = 0; i < 2_000; i++) {
    now += 20;
    for (const r of replicas.values()) r!.tick(now);
    const due = network.filter((m) => m.at <= now);
    network = network.filter((m) => m.at > now);
    for (const m of due) replicas.get(m.to)!.step(m.from, m.msg, now);
    for (const id of IDS) processReady(id);
    const l = replicas.get(LEADER)!;
    if (network.length === 0 && IDS.every((id) => replicas.get(id)!.applied === l.lastIndex)) break;
  }

  const leader = replicas.get(LEADER)!;
  for (const id of IDS) {
    const r = replicas.get(id)!;
    assert.equal(r.applied, leader.lastIndex, `seed ${seed}: replica ${id} applied ${r.applied} of ${leader.lastIndex}`);
    assert.deepEqual(disks.get(id)!.data, disks.get(LEADER)!.data, `seed ${seed}: replica ${id} data differs`);
  }
  // Every acknowledged write survives. A key's final value may be a later write that committed
  // without its acknowledgement reaching the client (its leader crashed first), never an older one.
  for (const [key, value] of acked) {
    const final = disks.get(LEADER)!.data.get(key);
    assert.ok(final !== undefined && Number(final.slice(1)) >= Number(value.slice(1)), `seed ${seed}: ${key} acked ${value}, found ${final}`);
  }
  return { acked: acked.size, applied: leader.applied };
}

describe('replication state machine under a seeded simulated network', () => {
  it('never loses an acknowledged write and converges after healing (300 seeds)', () => {
    const base = Number(process.env.RINGDB_SIM_SEED ?? 1);
    const seeds = Number(process.env.RINGDB_SIM_SEEDS ?? 300);
    let applied = 0;
    for (let s = base; s < base + seeds; s++) {
      try {
        applied += runSchedule(s, 400).applied;
      } catch (err) {
        throw new Error(`${(err as Error).message}\nreplay: RINGDB_SIM_SEED=${s} RINGDB_SIM_SEEDS=1 node scripts/run-tests.mjs unit replication-simulation`);
      }
    }
    assert.ok(applied > seeds * 10, `the schedules committed writes (${applied})`);
  });
});
