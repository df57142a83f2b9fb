import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DynamoDBError, validateAttributeValue, validateItemValues } from '@ringdb/core';
import type { AttributeValue, ValueCheckContext } from '@ringdb/core';

function assertError(fn: () => unknown, type: string, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DynamoDBError, `expected a DynamoDBError, got ${String(e)}`);
    assert.equal(e.type, type);
    assert.equal(e.message, message);
    return true;
  });
}

const validationOf = (av: unknown, message: string) =>
  assertError(() => validateItemValues({ a: av }), 'ValidationException', message);
const serializationOf = (av: unknown, message: string) =>
  assertError(() => validateItemValues({ a: av }), 'SerializationException', message);

const INVALID = 'One or more parameter values were invalid: ';

function nested(levels: number): AttributeValue {
  // levels = 1 is a bare scalar; each extra level wraps it in a one-entry map or list.
  let v: AttributeValue = { S: 'leaf' };
  for (let i = 1; i < levels; i++) v = i % 2 ? { M: { n: v } } : { L: [v] };
  return v;
}

test('valid values are returned normalized', () => {
  const item = validateItemValues({
    s: { S: 'x' },
    empty: { S: '' },
    n: { N: '1E+2' },
    b: { B: 'AAH/' },
    emptyB: { B: '' },
    t: { BOOL: true },
    f: { BOOL: false },
    nul: { NULL: true },
    ss: { SS: ['a', '', 'b'] },
    ns: { NS: ['01.50', '-0', '2e1'] },
    bs: { BS: ['Yg==', '', 'YQ=='] },
    m: { M: { x: { N: '-0.000' }, y: { L: [{ N: '1.10' }, { NS: ['1e-2'] }, { M: {} }] } } },
    l: { L: [] },
  });
  assert.deepEqual(item, {
    s: { S: 'x' },
    empty: { S: '' },
    n: { N: '100' },
    b: { B: 'AAH/' },
    emptyB: { B: '' },
    t: { BOOL: true },
    f: { BOOL: false },
    nul: { NULL: true },
    ss: { SS: ['a', '', 'b'] },
    ns: { NS: ['1.5', '0', '20'] },
    bs: { BS: ['Yg==', '', 'YQ=='] },
    m: { M: { x: { N: '0' }, y: { L: [{ N: '1.1' }, { NS: ['0.01'] }, { M: {} }] } } },
    l: { L: [] },
  });
  assert.deepEqual(validateAttributeValue({ N: '-5.0e-1' }), { N: '-0.5' });
  assert.deepEqual(validateItemValues({}), {});
});

test('the input is not modified and unknown or null members are dropped', () => {
  const input = { a: { N: '1e1', Q: 'ignored', S: null }, b: { L: [{ N: '010' }] } };
  const before = JSON.stringify(input);
  const out = validateItemValues(input);
  assert.equal(JSON.stringify(input), before);
  assert.deepEqual(out, { a: { N: '10' }, b: { L: [{ N: '10' }] } });
});

test('an attribute called __proto__ stays an ordinary attribute', () => {
  const input = JSON.parse('{"__proto__": {"S": "x"}, "m": {"M": {"__proto__": {"N": "1"}}}}');
  const out = validateItemValues(input);
  assert.deepEqual(Object.keys(out), ['__proto__', 'm']);
  assert.deepEqual(Object.getOwnPropertyDescriptor(out, '__proto__')?.value, { S: 'x' });
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.deepEqual(Object.getOwnPropertyDescriptor(out.m!.M!, '__proto__')?.value, { N: '1' });
});

test('exactly one datatype', () => {
  const EMPTY = 'Supplied AttributeValue is empty, must contain exactly one of the supported datatypes';
  for (const av of [{}, { a: '' }, { S: null }, null, { M: { a: {} } }, { L: [{}] }, { L: [{ a: {} }] }, { L: [null] }]) {
    validationOf(av, EMPTY);
  }
  validationOf(
    { S: 'a', N: '1' },
    'Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes',
  );
  validationOf(
    { M: { x: { BOOL: true, NULL: true } } },
    'Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes',
  );
  // A member's own problem is reported before the number of members.
  validationOf({ S: 'a', N: 'b' }, 'The parameter cannot be converted to a numeric value: b');
  validationOf({ S: '', N: '' }, 'The parameter cannot be converted to a numeric value');
});

test('invalid values: exact DynamoDB messages', () => {
  const cases: [unknown, string][] = [
    [{ NULL: false }, INVALID + 'Null attribute value types must have the value of true'],
    [{ NULL: 'no' }, INVALID + 'Null attribute value types must have the value of true'],
    [{ SS: [] }, INVALID + 'An string set  may not be empty'],
    [{ NS: [] }, INVALID + 'An number set  may not be empty'],
    [{ BS: [] }, INVALID + 'Binary sets should not be empty'],
    [{ SS: ['a', 'a'] }, INVALID + 'Input collection [a, a] contains duplicates.'],
    [{ SS: ['a', 'b', 'a'] }, INVALID + 'Input collection [a, b, a] contains duplicates.'],
    [{ SS: ['', ''] }, INVALID + 'Input collection [, ] contains duplicates.'],
    [{ BS: ['Yg==', 'Yg=='] }, INVALID + 'Input collection [Yg==, Yg==]of type BS contains duplicates.'],
    [{ NS: ['1', '1'] }, 'Input collection contains duplicates'],
    [{ NS: ['1', '1.0', '2'] }, 'Input collection contains duplicates'],
    [{ NS: ['1', ''] }, 'The parameter cannot be converted to a numeric value'],
    [{ NS: ['1', 'b'] }, 'The parameter cannot be converted to a numeric value: b'],
    [{ N: '' }, 'The parameter cannot be converted to a numeric value'],
    [{ N: 'b' }, 'The parameter cannot be converted to a numeric value: b'],
    [{ N: '123456789012345678901234567890123456789' }, 'Attempting to store more than 38 significant digits in a Number'],
    [{ N: '-1.23456789012345678901234567890123456789' }, 'Attempting to store more than 38 significant digits in a Number'],
    [{ N: '1e126' }, 'Number overflow. Attempting to store a number with magnitude larger than supported range'],
    [{ N: '-1e126' }, 'Number overflow. Attempting to store a number with magnitude larger than supported range'],
    [{ N: '1e-131' }, 'Number underflow. Attempting to store a number with magnitude smaller than supported range'],
    [{ N: '-1e-131' }, 'Number underflow. Attempting to store a number with magnitude smaller than supported range'],
    [{ NS: ['1', '1e126'] }, 'Number overflow. Attempting to store a number with magnitude larger than supported range'],
    [{ L: [{ S: 'ok' }, { NS: [] }] }, INVALID + 'An number set  may not be empty'],
    [{ M: { a: { M: { b: { NULL: false } } } } }, INVALID + 'Null attribute value types must have the value of true'],
  ];
  for (const [av, message] of cases) validationOf(av, message);
});

test('the first validation error in document order wins', () => {
  assertError(
    () => validateItemValues({ a: { NS: [] }, b: { SS: ['x', 'x'] }, c: { N: 'z' } }),
    'ValidationException',
    INVALID + 'An number set  may not be empty',
  );
  assertError(
    () => validateItemValues({ c: { N: 'z' }, a: { NS: [] } }),
    'ValidationException',
    'The parameter cannot be converted to a numeric value: z',
  );
});

test('wrong JSON types are SerializationExceptions with DynamoDB reader messages', () => {
  const cases: [unknown, string][] = [
    [{ S: 23 }, 'NUMBER_VALUE cannot be converted to String'],
    [{ S: 34.56 }, 'DECIMAL_VALUE cannot be converted to String'],
    [{ S: true }, 'TRUE_VALUE cannot be converted to String'],
    [{ S: false }, 'FALSE_VALUE cannot be converted to String'],
    [{ S: [] }, 'Unrecognized collection type class java.lang.String'],
    [{ S: {} }, 'Start of structure or map found where not expected'],
    [{ N: 5 }, 'NUMBER_VALUE cannot be converted to String'],
    [{ SS: ['a', 1] }, 'NUMBER_VALUE cannot be converted to String'],
    [{ NS: [1] }, 'NUMBER_VALUE cannot be converted to String'],
    [{ B: 5 }, 'only base-64-encoded strings are convertible to bytes'],
    [{ B: true }, 'only base-64-encoded strings are convertible to bytes'],
    [{ B: [] }, 'Unrecognized collection type class java.nio.ByteBuffer'],
    [{ B: {} }, 'Start of structure or map found where not expected'],
    [{ B: '23456' }, 'Base64 encoded length is expected a multiple of 4 bytes but found: 5'],
    [{ B: '=+/=' }, 'Invalid last non-pad Base64 character dectected'],
    [{ B: '+/+=' }, 'Invalid last non-pad Base64 character dectected'],
    [{ B: 'YQ=A' }, 'Invalid last non-pad Base64 character dectected'],
    [{ B: 'Yh==' }, 'Invalid last non-pad Base64 character dectected'],
    [{ BS: [true] }, 'only base-64-encoded strings are convertible to bytes'],
    [{ BS: ['abc'] }, 'Base64 encoded length is expected a multiple of 4 bytes but found: 3'],
    [{ BOOL: 23 }, 'NUMBER_VALUE cannot be converted to Boolean'],
    [{ BOOL: 34.56 }, 'DECIMAL_VALUE cannot be converted to Boolean'],
    [{ BOOL: '23' }, 'Unexpected token received from parser'],
    [{ BOOL: [] }, 'Unrecognized collection type class java.lang.Boolean'],
    [{ NULL: {} }, 'Start of structure or map found where not expected'],
    [{ SS: 'a' }, 'Unexpected field type'],
    [{ NS: 1 }, 'Unexpected field type'],
    [{ BS: true }, 'Unexpected field type'],
    [{ L: '23' }, 'Unexpected field type'],
    [{ L: {} }, 'Start of structure or map found where not expected'],
    [{ M: 23 }, 'Unexpected field type'],
    [{ M: [] }, 'Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.AttributeValue>'],
    [{ M: { x: 'str' } }, 'Unexpected value type in payload'],
    [{ M: { x: [] } }, 'Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue'],
    [{ L: [5] }, 'Unexpected value type in payload'],
    ['str', 'Unexpected value type in payload'],
    [[], 'Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue'],
  ];
  for (const [av, message] of cases) serializationOf(av, message);
  assertError(() => validateItemValues('x'), 'SerializationException', 'Unexpected field type');
  assertError(
    () => validateItemValues([]),
    'SerializationException',
    'Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.AttributeValue>',
  );
});

test('booleans given as words', () => {
  assert.deepEqual(validateAttributeValue({ BOOL: 'TRUE' }), { BOOL: true });
  assert.deepEqual(validateAttributeValue({ BOOL: 'false' }), { BOOL: false });
  assert.deepEqual(validateAttributeValue({ NULL: 'true' }), { NULL: true });
});

test('a SerializationException anywhere beats an earlier ValidationException', () => {
  assertError(
    () => validateItemValues({ a: { NULL: false }, b: { M: { c: { S: 1 } } } }),
    'SerializationException',
    'NUMBER_VALUE cannot be converted to String',
  );
  // With a shared context the caller decides when to throw the held-back validation error.
  const ctx: ValueCheckContext = {};
  const item = validateItemValues({ a: { SS: [] } }, ctx);
  assert.deepEqual(item, { a: { SS: [] } });
  assert.equal(ctx.error?.message, INVALID + 'An string set  may not be empty');
  assertError(() => validateAttributeValue({ B: 1 }, ctx), 'SerializationException', 'only base-64-encoded strings are convertible to bytes');
  validateAttributeValue({ NS: [] }, ctx);
  assert.equal(ctx.error?.message, INVALID + 'An string set  may not be empty', 'the first error is kept');
});

test('nesting: 32 levels are allowed, 33 are not', () => {
  const NESTING = 'Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit';
  const ok = validateItemValues({ a: nested(32) });
  assert.deepEqual(ok, { a: nested(32) });
  validationOf(nested(33), NESTING);
  validationOf(nested(60), NESTING);
  // A container at level 32 may itself be empty.
  let v: AttributeValue = { M: {} };
  for (let i = 1; i < 32; i++) v = { L: [v] };
  validateItemValues({ a: v });
  assertError(() => validateAttributeValue(nested(33)), 'ValidationException', NESTING);
});
