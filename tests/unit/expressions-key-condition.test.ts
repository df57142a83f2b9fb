import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DynamoDBError, ExpressionScope, keyConditionFromLegacy, parseKeyCondition, type AttributeValue, type TableKeys } from '@ringdb/core';
import { assertValidation } from '../support/assertions.js';


const HASH: TableKeys = { hashName: 'a', hashType: 'S' };
const RANGE: TableKeys = { hashName: 'a', hashType: 'S', rangeName: 'b', rangeType: 'S' };
const NUM_RANGE: TableKeys = { hashName: 'a', hashType: 'S', rangeName: 'b', rangeType: 'N' };
const VALUES: Record<string, AttributeValue> = { ':a': { S: 'a' }, ':b': { S: 'b' }, ':n': { N: '1' }, ':m': { N: '2' } };

const parse = (text: string, keys = RANGE, values = VALUES, names: Record<string, string> = {}) =>
  parseKeyCondition(text, new ExpressionScope({ values, names }), keys);
const fails = (text: string, message: string, keys = RANGE, values = VALUES, names: Record<string, string> = {}) =>
  assertValidation(() => parse(text, keys, values, names), message);

test('hash equality, optionally with one range condition', () => {
  assert.deepEqual(parse('a = :a', HASH), { hash: { S: 'a' } });
  assert.deepEqual(parse('a = :a'), { hash: { S: 'a' } });
  assert.deepEqual(parse(':a = a'), { hash: { S: 'a' } });
  assert.deepEqual(parse('#h = :a AND #r = :b', RANGE, VALUES, { '#h': 'a', '#r': 'b' }), { hash: { S: 'a' }, range: { op: '=', values: [{ S: 'b' }] } });
  for (const [text, op] of [
    ['a = :a AND b < :b', '<'],
    ['a = :a AND b <= :b', '<='],
    ['a = :a AND b > :b', '>'],
    ['a = :a AND b >= :b', '>='],
    ['b > :b AND a = :a', '>'],
    ['a = :a AND :b > b', '<'],
    ['a = :a AND :b <= b', '>='],
    ['(a = :a) AND (b < :b)', '<'],
  ] as const) {
    assert.deepEqual(parse(text), { hash: { S: 'a' }, range: { op, values: [{ S: 'b' }] } }, text);
  }
  assert.deepEqual(parse('a = :a AND b BETWEEN :a AND :b'), { hash: { S: 'a' }, range: { op: 'BETWEEN', values: [{ S: 'a' }, { S: 'b' }] } });
  assert.deepEqual(parse('a = :a AND begins_with(b, :b)'), { hash: { S: 'a' }, range: { op: 'BEGINS_WITH', values: [{ S: 'b' }] } });
  assert.deepEqual(parse('a = :a AND b BETWEEN :n AND :m', NUM_RANGE), { hash: { S: 'a' }, range: { op: 'BETWEEN', values: [{ N: '1' }, { N: '2' }] } });
});

test('general expression errors come first, with the KeyConditionExpression prefix', () => {
  fails('things are not gonna be ok', 'Invalid KeyConditionExpression: Syntax error; token: "are", near: "things are not"');
  fails('a > 4', 'Invalid KeyConditionExpression: Syntax error; token: "4", near: "> 4"');
  fails('', 'Invalid KeyConditionExpression: The expression can not be empty;');
  fails('a = :zz', 'Invalid KeyConditionExpression: An expression attribute value used in expression is not defined; attribute value: :zz');
  fails('attribute_type(a, b)', 'Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: attribute_type, operand type: {NS,SS,L,BS,N,M,B,BOOL,NULL,S}');
  fails('a = :a AND begins_with(b, :n)', 'Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N', NUM_RANGE);
  fails(
    'a between :n and :a',
    'Invalid KeyConditionExpression: The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: AttributeValue: {S:a}',
  );
  fails(
    'a = :a AND b between :b and :a',
    'Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {S:b}, upper bound operand: AttributeValue: {S:a}',
  );
  fails('status = :a', 'Invalid KeyConditionExpression: Attribute name is a reserved keyword; reserved keyword: status');
});

test('operators and shapes a key condition cannot have', () => {
  const values = { ':a': { S: 'S' }, ':b': { S: '1' } };
  fails('attribute_type(a, :a)', 'Invalid operator used in KeyConditionExpression: attribute_type', RANGE, values);
  for (const [text, op] of [
    ['a > b and size(b) > c or a > c', 'OR'],
    ['a in (b, size(c), d)', 'IN'],
    ['attribute_exists(a)', 'attribute_exists'],
    ['attribute_not_exists(a)', 'attribute_not_exists'],
    ['contains(a.d, b)', 'contains'],
    ['not a > b', 'NOT'],
    ['a <> b', '<>'],
  ]) {
    fails(text!, `Invalid operator used in KeyConditionExpression: ${op}`);
  }
  fails(':a between size(b) and size(a) and b > :b', 'Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first operand', RANGE, values);
  fails('begins_with(:a, b) and a > :b', 'Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its first operand', RANGE, values);
  for (const text of ['size(b) > a AND a.b > b AND b > c', 'a > size(b.d)', 'a between size(b) and size(a)']) {
    fails(text, 'KeyConditionExpressions cannot contain nested operations');
  }
  for (const text of ['b > a.b', 'b between c[1] and d', 'a between b and size(a)', 'begins_with(a, b)']) {
    fails(text, 'Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition');
  }
  for (const text of ['b.d > a AND c.d > e.f', 'a.d > c', 'b[0] > a']) {
    fails(text, 'KeyConditionExpressions cannot have conditions on nested attributes');
  }
  const nums = { ':a': { N: '1' }, ':b': { N: '1' } };
  for (const text of [':b > :a AND a < :b', ':a > b AND :a < :b']) {
    fails(text, 'Invalid condition in KeyConditionExpression: No key attribute specified', RANGE, nums);
  }
  for (const text of ['b > :a AND b < :a and c = :a and d = :a', '(a > :a and b > :a) and (b > :a and c > :a)']) {
    fails(text, 'KeyConditionExpressions must only contain one condition per key', RANGE, { ':a': { N: '1' } });
  }
  for (const text of [':a = a and b = :a and :a = c', '(a > :a and b > :a) and (c > :a and d > :a) and (e > :a and f > :a)']) {
    fails(text, 'Conditions can be of length 1 or 2 only', RANGE, { ':a': { S: 'a' } });
  }
});

test('conditions are checked against the key schema', () => {
  const one = { ':a': { S: '1' } };
  for (const text of ['a > :a', 'a < :a', ':a <= a', ':a >= a', 'begins_with(a, :a)', 'a between :a and :a', 'a = :a AND b = :a', 'y = :a and z = :a']) {
    fails(text, 'Query key condition not supported', HASH, one);
  }
  fails(':a > a', 'One or more parameter values were invalid: Condition parameter type does not match schema type', HASH, { ':a': { N: '1' } });
  fails('a = :a AND b = :n', 'One or more parameter values were invalid: Condition parameter type does not match schema type');
  fails('z = :n', 'Query condition missed key schema element: a');
  fails('b between :a and :b', 'Query condition missed key schema element: a');
  fails('a = :a and c = :n', 'Query condition missed key schema element: b');
  fails('b = :b', 'Query condition missed key schema element: a');
});

test('legacy KeyConditions', () => {
  assert.deepEqual(keyConditionFromLegacy({ a: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'x' }] } }, HASH), { hash: { S: 'x' } });
  assert.deepEqual(
    keyConditionFromLegacy(
      { b: { ComparisonOperator: 'BETWEEN', AttributeValueList: [{ S: 'a' }, { S: 'c' }] }, a: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'x' }] } },
      RANGE,
    ),
    { hash: { S: 'x' }, range: { op: 'BETWEEN', values: [{ S: 'a' }, { S: 'c' }] } },
  );
  for (const [op, sym] of [
    ['LT', '<'],
    ['LE', '<='],
    ['GT', '>'],
    ['GE', '>='],
    ['EQ', '='],
    ['BEGINS_WITH', 'BEGINS_WITH'],
  ] as const) {
    assert.deepEqual(
      keyConditionFromLegacy({ a: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'x' }] }, b: { ComparisonOperator: op, AttributeValueList: [{ S: 'y' }] } }, RANGE),
      { hash: { S: 'x' }, range: { op: sym, values: [{ S: 'y' }] } },
    );
  }
  const legacyFails = (conds: Record<string, unknown>, message: string, keys = RANGE) => assertValidation(() => keyConditionFromLegacy(conds, keys), message);
  legacyFails({ a: {} }, "1 validation error detected: Value null at 'keyConditions.a.member.comparisonOperator' failed to satisfy constraint: Member must not be null");
  legacyFails(
    { a: { ComparisonOperator: 'XX' } },
    "1 validation error detected: Value 'XX' at 'keyConditions.a.member.comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]",
  );
  legacyFails({ a: { ComparisonOperator: 'EQ' } }, 'One or more parameter values were invalid: Invalid number of argument(s) for the EQ ComparisonOperator');
  legacyFails(
    { a: { ComparisonOperator: 'BETWEEN', AttributeValueList: [{ S: 'a' }, { S: 'a' }, { S: 'a' }] } },
    'One or more parameter values were invalid: Invalid number of argument(s) for the BETWEEN ComparisonOperator',
  );
  legacyFails({ a: { ComparisonOperator: 'IN', AttributeValueList: [{ S: 'b' }, { N: '1' }] } }, 'One or more parameter values were invalid: AttributeValues inside AttributeValueList must be of same type');
  legacyFails({ a: { ComparisonOperator: 'BETWEEN', AttributeValueList: [{ S: 'b' }, { S: 'a' }] } }, 'The BETWEEN condition was provided a range where the lower bound is greater than the upper bound');
  legacyFails({ a: { ComparisonOperator: 'LT', AttributeValueList: [{ BOOL: true }] } }, 'One or more parameter values were invalid: ComparisonOperator LT is not valid for BOOL AttributeValue type');
  legacyFails({ a: { ComparisonOperator: 'BEGINS_WITH', AttributeValueList: [{ N: '1' }] } }, 'One or more parameter values were invalid: ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type');
  legacyFails({}, 'Conditions can be of length 1 or 2 only');
  legacyFails({ a: { ComparisonOperator: 'NULL' }, b: { ComparisonOperator: 'NULL' }, c: { ComparisonOperator: 'NULL' } }, 'Conditions can be of length 1 or 2 only');
  for (const cond of [
    { ComparisonOperator: 'NULL' },
    { ComparisonOperator: 'NOT_NULL' },
    { ComparisonOperator: 'NE', AttributeValueList: [{ N: '1' }] },
    { ComparisonOperator: 'CONTAINS', AttributeValueList: [{ S: 'a' }] },
    { ComparisonOperator: 'NOT_CONTAINS', AttributeValueList: [{ S: 'a' }] },
    { ComparisonOperator: 'IN', AttributeValueList: [{ S: 'a' }] },
  ]) {
    legacyFails({ a: cond }, 'Attempted conditional constraint is not an indexable operation', HASH);
  }
  legacyFails({ a: { ComparisonOperator: 'LE', AttributeValueList: [{ S: 'a' }] } }, 'Query key condition not supported', HASH);
  legacyFails(
    { a: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'a' }] }, b: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'a' }] } },
    'Query key condition not supported',
    HASH,
  );
  legacyFails({ c: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'a' }] } }, 'Query condition missed key schema element: a');
  legacyFails({ a: { ComparisonOperator: 'EQ', AttributeValueList: [{ N: '1' }] } }, 'One or more parameter values were invalid: Condition parameter type does not match schema type');
  legacyFails({ a: { ComparisonOperator: 'EQ', AttributeValueList: [{}] } }, 'Supplied AttributeValue is empty, must contain exactly one of the supported datatypes');
});
