import { validation } from './errors.js';

/**
 * DynamoDB numbers, handled as decimal text: never through floating point.
 *
 * A parsed number is `sign`, the significant `digits` (no leading or trailing zeros; '' for zero)
 * and an `exponent` such that the value is sign x 0.d1d2d3... x 10^exponent. So "1" is
 * { sign: 1, digits: '1', exponent: 1 }, "0.05" is { sign: 1, digits: '5', exponent: -1 } and
 * "-12.5" is { sign: -1, digits: '125', exponent: 2 }. Zero is { sign: 0, digits: '', exponent: 0 }.
 *
 * DynamoDB's limits: at most 38 significant digits; a non-zero magnitude from 1E-130 up to
 * 9.9999999999999999999999999999999999999E+125, i.e. exponent -129 ... 126 in this convention.
 */
export interface ParsedNumber {
  sign: -1 | 0 | 1;
  digits: string;
  exponent: number;
}

export const MAX_NUMBER_DIGITS = 38;
/** Largest exponent (value = 0.d... x 10^exponent) of a storable number: 9.99...E+125. */
export const MAX_NUMBER_EXPONENT = 126;
/** Smallest exponent of a storable non-zero number: 1E-130. */
export const MIN_NUMBER_EXPONENT = -129;

const ZERO: ParsedNumber = Object.freeze({ sign: 0, digits: '', exponent: 0 }) as ParsedNumber;

// An exponent literal beyond this is refused the way Java's BigDecimal refuses it (not a number).
const MAX_EXPONENT_LITERAL = 999_999_999;

const notANumber = (s: string) =>
  validation(s === '' ? 'The parameter cannot be converted to a numeric value' : `The parameter cannot be converted to a numeric value: ${s}`);

/**
 * Parses DynamoDB number text: an optional sign, digits with an optional decimal point (".5" and
 * "5." are fine, "." is not) and an optional exponent (e/E, optional sign, at least one digit).
 * Anything else (whitespace, hex, NaN, Infinity, "") is a ValidationException, as are numbers
 * outside DynamoDB's range or precision.
 */
export function parseNumber(s: string): ParsedNumber {
  const len = s.length;
  let i = 0;
  let negative = false;
  let c = len > 0 ? s.charCodeAt(0) : 0;
  if (c === 43 /* + */ || c === 45 /* - */) {
    negative = c === 45;
    i = 1;
  }
  const intStart = i;
  while (i < len && isDigit(s.charCodeAt(i))) i++;
  const intEnd = i;
  let fracStart = i;
  let fracEnd = i;
  if (i < len && s.charCodeAt(i) === 46 /* . */) {
    fracStart = ++i;
    while (i < len && isDigit(s.charCodeAt(i))) i++;
    fracEnd = i;
  }
  if (intEnd === intStart && fracEnd === fracStart) throw notANumber(s);
  let exp = 0;
  if (i < len) {
    c = s.charCodeAt(i);
    if (c !== 101 /* e */ && c !== 69 /* E */) throw notANumber(s);
    i++;
    let expNegative = false;
    c = i < len ? s.charCodeAt(i) : 0;
    if (c === 43 || c === 45) {
      expNegative = c === 45;
      i++;
    }
    const expStart = i;
    while (i < len) {
      c = s.charCodeAt(i);
      if (!isDigit(c)) throw notANumber(s);
      exp = exp * 10 + (c - 48);
      if (exp > MAX_EXPONENT_LITERAL) throw notANumber(s);
      i++;
    }
    if (i === expStart) throw notANumber(s);
    if (expNegative) exp = -exp;
  }

  // Significant digits: skip leading zeros of the integer part (and of the fraction when the
  // integer part is all zeros), then trailing zeros.
  let first = intStart;
  while (first < intEnd && s.charCodeAt(first) === 48) first++;
  let digits: string;
  let exponent: number;
  if (first < intEnd) {
    // Non-zero integer part: the point sits after the integer digits.
    exponent = intEnd - first + exp;
    let last = fracEnd - 1;
    while (last >= fracStart && s.charCodeAt(last) === 48) last--;
    if (last >= fracStart) {
      digits = s.slice(first, intEnd) + s.slice(fracStart, last + 1);
    } else {
      last = intEnd - 1;
      while (s.charCodeAt(last) === 48) last--;
      digits = s.slice(first, last + 1);
    }
  } else {
    let f = fracStart;
    while (f < fracEnd && s.charCodeAt(f) === 48) f++;
    if (f === fracEnd) return ZERO;
    exponent = fracStart - f + exp;
    let last = fracEnd - 1;
    while (s.charCodeAt(last) === 48) last--;
    digits = s.slice(f, last + 1);
  }

  if (exponent > MAX_NUMBER_EXPONENT) {
    throw validation('Number overflow. Attempting to store a number with magnitude larger than supported range');
  }
  if (exponent < MIN_NUMBER_EXPONENT) {
    throw validation('Number underflow. Attempting to store a number with magnitude smaller than supported range');
  }
  if (digits.length > MAX_NUMBER_DIGITS) {
    throw validation('Attempting to store more than 38 significant digits in a Number');
  }
  return { sign: negative ? -1 : 1, digits, exponent };
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** DynamoDB's text for a parsed number: plain decimal, no exponent, no redundant zeros. */
export function formatNumber(n: ParsedNumber): string {
  if (n.sign === 0) return '0';
  const { digits, exponent } = n;
  let text: string;
  if (exponent <= 0) text = '0.' + '0'.repeat(-exponent) + digits;
  else if (exponent >= digits.length) text = digits + '0'.repeat(exponent - digits.length);
  else text = digits.slice(0, exponent) + '.' + digits.slice(exponent);
  return n.sign < 0 ? '-' + text : text;
}

/**
 * Validates a number and returns it as DynamoDB returns numbers: "1E+2" -> "100", "01.50" -> "1.5",
 * "-0.000" -> "0", "1.23e-5" -> "0.0000123".
 */
export function normalizeNumber(s: string): string {
  // Fast path for the common case of a plain integer already in canonical form.
  const len = s.length;
  if (len > 0 && len <= 16) {
    let i = s.charCodeAt(0) === 45 ? 1 : 0;
    const start = i;
    const firstDigit = s.charCodeAt(start);
    if (i < len && isDigit(firstDigit) && (firstDigit !== 48 || (len === 1))) {
      while (i < len && isDigit(s.charCodeAt(i))) i++;
      if (i === len) return s;
    }
  }
  return formatNumber(parseNumber(s));
}

/** Orders two parsed numbers: negative, zero or positive like a comparator. */
export function compareParsedNumbers(a: ParsedNumber, b: ParsedNumber): number {
  if (a.sign !== b.sign) return a.sign < b.sign ? -1 : 1;
  if (a.sign === 0) return 0;
  let magnitude: number;
  if (a.exponent !== b.exponent) magnitude = a.exponent < b.exponent ? -1 : 1;
  else magnitude = a.digits === b.digits ? 0 : a.digits < b.digits ? -1 : 1;
  // Digit strings have no trailing zeros, so at equal exponents plain string order is numeric
  // order ("12" < "125" and "12" < "13").
  return a.sign < 0 ? 0 - magnitude : magnitude; // 0 - 0 is +0, not -0
}

/** Compares two DynamoDB number texts numerically (throws ValidationException if either is invalid). */
export function compareNumbers(a: string, b: string): number {
  return compareParsedNumbers(parseNumber(a), parseNumber(b));
}
