import { MAX_NESTING_LEVELS } from '../attribute-values.js';
import { validation } from '../errors.js';
import type { AttributeValue, Item, TableKeys } from '../types.js';
import type { Path, UpdateAction, UpdateValue } from './ast.js';
import { getPath } from './paths.js';
import { addNumbers, setDifference, setUnion, typeOf } from './values.js';

const INVALID_PATH = 'The document path provided in the update expression is invalid for update';
const BAD_OPERAND = 'An operand in the update expression has an incorrect data type';
const MISSING_ATTRIBUTE = 'The provided expression refers to an attribute that does not exist in the item';
const LEGACY_MISMATCH = 'Type mismatch for attribute to update';
const NESTING = 'Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit';

const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

function setOwn(target: Record<string, AttributeValue>, key: string, value: AttributeValue): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/**
 * Applies update actions to an item (undefined: no item yet, so the update starts from the key).
 * SET values are computed from the item as it was before the update; REMOVEs of list elements
 * use the original indexes (they are applied last, highest index first). Returns the new item
 * and the top-level attributes the update touched (those present before or after it).
 */
export function applyUpdate(actions: UpdateAction[], item: Item | undefined, key: Item, keys: TableKeys): { item: Item; changed: string[] } {
  for (const a of actions) {
    const top = a.path[0];
    if (top === keys.hashName || (keys.rangeName !== undefined && top === keys.rangeName)) {
      throw validation(`One or more parameter values were invalid: Cannot update attribute ${String(top)}. This attribute is part of the key`);
    }
  }
  const original: Item = item ?? key;
  const work: Item = structuredClone(original);

  const setValues = new Map<UpdateAction, AttributeValue>();
  for (const a of actions) if (a.action === 'SET') setValues.set(a, evaluate(a.value, original));

  const removes: Path[] = [];
  for (const a of actions) {
    switch (a.action) {
      case 'SET':
        assign(work, a.path, structuredClone(setValues.get(a)!));
        break;
      case 'REMOVE':
        removes.push(a.path);
        break;
      case 'ADD':
        add(work, a.path, a.value, a.legacy === true);
        break;
      case 'DELETE':
        remove(work, a.path, a.value, a.legacy === true);
        break;
    }
  }
  removes.sort(comparePathsForRemoval);
  for (const p of removes) removeAt(work, p);

  const changed: string[] = [];
  for (const a of actions) {
    const top = a.path[0];
    if (typeof top !== 'string' || changed.includes(top)) continue;
    if (own(work, top) || own(original, top)) changed.push(top);
  }
  return { item: work, changed };
}

/** Orders removals so that, among elements of one list, higher indexes go first. */
function comparePathsForRemoval(a: Path, b: Path): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return y - x;
    return String(x) < String(y) ? -1 : 1;
  }
  return b.length - a.length;
}

function evaluate(v: UpdateValue, item: Item): AttributeValue {
  switch (v.kind) {
    case 'path': {
      const found = getPath(item, v.path);
      if (found === undefined) throw validation(MISSING_ATTRIBUTE);
      return found;
    }
    case 'value':
      return v.value;
    case 'if_not_exists':
      return getPath(item, v.path) ?? evaluate(v.value, item);
    case 'list_append': {
      const a = evaluate(v.left, item);
      const b = evaluate(v.right, item);
      if (typeOf(a) !== 'L' || typeOf(b) !== 'L') throw validation(BAD_OPERAND);
      return { L: [...a.L!, ...b.L!] };
    }
    case 'plus':
    case 'minus': {
      const a = evaluate(v.left, item);
      const b = evaluate(v.right, item);
      if (typeOf(a) !== 'N' || typeOf(b) !== 'N') throw validation(BAD_OPERAND);
      return { N: addNumbers(a.N!, b.N!, v.kind === 'minus') };
    }
    default:
      throw validation(BAD_OPERAND);
  }
}

/** The container a path's last element lives in; throws if the path cannot be updated. */
function parentOf(work: Item, path: Path): { map?: Record<string, AttributeValue>; list?: AttributeValue[]; key: string | number } {
  const last = path[path.length - 1]!;
  if (path.length === 1) {
    if (typeof last !== 'string') throw validation(INVALID_PATH);
    return { map: work, key: last };
  }
  const parent = getPath(work, path.slice(0, -1));
  if (typeof last === 'string') {
    const map = parent?.M;
    if (typeof map !== 'object' || map === null || Array.isArray(map)) throw validation(INVALID_PATH);
    return { map, key: last };
  }
  const list = parent?.L;
  if (!Array.isArray(list)) throw validation(INVALID_PATH);
  return { list, key: last };
}

function current(where: ReturnType<typeof parentOf>): AttributeValue | undefined {
  if (where.map) return own(where.map, where.key as string) ? where.map[where.key as string] : undefined;
  const i = where.key as number;
  return i < where.list!.length ? where.list![i] : undefined;
}

function put(where: ReturnType<typeof parentOf>, value: AttributeValue): void {
  if (where.map) setOwn(where.map, where.key as string, value);
  else {
    const i = where.key as number;
    if (i < where.list!.length) where.list![i] = value;
    else where.list!.push(value);
  }
}

function checkNesting(path: Path, value: AttributeValue): void {
  // The attribute itself is level 1; each element of a map or list is one level deeper.
  if (path.length + depth(value, MAX_NESTING_LEVELS) > MAX_NESTING_LEVELS) throw validation(NESTING);
}

/** How many container levels are under the value (stops counting past `limit`). */
function depth(v: AttributeValue, limit: number): number {
  if (limit < 0) return 0;
  let max = 0;
  const children = typeOf(v) === 'M' ? Object.values(v.M!) : typeOf(v) === 'L' ? v.L! : undefined;
  if (!children) return 0;
  for (const c of children) {
    const d = 1 + depth(c, limit - 1);
    if (d > max) max = d;
    if (max > limit) break;
  }
  return max;
}

function assign(work: Item, path: Path, value: AttributeValue): void {
  const where = parentOf(work, path);
  checkNesting(path, value);
  put(where, value);
}

function add(work: Item, path: Path, value: AttributeValue, legacy: boolean): void {
  const where = parentOf(work, path);
  const cur = current(where);
  const vt = typeOf(value);
  const mismatch = () => validation(legacy ? LEGACY_MISMATCH : BAD_OPERAND);
  if (cur === undefined) {
    checkNesting(path, value);
    put(where, structuredClone(value));
    return;
  }
  const ct = typeOf(cur);
  if (vt === 'N') {
    if (ct !== 'N') throw mismatch();
    put(where, { N: addNumbers(cur.N!, value.N!) });
  } else if (vt === 'SS' || vt === 'NS' || vt === 'BS') {
    if (ct !== vt) throw mismatch();
    const merged = setUnion(vt, (cur as Record<string, string[]>)[vt]!, (value as Record<string, string[]>)[vt]!);
    put(where, { [vt]: merged } as AttributeValue);
  } else if (vt === 'L' && legacy) {
    if (ct !== 'L') throw mismatch();
    const appended = { L: [...cur.L!, ...structuredClone(value.L!)] };
    checkNesting(path, appended);
    put(where, appended);
  } else {
    throw mismatch();
  }
}

function remove(work: Item, path: Path, value: AttributeValue, legacy: boolean): void {
  const where = parentOf(work, path);
  const cur = current(where);
  if (cur === undefined) return;
  const vt = typeOf(value);
  if (vt !== 'SS' && vt !== 'NS' && vt !== 'BS') throw validation(legacy ? LEGACY_MISMATCH : BAD_OPERAND);
  if (typeOf(cur) !== vt) throw validation(legacy ? LEGACY_MISMATCH : BAD_OPERAND);
  const left = setDifference(vt, (cur as Record<string, string[]>)[vt]!, (value as Record<string, string[]>)[vt]!);
  if (left.length > 0) put(where, { [vt]: left } as AttributeValue);
  else if (where.map) delete where.map[where.key as string];
  else where.list!.splice(where.key as number, 1);
}

function removeAt(work: Item, path: Path): void {
  const where = parentOf(work, path);
  if (where.map) {
    if (own(where.map, where.key as string)) delete where.map[where.key as string];
  } else {
    const i = where.key as number;
    if (i < where.list!.length) where.list!.splice(i, 1);
  }
}

