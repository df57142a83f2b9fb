import type { LogEntry, Mutation } from './types.js';

/**
 * Binary form of a log entry as stored under its log key (the index is the key, not the value):
 *   term u64 | mutation count u32 | per mutation: tableId(16) flags u8 countDelta i8 sizeDelta i32
 *   keyLength u16 key valueLength u32 value
 * and, for a configuration entry, a trailer: 0xC0 | voter count u16 | per voter: length u16 utf-8 id
 */
const CONFIG_MARK = 0xc0;
export function encodeLogEntry(entry: LogEntry): Buffer {
  return (entry.encoded ??= encodeFresh(entry));
}

function encodeFresh(entry: LogEntry): Buffer {
  let size = 12;
  for (const m of entry.mutations) size += 16 + 1 + 1 + 4 + 2 + m.key.length + 4 + m.value.length;
  const config = entry.config?.map((id) => Buffer.from(id, 'utf8'));
  if (config) size += 3 + config.reduce((n, b) => n + 2 + b.length, 0);
  const out = Buffer.allocUnsafe(size);
  out.writeBigUInt64BE(BigInt(entry.term), 0);
  out.writeUInt32BE(entry.mutations.length, 8);
  let o = 12;
  for (const m of entry.mutations) {
    m.tableId.copy(out, o);
    o += 16;
    out[o++] = m.delete ? 1 : 0;
    out.writeInt8(m.countDelta, o++);
    out.writeInt32BE(m.sizeDelta, o);
    o += 4;
    out.writeUInt16BE(m.key.length, o);
    o += 2;
    m.key.copy(out, o);
    o += m.key.length;
    out.writeUInt32BE(m.value.length, o);
    o += 4;
    m.value.copy(out, o);
    o += m.value.length;
  }
  if (config) {
    out[o++] = CONFIG_MARK;
    out.writeUInt16BE(config.length, o);
    o += 2;
    for (const b of config) {
      out.writeUInt16BE(b.length, o);
      o += 2;
      b.copy(out, o);
      o += b.length;
    }
  }
  return out;
}

export function decodeLogEntry(index: number, buf: Buffer): LogEntry {
  const term = Number(buf.readBigUInt64BE(0));
  const count = buf.readUInt32BE(8);
  const mutations: Mutation[] = [];
  let o = 12;
  for (let i = 0; i < count; i++) {
    const tableId = buf.subarray(o, o + 16);
    o += 16;
    const del = buf[o++] === 1;
    const countDelta = buf.readInt8(o++);
    const sizeDelta = buf.readInt32BE(o);
    o += 4;
    const keyLength = buf.readUInt16BE(o);
    o += 2;
    const key = buf.subarray(o, o + keyLength);
    o += keyLength;
    const valueLength = buf.readUInt32BE(o);
    o += 4;
    const value = buf.subarray(o, o + valueLength);
    o += valueLength;
    mutations.push({ tableId, key, value, delete: del, countDelta, sizeDelta });
  }
  if (o < buf.length && buf[o] === CONFIG_MARK) {
    const voters: string[] = [];
    const n = buf.readUInt16BE(o + 1);
    o += 3;
    for (let i = 0; i < n; i++) {
      const len = buf.readUInt16BE(o);
      voters.push(buf.toString('utf8', o + 2, o + 2 + len));
      o += 2 + len;
    }
    return { index, term, mutations, config: voters, encoded: buf };
  }
  return { index, term, mutations, encoded: buf };
}
