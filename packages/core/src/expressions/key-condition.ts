import { validation } from '../errors.js';
import type { AttributeValue, TableKeys } from '../types.js';
import type { KeyCondition } from './ast.js';
import { parseConditionTree, unwrap, type CNode } from './condition-parser.js';
import { checkOperatorValues, checkOperators, entries, valueList, type LegacyOperator } from './legacy.js';
import { resolvePath } from './parser-base.js';
import type { ExpressionScope } from './scope.js';
import { typeOf } from './values.js';

/** One key attribute's condition, with the legacy operator name. */
interface KeyPart {
  op: LegacyOperator;
  values: AttributeValue[];
}

const INDEXABLE: ReadonlySet<string> = new Set(['EQ', 'LE', 'LT', 'GE', 'GT', 'BEGINS_WITH', 'BETWEEN']);
const LEGACY_OP: Readonly<Record<string, LegacyOperator>> = { '=': 'EQ', '<': 'LT', '<=': 'LE', '>': 'GT', '>=': 'GE' };
// The operator seen from the other side: ":v < a" is "a > :v".
const FLIPPED: Readonly<Record<string, string>> = { '=': '=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };
const RANGE_OP: Readonly<Record<string, NonNullable<KeyCondition['range']>['op']>> = {
  EQ: '=',
  LT: '<',
  LE: '<=',
  GT: '>',
  GE: '>=',
  BETWEEN: 'BETWEEN',
  BEGINS_WITH: 'BEGINS_WITH',
};

/**
 * KeyConditionExpression: a condition (same grammar and checks as ConditionExpression) that is
 * an AND of at most two simple conditions, one per key attribute: equality on the hash key, and
 * = < <= > >= BETWEEN or begins_with on the range key.
 */
export function parseKeyCondition(text: string, scope: ExpressionScope, keys: TableKeys): KeyCondition {
  const tree = parseConditionTree(text, 'KeyConditionExpression', scope);
  const parts = new Map<string, KeyPart>();
  collect(tree.root, scope, parts);
  if (parts.size !== 1 && parts.size !== 2) throw validation('Conditions can be of length 1 or 2 only');
  return checkSchema(parts, keys);
}

const badOperator = (op: string) => validation(`Invalid operator used in KeyConditionExpression: ${op}`);

function collect(n: CNode, scope: ExpressionScope, parts: Map<string, KeyPart>): void {
  const u = unwrap(n);
  switch (u.t) {
    case 'or':
      throw badOperator('OR');
    case 'not':
      throw badOperator('NOT');
    case 'in':
      throw badOperator('IN');
    case 'and':
      for (const a of u.args) collect(a, scope, parts);
      return;
    case 'cmp':
      if (u.op === '<>') throw badOperator('<>');
      leaf(u.op, [u.left, u.right], scope, parts);
      return;
    case 'between':
      if (unwrap(u.arg).t !== 'path') {
        throw validation('Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first operand');
      }
      leaf('BETWEEN', [u.arg, u.low, u.high], scope, parts);
      return;
    case 'call':
      if (u.name === 'size') throw validation('KeyConditionExpressions cannot contain nested operations');
      if (u.name !== 'begins_with') throw badOperator(u.name);
      if (unwrap(u.args[0]!).t !== 'path') {
        throw validation('Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its first operand');
      }
      leaf('BEGINS_WITH', u.args, scope, parts);
      return;
    default:
      throw validation('Invalid condition in KeyConditionExpression: No key attribute specified');
  }
}

function leaf(op: string, args: CNode[], scope: ExpressionScope, parts: Map<string, KeyPart>): void {
  let attr: string | undefined;
  let attrIndex = 0;
  for (let i = 0; i < args.length; i++) {
    const a = unwrap(args[i]!);
    if (a.t === 'path') {
      if (attr !== undefined) throw validation('Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition');
      if (a.elems.length > 1) throw validation('KeyConditionExpressions cannot have conditions on nested attributes');
      attr = String(resolvePath(a.elems, scope)[0]);
      attrIndex = i;
    } else if (a.t === 'call') {
      throw validation('KeyConditionExpressions cannot contain nested operations');
    }
  }
  if (attr === undefined) throw validation('Invalid condition in KeyConditionExpression: No key attribute specified');
  if (parts.has(attr)) throw validation('KeyConditionExpressions must only contain one condition per key');
  const values: AttributeValue[] = [];
  args.forEach((a, i) => {
    const u = unwrap(a);
    if (i !== attrIndex && u.t === 'value') values.push(scope.useValue(u.ref));
  });
  let legacy: LegacyOperator;
  if (op === 'BETWEEN' || op === 'BEGINS_WITH') legacy = op;
  else legacy = LEGACY_OP[attrIndex === 0 ? op : FLIPPED[op]!]!;
  parts.set(attr, { op: legacy, values });
}

/** The checks against the table's key schema, shared by both forms. */
function checkSchema(parts: Map<string, KeyPart>, keys: TableKeys): KeyCondition {
  for (const part of parts.values()) {
    if (!INDEXABLE.has(part.op)) throw validation('Attempted conditional constraint is not an indexable operation');
  }
  if (keys.rangeName === undefined && parts.size > 1) throw validation('Query key condition not supported');
  const hash = parts.get(keys.hashName);
  if (!hash) throw validation(`Query condition missed key schema element: ${keys.hashName}`);
  const range = keys.rangeName !== undefined ? parts.get(keys.rangeName) : undefined;
  if (parts.size === 2 && !range) throw validation(`Query condition missed key schema element: ${keys.rangeName}`);
  const mismatch = () => validation('One or more parameter values were invalid: Condition parameter type does not match schema type');
  if (hash.values.some((v) => typeOf(v) !== keys.hashType)) throw mismatch();
  if (range && range.values.some((v) => typeOf(v) !== keys.rangeType)) throw mismatch();
  if (hash.op !== 'EQ') throw validation('Query key condition not supported');
  const out: KeyCondition = { hash: hash.values[0]! };
  if (range) out.range = { op: RANGE_OP[range.op]!, values: range.values };
  return out;
}

/** The legacy KeyConditions parameter as a key condition. */
export function keyConditionFromLegacy(conditions: Record<string, unknown>, keys: TableKeys): KeyCondition {
  const list = entries(conditions);
  checkOperators(list, 'KeyConditions', true);
  const parts = new Map<string, KeyPart>();
  for (const [name, entry] of list) {
    const op = entry.ComparisonOperator as LegacyOperator;
    const values = valueList(entry) ?? [];
    checkOperatorValues(op, values);
    parts.set(name, { op, values });
  }
  if (parts.size !== 1 && parts.size !== 2) throw validation('Conditions can be of length 1 or 2 only');
  return checkSchema(parts, keys);
}

