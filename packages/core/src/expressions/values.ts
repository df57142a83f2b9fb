import { validation } from '../errors.js';
import { MAX_NUMBER_DIGITS, MAX_NUMBER_EXPONENT, MIN_NUMBER_EXPONENT, compareParsedNumbers, formatNumber, normalizeNumber, parseNumber, type ParsedNumber } from '../numbers.js';
import type { AttributeValue } from '../types.js';

/** The ten attribute value types. */
export const VALUE_TYPES = ['S', 'N', 'B', 'BOOL', 'NULL', 'SS', 'NS', 'BS', 'L', 'M'] as const;
export type ValueType = (typeof VALUE_TYPES)[number];

const TYPE_SET: ReadonlySet<string> = new Set(VALUE_TYPES);

/** The type of a (well formed) attribute value, or undefined for anything else. */
export function typeOf(av: AttributeValue | undefined): ValueType | undefined {
  if (typeof av !== 'object' || av === null) return undefined;
  for (const k in av) {
    if (TYPE_SET.has(k) && (av as Record<string, unknown>)[k] !== undefined) return k as ValueType;
  }
  return undefined;
}

export function isValueType(t: string): t is ValueType {
  return TYPE_SET.has(t);
}

function safeParse(n: string): ParsedNumber | undefined {
  try {
    return parseNumber(n);
  } catch {
    return undefined;
  }
}

/** Numeric order of two number texts (falls back to text order for malformed input). */
export function compareNumberText(a: string, b: string): number {
  if (a === b) return 0;
  const x = safeParse(a);
  const y = safeParse(b);
  if (x && y) return compareParsedNumbers(x, y);
  return a < b ? -1 : 1;
}

function bytes(b64: string): Buffer {
  return Buffer.from(b64, 'base64');
}

/** Order of two strings by their UTF-8 bytes (DynamoDB's string order). */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  // UTF-8 byte order is code point order; UTF-16 code unit order differs only when surrogates meet
  // code units >= 0xE000, so plain comparison is right unless one of those is involved.
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) return Buffer.compare(Buffer.from(a.slice(i), 'utf8'), Buffer.from(b.slice(i), 'utf8'));
    return x < y ? -1 : 1;
  }
  return a.length - b.length < 0 ? -1 : a.length === b.length ? 0 : 1;
}

export function compareBinary(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(bytes(a), bytes(b));
}

/**
 * Order of two values of the same scalar type S, N or B; undefined when they are not both of one
 * of those types (such comparisons are false in conditions).
 */
export function compareScalars(a: AttributeValue | undefined, b: AttributeValue | undefined): number | undefined {
  const t = typeOf(a);
  if (t === undefined || t !== typeOf(b)) return undefined;
  if (t === 'S') return compareStrings(a!.S!, b!.S!);
  if (t === 'N') return compareNumberText(a!.N!, b!.N!);
  if (t === 'B') return compareBinary(a!.B!, b!.B!);
  return undefined;
}

/**
 * A set member as a comparable string: numbers in canonical form, binaries as hex, strings as
 * they are (so that set operations are linear, not quadratic).
 */
export function memberKey(setType: 'SS' | 'NS' | 'BS', member: string): string {
  if (setType === 'NS') {
    try {
      return normalizeNumber(member);
    } catch {
      return member;
    }
  }
  if (setType === 'BS') return Buffer.from(member, 'base64').toString('hex');
  return member;
}

function setEquals(setType: 'SS' | 'NS' | 'BS', a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  const keys = new Set(a.map((m) => memberKey(setType, m)));
  for (const m of b) if (!keys.has(memberKey(setType, m))) return false;
  return true;
}

/** DynamoDB equality: same type and same value (sets regardless of order, numbers numerically). */
export function valuesEqual(a: AttributeValue | undefined, b: AttributeValue | undefined): boolean {
  const t = typeOf(a);
  if (t === undefined || t !== typeOf(b)) return false;
  switch (t) {
    case 'S':
      return a!.S === b!.S;
    case 'N':
      return compareNumberText(a!.N!, b!.N!) === 0;
    case 'B':
      return compareBinary(a!.B!, b!.B!) === 0;
    case 'BOOL':
      return a!.BOOL === b!.BOOL;
    case 'NULL':
      return true;
    case 'SS':
      return setEquals('SS', a!.SS!, b!.SS!);
    case 'NS':
      return setEquals('NS', a!.NS!, b!.NS!);
    case 'BS':
      return setEquals('BS', a!.BS!, b!.BS!);
    case 'L': {
      const x = a!.L!;
      const y = b!.L!;
      if (x.length !== y.length) return false;
      for (let i = 0; i < x.length; i++) if (!valuesEqual(x[i], y[i])) return false;
      return true;
    }
    case 'M': {
      const x = a!.M!;
      const y = b!.M!;
      const kx = Object.keys(x);
      if (kx.length !== Object.keys(y).length) return false;
      for (const k of kx) {
        if (!Object.prototype.hasOwnProperty.call(y, k) || !valuesEqual(x[k], y[k])) return false;
      }
      return true;
    }
  }
}

/** Whether a set of type `setType` holds `member` (a scalar of the matching type). */
export function setHas(setType: 'SS' | 'NS' | 'BS', members: string[], member: string): boolean {
  const key = memberKey(setType, member);
  for (const m of members) if (memberKey(setType, m) === key) return true;
  return false;
}

/** Members of `a` followed by those of `b` it lacks. */
export function setUnion(setType: 'SS' | 'NS' | 'BS', a: string[], b: string[]): string[] {
  const keys = new Set(a.map((m) => memberKey(setType, m)));
  const out = a.slice();
  for (const m of b) {
    const k = memberKey(setType, m);
    if (!keys.has(k)) {
      keys.add(k);
      out.push(m);
    }
  }
  return out;
}

/** Members of `a` that are not in `b`. */
export function setDifference(setType: 'SS' | 'NS' | 'BS', a: string[], b: string[]): string[] {
  const drop = new Set(b.map((m) => memberKey(setType, m)));
  return a.filter((m) => !drop.has(memberKey(setType, m)));
}

/** The element type of a set type and the set type of a scalar type. */
export const SET_OF: Readonly<Record<string, 'SS' | 'NS' | 'BS'>> = { S: 'SS', N: 'NS', B: 'BS' };

/** A value's size for size(): UTF-16 length of S, bytes of B, element count of sets, L and M. */
export function sizeOf(av: AttributeValue | undefined): number | undefined {
  switch (typeOf(av)) {
    case 'S':
      return av!.S!.length;
    case 'B':
      return bytes(av!.B!).length;
    case 'SS':
      return av!.SS!.length;
    case 'NS':
      return av!.NS!.length;
    case 'BS':
      return av!.BS!.length;
    case 'L':
      return av!.L!.length;
    case 'M':
      return Object.keys(av!.M!).length;
    default:
      return undefined;
  }
}

/** The text of a value in DynamoDB's messages ("{S:a}" shows as `a`). */
export function valueText(av: AttributeValue): string {
  const t = typeOf(av);
  if (t === undefined) return '';
  const v = (av as Record<string, unknown>)[t];
  if (Array.isArray(v)) return `[${v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(', ')}]`;
  if (typeof v === 'object' && v !== null) return JSON.stringify(v);
  return String(v);
}

const OVERFLOW = 'Number overflow. Attempting to store a number with magnitude larger than supported range';
const UNDERFLOW = 'Number underflow. Attempting to store a number with magnitude smaller than supported range';

/**
 * Exact a + b (or a - b) of two DynamoDB numbers. A result outside DynamoDB's range is refused as
 * DynamoDB refuses it; a result needing more than 38 significant digits is refused with the
 * overflow message, which is what DynamoDB says in that case.
 */
export function addNumbers(a: string, b: string, subtract = false): string {
  const x = parseNumber(a);
  const y = parseNumber(b);
  if (y.sign === 0) return formatNumber(x);
  const ySign = subtract ? -y.sign : y.sign;
  if (x.sign === 0) return formatNumber({ sign: ySign as -1 | 1, digits: y.digits, exponent: y.exponent });
  // value = sign * digits * 10^(exponent - digits.length)
  const sx = x.exponent - x.digits.length;
  const sy = y.exponent - y.digits.length;
  const scale = Math.min(sx, sy);
  const mx = BigInt(x.digits) * 10n ** BigInt(sx - scale) * BigInt(x.sign);
  const my = BigInt(y.digits) * 10n ** BigInt(sy - scale) * BigInt(ySign);
  const sum = mx + my;
  if (sum === 0n) return '0';
  const negative = sum < 0n;
  let digits = (negative ? -sum : sum).toString();
  let trailing = 0;
  while (digits.length - trailing > 1 && digits.charCodeAt(digits.length - 1 - trailing) === 48) trailing++;
  digits = digits.slice(0, digits.length - trailing);
  const exponent = digits.length + scale + trailing;
  if (exponent > MAX_NUMBER_EXPONENT) throw validation(OVERFLOW);
  if (exponent < MIN_NUMBER_EXPONENT) throw validation(UNDERFLOW);
  if (digits.length > MAX_NUMBER_DIGITS) throw validation(OVERFLOW);
  return formatNumber({ sign: negative ? -1 : 1, digits, exponent });
}
