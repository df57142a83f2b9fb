import { decodeLogEntry, encodeLogEntry } from './log-codec.js';
import type { LogEntry, PeerMsg } from './types.js';

/**
 * Binary form of all the replication messages one node sends another in one write, carried as a
 * single `bytes` field of PeerBatch instead of one protobuf object per message. Most messages are
 * heartbeats and acknowledgements of some of the hundreds of vnodes two nodes share: each takes a
 * fixed 44 bytes here, and encoding or decoding it allocates no per-field objects.
 *
 *   per message:  vnode u16 | type u8 | flags u8 (1 ok, 2 needSnapshot) | term, prevIndex, prevTerm,
 *                 commit, lastIndex, sentAt: u48 each | entry count u32 |
 *                 per entry: index u48 | length u32 | log-codec bytes (term, mutations, config)
 *
 * Integers are unsigned 48-bit (terms, indexes and millisecond clocks stay far below 2^48).
 * Decoded entries' keys and values are views of the received buffer (no copy), and so are their
 * encoded bytes (`LogEntry.encoded`), which a follower writes to its log as they came.
 */
const HEADER = 2 + 1 + 1 + 6 * 6 + 4;
const FLAG_OK = 1;
const FLAG_NEED_SNAPSHOT = 2;

export function encodePeerMsgs(msgs: readonly PeerMsg[]): Buffer {
  let size = 0;
  for (const m of msgs) {
    size += HEADER;
    for (const e of m.entries) size += 10 + encodeLogEntry(e).length;
  }
  const out = Buffer.allocUnsafe(size);
  let o = 0;
  for (const m of msgs) {
    out.writeUInt16BE(m.vnode, o);
    out[o + 2] = m.type;
    out[o + 3] = (m.ok ? FLAG_OK : 0) | (m.needSnapshot ? FLAG_NEED_SNAPSHOT : 0);
    out.writeUIntBE(m.term, o + 4, 6);
    out.writeUIntBE(m.prevIndex, o + 10, 6);
    out.writeUIntBE(m.prevTerm, o + 16, 6);
    out.writeUIntBE(m.commit, o + 22, 6);
    out.writeUIntBE(m.lastIndex, o + 28, 6);
    out.writeUIntBE(Math.max(0, m.sentAt), o + 34, 6);
    out.writeUInt32BE(m.entries.length, o + 40);
    o += HEADER;
    for (const e of m.entries) {
      const b = encodeLogEntry(e); // cached by the first call
      out.writeUIntBE(e.index, o, 6);
      out.writeUInt32BE(b.length, o + 6);
      b.copy(out, o + 10);
      o += 10 + b.length;
    }
  }
  return out;
}

export function decodePeerMsgs(buf: Buffer): PeerMsg[] {
  const out: PeerMsg[] = [];
  let o = 0;
  while (o < buf.length) {
    if (o + HEADER > buf.length) throw new Error('truncated replication message');
    const flags = buf[o + 3];
    const count = buf.readUInt32BE(o + 40);
    const msg: PeerMsg = {
      vnode: buf.readUInt16BE(o),
      type: buf[o + 2],
      term: buf.readUIntBE(o + 4, 6),
      prevIndex: buf.readUIntBE(o + 10, 6),
      prevTerm: buf.readUIntBE(o + 16, 6),
      commit: buf.readUIntBE(o + 22, 6),
      lastIndex: buf.readUIntBE(o + 28, 6),
      sentAt: buf.readUIntBE(o + 34, 6),
      ok: (flags & FLAG_OK) !== 0,
      entries: [],
    };
    if (flags & FLAG_NEED_SNAPSHOT) msg.needSnapshot = true;
    o += HEADER;
    const entries: LogEntry[] = msg.entries;
    for (let j = 0; j < count; j++) {
      const index = buf.readUIntBE(o, 6);
      const length = buf.readUInt32BE(o + 6);
      if (o + 10 + length > buf.length) throw new Error('truncated replication log entry');
      entries.push(decodeLogEntry(index, buf.subarray(o + 10, o + 10 + length)));
      o += 10 + length;
    }
    out.push(msg);
  }
  return out;
}
