import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DynamoDBError,
  ExpressionScope,
  evaluateCondition,
  parseCondition,
  type AttributeValue,
  type Condition,
  type ExpressionAttributes,
  type Item,
} from '@ringdb/core';
import { assertValidation } from '../support/assertions.js';


const VALUES: Record<string, AttributeValue> = {
  ':s': { S: 'abc' },
  ':n': { N: '10' },
  ':b': { B: 'YWJj' }, // "abc"
  ':t': { BOOL: true },
  ':null': { NULL: true },
  ':ss': { SS: ['a', 'b'] },
  ':l': { L: [{ S: 'x' }] },
  ':m': { M: { k: { S: 'v' } } },
};

function scope(attrs: ExpressionAttributes = {}): ExpressionScope {
  return new ExpressionScope(attrs);
}

function parse(text: string, attrs: ExpressionAttributes = { values: VALUES }, kind: 'ConditionExpression' | 'FilterExpression' = 'FilterExpression'): Condition {
  return parseCondition(text, kind, scope(attrs));
}

function fails(text: string, message: string, attrs: ExpressionAttributes = {}, kind: 'ConditionExpression' | 'FilterExpression' = 'FilterExpression'): void {
  assertValidation(() => parseCondition(text, kind, scope(attrs)), `Invalid ${kind}: ${message}`);
}

function check(text: string, item: Item | undefined, values: Record<string, AttributeValue> = {}, names: Record<string, string> = {}): boolean {
  const s = new ExpressionScope({ values, names });
  return evaluateCondition(parseCondition(text, 'ConditionExpression', s), item);
}

test('parses comparisons into a plain AST with names resolved and values substituted', () => {
  const cond = parse('#a.b[2].c >= :n', { names: { '#a': 'top' }, values: { ':n': { N: '1' } } });
  assert.deepEqual(cond, {
    kind: 'compare',
    op: '>=',
    left: { kind: 'path', path: ['top', 'b', 2, 'c'] },
    right: { kind: 'value', value: { N: '1' } },
  });
  // JSON round trip keeps it intact (it travels over gRPC as JSON).
  assert.deepEqual(JSON.parse(JSON.stringify(cond)), cond);
});

test('precedence: comparisons, then NOT, AND, OR; parentheses group', () => {
  const v = { values: { ':v': { S: 'x' } } };
  const c = (p: string) => ({ kind: 'compare', op: '=', left: { kind: 'path', path: [p] }, right: { kind: 'value', value: { S: 'x' } } });
  assert.deepEqual(parse('a = :v OR b = :v AND c = :v', v), { kind: 'or', args: [c('a'), { kind: 'and', args: [c('b'), c('c')] }] });
  assert.deepEqual(parse('(a = :v OR b = :v) AND c = :v', v), { kind: 'and', args: [{ kind: 'or', args: [c('a'), c('b')] }, c('c')] });
  assert.deepEqual(parse('NOT a = :v AND b = :v', v), { kind: 'and', args: [{ kind: 'not', arg: c('a') }, c('b')] });
  assert.deepEqual(parse('NOT NOT a = :v', v), { kind: 'not', arg: { kind: 'not', arg: c('a') } });
  // AND / OR chains are flattened.
  assert.deepEqual(parse('a = :v AND b = :v AND c = :v', v), { kind: 'and', args: [c('a'), c('b'), c('c')] });
  assert.deepEqual(parse('a = :v and b = :v or c = :v', v), { kind: 'or', args: [{ kind: 'and', args: [c('a'), c('b')] }, c('c')] });
});

test('BETWEEN, IN, functions and size() parse', () => {
  assert.deepEqual(parse('a BETWEEN :n AND :n'), {
    kind: 'between',
    arg: { kind: 'path', path: ['a'] },
    low: { kind: 'value', value: { N: '10' } },
    high: { kind: 'value', value: { N: '10' } },
  });
  assert.deepEqual(parse('a IN (:s, b, size(c))'), {
    kind: 'in',
    arg: { kind: 'path', path: ['a'] },
    list: [{ kind: 'value', value: { S: 'abc' } }, { kind: 'path', path: ['b'] }, { kind: 'size', arg: { kind: 'path', path: ['c'] } }],
  });
  assert.deepEqual(parse('attribute_exists(a.b) AND attribute_not_exists(c[0])'), {
    kind: 'and',
    args: [
      { kind: 'attribute_exists', path: ['a', 'b'] },
      { kind: 'attribute_not_exists', path: ['c', 0] },
    ],
  });
  assert.deepEqual(parse('attribute_type(a, :t)', { values: { ':t': { S: 'SS' } } }), { kind: 'attribute_type', path: ['a'], type: 'SS' });
  assert.deepEqual(parse('begins_with(a, :s)').kind, 'begins_with');
  assert.deepEqual(parse('contains(a, :s)').kind, 'contains');
  assert.deepEqual(parse('size(a) > :n'), {
    kind: 'compare',
    op: '>',
    left: { kind: 'size', arg: { kind: 'path', path: ['a'] } },
    right: { kind: 'value', value: { N: '10' } },
  });
  // Keywords and whitespace are flexible.
  assert.equal(parse('a\tbetween\n:n\r\nand :n').kind, 'between');
  assert.equal(parse('(a)between(:n)and(:n)').kind, 'between');
  assert.equal(parse('a in(:s)').kind, 'in');
  // A parenthesized path may continue.
  assert.deepEqual(parse('(a.b).c = :s'), {
    kind: 'compare',
    op: '=',
    left: { kind: 'path', path: ['a', 'b', 'c'] },
    right: { kind: 'value', value: { S: 'abc' } },
  });
});

test('syntax errors name the token and what surrounds it', () => {
  fails('a b', 'Syntax error; token: "b", near: "a b"');
  fails('a-b', 'Syntax error; token: "-", near: "a-b"');
  fails('!!!', 'Syntax error; token: "!", near: "!!"');
  fails('attribute_type()', 'Syntax error; token: ")", near: "()"');
  fails('attribute_exists(a) AND NOT #x', 'Syntax error; token: "<EOF>", near: "#x"');
  fails('things are not gonna be ok', 'Syntax error; token: "are", near: "things are not"');
  fails('a > 4', 'Syntax error; token: "4", near: "> 4"');
  fails('a = ', 'Syntax error; token: "<EOF>", near: "= "');
  fails('a = :v :w', 'Syntax error; token: ":w", near: ":v :w"');
  fails('ü > a', 'Syntax error; token: "ü", near: "ü >"');
  fails('a.and = :v', 'Syntax error; token: "and", near: ".and ="');
  fails('(a = :v) = :w', 'Syntax error; token: "=", near: ") = :w"');
  fails('a IN ()', 'Syntax error; token: ")", near: "()"');
  const syntax = [
    'attribute_exists(Pictures-RearView)',
    'attribute_exists("Pictures.RearView")',
    'attribute_exists(Pictures..RearView)',
    'attribute_exists(Pi#ctures.RearView)',
    'attribute_exists(asdf[a])',
    'a.:a < b.:b',
    'a in b, c',
    'a > between',
    'a in b',
    'a in (b,c,)',
    '(a)between(b.(c.d))and(c)',
    '(a)between(b.c.d)and((c)',
    '#$.b > a',
    'a > :things.stuff',
    'b[:a] > a',
    'b[#_] > a',
    '(a)between(b.c[4.5].#d)and(:a)',
    'size(a).b > a',
    '(size(a)).b > a',
    'size(a)[0] > a',
    '(size(a))[0] > a',
    'a',
    '(a)',
    'a AND b',
    'NOT a',
    'a = b = c',
    'a BETWEEN b',
    'a BETWEEN b OR c',
    ':v',
    'a[]',
    'a[-1] = b',
    'a = NOT b',
    'a IN (b = c)',
    'f(a = b)',
    'a = (b = c)',
    '(a = b',
    'a = b)',
    '#',
    ':',
    'a = b,',
  ];
  for (const text of syntax) {
    assert.throws(
      () => parse(text, {}),
      (e: unknown) => e instanceof DynamoDBError && /^Invalid FilterExpression: Syntax error; token: ".*", near: ".*"$/s.test(e.message),
      text,
    );
  }
});

test('empty and oversized expressions', () => {
  fails('', 'The expression can not be empty;', {}, 'ConditionExpression');
  fails('  \n\t ', 'The expression can not be empty;', {}, 'ConditionExpression');
  const long = 'a = :v AND ' + 'b'.repeat(4096);
  fails(long, `Expression size has exceeded the maximum allowed size; expression size: ${long.length}`);
  // The limit is in UTF-8 bytes.
  const wide = `#n = :v AND #n = :${'é'.repeat(2048)}`;
  fails(wide, `Expression size has exceeded the maximum allowed size; expression size: ${Buffer.byteLength(wide)}`);
  // Exactly 4096 bytes is fine (and then fails on something else).
  const exact = 'a = ' + ':' + 'v'.repeat(4096 - 5);
  assert.equal(exact.length, 4096);
  fails(exact, `An expression attribute value used in expression is not defined; attribute value: :${'v'.repeat(4091)}`);
});

test('redundant parentheses', () => {
  for (const text of [
    'a=a and a > ((views))',
    '(a)between(((b.c)).d)and(c)',
    'a > whatever((:things), ((a)))',
    'a=a AND ((a=a AND a=a)) AND a=a',
    'a=a OR ((a=a OR a=a)) OR a=a',
    'a=a AND ((a=a AND (a=a AND a=a)))',
    '((a = :v))',
    '((a)) = :v',
  ]) {
    fails(text, 'The expression has redundant parentheses;');
  }
  // Single parentheses around conditions or operands are fine.
  assert.equal(parse('((a = :s) OR (b = :s))').kind, 'or');
  assert.equal(parse('(a) = (:s)').kind, 'compare');
});

test('function names and misuse', () => {
  fails('a=a and whatever((:things)) > a', 'Invalid function name; function: whatever');
  fails('attRIbute_exIsts((views), #a)', 'Invalid function name; function: attRIbute_exIsts');
  fails('f(g(a)) = :v', 'Invalid function name; function: g');
  const misused = (name: string) => `The function is not allowed to be used this way in an expression; function: ${name}`;
  fails('a=a and attribute_exists((views), (#a)) > b', misused('attribute_exists'));
  fails('attribute_not_exists(things) > b', misused('attribute_not_exists'));
  fails('attribute_type(things, :a) > b', misused('attribute_type'));
  fails('begins_with(things, a) > b', misused('begins_with'));
  fails('contains(:things, c) > b', misused('contains'));
  fails('size(contains(a, b)) > a', misused('contains'));
  fails('size(things)', misused('size'));
  fails('a = :v AND size(things)', misused('size'));
  fails('NOT size(things)', misused('size'));
  fails('a between b and attribute_exists(things)', misused('attribute_exists'));
  fails('a in (b, attribute_exists(things))', misused('attribute_exists'));
});

test('reserved words must be aliased', () => {
  fails('attribute_exists(views, #a)', 'Attribute name is a reserved keyword; reserved keyword: views');
  fails(':a < abOrT', 'Attribute name is a reserved keyword; reserved keyword: abOrT');
  fails('status = :v', 'Attribute name is a reserved keyword; reserved keyword: status');
  fails('a.b.Name = :v', 'Attribute name is a reserved keyword; reserved keyword: Name');
  // Aliased, or not reserved: fine.
  assert.equal(parse('#s = :v', { names: { '#s': 'status' }, values: { ':v': { S: 'x' } } }).kind, 'compare');
  assert.equal(parse('statuses = :v', { values: { ':v': { S: 'x' } } }).kind, 'compare');
});

test('undefined names and values, in text order', () => {
  const name = (n: string) => `An expression attribute name used in the document path is not defined; attribute name: ${n}`;
  const value = (v: string) => `An expression attribute value used in expression is not defined; attribute value: ${v}`;
  fails('attribute_exists(#Pictures.RearView, :a) and a=a', name('#Pictures'));
  fails('begins_with(Pictures.#RearView)', name('#RearView'));
  fails('(#P between :lo and :hi) and (#PC in (:cat1, :cat2))', name('#P'));
  fails('#4g > a', name('#4g'));
  fails('#_ > a', name('#_'));
  fails('(a)between(b.c[45].#d)and(:a)', name('#d'));
  fails('begins_with(:hello, #a, #b)', value(':hello'));
  fails(':a < :b', value(':a'));
  fails(':_ > a', value(':_'));
  assertValidation(
    () => parseCondition('a = :x', 'ConditionExpression', scope({ values: { ':y': { S: 'y' } } })),
    'Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :x',
  );
  // Prototype names are not defined names.
  fails('#constructor = :__proto__', name('#constructor'));
});

test('operand counts', () => {
  const count = (f: string, n: number) => `Incorrect number of operands for operator or function; operator or function: ${f}, number of operands: ${n}`;
  fails('attribute_exists(things, a) and a=a', count('attribute_exists', 2));
  fails('attribute_not_exists(things, b)', count('attribute_not_exists', 2));
  fails('attribute_type(things)', count('attribute_type', 1));
  fails('begins_with(things)', count('begins_with', 1));
  fails('begins_with(things, size(a), b)', count('begins_with', 3));
  fails('contains(things)', count('contains', 1));
  fails('size(things, a) > b', count('size', 2));
  // IN takes at most 100 operands.
  const values: Record<string, AttributeValue> = {};
  const refs: string[] = [];
  for (let i = 0; i < 101; i++) {
    values[`:v${i}`] = { N: String(i) };
    refs.push(`:v${i}`);
  }
  assert.equal(parse(`a IN (${refs.slice(0, 100).join(',')})`, { values }).kind, 'in');
  fails(`a IN (${refs.join(',')})`, 'Too many operands for the operator or function; operator or function: IN, number of operands: 101', { values });
});

test('operand types of functions', () => {
  const type = (f: string, t: string) => `Incorrect operand type for operator or function; operator or function: ${f}, operand type: ${t}`;
  const cases: [string, AttributeValue, string, string][] = [
    ['attribute_type(a, size(a)) and a=a and a=:a', { N: '1' }, 'attribute_type', 'N'],
    ['attribute_type(a, :a)', { N: '1' }, 'attribute_type', 'N'],
    ['attribute_type(a, :a)', { B: 'YQ==' }, 'attribute_type', 'B'],
    ['attribute_type(a, :a)', { L: [] }, 'attribute_type', 'L'],
    ['attribute_type(a, :a)', { SS: ['1'] }, 'attribute_type', 'SS'],
    ['begins_with(a, size(a)) and a=:a', { N: '1' }, 'begins_with', 'N'],
    ['begins_with(a, :a)', { N: '1' }, 'begins_with', 'N'],
    ['begins_with(a, :a)', { BOOL: true }, 'begins_with', 'BOOL'],
    ['begins_with(a, :a)', { NULL: true }, 'begins_with', 'NULL'],
    ['begins_with(a, :a)', { M: {} }, 'begins_with', 'M'],
    ['begins_with(:a, a)', { NS: ['1'] }, 'begins_with', 'NS'],
    ['size(size(a)) > :a', { N: '1' }, 'size', 'N'],
    ['attribute_not_exists(size(:a))', { N: '1' }, 'size', 'N'],
    ['size(:a) > a', { BOOL: true }, 'size', 'BOOL'],
    ['size(:a) > a', { NULL: true }, 'size', 'NULL'],
  ];
  for (const [text, value, f, t] of cases) fails(text, type(f, t), { values: { ':a': value } });
  fails('attribute_type(a, b)', type('attribute_type', '{NS,SS,L,BS,N,M,B,BOOL,NULL,S}'));
  fails('attribute_type(a, :a)', 'Invalid attribute type name found; type: 1, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}', { values: { ':a': { S: '1' } } });
  fails('attribute_exists(:a) and a=a', 'Operator or function requires a document path; operator or function: attribute_exists', { values: { ':a': { S: '1' } } });
  fails('attribute_not_exists(size(:a))', 'Operator or function requires a document path; operator or function: attribute_not_exists', { values: { ':a': { S: '1' } } });
  // Strings and binaries are fine for begins_with; size of a string value is fine.
  assert.equal(parse('begins_with(a, :b)').kind, 'begins_with');
  assert.equal(parse('size(:s) = a').kind, 'compare');
});

test('BETWEEN bounds given as values are checked', () => {
  fails(
    'a between :b and :a',
    'The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: AttributeValue: {S:a}',
    { values: { ':a': { S: 'a' }, ':b': { N: '1' } } },
  );
  fails(
    'a between :b and :a',
    'The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {S:b}, upper bound operand: AttributeValue: {S:a}',
    { values: { ':a': { S: 'a' }, ':b': { S: 'b' } } },
  );
  fails(
    'a between :b and :a',
    'The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:10}, upper bound operand: AttributeValue: {N:9}',
    { values: { ':a': { N: '9' }, ':b': { N: '10' } } },
  );
  assert.equal(parse('a between :a and :a', { values: { ':a': { N: '9' } } }).kind, 'between');
});

test('the first operand must differ from the others', () => {
  const distinct = (op: string, path: string) =>
    `The first operand must be distinct from the remaining operands for this operator or function; operator: ${op}, first operand: ${path}`;
  const names = { names: { '#a': 'a' } };
  fails('a = a AND #a = b AND :views > a', distinct('=', '[a]'), names);
  fails('#a <> a', distinct('<>', '[a]'), names);
  fails('a > #a', distinct('>', '[a]'), names);
  fails('((a=a) OR (a=a))', distinct('=', '[a]'), names);
  fails('contains(ab.bc[1].a, ab.bc[1].#a)', distinct('contains', '[ab, bc, [1], a]'), names);
  fails('attribute_type(ab.bc[1].#a, ab.bc[1].a)', distinct('attribute_type', '[ab, bc, [1], a]'), names);
  fails('begins_with(ab.bc[1].a, ab.bc[1].#a)', distinct('begins_with', '[ab, bc, [1], a]'), names);
  // The same value twice is fine.
  assert.equal(parse(':s = :s').kind, 'compare');
});

test('checks run in DynamoDB order', () => {
  // Syntax before everything, then redundant parentheses, function names, misuse, reserved words...
  fails('whatever((a)) = status AND b', 'Syntax error; token: "<EOF>", near: "b"');
  fails('whatever(((a))) = status', 'The expression has redundant parentheses;');
  fails('size(x) = whatever(status)', 'Invalid function name; function: whatever');
  fails('attribute_exists(a) = status', 'The function is not allowed to be used this way in an expression; function: attribute_exists');
  fails('attribute_exists(status, #undefined)', 'Attribute name is a reserved keyword; reserved keyword: status');
  // ...then per condition, in text order: names/values, counts, distinct operands, types.
  fails('a = a AND #x = :y', 'The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [a]');
  fails('#x = a AND a = a', 'An expression attribute name used in the document path is not defined; attribute name: #x');
  fails('begins_with(a, b, :u)', 'An expression attribute value used in expression is not defined; attribute value: :u');
});

test('ExpressionScope tracks what was used and refuses the rest', () => {
  const s = new ExpressionScope({ names: { '#a': 'a', '#b': 'b', '#c': 'c' }, values: { ':x': { S: 'x' }, ':y': { S: 'y' } } });
  parseCondition('#a = :x', 'ConditionExpression', s);
  assertValidation(() => s.finish(), 'Value provided in ExpressionAttributeNames unused in expressions: keys: {#b, #c}');
  parseCondition('#b = :x AND #c = :x', 'ConditionExpression', s);
  assertValidation(() => s.finish(), 'Value provided in ExpressionAttributeValues unused in expressions: keys: {:y}');
  parseCondition('x = :y', 'FilterExpression', s);
  s.finish();
  new ExpressionScope({}).finish();
});

// --- evaluation ---

test('comparisons compare same-type scalars; other pairs are false', () => {
  const item: Item = {
    s: { S: 'abc' },
    n: { N: '10' },
    b: { B: 'YWJj' },
    t: { BOOL: true },
    l: { L: [{ N: '1' }] },
  };
  assert.equal(check('n = :v', item, { ':v': { N: '10.0' } }), true, 'numbers compare numerically');
  assert.equal(check('n < :v', item, { ':v': { N: '9.5' } }), false);
  assert.equal(check('n > :v', item, { ':v': { N: '9.5' } }), true);
  assert.equal(check('n > :v', item, { ':v': { N: '-100' } }), true);
  assert.equal(check('n >= :v', item, { ':v': { N: '1E1' } }), true);
  assert.equal(check('n <= :v', item, { ':v': { N: '100' } }), true);
  assert.equal(check('n < :v', item, { ':v': { S: '100' } }), false, 'number vs string');
  assert.equal(check('n <> :v', item, { ':v': { S: '10' } }), true);
  assert.equal(check('s < :v', item, { ':v': { S: 'abd' } }), true);
  assert.equal(check('s < :v', item, { ':v': { S: 'ab' } }), false);
  assert.equal(check('s > :v', item, { ':v': { S: 'ab' } }), true);
  assert.equal(check('b < :v', item, { ':v': { B: '/w==' } }), true, 'binaries compare as unsigned bytes');
  assert.equal(check('t < :v', item, { ':v': { BOOL: true } }), false, 'BOOL is not ordered');
  assert.equal(check('t = :v', item, { ':v': { BOOL: true } }), true);
  assert.equal(check('l = :v', item, { ':v': { L: [{ N: '1.00' }] } }), true);
  assert.equal(check('l < :v', item, { ':v': { L: [{ N: '2' }] } }), false);
  // Missing operands: = is false, <> is true, ordering is false.
  assert.equal(check('absent = :v', item, { ':v': { S: 'x' } }), false);
  assert.equal(check('absent <> :v', item, { ':v': { S: 'x' } }), true);
  assert.equal(check('absent < :v', item, { ':v': { S: 'x' } }), false);
  assert.equal(check('absent = elsewhere', item), false);
  // Path to path.
  assert.equal(check('s < t', { s: { S: 'a' }, t: { S: 'b' } }), true);
});

test('strings are ordered by UTF-8 bytes, not UTF-16 code units', () => {
  const item: Item = { s: { S: '\u{1F600}' } }; // surrogate pair, UTF-8 F0 9F 98 80
  assert.equal(check('s > :v', item, { ':v': { S: '\uFF00' } }), true); // UTF-8 EF BC 80
  assert.equal(check('s < :v', item, { ':v': { S: '\uFF00' } }), false);
});

test('sets, lists and maps compare by content', () => {
  const item: Item = { ss: { SS: ['a', 'b'] }, ns: { NS: ['1', '2'] }, m: { M: { x: { N: '1' }, y: { S: 'y' } } } };
  assert.equal(check('ss = :v', item, { ':v': { SS: ['b', 'a'] } }), true);
  assert.equal(check('ss = :v', item, { ':v': { SS: ['a'] } }), false);
  assert.equal(check('ns = :v', item, { ':v': { NS: ['2.0', '1'] } }), true);
  assert.equal(check('m = :v', item, { ':v': { M: { y: { S: 'y' }, x: { N: '1' } } } }), true);
  assert.equal(check('m = :v', item, { ':v': { M: { x: { N: '1' } } } }), false);
  assert.equal(check('m.x = :v', item, { ':v': { N: '1' } }), true);
});

test('BETWEEN and IN', () => {
  const item: Item = { n: { N: '5' }, s: { S: 'm' } };
  assert.equal(check('n BETWEEN :a AND :b', item, { ':a': { N: '5' }, ':b': { N: '6' } }), true);
  assert.equal(check('n BETWEEN :a AND :b', item, { ':a': { N: '-1' }, ':b': { N: '4.99' } }), false);
  assert.equal(check('s BETWEEN :a AND :b', item, { ':a': { S: 'a' }, ':b': { S: 'z' } }), true);
  assert.equal(check('s BETWEEN :a AND :b', item, { ':a': { N: '1' }, ':b': { N: '2' } }), false);
  assert.equal(check('absent BETWEEN :a AND :b', item, { ':a': { N: '1' }, ':b': { N: '2' } }), false);
  // Bounds from the item in the wrong order match nothing.
  assert.equal(check('n BETWEEN hi AND lo', { n: { N: '5' }, lo: { N: '1' }, hi: { N: '9' } }), false);
  assert.equal(check('n IN (:a, :b)', item, { ':a': { N: '4' }, ':b': { N: '5.0' } }), true);
  assert.equal(check('n IN (:a, :b)', item, { ':a': { N: '4' }, ':b': { S: '5' } }), false);
  assert.equal(check('absent IN (:a)', item, { ':a': { N: '4' } }), false);
});

test('logical operators', () => {
  const item: Item = { a: { N: '1' } };
  const v = { ':one': { N: '1' }, ':two': { N: '2' } };
  assert.equal(check('a = :one AND a = :two', item, v), false);
  assert.equal(check('a = :one OR a = :two', item, v), true);
  assert.equal(check('NOT a = :two', item, v), true);
  assert.equal(check('NOT (a = :one OR a = :two)', item, v), false);
  assert.equal(check('a = :two OR a = :two AND a = :one', item, v), false);
  assert.equal(check('(a = :two OR a = :one) AND a = :one', item, v), true);
});

test('functions', () => {
  const item: Item = {
    s: { S: 'hello world' },
    b: { B: 'AAECAw==' }, // 00 01 02 03
    ss: { SS: ['x', 'y'] },
    ns: { NS: ['1', '20'] },
    bs: { BS: ['AQ=='] },
    l: { L: [{ S: 'x' }, { N: '3' }, { M: { k: { S: 'v' } } }] },
    m: { M: { a: { NULL: true }, b: { BOOL: false } } },
    e: { S: '' },
    u: { S: 'é\u{1D11E}' },
  };
  const t = (text: string, values: Record<string, AttributeValue> = {}) => check(text, item, values);
  assert.equal(t('attribute_exists(m.a)'), true);
  assert.equal(t('attribute_exists(m.c)'), false);
  assert.equal(t('attribute_exists(l[2].k)'), true);
  assert.equal(t('attribute_exists(l[3])'), false);
  assert.equal(t('attribute_exists(s.x)'), false);
  assert.equal(t('attribute_not_exists(nope)'), true);
  assert.equal(t('attribute_not_exists(s)'), false);
  for (const [path, type] of [
    ['s', 'S'],
    ['b', 'B'],
    ['ss', 'SS'],
    ['ns', 'NS'],
    ['bs', 'BS'],
    ['l', 'L'],
    ['m', 'M'],
    ['m.a', 'NULL'],
    ['m.b', 'BOOL'],
    ['l[1]', 'N'],
  ]) {
    assert.equal(t(`attribute_type(${path}, :t)`, { ':t': { S: type! } }), true, `${path} is ${type}`);
    assert.equal(t(`attribute_type(${path}, :t)`, { ':t': { S: type === 'S' ? 'N' : 'S' } }), false);
  }
  assert.equal(t('attribute_type(nope, :t)', { ':t': { S: 'S' } }), false);
  assert.equal(t('begins_with(s, :p)', { ':p': { S: 'hello' } }), true);
  assert.equal(t('begins_with(s, :p)', { ':p': { S: 'world' } }), false);
  assert.equal(t('begins_with(b, :p)', { ':p': { B: 'AAE=' } }), true);
  assert.equal(t('begins_with(b, :p)', { ':p': { B: 'AQ==' } }), false);
  assert.equal(t('begins_with(b, :p)', { ':p': { S: 'AAE=' } }), false, 'types must match');
  assert.equal(t('begins_with(l, :p)', { ':p': { S: 'x' } }), false);
  assert.equal(t('contains(s, :p)', { ':p': { S: 'o w' } }), true);
  assert.equal(t('contains(s, :p)', { ':p': { S: 'xyz' } }), false);
  assert.equal(t('contains(b, :p)', { ':p': { B: 'AQI=' } }), true);
  assert.equal(t('contains(ss, :p)', { ':p': { S: 'y' } }), true);
  assert.equal(t('contains(ss, :p)', { ':p': { S: 'z' } }), false);
  assert.equal(t('contains(ns, :p)', { ':p': { N: '2E1' } }), true);
  assert.equal(t('contains(ns, :p)', { ':p': { S: '20' } }), false);
  assert.equal(t('contains(bs, :p)', { ':p': { B: 'AQ==' } }), true);
  assert.equal(t('contains(l, :p)', { ':p': { N: '3.0' } }), true);
  assert.equal(t('contains(l, :p)', { ':p': { M: { k: { S: 'v' } } } }), true);
  assert.equal(t('contains(l, :p)', { ':p': { S: 'y' } }), false);
  assert.equal(t('contains(m, :p)', { ':p': { S: 'a' } }), false);
  assert.equal(t('contains(nope, :p)', { ':p': { S: 'a' } }), false);
  // size(): string length in UTF-16 units, binary bytes, element counts.
  const size = (path: string, n: number) => assert.equal(t(`size(${path}) = :n`, { ':n': { N: String(n) } }), true, `size(${path}) = ${n}`);
  size('s', 11);
  size('u', 3);
  size('e', 0);
  size('b', 4);
  size('ss', 2);
  size('ns', 2);
  size('bs', 1);
  size('l', 3);
  size('m', 2);
  size('l[2]', 1);
  assert.equal(t('size(l[1]) = :n', { ':n': { N: '1' } }), false, 'size of a number is nothing');
  assert.equal(t('size(l[1]) <> :n', { ':n': { N: '1' } }), true);
  assert.equal(t('size(nope) >= :n', { ':n': { N: '0' } }), false);
  assert.equal(t('size(:v) = :n', { ':v': { S: 'abc' }, ':n': { N: '3' } }), true);
  assert.equal(t('size(s) > size(ss)'), true);
});

test('a missing item has no attributes', () => {
  assert.equal(check('attribute_not_exists(pk)', undefined), true);
  assert.equal(check('attribute_exists(pk)', undefined), false);
  assert.equal(check('pk = :v', undefined, { ':v': { S: 'x' } }), false);
  assert.equal(check('pk <> :v', undefined, { ':v': { S: 'x' } }), true);
});

test('attribute names with odd characters come through #names unchanged', () => {
  const item: Item = { 'a.b': { S: '1' }, '': { S: 'empty' }, __proto__x: { S: 'p' } };
  Object.defineProperty(item, '__proto__', { value: { S: 'proto' }, enumerable: true });
  assert.equal(check('#n = :v', item, { ':v': { S: '1' } }, { '#n': 'a.b' }), true);
  assert.equal(check('#n = :v', item, { ':v': { S: 'proto' } }, { '#n': '__proto__' }), true);
  assert.equal(check('attribute_exists(#n)', {}, {}, { '#n': 'constructor' }), false);
  assert.equal(check('attribute_exists(#n)', {}, {}, { '#n': 'toString' }), false);
});

test('deep nesting is handled without exhausting the stack', () => {
  const v = { values: { ':v': { S: 'x' } } };
  const nots = 'NOT '.repeat(1000) + 'a = :v';
  assert.equal(evaluateCondition(parse(nots, v), { a: { S: 'x' } }), true);
  const chain = Array.from({ length: 350 }, () => 'a = :v').join(' AND ');
  assert.equal(evaluateCondition(parse(chain, v), { a: { S: 'x' } }), true);
  fails('('.repeat(2040) + 'a' + ')'.repeat(2040) + ' = :v', 'The expression has redundant parentheses;', v);
  fails('('.repeat(4090), 'Syntax error; token: "<EOF>", near: "("');
  const nested = '(NOT '.repeat(600) + 'a = :v' + ')'.repeat(600);
  assert.equal(evaluateCondition(parse(nested, v), { a: { S: 'x' } }), true);
});
