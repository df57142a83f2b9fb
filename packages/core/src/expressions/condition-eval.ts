import { internalError } from '../errors.js';
import type { AttributeValue, Item } from '../types.js';
import type { Condition, Operand } from './ast.js';
import { getPath } from './paths.js';
import { SET_OF, compareBinary, compareScalars, setHas, sizeOf, typeOf, valuesEqual } from './values.js';

/**
 * Evaluates a condition against an item (undefined: the item does not exist, so every path is
 * missing). DynamoDB's rules: a comparison with a missing operand is false (except <>, which is
 * true); <, <=, >, >=, BETWEEN compare only two values of one type among S, N and B (numbers
 * numerically, strings and binaries by bytes) and are false otherwise.
 */
export function evaluateCondition(cond: Condition, item: Item | undefined): boolean {
  switch (cond.kind) {
    case 'and':
      for (const c of cond.args) if (!evaluateCondition(c, item)) return false;
      return true;
    case 'or':
      for (const c of cond.args) if (evaluateCondition(c, item)) return true;
      return false;
    case 'not':
      return !evaluateCondition(cond.arg, item);
    case 'compare': {
      const a = operandValue(cond.left, item);
      const b = operandValue(cond.right, item);
      switch (cond.op) {
        case '=':
          return valuesEqual(a, b);
        case '<>':
          return !valuesEqual(a, b);
        default: {
          const c = compareScalars(a, b);
          if (c === undefined) return false;
          if (cond.op === '<') return c < 0;
          if (cond.op === '<=') return c <= 0;
          if (cond.op === '>') return c > 0;
          return c >= 0;
        }
      }
    }
    case 'between': {
      const v = operandValue(cond.arg, item);
      const lo = compareScalars(v, operandValue(cond.low, item));
      const hi = compareScalars(v, operandValue(cond.high, item));
      return lo !== undefined && hi !== undefined && lo >= 0 && hi <= 0;
    }
    case 'in': {
      const v = operandValue(cond.arg, item);
      if (v === undefined) return false;
      for (const o of cond.list) if (valuesEqual(v, operandValue(o, item))) return true;
      return false;
    }
    case 'attribute_exists':
      return getPath(item, cond.path) !== undefined;
    case 'attribute_not_exists':
      return getPath(item, cond.path) === undefined;
    case 'attribute_type': {
      const v = getPath(item, cond.path);
      return v !== undefined && typeOf(v) === cond.type;
    }
    case 'begins_with':
      return beginsWith(operandValue(cond.left, item), operandValue(cond.right, item));
    case 'contains':
      return contains(operandValue(cond.left, item), operandValue(cond.right, item));
    default:
      throw internalError(`Unknown condition kind: ${String((cond as { kind?: unknown }).kind)}`);
  }
}

/** The value of an operand for an item, undefined if it has none (a missing path, size of a number). */
export function operandValue(op: Operand, item: Item | undefined): AttributeValue | undefined {
  switch (op.kind) {
    case 'path':
      return getPath(item, op.path);
    case 'value':
      return op.value;
    case 'size': {
      const n = sizeOf(operandValue(op.arg, item));
      return n === undefined ? undefined : { N: String(n) };
    }
    default:
      throw internalError(`Unknown operand kind: ${String((op as { kind?: unknown }).kind)}`);
  }
}

function beginsWith(a: AttributeValue | undefined, b: AttributeValue | undefined): boolean {
  const t = typeOf(a);
  if (t !== typeOf(b)) return false;
  if (t === 'S') return a!.S!.startsWith(b!.S!);
  if (t === 'B') {
    const x = Buffer.from(a!.B!, 'base64');
    const y = Buffer.from(b!.B!, 'base64');
    return y.length <= x.length && x.subarray(0, y.length).equals(y);
  }
  return false;
}

function contains(a: AttributeValue | undefined, b: AttributeValue | undefined): boolean {
  const ta = typeOf(a);
  const tb = typeOf(b);
  if (ta === undefined || tb === undefined) return false;
  if (ta === 'S') return tb === 'S' && a!.S!.includes(b!.S!);
  if (ta === 'B') return tb === 'B' && (compareBinary(a!.B!, b!.B!) === 0 || Buffer.from(a!.B!, 'base64').includes(Buffer.from(b!.B!, 'base64')));
  if (ta === 'SS' || ta === 'NS' || ta === 'BS') {
    if (SET_OF[tb] !== ta) return false;
    return setHas(ta, (a as Record<string, string[]>)[ta]!, (b as Record<string, string>)[tb]!);
  }
  if (ta === 'L') {
    for (const e of a!.L!) if (valuesEqual(e, b)) return true;
  }
  return false;
}
