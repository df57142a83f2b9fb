import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DynamoDBError,
  ExpressionScope,
  applyUpdate,
  conditionFromExpected,
  conditionFromFilter,
  evaluateCondition,
  keyConditionFromLegacy,
  normalizeNumber,
  parseCondition,
  parseKeyCondition,
  parseProjection,
  parseUpdate,
  project,
  projectionFromAttributesToGet,
  updateFromAttributeUpdates,
  validateItemValues,
  type AttributeValue,
  type Item,
  type TableKeys,
} from '@ringdb/core';

/**
 * Random expressions (well formed, mutated and token soup), names, values and items thrown at
 * every entry point: each call must return or throw a ValidationException (legacy parameters may
 * also throw SerializationException for wrongly typed JSON) — never anything else, never hang.
 * Set FUZZ_SEED to replay a run; FUZZ_ROUNDS to run longer.
 */

const BASE_SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : Date.now() % 1_000_000_007;
const ROUNDS = Number(process.env.FUZZ_ROUNDS ?? 1500);

class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    // mulberry32
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
}

const SAFE_IDENTS = ['a', 'b', 'c', 'pk', 'sk', 'x1', '_u', 'l', 'm', 'n', 's', 'ss', 'zz9'];
// Reserved words and keywords of one grammar or another.
const RISKY_IDENTS = ['Name', 'status', 'size', 'data', 'AND', 'set', 'between', 'in', 'not', 'or', 'remove'];
const IDENTS = [...SAFE_IDENTS, ...RISKY_IDENTS];
const NAME_REFS = ['#a', '#b', '#pk', '#n1', '#st', '#undef', '#0', '#_'];
const VALUE_REFS = [':v0', ':v1', ':v2', ':v3', ':v4', ':v5', ':n', ':s', ':t', ':l', ':ss', ':kS', ':kN', ':kB', ':undef'];
const FUNCS = ['attribute_exists', 'attribute_not_exists', 'attribute_type', 'begins_with', 'contains', 'size', 'if_not_exists', 'list_append', 'foo', 'Size'];
const COMPARATORS = ['=', '<>', '<', '<=', '>', '>='];
const SOUP = [
  ...COMPARATORS, '(', ')', '[', ']', ',', '.', '+', '-', '#', ':', '!', '"', "'", ';', '*', '/', '\\', '{', '}', '$', '@', '%', '?', '|', '&', '^', '~', '`',
  'AND', 'OR', 'NOT', 'BETWEEN', 'IN', 'SET', 'REMOVE', 'ADD', 'DELETE', 'and', 'set', '0', '1', '42', '007', '99999999999', '4.5', '1e5',
  'ü', '😀', '\u0000', '\u00a0', '\t', '\n', '\r', ' ', '  ', 'é𝄞', '\ud800', ...IDENTS, ...NAME_REFS, ...VALUE_REFS, ...FUNCS,
];

const NUMBERS = ['0', '1', '-1', '10', '0.5', '-0.25', '3.14159', '1E+10', '12345678901234567890123456789012345678', '9.9999999999999999999999999999999999999E+125', '1E-130', '-1E-130', '100', '1e2', '7'];

function randomString(r: Rng): string {
  const alphabet = ['a', 'b', 'c', 'A', 'z', '0', ' ', 'é', '😀', '\u0000', '\uffff', '.', '#'];
  let s = '';
  const n = r.int(6);
  for (let i = 0; i < n; i++) s += r.pick(alphabet);
  return s;
}

function randomNumber(r: Rng): string {
  if (r.chance(0.6)) return r.pick(NUMBERS);
  const digits = 1 + r.int(38);
  let d = String(1 + r.int(9));
  for (let i = 1; i < digits; i++) d += String(r.int(10));
  const exp = r.int(180) - 100;
  return normalizeNumber(`${r.chance(0.3) ? '-' : ''}${d}E${exp}`);
}

function randomBinary(r: Rng): string {
  const bytes = Buffer.alloc(r.int(5));
  for (let i = 0; i < bytes.length; i++) bytes[i] = r.int(256);
  return bytes.toString('base64');
}

function uniqueBy(xs: string[], key: (x: string) => string): string[] {
  const seen = new Set<string>();
  return xs.filter((x) => {
    const k = key(x);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function randomValue(r: Rng, depth = 0): AttributeValue {
  const types = depth >= 3 ? ['S', 'N', 'B', 'BOOL', 'NULL', 'SS', 'NS', 'BS'] : ['S', 'N', 'B', 'BOOL', 'NULL', 'SS', 'NS', 'BS', 'L', 'M', 'L', 'M'];
  switch (r.pick(types)) {
    case 'S':
      return { S: randomString(r) };
    case 'N':
      return { N: randomNumber(r) };
    case 'B':
      return { B: randomBinary(r) };
    case 'BOOL':
      return { BOOL: r.chance(0.5) };
    case 'NULL':
      return { NULL: true };
    case 'SS':
      return { SS: uniqueBy(Array.from({ length: 1 + r.int(3) }, () => randomString(r)), (x) => x) };
    case 'NS':
      return { NS: uniqueBy(Array.from({ length: 1 + r.int(3) }, () => randomNumber(r)), (x) => normalizeNumber(x)) };
    case 'BS':
      return { BS: uniqueBy(Array.from({ length: 1 + r.int(3) }, () => randomBinary(r)), (x) => x) };
    case 'L':
      return { L: Array.from({ length: r.int(4) }, () => randomValue(r, depth + 1)) };
    default: {
      const m: Record<string, AttributeValue> = {};
      for (let i = r.int(4); i > 0; i--) m[r.pick(IDENTS)] = randomValue(r, depth + 1);
      return { M: m };
    }
  }
}

const KEYS: TableKeys[] = [
  { hashName: 'pk', hashType: 'S' },
  { hashName: 'pk', hashType: 'S', rangeName: 'sk', rangeType: 'N' },
  { hashName: 'a', hashType: 'B', rangeName: 'b', rangeType: 'S' },
];

function keyFor(r: Rng, keys: TableKeys): Item {
  const v = (t: string): AttributeValue => (t === 'S' ? { S: 'k' + r.int(3) } : t === 'N' ? { N: String(r.int(5)) } : { B: 'AQ==' });
  const key: Item = { [keys.hashName]: v(keys.hashType) };
  if (keys.rangeName) key[keys.rangeName] = v(keys.rangeType!);
  return key;
}

function randomItem(r: Rng, keys: TableKeys): Item | undefined {
  if (r.chance(0.1)) return undefined;
  const item: Item = keyFor(r, keys);
  for (let i = r.int(8); i > 0; i--) item[r.pick(IDENTS)] = randomValue(r);
  return item;
}

function randomScopeAttrs(r: Rng): { names?: Record<string, string>; values?: Record<string, AttributeValue> } {
  const names: Record<string, string> = {};
  for (const ref of NAME_REFS) if (ref !== '#undef' && r.chance(0.95)) names[ref] = r.chance(0.8) ? r.pick(IDENTS) : randomString(r);
  const values: Record<string, AttributeValue> = {};
  for (const ref of VALUE_REFS) {
    if (ref === ':undef' || !r.chance(0.95)) continue;
    if (ref === ':n') values[ref] = { N: randomNumber(r) };
    else if (ref === ':s') values[ref] = { S: r.pick(['S', 'N', 'B', 'BOOL', 'NULL', 'SS', 'NS', 'BS', 'L', 'M', 'x', '']) };
    else if (ref === ':l') values[ref] = { L: [randomValue(r, 2)] };
    else if (ref === ':kS') values[ref] = { S: r.pick(['k0', 'k', 'a', 'kz']) };
    else if (ref === ':kN') values[ref] = { N: String(r.int(5)) };
    else if (ref === ':kB') values[ref] = { B: r.pick(['AQ==', 'AQI=', 'AA==']) };
    else if (ref === ':ss') values[ref] = r.pick([{ SS: ['a', 'b'] }, { NS: ['1', '2'] }, { BS: ['AQ=='] }]);
    else values[ref] = randomValue(r);
  }
  return { names: r.chance(0.9) ? names : undefined, values: r.chance(0.9) ? values : undefined };
}

// --- expression text generators ---

function ident(r: Rng): string {
  return r.chance(0.97) ? r.pick(SAFE_IDENTS) : r.pick(RISKY_IDENTS);
}

function genPath(r: Rng): string {
  let p = r.chance(0.2) ? r.pick(NAME_REFS) : ident(r);
  for (let i = r.chance(0.5) ? 0 : r.int(3); i > 0; i--) p += r.chance(0.5) ? `.${r.chance(0.3) ? r.pick(NAME_REFS) : ident(r)}` : `[${r.int(4)}]`;
  return p;
}

function genOperand(r: Rng, depth: number): string {
  const k = r.int(10);
  if (k < 4) return genPath(r);
  if (k < 7) return r.pick(VALUE_REFS);
  if (k < 8 && depth < 3) return `size(${genOperand(r, depth + 1)})`;
  if (k < 9 && depth < 3) return `(${genOperand(r, depth + 1)})`;
  return depth < 3 ? `${r.pick(FUNCS)}(${genOperand(r, depth + 1)})` : genPath(r);
}

function genCondition(r: Rng, depth = 0): string {
  const k = r.int(depth > 3 ? 6 : 10);
  switch (k) {
    case 0:
    case 1:
      return `${genOperand(r, depth)} ${r.pick(COMPARATORS)} ${genOperand(r, depth)}`;
    case 2:
      return `${genOperand(r, depth)} BETWEEN ${genOperand(r, depth)} AND ${genOperand(r, depth)}`;
    case 3:
      return `${genOperand(r, depth)} IN (${Array.from({ length: 1 + r.int(4) }, () => genOperand(r, depth)).join(', ')})`;
    case 4: {
      const f = r.pick(FUNCS);
      const n = r.chance(0.8) ? (f === 'attribute_exists' || f === 'attribute_not_exists' || f === 'size' ? 1 : 2) : r.int(4);
      return `${f}(${Array.from({ length: n }, () => genOperand(r, depth + 1)).join(', ')})`;
    }
    case 5:
      return `${genPath(r)} = ${r.pick(VALUE_REFS)}`;
    case 6:
      return `${genCondition(r, depth + 1)} ${r.pick(['AND', 'OR', 'and', 'or'])} ${genCondition(r, depth + 1)}`;
    case 7:
      return `NOT ${genCondition(r, depth + 1)}`;
    case 8:
      return `(${genCondition(r, depth + 1)})`;
    default:
      return `((${genCondition(r, depth + 1)}))`;
  }
}

function genUpdateValue(r: Rng, depth = 0): string {
  const k = r.int(depth > 2 ? 3 : 8);
  if (k === 0) return genPath(r);
  if (k === 1 || k === 2) return r.pick(VALUE_REFS);
  if (k === 3) return `if_not_exists(${genPath(r)}, ${genUpdateValue(r, depth + 1)})`;
  if (k === 4) return `list_append(${genUpdateValue(r, depth + 1)}, ${genUpdateValue(r, depth + 1)})`;
  if (k === 5) return depth === 0 || r.chance(0.1) ? `${genUpdateValue(r, 3)} ${r.pick(['+', '-'])} ${genUpdateValue(r, 3)}` : genPath(r);
  if (k === 6) return `(${genUpdateValue(r, 3)})`;
  return `${r.pick(FUNCS)}(${genUpdateValue(r, depth + 1)})`;
}

function genUpdate(r: Rng): string {
  const sections: string[] = [];
  const kinds = ['SET', 'REMOVE', 'ADD', 'DELETE'].sort(() => r.next() - 0.5);
  for (let i = 1 + r.int(3); i > 0; i--) {
    const kind = r.chance(0.9) ? kinds[i]! : r.pick(['SET', 'remove', 'Add', 'delete']);
    const actions: string[] = [];
    for (let j = 1 + r.int(3); j > 0; j--) {
      const upper = kind.toUpperCase();
      if (upper === 'SET') actions.push(`${genPath(r)} = ${genUpdateValue(r)}`);
      else if (upper === 'REMOVE') actions.push(genPath(r));
      else actions.push(`${genPath(r)} ${r.pick(VALUE_REFS)}`);
    }
    sections.push(`${kind} ${actions.join(', ')}`);
  }
  return sections.join(' ');
}

function genProjection(r: Rng): string {
  return Array.from({ length: 1 + r.int(5) }, () => genPath(r)).join(r.pick([', ', ',', ' , ']));
}

function genKeyCondition(r: Rng, keys: TableKeys): string {
  const ref = (type: string | undefined) => (r.chance(0.8) ? `:k${type}` : r.pick(VALUE_REFS));
  const hashRef = r.chance(0.8) ? keys.hashName : ident(r);
  const parts = [`${hashRef} ${r.chance(0.8) ? '=' : r.pick(COMPARATORS)} ${ref(keys.hashType)}`];
  if (keys.rangeName && r.chance(0.7)) {
    const rk = r.chance(0.8) ? keys.rangeName : ident(r);
    parts.push(
      r.pick([
        `${rk} ${r.pick(COMPARATORS)} ${ref(keys.rangeType)}`,
        `${rk} BETWEEN ${ref(keys.rangeType)} AND ${ref(keys.rangeType)}`,
        `begins_with(${rk}, ${ref(keys.rangeType)})`,
      ]),
    );
  }
  if (r.chance(0.1)) parts.push(genCondition(r, 2));
  if (r.chance(0.5)) parts.reverse();
  return parts.join(r.pick([' AND ', ' and ', ' OR ']));
}

function mutate(r: Rng, text: string): string {
  let s = text;
  for (let i = 1 + r.int(3); i > 0; i--) {
    const at = r.int(s.length + 1);
    switch (r.int(5)) {
      case 0:
        s = s.slice(0, at) + s.slice(at + 1 + r.int(4));
        break;
      case 1:
        s = s.slice(0, at) + r.pick(SOUP) + s.slice(at);
        break;
      case 2: {
        const from = r.int(s.length + 1);
        s = s.slice(0, at) + s.slice(from, from + r.int(10)) + s.slice(at);
        break;
      }
      case 3:
        s = s.slice(0, at) + ' ' + r.pick(SOUP) + ' ' + s.slice(at);
        break;
      default:
        s = s.slice(at) + s.slice(0, at);
    }
  }
  return s;
}

function soup(r: Rng): string {
  return Array.from({ length: r.int(16) }, () => r.pick(SOUP)).join(r.chance(0.5) ? ' ' : '');
}

function huge(r: Rng, text: string): string {
  switch (r.int(4)) {
    case 0:
      return '('.repeat(1000 + r.int(1100)) + text + ')'.repeat(1000 + r.int(1100));
    case 1:
      return (text + ' AND ').repeat(Math.ceil(4200 / (text.length + 5))).slice(0, 4090 + r.int(20));
    case 2:
      return 'NOT '.repeat(r.int(1100)) + text;
    default:
      return 'f('.repeat(r.int(1500)) + text + ')'.repeat(r.int(1500));
  }
}

function expressionText(r: Rng, gen: () => string): string {
  const k = r.int(20);
  if (k < 10) return gen();
  if (k < 16) return mutate(r, gen());
  if (k < 19) return soup(r);
  return huge(r, gen());
}

// --- the harness ---

interface Ctx {
  seed: number;
  round: number;
  what: string;
  input: unknown;
}

let slowest = 0;

type Updated = { item: Item; changed: string[] };

/** Runs fn; only results or the allowed DynamoDB errors pass. */
const stats = new Map<string, number>();
const count = (key: string) => stats.set(key, (stats.get(key) ?? 0) + 1);

function attempt<T>(ctx: Ctx, fn: () => T, allowSerialization = false): T | undefined {
  const started = performance.now();
  try {
    const result = fn();
    count(`${ctx.what}: ok`);
    return result;
  } catch (e) {
    if (e instanceof DynamoDBError) count(`${ctx.what}: ${e.message.replace(/'[^']*'|"[^"]*"|: [^;:]*$/g, '…').slice(0, 110)}`);
    const ok = e instanceof DynamoDBError && (e.type === 'ValidationException' || (allowSerialization && e.type === 'SerializationException'));
    if (!ok) {
      assert.fail(
        `FUZZ_SEED=${ctx.seed} round ${ctx.round}: ${ctx.what} threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}\n` +
          `input: ${JSON.stringify(ctx.input)}\n${e instanceof Error ? e.stack : ''}`,
      );
    }
    return undefined;
  } finally {
    const took = performance.now() - started;
    if (took > slowest) slowest = took;
    if (took > 2000) assert.fail(`FUZZ_SEED=${ctx.seed} round ${ctx.round}: ${ctx.what} took ${took.toFixed(0)} ms; input: ${JSON.stringify(ctx.input)}`);
  }
}

function expectJsonRoundTrip(ctx: Ctx, value: unknown): void {
  assert.deepEqual(JSON.parse(JSON.stringify(value)), value, `FUZZ_SEED=${ctx.seed} round ${ctx.round}: ${ctx.what} result is not plain JSON`);
}

function runRound(seed: number, round: number): void {
  const r = new Rng(seed * 7919 + round);
  const keys = r.pick(KEYS);
  const attrs = randomScopeAttrs(r);
  const items = Array.from({ length: 3 }, () => randomItem(r, keys));
  const ctx = (what: string, input: unknown): Ctx => ({ seed, round, what, input: { input, attrs, keys } });

  // Conditions and filters.
  const condText = expressionText(r, () => genCondition(r));
  const condScope = new ExpressionScope(attrs);
  const cond = attempt(ctx('parseCondition', condText), () => parseCondition(condText, r.chance(0.5) ? 'ConditionExpression' : 'FilterExpression', condScope));
  if (cond) {
    expectJsonRoundTrip(ctx('parseCondition', condText), cond);
    attempt(ctx('finish', condText), () => condScope.finish());
    for (const item of items) {
      const c = ctx('evaluateCondition', { condText, item });
      const result = attempt<boolean>(c, (): boolean => evaluateCondition(cond, item));
      assert.equal(typeof result, 'boolean', `FUZZ_SEED=${seed} round ${round}: evaluateCondition did not return a boolean`);
    }
  }

  // Updates.
  const updText = expressionText(r, () => genUpdate(r));
  const updScope = new ExpressionScope(attrs);
  const actions = attempt(ctx('parseUpdate', updText), () => parseUpdate(updText, updScope));
  if (actions) {
    expectJsonRoundTrip(ctx('parseUpdate', updText), actions);
    attempt(ctx('finish', updText), () => updScope.finish());
    for (const item of items) {
      const key = item ? Object.fromEntries(Object.entries(item).filter(([k]) => k === keys.hashName || k === keys.rangeName)) : keyFor(r, keys);
      const before = JSON.stringify(item);
      const c = ctx('applyUpdate', { updText, item, key });
      const out: Updated | undefined = attempt<Updated>(c, (): Updated => applyUpdate(actions, item, key, keys));
      assert.equal(JSON.stringify(item), before, `FUZZ_SEED=${seed} round ${round}: applyUpdate modified its input`);
      if (out) {
        assert.ok(Array.isArray(out.changed));
        for (const k of Object.keys(key)) assert.deepEqual(out.item[k], key[k], `FUZZ_SEED=${seed} round ${round}: key attribute ${k} changed`);
        // Whatever an update produces must be a storable item.
        attempt(ctx('validateItemValues(applyUpdate result)', { updText, item, out }), () => validateItemValues(JSON.parse(JSON.stringify(out.item))));
        try {
          validateItemValues(JSON.parse(JSON.stringify(out.item)));
        } catch (e) {
          assert.fail(`FUZZ_SEED=${seed} round ${round}: applyUpdate produced an invalid item (${String(e)}): ${JSON.stringify({ updText, item, out })}`);
        }
      }
    }
  }

  // Projections.
  const projText = expressionText(r, () => genProjection(r));
  const projScope = new ExpressionScope(attrs);
  const paths = attempt(ctx('parseProjection', projText), () => parseProjection(projText, projScope));
  if (paths) {
    expectJsonRoundTrip(ctx('parseProjection', projText), paths);
    for (const item of items) {
      if (!item) continue;
      const out = attempt(ctx('project', { projText, item }), () => project(item, paths));
      assert.ok(out && typeof out === 'object');
      attempt(ctx('validateItemValues(project result)', { projText, item, out }), () => validateItemValues(JSON.parse(JSON.stringify(out))));
    }
  }

  // Key conditions.
  const keyText = expressionText(r, () => genKeyCondition(r, keys));
  const kc = attempt(ctx('parseKeyCondition', keyText), () => parseKeyCondition(keyText, new ExpressionScope(attrs), keys));
  if (kc) expectJsonRoundTrip(ctx('parseKeyCondition', keyText), kc);

  // Legacy parameters, including wrongly typed JSON.
  const legacyValue = (): unknown => r.pick([randomValue(r), randomValue(r), {}, { S: 1 }, null, 'x', 5, [], { N: 'abc' }, { SS: [] }, { S: 'a', N: '1' }]);
  const legacyOp = (): unknown => r.pick(['EQ', 'NE', 'LE', 'LT', 'GE', 'GT', 'NULL', 'NOT_NULL', 'CONTAINS', 'NOT_CONTAINS', 'BEGINS_WITH', 'IN', 'BETWEEN', 'XX', '', null, 7]);
  const legacyEntry = (): unknown => {
    const e: Record<string, unknown> = {};
    if (r.chance(0.7)) e.ComparisonOperator = legacyOp();
    if (r.chance(0.7)) e.AttributeValueList = r.chance(0.9) ? Array.from({ length: r.int(4) }, legacyValue) : 'nope';
    if (r.chance(0.3)) e.Value = legacyValue();
    if (r.chance(0.3)) e.Exists = r.pick([true, false, null, 'yes']);
    if (r.chance(0.05)) return r.pick([null, 'str', 3, []]);
    return e;
  };
  const legacyMap = (entry: () => unknown): Record<string, unknown> => {
    const m: Record<string, unknown> = {};
    for (let i = r.int(4); i > 0; i--) m[r.chance(0.8) ? r.pick([...IDENTS, keys.hashName, keys.rangeName ?? 'sk']) : randomString(r)] = entry();
    return m;
  };
  const expected = legacyMap(legacyEntry);
  const op = r.pick([undefined, 'AND', 'OR', 'XOR']);
  const fromExpected = attempt(ctx('conditionFromExpected', { expected, op }), () => conditionFromExpected(expected, op), true);
  const filter = legacyMap(legacyEntry);
  const fromFilter = attempt(ctx('conditionFromFilter', { filter, op }), () => conditionFromFilter(filter, op, r.chance(0.5) ? 'QueryFilter' : 'ScanFilter'), true);
  for (const c of [fromExpected, fromFilter]) {
    if (!c) continue;
    expectJsonRoundTrip(ctx('legacy condition', c), c);
    for (const item of items) attempt(ctx('evaluateCondition(legacy)', { c, item }), () => evaluateCondition(c, item));
  }
  const updates = legacyMap(() => (r.chance(0.05) ? 'x' : { Action: r.pick(['PUT', 'ADD', 'DELETE', undefined, 'NOPE', 3]), Value: r.chance(0.8) ? legacyValue() : undefined }));
  const legacyActions = attempt(ctx('updateFromAttributeUpdates', updates), () => updateFromAttributeUpdates(updates), true);
  if (legacyActions) {
    for (const item of items) {
      const key = keyFor(r, keys);
      const out = attempt(ctx('applyUpdate(legacy)', { updates, item, key }), () => applyUpdate(legacyActions, item, key, keys));
      if (out) attempt(ctx('validateItemValues(legacy update)', { updates, out }), () => validateItemValues(JSON.parse(JSON.stringify(out.item))));
    }
  }
  const keyConds = legacyMap(legacyEntry);
  attempt(ctx('keyConditionFromLegacy', keyConds), () => keyConditionFromLegacy(keyConds, keys), true);
  const names = Array.from({ length: r.int(4) }, () => (r.chance(0.8) ? r.pick(IDENTS) : randomString(r)));
  const attrsToGet = projectionFromAttributesToGet(names);
  for (const item of items) if (item) attempt(ctx('project(AttributesToGet)', { names, item }), () => project(item, attrsToGet));
}

test('expression entry points never fail with anything but DynamoDB validation errors', { timeout: 120_000 }, () => {
  const seeds = [BASE_SEED, 1, 2];
  const started = performance.now();
  for (const seed of seeds) {
    for (let round = 0; round < ROUNDS; round++) runRound(seed, round);
  }
  const took = performance.now() - started;
  // The whole run should take seconds; a single call well under a second.
  assert.ok(slowest < 2000, `slowest call took ${slowest.toFixed(0)} ms (FUZZ_SEED=${BASE_SEED})`);
  if (process.env.FUZZ_STATS) for (const [k, n] of [...stats].sort()) console.log(String(n).padStart(7), k);
  console.log(`expressions fuzz: seeds ${seeds.join(', ')}, ${seeds.length * ROUNDS} rounds in ${took.toFixed(0)} ms, slowest call ${slowest.toFixed(1)} ms`);
});

test('deeply nested input does not exhaust the stack even when the caller is deep in its own', () => {
  const scope = () => new ExpressionScope({ values: { ':v': { S: 'x' } } });
  const texts = ['('.repeat(2047) + 'a' + ')'.repeat(2047), '('.repeat(4096), 'f('.repeat(2047) + 'a' + ')'.repeat(2047), 'NOT '.repeat(1020) + 'a = :v'];
  const deep = (n: number, fn: () => void): void => (n === 0 ? fn() : deep(n - 1, fn));
  for (const text of texts) {
    for (const depth of [0, 2000, 6000]) {
      deep(depth, () => {
        for (const parse of [
          () => parseCondition(text, 'FilterExpression', scope()),
          () => parseUpdate(`SET a = ${text}`, scope()),
          () => parseKeyCondition(text, scope(), KEYS[0]!),
          () => parseProjection(text, scope()),
        ]) {
          try {
            parse();
          } catch (e) {
            assert.ok(e instanceof DynamoDBError && e.type === 'ValidationException', `${String(e)} at caller depth ${depth} for ${text.slice(0, 20)}...`);
          }
        }
      });
    }
  }
});
