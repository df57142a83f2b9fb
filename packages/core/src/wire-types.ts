import { serialization } from './errors.js';

/**
 * DynamoDB checks the JSON type of each member before it checks constraints; a wrong type is a
 * SerializationException, e.g. "NUMBER_VALUE cannot be converted to String".
 */
function jsonKind(v: unknown): string {
  if (typeof v === 'number') return 'NUMBER_VALUE';
  if (typeof v === 'string') return 'VALUE_STRING';
  if (typeof v === 'boolean') return v ? 'VALUE_TRUE' : 'VALUE_FALSE';
  if (Array.isArray(v)) return 'START_ARRAY';
  return 'START_OBJECT';
}

export function optionalString(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw serialization(`${jsonKind(v)} cannot be converted to String`);
  return v;
}

export function optionalBoolean(v: unknown): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw serialization(`${jsonKind(v)} cannot be converted to Boolean`);
  return v;
}

export function optionalInteger(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw serialization(`${typeof v === 'number' ? 'DECIMAL_VALUE' : jsonKind(v)} cannot be converted to Long`);
  }
  return v;
}

export function optionalObject(v: unknown, name: string): Record<string, unknown> | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) {
    throw serialization(`Unexpected value type in payload: ${name} must be a structure`);
  }
  return v as Record<string, unknown>;
}

export function optionalArray(v: unknown, name: string): unknown[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw serialization(`Unexpected value type in payload: ${name} must be a list`);
  return v;
}
