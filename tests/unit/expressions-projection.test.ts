import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DynamoDBError, ExpressionScope, parseProjection, project, projectionFromAttributesToGet, type ExpressionAttributes, type Item } from '@ringdb/core';
import { assertValidation } from '../support/assertions.js';


const parse = (text: string, attrs: ExpressionAttributes = {}) => parseProjection(text, new ExpressionScope(attrs));
const fails = (text: string, message: string | RegExp, attrs: ExpressionAttributes = {}) =>
  assertValidation(() => parse(text, attrs), typeof message === 'string' ? `Invalid ProjectionExpression: ${message}` : message);

test('parses paths, resolving names', () => {
  assert.deepEqual(parse('a, #b.c[1] ,d[0][2].e', { names: { '#b': 'bee' } }), [['a'], ['bee', 'c', 1], ['d', 0, 2, 'e']]);
  assert.deepEqual(parse('_a1'), [['_a1']]);
  assert.deepEqual(parse('a [ 3 ] . b'), [['a', 3, 'b']]);
  assert.deepEqual(parse('#n', { names: { '#n': 'a.b' } }), [['a.b']]);
});

test('syntax and semantic errors', () => {
  fails('!!!', 'Syntax error; token: "!", near: "!!"');
  fails('a b', 'Syntax error; token: "b", near: "a b"');
  fails('a,', 'Syntax error; token: "<EOF>", near: ","');
  fails('l[a]', 'Syntax error; token: "a", near: "[a]"');
  fails('l[]', 'Syntax error; token: "]", near: "[]"');
  fails('a.:v', 'Syntax error; token: ":v", near: ".:v"');
  fails('', 'The expression can not be empty;');
  fails('   ', 'The expression can not be empty;');
  fails('a, status', 'Attribute name is a reserved keyword; reserved keyword: status');
  fails('a.Date', 'Attribute name is a reserved keyword; reserved keyword: Date');
  fails('#a, #b', 'An expression attribute name used in the document path is not defined; attribute name: #b', { names: { '#a': 'a' } });
  fails('a, a', 'Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]');
  fails('a, #a.b', 'Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]', { names: { '#a': 'a' } });
  fails('a.b[1].c, a.b[1]', 'Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a, b, [1], c], path two: [a, b, [1]]');
  fails('a[1], a.b', 'Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, [1]], path two: [a, b]');
  fails('x'.repeat(4097), 'Expression size has exceeded the maximum allowed size; expression size: 4097');
  // Reserved words before undefined names before overlaps.
  fails('#x, a, a, size', 'Attribute name is a reserved keyword; reserved keyword: size');
  fails('#x, a, a', 'An expression attribute name used in the document path is not defined; attribute name: #x');
});

test('project keeps only the selected parts', () => {
  const item: Item = {
    pk: { S: 'k' },
    a: { S: 'a' },
    m: { M: { x: { N: '1' }, y: { N: '2' }, n: { M: { deep: { S: 'd' }, other: { S: 'o' } } } } },
    l: { L: [{ S: '0' }, { M: { k: { S: 'v' }, j: { S: 'w' } } }, { S: '2' }, { S: '3' }] },
    s: { SS: ['a', 'b'] },
  };
  assert.deepEqual(project(item, [['a'], ['pk']]), { a: { S: 'a' }, pk: { S: 'k' } });
  assert.deepEqual(project(item, [['m', 'x'], ['m', 'n', 'deep']]), { m: { M: { x: { N: '1' }, n: { M: { deep: { S: 'd' } } } } } });
  assert.deepEqual(project(item, [['l', 3], ['l', 0]]), { l: { L: [{ S: '0' }, { S: '3' }] } });
  assert.deepEqual(project(item, [['l', 1, 'k'], ['l', 9]]), { l: { L: [{ M: { k: { S: 'v' } } }] } });
  assert.deepEqual(project(item, [['nope'], ['a', 'x'], ['m', 0], ['l', 'k'], ['s', 0], ['m', 'zz']]), {});
  assert.deepEqual(project(item, []), {});
  assert.deepEqual(project(item, parse('m.n, a')), { m: { M: { n: item.m!.M!.n! } }, a: { S: 'a' } });
  assert.deepEqual(project(item, projectionFromAttributesToGet(['a', 's', 'missing'])), { a: { S: 'a' }, s: { SS: ['a', 'b'] } });
});

test('project copes with awkward attribute names', () => {
  const item: Item = { 'a.b': { S: '1' }, toString: { S: 't' } };
  Object.defineProperty(item, '__proto__', { value: { S: 'p' }, enumerable: true });
  const out = project(item, [['a.b'], ['__proto__'], ['constructor']]);
  assert.deepEqual(Object.keys(out), ['a.b', '__proto__']);
  assert.equal(JSON.stringify(out), '{"a.b":{"S":"1"},"__proto__":{"S":"p"}}');
  assert.deepEqual(project({}, [['toString']]), {});
});
