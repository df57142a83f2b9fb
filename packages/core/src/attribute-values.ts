import { DynamoDBError, serialization, validation } from './errors.js';
import { formatNumber, parseNumber } from './numbers.js';
import type { AttributeValue, Item } from './types.js';

/**
 * Checks wire attribute values the way DynamoDB does and returns normalized copies (numbers in
 * DynamoDB's canonical text, also inside NS, M and L; "true"/"false" strings for BOOL/NULL as
 * booleans; unknown and null members dropped).
 *
 * DynamoDB deserializes the whole request before validating it, so a wrong JSON type anywhere is a
 * SerializationException even when a ValidationException occurs earlier in the document. Here
 * SerializationExceptions are thrown at once; the first ValidationException is held back until the
 * value (or, with a shared `ValueCheckContext`, the caller's whole request) has been read.
 *
 * Key constraints (empty S/B keys, key sizes, key types) are checked elsewhere: empty strings and
 * binaries are valid attribute values, also inside sets.
 */
export interface ValueCheckContext {
  /**
   * The first ValidationException found. When a context is passed, validation failures are
   * recorded here instead of thrown (the caller throws it once it has read the rest of the request);
   * SerializationExceptions are still thrown immediately.
   */
  error?: DynamoDBError;
}

/** Document nesting limit: the attribute itself is level 1; a value at level 33 is refused. */
export const MAX_NESTING_LEVELS = 32;

const INVALID = 'One or more parameter values were invalid: ';
const MSG_EMPTY = 'Supplied AttributeValue is empty, must contain exactly one of the supported datatypes';
const MSG_MULTIPLE = 'Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes';
const MSG_NULL_FALSE = INVALID + 'Null attribute value types must have the value of true';
const MSG_EMPTY_SS = INVALID + 'An string set  may not be empty'; // sic: two spaces, as DynamoDB says it
const MSG_EMPTY_NS = INVALID + 'An number set  may not be empty';
const MSG_EMPTY_BS = INVALID + 'Binary sets should not be empty';
const MSG_NS_DUPLICATES = 'Input collection contains duplicates'; // sic: no prefix, no list, no period
const MSG_NESTING = 'Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit';
// Null members of sets: DynamoDB's pre-2020 messages for null-or-empty members (empty members are
// valid since 2020; null members are still refused). Not confirmed against today's service.
const MSG_SS_NULL = INVALID + 'An string set may not have a empty string as a member';
const MSG_BS_NULL = INVALID + 'Binary sets may not contain null or empty values';

// SerializationException texts of DynamoDB's JSON reader, by expected type and JSON token.
const MSG_START_OF_MAP = 'Start of structure or map found where not expected';
const MSG_FIELD_TYPE = 'Unexpected field type';
const MSG_VALUE_TYPE = 'Unexpected value type in payload';
const MSG_NOT_BASE64 = 'only base-64-encoded strings are convertible to bytes';
const MSG_BAD_BASE64 = 'Invalid last non-pad Base64 character dectected'; // sic
const MSG_MAP_AS_LIST = 'Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.AttributeValue>';
const MSG_VALUE_AS_LIST = 'Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue';

/** Validates and normalizes an item (a map of attribute name to attribute value). */
export function validateItemValues(item: unknown, context?: ValueCheckContext): Item {
  const ctx = context ?? {};
  const out = readMap(item, ctx, 1);
  if (!context && ctx.error) throw ctx.error;
  return out;
}

/** Validates and normalizes a single attribute value (e.g. one ExpressionAttributeValues entry). */
export function validateAttributeValue(av: unknown, context?: ValueCheckContext): AttributeValue {
  const ctx = context ?? {};
  const out = readValue(av, ctx, 1);
  if (!context && ctx.error) throw ctx.error;
  return out;
}

function fail(ctx: ValueCheckContext, message: string): void {
  if (!ctx.error) ctx.error = validation(message);
}

function failWith(ctx: ValueCheckContext, e: unknown): void {
  if (!(e instanceof DynamoDBError)) throw e;
  if (!ctx.error) ctx.error = e;
}

function setMember(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** A JSON object of attribute values (an Item, or the value of M); `level` is its values' level. */
function readMap(v: unknown, ctx: ValueCheckContext, level: number): Item {
  if (typeof v !== 'object' || v === null) throw serialization(MSG_FIELD_TYPE);
  if (Array.isArray(v)) throw serialization(MSG_MAP_AS_LIST);
  const out: Item = {};
  const src = v as Record<string, unknown>;
  for (const name in src) {
    if (!Object.prototype.hasOwnProperty.call(src, name)) continue;
    setMember(out, name, readValue(src[name], ctx, level));
  }
  return out;
}

/** One attribute value (a structure with one type member) at nesting level `level`. */
function readValue(v: unknown, ctx: ValueCheckContext, level: number): AttributeValue {
  if (v === null || v === undefined) {
    // A JSON null where a value belongs reads as an AttributeValue with no members.
    fail(ctx, MSG_EMPTY);
    return {};
  }
  if (typeof v !== 'object') throw serialization(MSG_VALUE_TYPE);
  if (Array.isArray(v)) throw serialization(MSG_VALUE_AS_LIST);
  if (level > MAX_NESTING_LEVELS) {
    fail(ctx, MSG_NESTING);
    return {};
  }
  const src = v as Record<string, unknown>;
  const out: AttributeValue = {};
  let types = 0;
  for (const key in src) {
    const m = src[key];
    if (m === null || m === undefined || !Object.prototype.hasOwnProperty.call(src, key)) continue;
    switch (key) {
      case 'S':
        out.S = readString(m);
        break;
      case 'N':
        out.N = readNumber(readString(m), ctx);
        break;
      case 'B':
        out.B = readBlob(m);
        break;
      case 'BOOL':
        out.BOOL = readBoolean(m);
        break;
      case 'NULL':
        out.NULL = readBoolean(m);
        if (!out.NULL) fail(ctx, MSG_NULL_FALSE);
        break;
      case 'SS':
        out.SS = readStringSet(m, ctx);
        break;
      case 'NS':
        out.NS = readNumberSet(m, ctx);
        break;
      case 'BS':
        out.BS = readBinarySet(m, ctx);
        break;
      case 'M':
        out.M = readMap(m, ctx, level + 1);
        break;
      case 'L':
        out.L = readList(m, ctx, level + 1);
        break;
      default:
        continue; // unknown members are ignored, as DynamoDB's reader does
    }
    types++;
  }
  if (types === 0) fail(ctx, MSG_EMPTY);
  else if (types > 1) fail(ctx, MSG_MULTIPLE);
  return out;
}

/** The JSON token name DynamoDB's reader reports for a scalar of the wrong type. */
function scalarToken(v: unknown): string {
  if (typeof v === 'boolean') return v ? 'TRUE_VALUE' : 'FALSE_VALUE';
  if (typeof v === 'number') return Number.isInteger(v) ? 'NUMBER_VALUE' : 'DECIMAL_VALUE';
  return 'STRING_VALUE';
}

function readString(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v !== 'object' || v === null) throw serialization(`${scalarToken(v)} cannot be converted to String`);
  if (Array.isArray(v)) throw serialization('Unrecognized collection type class java.lang.String');
  throw serialization(MSG_START_OF_MAP);
}

function readBoolean(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    // DynamoDB's reader takes some words for booleans, in any case (true/false/yes/no/1/0 is the
    // set dynalite observed; "no" for NULL is then the "must have the value of true" error).
    const lower = v.toLowerCase();
    if (lower === 'true' || lower === 'yes' || lower === '1') return true;
    if (lower === 'false' || lower === 'no' || lower === '0') return false;
    throw serialization('Unexpected token received from parser');
  }
  if (typeof v === 'number') throw serialization(`${scalarToken(v)} cannot be converted to Boolean`);
  if (Array.isArray(v)) throw serialization('Unrecognized collection type class java.lang.Boolean');
  throw serialization(MSG_START_OF_MAP);
}

function readBlob(v: unknown): string {
  if (typeof v === 'string') {
    checkBase64(v);
    return v;
  }
  if (typeof v !== 'object' || v === null) throw serialization(MSG_NOT_BASE64);
  if (Array.isArray(v)) throw serialization('Unrecognized collection type class java.nio.ByteBuffer');
  throw serialization(MSG_START_OF_MAP);
}

/**
 * Strict base64 (standard alphabet, padded): the length must be a multiple of 4, '=' only as the
 * last one or two characters, and the unused low bits of the last data character must be zero.
 */
export function checkBase64(s: string): void {
  const len = s.length;
  if (len % 4 !== 0) throw serialization(`Base64 encoded length is expected a multiple of 4 bytes but found: ${len}`);
  if (len === 0) return;
  let pad = 0;
  if (s.charCodeAt(len - 1) === 61 /* = */) pad = s.charCodeAt(len - 2) === 61 ? 2 : 1;
  const dataEnd = len - pad;
  let last = 0;
  for (let i = 0; i < dataEnd; i++) {
    last = base64Digit(s.charCodeAt(i));
    if (last < 0) throw serialization(MSG_BAD_BASE64);
  }
  // With one pad the last data character carries 2 unused bits, with two pads 4.
  if ((pad === 1 && (last & 0x3) !== 0) || (pad === 2 && (last & 0xf) !== 0)) throw serialization(MSG_BAD_BASE64);
}

function base64Digit(c: number): number {
  if (c >= 65 && c <= 90) return c - 65; // A-Z
  if (c >= 97 && c <= 122) return c - 71; // a-z
  if (c >= 48 && c <= 57) return c + 4; // 0-9
  if (c === 43) return 62; // +
  if (c === 47) return 63; // /
  return -1;
}

function readNumber(text: string, ctx: ValueCheckContext): string {
  try {
    return formatNumber(parseNumber(text));
  } catch (e) {
    failWith(ctx, e);
    return text;
  }
}

function readArray(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v === 'object' && v !== null) throw serialization(MSG_START_OF_MAP);
  throw serialization(MSG_FIELD_TYPE);
}

function readStringSet(v: unknown, ctx: ValueCheckContext): string[] {
  const src = readArray(v);
  const out = new Array<string>(src.length);
  let sawNull = false;
  for (let i = 0; i < src.length; i++) {
    const m = src[i];
    if (m === null || m === undefined) {
      sawNull = true;
      out[i] = '';
    } else {
      out[i] = readString(m);
    }
  }
  if (out.length === 0) fail(ctx, MSG_EMPTY_SS);
  else if (sawNull) fail(ctx, MSG_SS_NULL);
  else if (hasDuplicates(out)) fail(ctx, `${INVALID}Input collection [${out.join(', ')}] contains duplicates.`);
  return out;
}

function readBinarySet(v: unknown, ctx: ValueCheckContext): string[] {
  const src = readArray(v);
  const out = new Array<string>(src.length);
  let sawNull = false;
  for (let i = 0; i < src.length; i++) {
    const m = src[i];
    if (m === null || m === undefined) {
      sawNull = true;
      out[i] = '';
    } else {
      out[i] = readBlob(m);
    }
  }
  // Strict base64 is canonical, so equal strings <=> equal bytes.
  if (out.length === 0) fail(ctx, MSG_EMPTY_BS);
  else if (sawNull) fail(ctx, MSG_BS_NULL);
  else if (hasDuplicates(out)) fail(ctx, `${INVALID}Input collection [${out.join(', ')}]of type BS contains duplicates.`);
  return out;
}

function readNumberSet(v: unknown, ctx: ValueCheckContext): string[] {
  const src = readArray(v);
  const out = new Array<string>(src.length);
  const errorBefore = ctx.error;
  for (let i = 0; i < src.length; i++) {
    const m = src[i];
    // A null member reads as an empty string: "cannot be converted to a numeric value".
    out[i] = readNumber(m === null || m === undefined ? '' : readString(m), ctx);
  }
  if (out.length === 0) fail(ctx, MSG_EMPTY_NS);
  // Duplicates are numeric ("1" and "1.0"): compared after normalization.
  else if (ctx.error === errorBefore && hasDuplicates(out)) fail(ctx, MSG_NS_DUPLICATES);
  return out;
}

function hasDuplicates(values: string[]): boolean {
  const n = values.length;
  if (n < 2) return false;
  if (n <= 8) {
    for (let i = 1; i < n; i++) for (let j = 0; j < i; j++) if (values[i] === values[j]) return true;
    return false;
  }
  return new Set(values).size !== n;
}

function readList(v: unknown, ctx: ValueCheckContext, level: number): AttributeValue[] {
  const src = readArray(v);
  const out = new Array<AttributeValue>(src.length);
  for (let i = 0; i < src.length; i++) out[i] = readValue(src[i], ctx, level);
  return out;
}
