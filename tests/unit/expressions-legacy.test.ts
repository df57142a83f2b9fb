import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DynamoDBError,
  applyUpdate,
  conditionFromExpected,
  conditionFromFilter,
  evaluateCondition,
  updateFromAttributeUpdates,
  type Item,
  type TableKeys,
} from '@ringdb/core';
import { assertValidation } from '../support/assertions.js';


const INVALID = 'One or more parameter values were invalid: ';

test('Expected converts to conditions', () => {
  assert.deepEqual(conditionFromExpected({ a: { Value: { S: 'x' } } }), {
    kind: 'compare',
    op: '=',
    left: { kind: 'path', path: ['a'] },
    right: { kind: 'value', value: { S: 'x' } },
  });
  assert.deepEqual(conditionFromExpected({ a: { Exists: false } }), { kind: 'attribute_not_exists', path: ['a'] });
  assert.deepEqual(conditionFromExpected({ a: { Exists: true, Value: { N: '1' } }, b: { ComparisonOperator: 'NOT_NULL' } }, 'OR'), {
    kind: 'or',
    args: [
      { kind: 'compare', op: '=', left: { kind: 'path', path: ['a'] }, right: { kind: 'value', value: { N: '1' } } },
      { kind: 'attribute_exists', path: ['b'] },
    ],
  });
  assert.deepEqual(conditionFromExpected({}), { kind: 'and', args: [] });
  // Attribute names are taken literally: no path syntax.
  assert.deepEqual(conditionFromExpected({ 'a.b[0]': { Exists: false } }), { kind: 'attribute_not_exists', path: ['a.b[0]'] });
});

test('Expected is validated as DynamoDB validates it', () => {
  const fails = (expected: Record<string, unknown>, message: string, op?: string) => assertValidation(() => conditionFromExpected(expected, op), message);
  fails({ a: {} }, `${INVALID}Value must be provided when Exists is null for Attribute: a`);
  fails({ a: { Exists: true } }, `${INVALID}Value must be provided when Exists is true for Attribute: a`);
  fails({ a: { Exists: false, Value: { S: 'a' } } }, `${INVALID}Value cannot be used when Exists is false for Attribute: a`);
  fails({ a: { ComparisonOperator: 'LT' } }, `${INVALID}Value or AttributeValueList must be used with ComparisonOperator: LT for Attribute: a`);
  fails({ a: { Exists: true, ComparisonOperator: 'LT' } }, `${INVALID}Exists and ComparisonOperator cannot be used together for Attribute: a`);
  fails({ a: { AttributeValueList: [{ S: 'a' }], Value: { S: 'a' }, ComparisonOperator: 'LT' } }, `${INVALID}Value and AttributeValueList cannot be used together for Attribute: a`);
  fails({ a: { AttributeValueList: [{ S: 'a' }] } }, `${INVALID}AttributeValueList can only be used with a ComparisonOperator for Attribute: a`);
  fails({ a: { Exists: true, AttributeValueList: [{ S: 'a' }] } }, `${INVALID}AttributeValueList can only be used with a ComparisonOperator for Attribute: a`);
  fails({ a: { AttributeValueList: [], ComparisonOperator: 'EQ' } }, `${INVALID}Invalid number of argument(s) for the EQ ComparisonOperator`);
  fails({ a: { AttributeValueList: [{ S: 'a' }], ComparisonOperator: 'NULL' } }, `${INVALID}Invalid number of argument(s) for the NULL ComparisonOperator`);
  fails({ a: { AttributeValueList: [], ComparisonOperator: 'IN' } }, `${INVALID}Invalid number of argument(s) for the IN ComparisonOperator`);
  fails({ a: { AttributeValueList: [{ N: '1' }, { N: '10' }, { N: '12' }], ComparisonOperator: 'BETWEEN' } }, `${INVALID}Invalid number of argument(s) for the BETWEEN ComparisonOperator`);
  fails({ a: { Value: { S: 'a' }, ComparisonOperator: 'NULL' } }, `${INVALID}Invalid number of argument(s) for the NULL ComparisonOperator`);
  fails({ a: { Value: { S: 'a' }, ComparisonOperator: 'BETWEEN' } }, `${INVALID}Invalid number of argument(s) for the BETWEEN ComparisonOperator`);
  fails({ a: { Value: {} } }, 'Supplied AttributeValue is empty, must contain exactly one of the supported datatypes');
  fails({ a: { Value: { NS: ['1', ''] } } }, 'The parameter cannot be converted to a numeric value');
  fails(
    { a: { ComparisonOperator: 'EQUALS', Value: { S: 'a' } } },
    "1 validation error detected: Value 'EQUALS' at 'expected.a.member.comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]",
  );
  fails({ a: { Exists: false } }, "1 validation error detected: Value 'AN' at 'conditionalOperator' failed to satisfy constraint: Member must satisfy enum value set: [OR, AND]", 'AN');
});

test('legacy comparison operators behave as DynamoDB documents', () => {
  const item: Item = {
    s: { S: 'hello' },
    n: { N: '5' },
    ss: { SS: ['a', 'b'] },
    l: { L: [{ S: 'x' }] },
    b: { B: 'AAEC' },
  };
  const holds = (name: string, ComparisonOperator: string, AttributeValueList: unknown[] = []) =>
    evaluateCondition(conditionFromFilter({ [name]: { ComparisonOperator, AttributeValueList } }, undefined, 'ScanFilter'), item);
  assert.equal(holds('s', 'EQ', [{ S: 'hello' }]), true);
  assert.equal(holds('ss', 'EQ', [{ SS: ['b', 'a'] }]), true);
  assert.equal(holds('s', 'NE', [{ S: 'x' }]), true);
  assert.equal(holds('absent', 'NE', [{ S: 'x' }]), true);
  assert.equal(holds('n', 'LT', [{ N: '6' }]), true);
  assert.equal(holds('n', 'LE', [{ N: '5' }]), true);
  assert.equal(holds('n', 'GT', [{ N: '5' }]), false);
  assert.equal(holds('n', 'GE', [{ N: '5' }]), true);
  assert.equal(holds('s', 'GT', [{ N: '5' }]), false);
  assert.equal(holds('s', 'NOT_NULL'), true);
  assert.equal(holds('absent', 'NULL'), true);
  assert.equal(holds('s', 'CONTAINS', [{ S: 'ell' }]), true);
  assert.equal(holds('ss', 'CONTAINS', [{ S: 'a' }]), true);
  assert.equal(holds('l', 'CONTAINS', [{ S: 'x' }]), true);
  assert.equal(holds('b', 'CONTAINS', [{ B: 'AQ==' }]), true);
  assert.equal(holds('s', 'NOT_CONTAINS', [{ S: 'xyz' }]), true);
  assert.equal(holds('ss', 'NOT_CONTAINS', [{ S: 'a' }]), false);
  assert.equal(holds('absent', 'NOT_CONTAINS', [{ S: 'a' }]), false, 'NOT_CONTAINS needs the attribute');
  assert.equal(holds('s', 'BEGINS_WITH', [{ S: 'he' }]), true);
  assert.equal(holds('n', 'IN', [{ N: '1' }, { N: '5' }]), true);
  assert.equal(holds('n', 'BETWEEN', [{ N: '1' }, { N: '5' }]), true);
  assert.equal(holds('n', 'BETWEEN', [{ N: '6' }, { N: '9' }]), false);
  // ConditionalOperator.
  const filter = { n: { ComparisonOperator: 'EQ', AttributeValueList: [{ N: '5' }] }, s: { ComparisonOperator: 'NULL' } };
  assert.equal(evaluateCondition(conditionFromFilter(filter, undefined, 'QueryFilter'), item), false);
  assert.equal(evaluateCondition(conditionFromFilter(filter, 'AND', 'QueryFilter'), item), false);
  assert.equal(evaluateCondition(conditionFromFilter(filter, 'OR', 'QueryFilter'), item), true);
});

test('QueryFilter and ScanFilter are validated', () => {
  const fails = (filter: Record<string, unknown>, message: string, kind: 'QueryFilter' | 'ScanFilter' = 'ScanFilter') =>
    assertValidation(() => conditionFromFilter(filter, undefined, kind), message);
  fails({ a: {} }, "1 validation error detected: Value null at 'scanFilter.a.member.comparisonOperator' failed to satisfy constraint: Member must not be null");
  fails({ a: {} }, "1 validation error detected: Value null at 'queryFilter.a.member.comparisonOperator' failed to satisfy constraint: Member must not be null", 'QueryFilter');
  fails(
    { a: {}, b: { ComparisonOperator: '' } },
    "2 validation errors detected: Value null at 'scanFilter.a.member.comparisonOperator' failed to satisfy constraint: Member must not be null; Value '' at 'scanFilter.b.member.comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]",
  );
  for (const [op, list] of [
    ['EQ', []],
    ['NE', []],
    ['LE', [{ S: 'a' }, { S: 'a' }]],
    ['CONTAINS', []],
    ['NOT_CONTAINS', [{ S: 'a' }, { S: 'a' }]],
    ['BEGINS_WITH', []],
    ['IN', []],
    ['BETWEEN', [{ S: 'a' }]],
    ['NULL', [{ S: 'a' }]],
    ['NOT_NULL', [{ S: 'a' }]],
  ] as const) {
    fails({ a: { ComparisonOperator: op, AttributeValueList: list } }, `${INVALID}Invalid number of argument(s) for the ${op} ComparisonOperator`);
  }
  for (const op of ['LT', 'LE', 'GT', 'GE', 'IN']) {
    for (const v of [{ BOOL: true }, { NULL: true }, { SS: ['a'] }, { NS: ['1'] }, { BS: ['abcd'] }, { M: {} }, { L: [] }]) {
      fails({ a: { ComparisonOperator: op, AttributeValueList: [v] } }, `${INVALID}ComparisonOperator ${op} is not valid for ${Object.keys(v)[0]} AttributeValue type`);
    }
  }
  for (const op of ['CONTAINS', 'NOT_CONTAINS']) {
    for (const v of [{ SS: ['a'] }, { NS: ['1'] }, { BS: ['abcd'] }, { M: {} }, { L: [] }]) {
      fails({ a: { ComparisonOperator: op, AttributeValueList: [v] } }, `${INVALID}ComparisonOperator ${op} is not valid for ${Object.keys(v)[0]} AttributeValue type`);
    }
  }
  for (const v of [{ N: '1' }, { BOOL: true }, { SS: ['a'] }, { L: [] }]) {
    fails({ a: { ComparisonOperator: 'BEGINS_WITH', AttributeValueList: [v] } }, `${INVALID}ComparisonOperator BEGINS_WITH is not valid for ${Object.keys(v)[0]} AttributeValue type`);
  }
  fails({ a: { ComparisonOperator: 'BETWEEN', AttributeValueList: [{ BOOL: true }, { BOOL: true }] } }, `${INVALID}ComparisonOperator BETWEEN is not valid for BOOL AttributeValue type`);
  fails({ a: { ComparisonOperator: 'IN', AttributeValueList: [{ S: 'b' }, { N: '1' }] } }, `${INVALID}AttributeValues inside AttributeValueList must be of same type`);
  fails({ a: { ComparisonOperator: 'BETWEEN', AttributeValueList: [{ N: '10' }, { N: '9' }] } }, 'The BETWEEN condition was provided a range where the lower bound is greater than the upper bound');
  // Values are validated before the operand count.
  fails({ a: { ComparisonOperator: 'EQ', AttributeValueList: [{ N: '1' }, {}] } }, 'Supplied AttributeValue is empty, must contain exactly one of the supported datatypes');
  fails({ a: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'a', N: '1' }] } }, 'Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes');
});

test('AttributeUpdates converts to update actions with the legacy behaviours', () => {
  const keys: TableKeys = { hashName: 'pk', hashType: 'S' };
  const key: Item = { pk: { S: 'k' } };
  const apply = (updates: Record<string, unknown>, item?: Item) => applyUpdate(updateFromAttributeUpdates(updates), item, key, keys).item;
  assert.deepEqual(updateFromAttributeUpdates({ a: { Value: { S: 'x' } }, b: { Action: 'DELETE' } }), [
    { action: 'SET', path: ['a'], value: { kind: 'value', value: { S: 'x' } } },
    { action: 'REMOVE', path: ['b'] },
  ]);
  assert.deepEqual(
    apply({
      b: { Action: 'DELETE' },
      c: { Action: 'DELETE', Value: { SS: ['a', 'b'] } },
      d: { Action: 'ADD', Value: { N: '5' } },
      e: { Action: 'ADD', Value: { SS: ['a', 'b'] } },
      f: { Action: 'ADD', Value: { L: [{ S: 'a' }, { N: '1' }] } },
    }),
    { pk: { S: 'k' }, d: { N: '5' }, e: { SS: ['a', 'b'] }, f: { L: [{ S: 'a' }, { N: '1' }] } },
  );
  const item: Item = { pk: { S: 'k' }, n: { N: '1' }, l: { L: [{ S: 'a' }] }, s: { NS: ['1', '2', '3'] } };
  assert.deepEqual(apply({ n: { Action: 'ADD', Value: { N: '3' } } }, item).n, { N: '4' });
  assert.deepEqual(apply({ l: { Action: 'ADD', Value: { L: [{ S: 'b' }] } } }, item).l, { L: [{ S: 'a' }, { S: 'b' }] });
  assert.deepEqual(apply({ s: { Action: 'DELETE', Value: { NS: ['1', '4'] } } }, item).s, { NS: ['2', '3'] });
  assert.equal(apply({ s: { Action: 'DELETE', Value: { NS: ['1', '2', '3'] } } }, item).s, undefined);
  assert.deepEqual(apply({ n: { Action: 'PUT', Value: { S: 'x' } } }, item).n, { S: 'x' });

  const fails = (updates: Record<string, unknown>, message: string, existing?: Item) => assertValidation(() => apply(updates, existing), message);
  fails({ a: { x: 'whatever' } }, `${INVALID}Only DELETE action is allowed when no attribute value is specified`);
  fails({ a: { Action: 'ADD' } }, `${INVALID}Only DELETE action is allowed when no attribute value is specified`);
  for (const v of [{ S: '1' }, { N: '1' }, { B: 'Yg==' }, { NULL: true }, { BOOL: true }, { M: {} }, { L: [] }]) {
    fails({ a: { Action: 'DELETE', Value: v } }, `${INVALID}DELETE action with value is not supported for the type ${Object.keys(v)[0]}`);
  }
  for (const v of [{ S: '1' }, { B: 'Yg==' }, { NULL: true }, { BOOL: true }, { M: {} }]) {
    fails({ a: { Action: 'ADD', Value: v } }, `${INVALID}ADD action is not supported for the type ${Object.keys(v)[0]}`);
  }
  fails({ a: { Action: 'UPSERT', Value: { S: 'x' } } }, "1 validation error detected: Value 'UPSERT' at 'attributeUpdates.a.member.action' failed to satisfy constraint: Member must satisfy enum value set: [ADD, PUT, DELETE]");
  fails({ pk: { Value: { S: 'x' } } }, `${INVALID}Cannot update attribute pk. This attribute is part of the key`);
  const existing: Item = { pk: { S: 'k' }, b: { SS: ['1'] }, c: { N: '1' }, d: { NS: ['1'] } };
  for (const updates of [
    { b: { Action: 'DELETE', Value: { NS: ['1'] } } },
    { b: { Action: 'DELETE', Value: { BS: ['YQ=='] } } },
    { c: { Action: 'DELETE', Value: { NS: ['1'] } } },
    { b: { Action: 'ADD', Value: { NS: ['1'] } } },
    { d: { Action: 'ADD', Value: { N: '1' } } },
  ]) {
    fails(updates, 'Type mismatch for attribute to update', existing);
  }
});
