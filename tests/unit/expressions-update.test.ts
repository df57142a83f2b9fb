import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DynamoDBError,
  ExpressionScope,
  applyUpdate,
  parseUpdate,
  type AttributeValue,
  type ExpressionAttributes,
  type Item,
  type TableKeys,
  type UpdateAction,
} from '@ringdb/core';
import { assertValidation } from '../support/assertions.js';


const KEYS: TableKeys = { hashName: 'pk', hashType: 'S' };
const RANGE_KEYS: TableKeys = { hashName: 'pk', hashType: 'S', rangeName: 'sk', rangeType: 'N' };
const KEY: Item = { pk: { S: 'k' } };

function parse(text: string, attrs: ExpressionAttributes = {}): UpdateAction[] {
  return parseUpdate(text, new ExpressionScope(attrs));
}

function fails(text: string, message: string | RegExp, attrs: ExpressionAttributes = {}): void {
  assertValidation(() => parse(text, attrs), typeof message === 'string' ? `Invalid UpdateExpression: ${message}` : message);
}

/** Parses and applies; returns the new item. */
function run(text: string, item: Item | undefined, values: Record<string, AttributeValue> = {}, names: Record<string, string> = {}, keys = KEYS): Item {
  const key: Item = keys.rangeName ? { pk: { S: 'k' }, sk: { N: '1' } } : KEY;
  return applyUpdate(parse(text, { values, names }), item, key, keys).item;
}

function runFails(text: string, item: Item | undefined, message: string, values: Record<string, AttributeValue> = {}, names: Record<string, string> = {}, keys = KEYS): void {
  const actions = parse(text, { values, names });
  const key: Item = keys.rangeName ? { pk: { S: 'k' }, sk: { N: '1' } } : KEY;
  assertValidation(() => applyUpdate(actions, item, key, keys), message);
}

test('parses all four sections into actions', () => {
  const actions = parse('SET a = :v, #b.c[1] = b + :n, d = if_not_exists(d, :n) - :n, e = list_append(e, :l) REMOVE f, g[2] ADD h :n DELETE i :ss', {
    names: { '#b': 'bee' },
    values: { ':v': { S: 'x' }, ':n': { N: '1' }, ':l': { L: [] }, ':ss': { SS: ['s'] } },
  });
  assert.deepEqual(actions, [
    { action: 'SET', path: ['a'], value: { kind: 'value', value: { S: 'x' } } },
    {
      action: 'SET',
      path: ['bee', 'c', 1],
      value: { kind: 'plus', left: { kind: 'path', path: ['b'] }, right: { kind: 'value', value: { N: '1' } } },
    },
    {
      action: 'SET',
      path: ['d'],
      value: {
        kind: 'minus',
        left: { kind: 'if_not_exists', path: ['d'], value: { kind: 'value', value: { N: '1' } } },
        right: { kind: 'value', value: { N: '1' } },
      },
    },
    { action: 'SET', path: ['e'], value: { kind: 'list_append', left: { kind: 'path', path: ['e'] }, right: { kind: 'value', value: { L: [] } } } },
    { action: 'REMOVE', path: ['f'] },
    { action: 'REMOVE', path: ['g', 2] },
    { action: 'ADD', path: ['h'], value: { N: '1' } },
    { action: 'DELETE', path: ['i'], value: { SS: ['s'] } },
  ]);
  assert.deepEqual(JSON.parse(JSON.stringify(actions)), actions);
  // Sections in any order and case; parentheses around values and operands.
  assert.equal(parse('remove a Set b = (c + d), e = (f) - (g), h = ((i))').length, 4);
});

test('syntax errors', () => {
  fails('whatever', 'Syntax error; token: "whatever", near: "whatever"');
  fails('SET', 'Syntax error; token: "<EOF>", near: "SET"');
  fails('set a', 'Syntax error; token: "<EOF>", near: "a"');
  fails('set a = b + c + d', 'Syntax error; token: "+", near: "c + d"');
  fails('set a=set', 'Syntax error; token: "set", near: "=set"');
  fails('SET a = if_not_exist(a, 100)', 'Syntax error; token: "100", near: ", 100)"');
  fails('SET a = :v,', 'Syntax error; token: "<EOF>", near: ","');
  for (const text of [
    'add a',
    'delete a',
    'remove a = b',
    'add a = b',
    'delete a = b',
    'delete a b',
    'delete a if_not_exist(b)',
    'add abort b',
    'add a if_not_exist(b)',
    'remove a b',
    'set a b',
    'set :a = b',
    'add :a b',
    'delete :a b',
    'remove :a',
    'set a = b / c',
    'set a = b * c',
    'set a[1] = "eight"',
    'set a[1] = 1',
    'SET if_not_exist(a, b) = a',
    'set (a = (b + c))',
    'set a = (b.c).d + e',
    'set a = (b.c)[0] + e',
    'set a = (((b)))',
    'set a = (b + c) + d',
    'SET a = :v, REMOVE b',
    'SET a = :v; REMOVE b',
    'SET a.set = :v',
    'SET a = b AND c',
  ]) {
    fails(text, /^Invalid UpdateExpression: Syntax error; token: ".*", near: ".*"$/);
  }
  fails('', 'The expression can not be empty;');
});

test('reserved words, function names, repeated sections', () => {
  fails(' set #c = :c set abOrt = true ', 'Attribute name is a reserved keyword; reserved keyword: abOrt');
  fails(' remove Absolute ', 'Attribute name is a reserved keyword; reserved keyword: Absolute');
  fails('set #c = if_not_exist(:c) set c = d', 'Invalid function name; function: if_not_exist');
  fails('set a = size(b)', 'Invalid function name; function: size');
  fails('set a = #c set c = :d', 'The "SET" section can only be used once in an update expression;');
  fails('remove #d set a = b remove e', 'The "REMOVE" section can only be used once in an update expression;');
  fails('add #d :e set a = b add e :f', 'The "ADD" section can only be used once in an update expression;');
  fails('delete #d :e set a = b delete #e :f', 'The "DELETE" section can only be used once in an update expression;');
});

test('undefined names and values', () => {
  const attrs = { values: { ':a': { S: 'a' } }, names: { '#a': 'a' } };
  fails('SET #c = if_not_exists(:c)', 'An expression attribute name used in the document path is not defined; attribute name: #c', attrs);
  fails('SET #a = if_not_exists(:c)', 'An expression attribute value used in expression is not defined; attribute value: :c', attrs);
  // Names are checked before values, wherever they appear.
  fails('SET a = :x, b = #y', 'An expression attribute name used in the document path is not defined; attribute name: #y', attrs);
});

test('overlapping and conflicting paths', () => {
  const names = { names: { '#c': 'c', '#d': '[3]' } };
  const overlap = (one: string, two: string) =>
    `Two document paths overlap with each other; must remove or rewrite one of these paths; path one: ${one}, path two: ${two}`;
  const conflict = (one: string, two: string) =>
    `Two document paths conflict with each other; must remove or rewrite one of these paths; path one: ${one}, path two: ${two}`;
  fails('set d[1] = a, d.b = a, c[1].a = a, #c = if_not_exists(a)', overlap('[c, [1], a]', '[c]'), names);
  fails('set c.b.#c = a, c = a, #d = a', overlap('[c, b, c]', '[c]'), names);
  fails('set a = b remove a, #c, #d', overlap('[a]', '[a]'), names);
  fails('set #c[3].#d = a, #c[3] = a', overlap('[c, [3], [3]]', '[c, [3]]'), names);
  fails('remove c, #c.a, #d', overlap('[c]', '[c, a]'), names);
  fails('remove a, #c, a, #d', overlap('[a]', '[a]'), names);
  fails('set #c[3].#d = a, #c.#d[3] = if_not_exists(a)', conflict('[c, [3], [3]]', '[c, [3], [3]]'), names);
  fails('remove a.#c set a[1] = #d', conflict('[a, c]', '[a, [1]]'), names);
  // Different elements of one list or map are fine.
  assert.equal(parse('set a[1] = b, a[2] = b remove a[3], m.x add m.y :n', { values: { ':n': { N: '1' } } }).length, 5);
});

test('ADD and DELETE operand types are checked when parsing', () => {
  const type = (op: string, t: string) => `Incorrect operand type for operator or function; operator: ${op}, operand type: ${t}`;
  const cases: [string, AttributeValue, string, string][] = [
    ['set b = list_append(:a, a), c = if_not_exists(a) add a.b :a', { S: 'a' }, 'ADD', 'STRING'],
    ['delete a.b :a', { S: 'a' }, 'DELETE', 'STRING'],
    ['add a.b :a', { NULL: true }, 'ADD', 'NULL'],
    ['delete a.b :a', { NULL: true }, 'DELETE', 'NULL'],
    ['add a.b :a', { BOOL: false }, 'ADD', 'BOOLEAN'],
    ['delete a.b :a', { BOOL: false }, 'DELETE', 'BOOLEAN'],
    ['add a.b :a', { B: 'YQ==' }, 'ADD', 'BINARY'],
    ['delete a.b :a', { B: 'YQ==' }, 'DELETE', 'BINARY'],
    ['add a.b :a', { M: { a: { L: [{ N: '1' }] } } }, 'ADD', 'MAP'],
    ['delete a.b :a', { M: {} }, 'DELETE', 'MAP'],
    ['add a.b :a', { L: [{ N: '1' }] }, 'ADD', 'LIST'],
    ['delete a.b :a', { L: [] }, 'DELETE', 'LIST'],
    ['delete a.b :a', { N: '1' }, 'DELETE', 'NUMBER'],
  ];
  for (const [text, value, op, t] of cases) fails(text, type(op, t), { values: { ':a': value, ':b': { S: 'a' } } });
});

test('function operands are checked when parsing', () => {
  const values = {
    ':a': { S: 'a' },
    ':b': { N: '1' },
    ':c': { B: 'YQ==' },
    ':d': { BOOL: false },
    ':e': { NULL: true },
    ':f': { SS: ['a'] },
    ':g': { NS: ['1'] },
    ':h': { BS: ['YQ=='] },
    ':i': { M: {} },
    ':j': { L: [] },
  } satisfies Record<string, AttributeValue>;
  const type = (f: string, t: string) => `Incorrect operand type for operator or function; operator or function: ${f}, operand type: ${t}`;
  const cases: [string, string, string][] = [
    ['set a = list_append(:a, a)', 'list_append', 'S'],
    ['set a = list_append(a, :b)', 'list_append', 'N'],
    ['set a = list_append(:c, a)', 'list_append', 'B'],
    ['set a = list_append(:d, a)', 'list_append', 'BOOL'],
    ['set a = list_append(:e, a)', 'list_append', 'NULL'],
    ['set a = list_append(:f, a)', 'list_append', 'SS'],
    ['set a = list_append(:i, a)', 'list_append', 'M'],
    ['set a = a + :a', '+', 'S'],
    ['set a = :a + :c', '+', 'S'],
    ['set a = :c + a', '+', 'B'],
    ['set a = a + :g', '+', 'NS'],
    ['set a = a + :j', '+', 'L'],
    ['set a = a - :a', '-', 'S'],
    ['set a = a - :e', '-', 'NULL'],
    ['set a = a - :i', '-', 'M'],
  ];
  for (const [text, f, t] of cases) {
    const s = new ExpressionScope({ values });
    assertValidation(() => parseUpdate(text, s), `Invalid UpdateExpression: ${type(f, t)}`);
  }
  fails('set a = if_not_exists(c)', 'Incorrect number of operands for operator or function; operator or function: if_not_exists, number of operands: 1');
  fails('set a = list_append(c)', 'Incorrect number of operands for operator or function; operator or function: list_append, number of operands: 1');
  fails('set a = if_not_exists(:a, c)', 'Operator or function requires a document path; operator or function: if_not_exists', { values: { ':a': { S: 'a' } } });
  fails('set a = if_not_exists(if_not_exists(a, b), c)', 'Operator or function requires a document path; operator or function: if_not_exists');
  // Nested functions are fine.
  assert.equal(parse('set b = list_append(b, if_not_exists(a, :l))', { values: { ':l': { L: [] } } }).length, 1);
});

test('SET assigns values, computed from the item as it was', () => {
  const item: Item = { pk: { S: 'k' }, a: { N: '1' }, b: { N: '2' }, m: { M: {} }, l: { L: [{ S: 'x' }] } };
  assert.deepEqual(run('SET a = b, b = a', item), { pk: { S: 'k' }, a: { N: '2' }, b: { N: '1' }, m: { M: {} }, l: { L: [{ S: 'x' }] } });
  assert.deepEqual(run('SET m.x = :v, m.#y = a', item, { ':v': { S: 'v' } }, { '#y': 'y.z' }).m, { M: { x: { S: 'v' }, 'y.z': { N: '1' } } });
  assert.deepEqual(run('SET l[0] = :v', item, { ':v': { S: 'y' } }).l, { L: [{ S: 'y' }] });
  assert.deepEqual(run('SET l[5] = :v, l[7] = :w', item, { ':v': { S: 'y' }, ':w': { S: 'z' } }).l, { L: [{ S: 'x' }, { S: 'y' }, { S: 'z' }] });
  assert.deepEqual(run('SET n = :v', undefined, { ':v': { BOOL: true } }), { pk: { S: 'k' }, n: { BOOL: true } });
  // The input item is not modified.
  assert.deepEqual(item.a, { N: '1' });
});

test('SET arithmetic is exact decimal arithmetic', () => {
  const item: Item = { a: { N: '0.1' }, big: { N: '99999999999999999999999999999999999999' }, e: { N: '1E+125' } };
  const sum = (expr: string, values: Record<string, AttributeValue> = {}) => run(`SET r = ${expr}`, item, values).r;
  assert.deepEqual(sum('a + :v', { ':v': { N: '0.2' } }), { N: '0.3' });
  assert.deepEqual(sum('a - :v', { ':v': { N: '0.3' } }), { N: '-0.2' });
  assert.deepEqual(sum(':x + :y', { ':x': { N: '1' }, ':y': { N: '10000000000000000000000' } }), { N: '10000000000000000000001' });
  assert.deepEqual(sum(':y - :x', { ':x': { N: '1' }, ':y': { N: '10000000000000000000000' } }), { N: '9999999999999999999999' });
  assert.deepEqual(sum('a - a'), { N: '0' });
  assert.deepEqual(sum('big - :x', { ':x': { N: '99999999999999999999999999999999999998' } }), { N: '1' });
  assert.deepEqual(sum(':x + :y', { ':x': { N: '-5.5' }, ':y': { N: '2.25' } }), { N: '-3.25' });
  assert.deepEqual(sum('if_not_exists(nope, :z) + :x', { ':z': { N: '0' }, ':x': { N: '7' } }), { N: '7' });
  const overflow = 'Number overflow. Attempting to store a number with magnitude larger than supported range';
  runFails('SET r = big + :x', item, overflow, { ':x': { N: '0.5' } });
  assert.deepEqual(sum('big + :x', { ':x': { N: '1' } }), { N: '1' + '0'.repeat(38) });
  runFails('SET r = :x + :y', item, overflow, { ':x': { N: '9e125' }, ':y': { N: '9e125' } });
  runFails('SET r = :x - :y', item, overflow, { ':x': { N: '1e50' }, ':y': { N: '1' } });
  runFails('SET r = :x - :y', item, 'Number underflow. Attempting to store a number with magnitude smaller than supported range', {
    ':x': { N: '2e-130' },
    ':y': { N: '1.5e-130' },
  });
  assert.deepEqual(sum('e + e'), { N: '2' + '0'.repeat(125) });
});

test('list_append and if_not_exists', () => {
  const item: Item = { l: { L: [{ N: '1' }] }, s: { S: 'x' } };
  assert.deepEqual(run('SET l = list_append(l, :v)', item, { ':v': { L: [{ N: '2' }] } }).l, { L: [{ N: '1' }, { N: '2' }] });
  assert.deepEqual(run('SET l = list_append(:v, l)', item, { ':v': { L: [{ N: '0' }] } }).l, { L: [{ N: '0' }, { N: '1' }] });
  assert.deepEqual(run('SET n = list_append(if_not_exists(n, :e), :v)', item, { ':e': { L: [] }, ':v': { L: [{ S: 'a' }] } }).n, { L: [{ S: 'a' }] });
  assert.deepEqual(run('SET s = if_not_exists(s, :v)', item, { ':v': { S: 'y' } }).s, { S: 'x' });
  assert.deepEqual(run('SET t = if_not_exists(s, :v)', item, { ':v': { S: 'y' } }).t, { S: 'x' });
  assert.deepEqual(run('SET t = if_not_exists(t, :v)', item, { ':v': { S: 'y' } }).t, { S: 'y' });
  const bad = 'An operand in the update expression has an incorrect data type';
  runFails('SET l = list_append(l, s)', item, bad);
  runFails('SET x = s + :n', item, bad, { ':n': { N: '1' } });
  runFails('SET x = l - :n', item, bad, { ':n': { N: '1' } });
  runFails('SET e = list_append(s, if_not_exists(f, :a))', item, bad, { ':a': { L: [] } });
});

test('references to missing attributes and invalid document paths', () => {
  const missing = 'The provided expression refers to an attribute that does not exist in the item';
  runFails('set c = b', undefined, missing);
  runFails('set e = list_append(b, c)', undefined, missing);
  runFails('set c = m.x', { m: { M: {} } }, missing);
  const invalidPath = 'The document path provided in the update expression is invalid for update';
  runFails('set b.a = pk', undefined, invalidPath);
  runFails('set b[1] = pk', undefined, invalidPath);
  const item: Item = { pk: { S: 'k' }, b: { S: 'a' }, c: { M: { 1: { S: 'a' } } }, d: { L: [{ S: 'a' }, { S: 'b' }] } };
  const values = { ':a': { SS: ['a'] } };
  const names = { '#1': '1' };
  for (const text of [
    'set b.a = :a, #1 = :a',
    'set b[1] = :a, #1 = :a',
    'set y.a = :a, #1 = :a',
    'set y[1] = :a, #1 = :a',
    'set c[1] = :a, #1 = :a',
    'set d.#1 = :a',
    'remove b.a set #1 = :a',
    'remove b[1] set #1 = :a',
    'remove y.a set #1 = :a',
    'remove y[1] set #1 = :a',
    'remove c[1] set #1 = :a',
    'remove d.#1 set #1 = :a',
    'delete b.a :a set #1 = :a',
    'delete b[1] :a set #1 = :a',
    'delete y.a :a set #1 = :a',
    'delete c[1] :a set #1 = :a',
    'delete d.#1 :a',
    'add b.a :a set #1 = :a',
    'add y[1] :a set #1 = :a',
    'add c[1] :a set #1 = :a',
    'add d.#1 :a',
  ]) {
    runFails(text, item, invalidPath, values, names);
  }
});

test('key attributes cannot be updated', () => {
  const message = (k: string) => `One or more parameter values were invalid: Cannot update attribute ${k}. This attribute is part of the key`;
  runFails('add pk.b :a', undefined, message('pk'), { ':a': { N: '1' } });
  runFails('delete pk :a', undefined, message('pk'), { ':a': { NS: ['1'] } });
  runFails('remove d set b = :a, pk = :a', undefined, message('pk'), { ':a': { N: '1' } });
  runFails('set pk = pk', undefined, message('pk'));
  runFails('set d[1] = :a add sk.b :a', undefined, message('sk'), { ':a': { N: '1' } }, {}, RANGE_KEYS);
  runFails('set #k = :a', undefined, message('sk'), { ':a': { N: '1' } }, { '#k': 'sk' }, RANGE_KEYS);
});

test('REMOVE deletes attributes, map entries and list elements by their original index', () => {
  const item: Item = { a: { S: 'a' }, m: { M: { x: { N: '1' }, y: { N: '2' } } }, l: { L: [{ N: '0' }, { N: '1' }, { N: '2' }, { N: '3' }] } };
  assert.deepEqual(run('REMOVE a, m.x, nope, m.nope', item), { m: { M: { y: { N: '2' } } }, l: item.l! });
  assert.deepEqual(run('REMOVE l[0], l[2]', item).l, { L: [{ N: '1' }, { N: '3' }] });
  assert.deepEqual(run('REMOVE l[2], l[0]', item).l, { L: [{ N: '1' }, { N: '3' }] });
  assert.deepEqual(run('REMOVE l[9]', item).l, item.l);
  assert.deepEqual(run('REMOVE l[1] SET l[2] = :v', item, { ':v': { S: 'x' } }).l, { L: [{ N: '0' }, { S: 'x' }, { N: '3' }] });
  assert.deepEqual(run('REMOVE l[0] SET l[8] = :v', item, { ':v': { S: 'x' } }).l, { L: [{ N: '1' }, { N: '2' }, { N: '3' }, { S: 'x' }] });
});

test('ADD adds to numbers and sets, creating them when missing', () => {
  const item: Item = { n: { N: '1.5' }, ss: { SS: ['a', 'b'] }, ns: { NS: ['1'] }, bs: { BS: ['AQ=='] }, s: { S: 'x' }, m: { M: {} } };
  assert.deepEqual(run('ADD n :v', item, { ':v': { N: '-2' } }).n, { N: '-0.5' });
  assert.deepEqual(run('ADD fresh :v', item, { ':v': { N: '5' } }).fresh, { N: '5' });
  assert.deepEqual(run('ADD m.c :v', item, { ':v': { N: '5' } }).m, { M: { c: { N: '5' } } });
  assert.deepEqual(run('ADD ss :v', item, { ':v': { SS: ['b', 'c', 'd'] } }).ss, { SS: ['a', 'b', 'c', 'd'] });
  assert.deepEqual(run('ADD ns :v', item, { ':v': { NS: ['1.0', '2'] } }).ns, { NS: ['1', '2'] });
  assert.deepEqual(run('ADD bs :v', item, { ':v': { BS: ['AQ==', 'Ag=='] } }).bs, { BS: ['AQ==', 'Ag=='] });
  assert.deepEqual(run('ADD nss :v', item, { ':v': { SS: ['z'] } }).nss, { SS: ['z'] });
  const bad = 'An operand in the update expression has an incorrect data type';
  runFails('ADD s :v', item, bad, { ':v': { N: '1' } });
  runFails('ADD ss :v', item, bad, { ':v': { NS: ['1'] } });
  runFails('ADD ns :v', item, bad, { ':v': { N: '1' } });
  runFails('ADD n :v', item, bad, { ':v': { NS: ['1'] } });
});

test('DELETE removes set members and the attribute once the set is empty', () => {
  const item: Item = { ss: { SS: ['a', 'b', 'c'] }, ns: { NS: ['1', '2', '3'] }, s: { S: 'x' } };
  assert.deepEqual(run('DELETE ss :v', item, { ':v': { SS: ['a', 'z'] } }).ss, { SS: ['b', 'c'] });
  assert.deepEqual(run('DELETE ns :v', item, { ':v': { NS: ['2.0'] } }).ns, { NS: ['1', '3'] });
  assert.equal(run('DELETE ss :v', item, { ':v': { SS: ['a', 'b', 'c'] } }).ss, undefined);
  assert.deepEqual(run('DELETE nope :v', item, { ':v': { SS: ['a'] } }), item);
  const bad = 'An operand in the update expression has an incorrect data type';
  runFails('DELETE ss :v', item, bad, { ':v': { NS: ['1'] } });
  runFails('DELETE s :v', item, bad, { ':v': { SS: ['x'] } });
});

test('applyUpdate reports the top-level attributes it touched', () => {
  const item: Item = { pk: { S: 'k' }, a: { S: 'a' }, m: { M: { x: { N: '1' } } } };
  const actions = parse('SET m.y = :v, b = :v REMOVE a, gone DELETE c :s ADD d :n', {
    values: { ':v': { S: 'v' }, ':s': { SS: ['x'] }, ':n': { N: '1' } },
  });
  const result = applyUpdate(actions, item, KEY, KEYS);
  assert.deepEqual(result.changed, ['m', 'b', 'a', 'd']);
  assert.deepEqual(result.item, { pk: { S: 'k' }, m: { M: { x: { N: '1' }, y: { S: 'v' } } }, b: { S: 'v' }, d: { N: '1' } });
  // An upsert starts from the key.
  assert.deepEqual(applyUpdate([], undefined, KEY, KEYS), { item: { pk: { S: 'k' } }, changed: [] });
});

test('nesting deeper than 32 levels is refused', () => {
  let deep: AttributeValue = { S: 'x' };
  for (let i = 0; i < 31; i++) deep = { L: [deep] };
  run('SET a = :v', undefined, { ':v': deep });
  assertValidation(
    () => run('SET m.a = :v', { m: { M: {} } }, { ':v': deep }),
    'Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit',
  );
});
