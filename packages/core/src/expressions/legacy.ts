import { validateAttributeValue } from '../attribute-values.js';
import { serialization, validation } from '../errors.js';
import { ParamErrors } from '../param-errors.js';
import type { AttributeValue } from '../types.js';
import type { Condition, Operand, UpdateAction } from './ast.js';
import { compareScalars, typeOf } from './values.js';

/**
 * The pre-expression request parameters (Expected, QueryFilter, ScanFilter, AttributeUpdates,
 * KeyConditions, ConditionalOperator), validated as DynamoDB validates them and converted to the
 * expression ASTs.
 */

export const COMPARISON_OPERATORS = ['IN', 'NULL', 'BETWEEN', 'LT', 'NOT_CONTAINS', 'EQ', 'GT', 'NOT_NULL', 'NE', 'LE', 'BEGINS_WITH', 'GE', 'CONTAINS'] as const;
export type LegacyOperator = (typeof COMPARISON_OPERATORS)[number];

const INVALID = 'One or more parameter values were invalid: ';

/** How many values each operator takes: [min, max]. */
const ARITY: Readonly<Record<LegacyOperator, [number, number]>> = {
  NULL: [0, 0],
  NOT_NULL: [0, 0],
  EQ: [1, 1],
  NE: [1, 1],
  LE: [1, 1],
  LT: [1, 1],
  GE: [1, 1],
  GT: [1, 1],
  CONTAINS: [1, 1],
  NOT_CONTAINS: [1, 1],
  BEGINS_WITH: [1, 1],
  IN: [1, Infinity],
  BETWEEN: [2, 2],
};

/** The value types each operator accepts (EQ and NE take any). */
const ALLOWED_TYPES: Partial<Readonly<Record<LegacyOperator, readonly string[]>>> = {
  LE: ['S', 'N', 'B'],
  LT: ['S', 'N', 'B'],
  GE: ['S', 'N', 'B'],
  GT: ['S', 'N', 'B'],
  CONTAINS: ['S', 'N', 'B'],
  NOT_CONTAINS: ['S', 'N', 'B'],
  BEGINS_WITH: ['S', 'B'],
  IN: ['S', 'N', 'B'],
  BETWEEN: ['S', 'N', 'B'],
};

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A JSON member that must be a structure (an entry of a legacy map). */
export function structure(v: unknown): Record<string, unknown> {
  if (isObject(v)) return v;
  if (Array.isArray(v)) throw serialization('Start of list found where not expected');
  throw serialization('Unexpected value type in payload');
}

function present(v: unknown): boolean {
  return v !== undefined && v !== null;
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

export function entries(map: Record<string, unknown>): [string, Record<string, unknown>][] {
  if (!isObject(map)) throw serialization('Unexpected value type in payload');
  return Object.keys(map).map((k) => [k, structure(map[k])]);
}

/** Checks ComparisonOperator members (not null when `required`, in the enum) as request constraints. */
export function checkOperators(list: [string, Record<string, unknown>][], param: string, required: boolean): void {
  const errors = new ParamErrors();
  for (const [name, entry] of list) {
    const op = entry.ComparisonOperator;
    const path = `${lowerFirst(param)}.${name}.member.comparisonOperator`;
    if (op !== undefined && op !== null && typeof op !== 'string') throw serialization('Unexpected value type in payload');
    if (required && !errors.notNull(path, op)) continue;
    errors.enumValue(path, op, COMPARISON_OPERATORS);
  }
  errors.throwIfAny();
}

/** AttributeValueList (validated values), or undefined when absent. */
export function valueList(entry: Record<string, unknown>): AttributeValue[] | undefined {
  const list = entry.AttributeValueList;
  if (!present(list)) return undefined;
  if (!Array.isArray(list)) throw serialization('Unexpected value type in payload');
  return list.map((v) => validateAttributeValue(v));
}

/** The checks DynamoDB makes on an operator and its values (counts, types, BETWEEN order). */
export function checkOperatorValues(op: LegacyOperator, values: AttributeValue[]): void {
  const [min, max] = ARITY[op];
  if (values.length < min || values.length > max) throw validation(`${INVALID}Invalid number of argument(s) for the ${op} ComparisonOperator`);
  if (values.length === 0) return;
  const type = typeOf(values[0]);
  if (values.some((v) => typeOf(v) !== type)) throw validation(`${INVALID}AttributeValues inside AttributeValueList must be of same type`);
  const allowed = ALLOWED_TYPES[op];
  if (allowed && type !== undefined && !allowed.includes(type)) throw validation(`${INVALID}ComparisonOperator ${op} is not valid for ${type} AttributeValue type`);
  if (op === 'BETWEEN') {
    const c = compareScalars(values[0], values[1]);
    if (c !== undefined && c > 0) throw validation('The BETWEEN condition was provided a range where the lower bound is greater than the upper bound');
  }
}

/** The condition a legacy operator expresses on the top-level attribute `name`. */
export function legacyLeaf(name: string, op: LegacyOperator, values: AttributeValue[]): Condition {
  const path = [name];
  const attr: Operand = { kind: 'path', path };
  const v = (i: number): Operand => ({ kind: 'value', value: values[i]! });
  switch (op) {
    case 'EQ':
      return { kind: 'compare', op: '=', left: attr, right: v(0) };
    case 'NE':
      return { kind: 'compare', op: '<>', left: attr, right: v(0) };
    case 'LE':
      return { kind: 'compare', op: '<=', left: attr, right: v(0) };
    case 'LT':
      return { kind: 'compare', op: '<', left: attr, right: v(0) };
    case 'GE':
      return { kind: 'compare', op: '>=', left: attr, right: v(0) };
    case 'GT':
      return { kind: 'compare', op: '>', left: attr, right: v(0) };
    case 'NULL':
      return { kind: 'attribute_not_exists', path };
    case 'NOT_NULL':
      return { kind: 'attribute_exists', path };
    case 'CONTAINS':
      return { kind: 'contains', left: attr, right: v(0) };
    case 'NOT_CONTAINS':
      // False for a missing attribute, unlike NOT contains(...).
      return { kind: 'and', args: [{ kind: 'attribute_exists', path }, { kind: 'not', arg: { kind: 'contains', left: attr, right: v(0) } }] };
    case 'BEGINS_WITH':
      return { kind: 'begins_with', left: attr, right: v(0) };
    case 'IN':
      return { kind: 'in', arg: attr, list: values.map((_, i) => v(i)) };
    case 'BETWEEN':
      return { kind: 'between', arg: attr, low: v(0), high: v(1) };
  }
}

function combine(leaves: Condition[], conditionalOperator: string | undefined): Condition {
  if (conditionalOperator !== undefined && conditionalOperator !== null) {
    const errors = new ParamErrors();
    errors.enumValue('conditionalOperator', conditionalOperator, ['OR', 'AND']);
    errors.throwIfAny();
  }
  if (leaves.length === 1) return leaves[0]!;
  return { kind: conditionalOperator === 'OR' ? 'or' : 'and', args: leaves };
}

/** Expected (with ConditionalOperator) as a Condition. */
export function conditionFromExpected(expected: Record<string, unknown>, conditionalOperator?: string): Condition {
  const list = entries(expected);
  checkOperators(list, 'Expected', false);
  const leaves: Condition[] = [];
  for (const [name, entry] of list) {
    const hasList = 'AttributeValueList' in entry;
    const hasValue = 'Value' in entry;
    if (hasList && hasValue) throw validation(`${INVALID}Value and AttributeValueList cannot be used together for Attribute: ${name}`);
    const exists = entry.Exists;
    if (present(exists) && typeof exists !== 'boolean') throw serialization('Unexpected value type in payload');
    const value = present(entry.Value) ? validateAttributeValue(entry.Value) : undefined;
    const avl = valueList(entry);
    const op = entry.ComparisonOperator as LegacyOperator | undefined | null;
    if (present(op)) {
      if ('Exists' in entry) throw validation(`${INVALID}Exists and ComparisonOperator cannot be used together for Attribute: ${name}`);
      if (op !== 'NULL' && op !== 'NOT_NULL' && !avl && !value) {
        throw validation(`${INVALID}Value or AttributeValueList must be used with ComparisonOperator: ${op} for Attribute: ${name}`);
      }
      const values = avl ?? (value ? [value] : []);
      checkOperatorValues(op!, values);
      leaves.push(legacyLeaf(name, op!, values));
    } else if (hasList) {
      throw validation(`${INVALID}AttributeValueList can only be used with a ComparisonOperator for Attribute: ${name}`);
    } else {
      const mustExist = exists !== false;
      if (mustExist && !value) throw validation(`${INVALID}Value must be provided when Exists is ${exists === true ? 'true' : 'null'} for Attribute: ${name}`);
      if (!mustExist && value) throw validation(`${INVALID}Value cannot be used when Exists is false for Attribute: ${name}`);
      leaves.push(value ? legacyLeaf(name, 'EQ', [value]) : { kind: 'attribute_not_exists', path: [name] });
    }
  }
  return combine(leaves, conditionalOperator);
}

/** QueryFilter / ScanFilter (with ConditionalOperator) as a Condition. */
export function conditionFromFilter(filter: Record<string, unknown>, conditionalOperator: string | undefined, kind: 'QueryFilter' | 'ScanFilter'): Condition {
  const list = entries(filter);
  checkOperators(list, kind, true);
  const leaves: Condition[] = [];
  for (const [name, entry] of list) {
    const op = entry.ComparisonOperator as LegacyOperator;
    const values = valueList(entry) ?? [];
    checkOperatorValues(op, values);
    leaves.push(legacyLeaf(name, op, values));
  }
  return combine(leaves, conditionalOperator);
}

/** Legacy AttributeUpdates (PUT / ADD / DELETE per attribute) as update actions. */
export function updateFromAttributeUpdates(updates: Record<string, unknown>): UpdateAction[] {
  const list = entries(updates);
  const errors = new ParamErrors();
  for (const [name, entry] of list) {
    const action = entry.Action;
    if (present(action) && typeof action !== 'string') throw serialization('Unexpected value type in payload');
    errors.enumValue(`attributeUpdates.${name}.member.action`, action ?? undefined, ['ADD', 'PUT', 'DELETE']);
  }
  errors.throwIfAny();
  const actions: UpdateAction[] = [];
  for (const [name, entry] of list) {
    const action = (entry.Action as string | undefined | null) ?? 'PUT';
    const value = present(entry.Value) ? validateAttributeValue(entry.Value) : undefined;
    const path = [name];
    if (!value) {
      if (action !== 'DELETE') throw validation(`${INVALID}Only DELETE action is allowed when no attribute value is specified`);
      actions.push({ action: 'REMOVE', path });
      continue;
    }
    const type = typeOf(value) ?? '';
    if (action === 'PUT') {
      actions.push({ action: 'SET', path, value: { kind: 'value', value } });
    } else if (action === 'DELETE') {
      if (type !== 'SS' && type !== 'NS' && type !== 'BS') throw validation(`${INVALID}DELETE action with value is not supported for the type ${type}`);
      actions.push({ action: 'DELETE', path, value, legacy: true });
    } else {
      if (type === 'S' || type === 'B' || type === 'NULL' || type === 'BOOL' || type === 'M') {
        throw validation(`${INVALID}ADD action is not supported for the type ${type}`);
      }
      actions.push({ action: 'ADD', path, value, legacy: true });
    }
  }
  return actions;
}
