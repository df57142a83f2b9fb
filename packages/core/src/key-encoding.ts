import { formatNumber, normalizeNumber, parseNumber, MIN_NUMBER_EXPONENT } from './numbers.js';
import type { AttributeValue, KeyType } from './types.js';

/**
 * Order-preserving, self-delimiting encoding of key attribute values, so that a sort-key range is
 * a byte-range scan. For two values x, y of one type, Buffer.compare(enc(x), enc(y)) has the sign
 * of DynamoDB's comparison of x and y, and enc(x) is never a proper prefix of enc(y); therefore
 * `prefix + enc(pk) + enc(sk)` sorts by (pk, sk).
 *
 * S (UTF-8 bytes) and B (raw bytes): every 0x00 becomes 0x00 0xFF, then the terminator 0x00 0x01.
 *   The terminator sorts below every continuation (any byte >= 0x01, or an escaped 0x00 0xFF), so a
 *   value sorts before its extensions, and it cannot occur inside the escaped bytes.
 *
 * N: a class byte, 0x01 negative, 0x02 zero (nothing follows), 0x03 positive. A positive number is
 *   then M = [exponent + 129] (0..255 over DynamoDB's range), its digits in base-100 pairs from the
 *   decimal point of 0.d1d2d3... (a pair p is the byte p + 1, an odd last digit is padded with 0),
 *   and the terminator 0x00. Numbers are canonical (no trailing zeros), so larger magnitude means a
 *   larger exponent, or the same exponent and larger pairs, or the same pairs followed by more
 *   (and 0x00 sorts first). A negative number is the byte-wise complement of M for its magnitude,
 *   which reverses that order; its terminator is 0xFF.
 */

const S_ESCAPE = 0xff;
const S_TERMINATOR = 0x01;

const N_NEGATIVE = 0x01;
const N_ZERO = 0x02;
const N_POSITIVE = 0x03;
const EXPONENT_BIAS = -MIN_NUMBER_EXPONENT; // 129: exponent -129 -> 0, 126 -> 255

const ZERO_ENCODING = Buffer.from([N_ZERO]);

/** The raw bytes of an S or B key value (B arrives as base64). */
function rawBytes(type: 'S' | 'B', value: AttributeValue): Buffer {
  return type === 'S' ? Buffer.from(value.S!, 'utf8') : Buffer.from(value.B!, 'base64');
}

/** Escapes 0x00 as 0x00 0xFF and optionally appends the terminator. */
function escapeBytes(raw: Buffer, terminate: boolean): Buffer {
  let zeros = 0;
  for (let i = raw.indexOf(0); i !== -1; i = raw.indexOf(0, i + 1)) zeros++;
  const out = Buffer.allocUnsafe(raw.length + zeros + (terminate ? 2 : 0));
  if (zeros === 0) {
    raw.copy(out, 0);
  } else {
    let o = 0;
    for (let i = 0; i < raw.length; i++) {
      const b = raw[i]!;
      out[o++] = b;
      if (b === 0) out[o++] = S_ESCAPE;
    }
  }
  if (terminate) {
    out[out.length - 2] = 0;
    out[out.length - 1] = S_TERMINATOR;
  }
  return out;
}

function encodeNumber(text: string): Buffer {
  const n = parseNumber(text);
  if (n.sign === 0) return ZERO_ENCODING;
  const { digits } = n;
  const pairs = (digits.length + 1) >> 1;
  const out = Buffer.allocUnsafe(pairs + 3);
  const flip = n.sign < 0 ? 0xff : 0;
  out[0] = n.sign < 0 ? N_NEGATIVE : N_POSITIVE;
  out[1] = (n.exponent + EXPONENT_BIAS) ^ flip;
  for (let p = 0, i = 0; p < pairs; p++, i += 2) {
    const hi = digits.charCodeAt(i) - 48;
    const lo = i + 1 < digits.length ? digits.charCodeAt(i + 1) - 48 : 0;
    out[2 + p] = (hi * 10 + lo + 1) ^ flip;
  }
  out[pairs + 2] = flip; // terminator: 0x00, or 0xFF for negatives
  return out;
}

/** The order-preserving, self-delimiting encoding of a key value of the given type. */
export function encodeKeyValue(type: KeyType, value: AttributeValue): Buffer {
  if (type === 'N') return encodeNumber(value.N!);
  return escapeBytes(rawBytes(type, value), true);
}

/**
 * The escaped bytes of an S or B value without the terminator: every value that begins with
 * `value` has an encoding that begins with these bytes (for begins_with ranges).
 */
export function encodeStringPrefix(type: 'S' | 'B', value: AttributeValue): Buffer {
  return escapeBytes(rawBytes(type, value), false);
}

/** Decodes one encoded key value at `offset`; `next` is the offset just past it. */
export function decodeKeyValue(type: KeyType, buf: Buffer, offset: number): { value: AttributeValue; next: number } {
  if (type === 'N') return decodeNumber(buf, offset);
  // Find the terminator, counting escapes to size the output.
  let escapes = 0;
  let i = offset;
  for (;;) {
    i = buf.indexOf(0, i);
    if (i === -1 || i + 1 >= buf.length) throw new Error('malformed key encoding: unterminated value');
    const b = buf[i + 1];
    if (b === S_TERMINATOR) break;
    if (b !== S_ESCAPE) throw new Error('malformed key encoding: bad escape');
    escapes++;
    i += 2;
  }
  const end = i;
  let raw: Buffer;
  if (escapes === 0) {
    raw = buf.subarray(offset, end);
  } else {
    raw = Buffer.allocUnsafe(end - offset - escapes);
    let o = 0;
    for (let j = offset; j < end; j++) {
      const b = buf[j]!;
      raw[o++] = b;
      if (b === 0) j++; // skip the 0xFF escape
    }
  }
  const value: AttributeValue = type === 'S' ? { S: raw.toString('utf8') } : { B: raw.toString('base64') };
  return { value, next: end + 2 };
}

function decodeNumber(buf: Buffer, offset: number): { value: AttributeValue; next: number } {
  const cls = buf[offset];
  if (cls === N_ZERO) return { value: { N: '0' }, next: offset + 1 };
  if (cls !== N_NEGATIVE && cls !== N_POSITIVE) throw new Error('malformed key encoding: bad number class');
  const flip = cls === N_NEGATIVE ? 0xff : 0;
  if (offset + 1 >= buf.length) throw new Error('malformed key encoding: truncated number');
  const exponent = (buf[offset + 1]! ^ flip) - EXPONENT_BIAS;
  let digits = '';
  let i = offset + 2;
  for (;;) {
    if (i >= buf.length) throw new Error('malformed key encoding: truncated number');
    const b = buf[i]! ^ flip;
    if (b === 0) break;
    const p = b - 1;
    if (p > 99) throw new Error('malformed key encoding: bad digit pair');
    digits += p < 10 ? '0' + p : String(p);
    i++;
  }
  if (digits.endsWith('0')) digits = digits.slice(0, -1);
  const text = formatNumber({ sign: cls === N_NEGATIVE ? -1 : 1, digits, exponent });
  return { value: { N: text }, next: i + 1 };
}

/** The bytes the partition hash is taken over: S as UTF-8, B decoded, N as canonical text. */
export function hashKeyBytes(type: KeyType, value: AttributeValue): Buffer {
  if (type === 'S') return Buffer.from(value.S!, 'utf8');
  if (type === 'B') return Buffer.from(value.B!, 'base64');
  return Buffer.from(normalizeNumber(value.N!), 'latin1');
}
