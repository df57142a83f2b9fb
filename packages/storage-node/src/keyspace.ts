/**
 * The layout of a storage node's single key space (one RocksDB per node, every vnode replica in it):
 *
 *   'd' tableId(16) vnode(2) enc(hash key) [enc(range key)] -> size(4) item JSON    item data
 *   'l' vnode(2) index(8)                                   -> LogEntry             replication log
 *   'm' vnode(2)                                            -> JSON {term, applied} replica state
 *   's' vnode(2) tableId(16)                                -> count(8) bytes(8)    table statistics
 *
 * Data keys start with the table id, so dropping a table is one range delete; inside a table they
 * start with the vnode, so a vnode's share of a table is one contiguous range.
 */
import { prefixEnd } from '@ringdb/core';

export const DATA = 0x64; // 'd'
export const LOG = 0x6c; // 'l'
export const META = 0x6d; // 'm'
export const STATS = 0x73; // 's'

export function dataKey(tableId: Buffer, vnode: number, key: Buffer): Buffer {
  const out = Buffer.allocUnsafe(19 + key.length);
  out[0] = DATA;
  tableId.copy(out, 1);
  out.writeUInt16BE(vnode, 17);
  key.copy(out, 19);
  return out;
}

/** [start, end) of a table's data, or of one vnode's share of it. */
export function tableRange(tableId: Buffer, vnode?: number): { gte: Buffer; lt: Buffer } {
  const head = Buffer.allocUnsafe(vnode === undefined ? 17 : 19);
  head[0] = DATA;
  tableId.copy(head, 1);
  if (vnode !== undefined) head.writeUInt16BE(vnode, 17);
  return { gte: head, lt: prefixEnd(head) };
}

export function logKey(vnode: number, index: number): Buffer {
  const out = Buffer.allocUnsafe(11);
  out[0] = LOG;
  out.writeUInt16BE(vnode, 1);
  out.writeBigUInt64BE(BigInt(index), 3);
  return out;
}

export function logRange(vnode: number, fromIndex: number, toIndex: number): { gte: Buffer; lte: Buffer } {
  return { gte: logKey(vnode, fromIndex), lte: logKey(vnode, toIndex) };
}

export function metaKey(vnode: number): Buffer {
  const out = Buffer.allocUnsafe(3);
  out[0] = META;
  out.writeUInt16BE(vnode, 1);
  return out;
}

export function statsKey(vnode: number, tableId: Buffer): Buffer {
  const out = Buffer.allocUnsafe(19);
  out[0] = STATS;
  out.writeUInt16BE(vnode, 1);
  tableId.copy(out, 3);
  return out;
}

/** Stored item values carry the item's DynamoDB size in front of its JSON. */
export function encodeItemValue(size: number, json: Buffer): Buffer {
  const out = Buffer.allocUnsafe(4 + json.length);
  out.writeUInt32BE(size, 0);
  json.copy(out, 4);
  return out;
}

export function itemValueSize(value: Buffer): number {
  return value.readUInt32BE(0);
}

export function itemValueJson(value: Buffer): Buffer {
  return value.subarray(4);
}
