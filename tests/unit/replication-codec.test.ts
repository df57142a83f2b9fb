import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeLogEntry, decodePeerMsgs, encodeLogEntry, encodePeerMsgs, type LogEntry, type PeerMsg } from '@ringdb/storage-node';

const table = Buffer.alloc(16, 7);

function msg(fields: Partial<PeerMsg>): PeerMsg {
  return { vnode: 0, type: 1, term: 0, prevIndex: 0, prevTerm: 0, commit: 0, entries: [], ok: false, lastIndex: 0, sentAt: 0, ...fields };
}

/** Entries as plain data (Buffers as hex) for deep comparison. */
function plain(e: LogEntry) {
  return {
    index: e.index,
    term: e.term,
    config: e.config && e.config.length > 0 ? e.config : undefined,
    mutations: e.mutations.map((m) => ({ ...m, tableId: m.tableId.toString('hex'), key: m.key.toString('hex'), value: m.value.toString('hex') })),
  };
}

describe('replication wire codec', () => {
  it('round-trips heartbeats, replies, appends with entries, configuration entries and snapshot chunks', () => {
    const entries: LogEntry[] = [
      { index: 41, term: 6, mutations: [] },
      {
        index: 42,
        term: 6,
        mutations: [
          { tableId: table, key: Buffer.from('k1'), value: Buffer.from('{"a":1}'), delete: false, countDelta: 1, sizeDelta: 300 },
          { tableId: table, key: Buffer.from('k2'), value: Buffer.alloc(0), delete: true, countDelta: -1, sizeDelta: -12 },
        ],
      },
      { index: 43, term: 7, mutations: [], config: ['node-a', 'node-b', 'node-ä2'] },
    ];
    const msgs: PeerMsg[] = [
      msg({ vnode: 65535, type: 1, term: 2 ** 40, prevIndex: 40, prevTerm: 6, commit: 39, lastIndex: 43, sentAt: 1_796_000_000_123, entries }),
      msg({ vnode: 3, type: 2, term: 7, ok: true, lastIndex: 43, sentAt: 1_796_000_000_123 }),
      msg({ vnode: 4, type: 2, term: 7, lastIndex: 10, needSnapshot: true }),
      msg({ vnode: 5, type: 9, term: 7, prevIndex: 900, prevTerm: 5, lastIndex: 3, ok: true, entries: [{ index: 3, term: 0, mutations: entries[1].mutations, config: ['x'] }] }),
    ];
    const back = decodePeerMsgs(encodePeerMsgs(msgs));
    assert.equal(back.length, msgs.length);
    back.forEach((b, i) => {
      const m = msgs[i];
      const { entries: be, ...bh } = b;
      const { entries: me, ...mh } = m;
      assert.deepEqual(bh, mh);
      assert.deepEqual(be.map(plain), me.map(plain));
    });
  });

  it('a heartbeat costs a fixed 44 bytes and an empty batch nothing', () => {
    assert.equal(encodePeerMsgs([msg({ vnode: 9, term: 3, commit: 100, sentAt: Date.now() })]).length, 44);
    assert.deepEqual(decodePeerMsgs(encodePeerMsgs([])), []);
  });

  it('rejects a truncated batch instead of inventing messages', () => {
    const buf = encodePeerMsgs([msg({ entries: [{ index: 1, term: 1, mutations: [] }] })]);
    assert.throws(() => decodePeerMsgs(buf.subarray(0, buf.length - 3)), /truncated/);
    assert.throws(() => decodePeerMsgs(buf.subarray(0, 20)), /truncated/);
  });

  it('log entries keep configuration voters across the log codec', () => {
    const e: LogEntry = { index: 7, term: 2, mutations: [], config: ['a', 'b', 'c', 'd'] };
    assert.deepEqual(plain(decodeLogEntry(7, encodeLogEntry(e))), plain(e));
    assert.equal(decodeLogEntry(8, encodeLogEntry({ index: 8, term: 2, mutations: [] })).config, undefined);
  });

  it('encodes an entry once: the leader reuses its bytes, a follower writes the bytes it received', () => {
    const e: LogEntry = { index: 9, term: 3, mutations: [{ tableId: table, key: Buffer.from('k'), value: Buffer.alloc(900, 1), delete: false, countDelta: 1, sizeDelta: 900 }] };
    const bytes = encodeLogEntry(e);
    assert.equal(encodeLogEntry(e), bytes, 'the same Buffer for the log write and every follower');
    const [received] = decodePeerMsgs(encodePeerMsgs([msg({ type: 2, entries: [e] })]));
    const copy = received.entries[0];
    assert.ok(encodeLogEntry(copy).equals(bytes));
    assert.equal(encodeLogEntry(copy).buffer, received.entries[0].mutations[0].value.buffer, 'a view of the received message, not a new encoding');
  });
});
