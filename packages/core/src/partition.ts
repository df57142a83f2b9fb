import { hash as digest } from 'node:crypto';

/**
 * Where a partition key lives: the first four bytes of MD5(tableName, 0x00, key bytes) as an
 * unsigned 32-bit number, and that number modulo the vnode count. Vnodes are then placed on nodes
 * by membership (one consistent-hash ring per zone); the vnode count never changes for a cluster.
 */
export interface PartitionLocation {
  hash: number;
  vnode: number;
}

export function locatePartition(tableName: string, hashKeyBytes: Buffer, vnodeCount: number): PartitionLocation {
  // One-shot digest of one buffer: about half the cost of a Hash object fed three times.
  const input = Buffer.allocUnsafe(Buffer.byteLength(tableName, 'utf8') + 1 + hashKeyBytes.length);
  const n = input.write(tableName, 0, 'utf8');
  input[n] = 0;
  hashKeyBytes.copy(input, n + 1);
  const hash = (digest('md5', input, 'buffer') as unknown as Buffer).readUInt32BE(0);
  return { hash, vnode: hash % vnodeCount };
}

/** A table id is a UUID; its 16 bytes prefix every stored key of the table. */
export function tableIdBytes(tableId: string): Buffer {
  const hex = tableId.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new Error(`not a table id: ${tableId}`);
  return Buffer.from(hex, 'hex');
}

export function tableIdFromBytes(bytes: Buffer): string {
  const h = bytes.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
