import { parseNumber } from './numbers.js';
import type { AttributeValue, Item } from './types.js';

/** DynamoDB's item size limit (names and values, by the rules below). */
export const MAX_ITEM_SIZE = 400 * 1024;

/**
 * An item's size in bytes by DynamoDB's rules ("Item sizes and formats" in the developer guide):
 * the sum over attributes of the UTF-8 length of the name plus the size of the value. Values:
 * - S: UTF-8 length; B: raw (decoded) length; BOOL, NULL: 1.
 * - N: 1 byte plus the digits stored in base-100 pairs aligned on the decimal point (the guide's
 *   "1 byte per two significant digits + 1 byte", made exact), plus 1 for a negative number;
 *   zero is 1 byte. E.g. "1" and "12" take 2 bytes, "123" and "1.2" take 3, "-1" takes 3.
 * - SS, NS, BS: the sum of their elements' sizes.
 * - M, L: 3 bytes plus, per element, 1 byte + its size (+ the UTF-8 length of its name for M).
 * The item must already be validated (values well formed, numbers valid).
 */
export function itemSize(item: Item): number {
  let size = 0;
  for (const name in item) size += Buffer.byteLength(name, 'utf8') + attributeValueSize(item[name]!);
  return size;
}

/** The size of one attribute value, without its name (see itemSize). */
export function attributeValueSize(av: AttributeValue): number {
  if (av.S !== undefined) return Buffer.byteLength(av.S, 'utf8');
  if (av.N !== undefined) return numberSize(av.N);
  if (av.B !== undefined) return Buffer.byteLength(av.B, 'base64');
  if (av.BOOL !== undefined || av.NULL !== undefined) return 1;
  if (av.SS !== undefined) {
    let size = 0;
    for (const s of av.SS) size += Buffer.byteLength(s, 'utf8');
    return size;
  }
  if (av.NS !== undefined) {
    let size = 0;
    for (const n of av.NS) size += numberSize(n);
    return size;
  }
  if (av.BS !== undefined) {
    let size = 0;
    for (const b of av.BS) size += Buffer.byteLength(b, 'base64');
    return size;
  }
  if (av.M !== undefined) {
    let size = 3;
    for (const name in av.M) size += 1 + Buffer.byteLength(name, 'utf8') + attributeValueSize(av.M[name]!);
    return size;
  }
  if (av.L !== undefined) {
    let size = 3;
    for (const v of av.L) size += 1 + attributeValueSize(v);
    return size;
  }
  return 0;
}

/** The stored size of a number (see itemSize). */
export function numberSize(text: string): number {
  const n = parseNumber(text);
  if (n.sign === 0) return 1;
  // Value = 0.d1d2... x 10^exponent. Pairs are aligned on the decimal point: with an odd exponent
  // the first digit sits alone in the low half of a pair.
  const pairs = (n.digits.length + (n.exponent & 1) + 1) >> 1;
  return 1 + pairs + (n.sign < 0 ? 1 : 0);
}
