import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareNumbers, normalizeNumber, parseNumber, DynamoDBError } from '@ringdb/core';
import { assertValidation } from '../support/assertions.js';


const NOT_A_NUMBER = 'The parameter cannot be converted to a numeric value';
const OVERFLOW = 'Number overflow. Attempting to store a number with magnitude larger than supported range';
const UNDERFLOW = 'Number underflow. Attempting to store a number with magnitude smaller than supported range';
const TOO_PRECISE = 'Attempting to store more than 38 significant digits in a Number';

test('normalizeNumber gives DynamoDB canonical text', () => {
  const cases: [string, string][] = [
    ['1E+2', '100'],
    ['1e2', '100'],
    ['01.50', '1.5'],
    ['-0.000', '0'],
    ['-0', '0'],
    ['+0', '0'],
    ['0', '0'],
    ['000', '0'],
    ['0e50', '0'],
    ['0.0e-50', '0'],
    ['1.23e-5', '0.0000123'],
    ['1.23E-5', '0.0000123'],
    ['.5', '0.5'],
    ['5.', '5'],
    ['-.5', '-0.5'],
    ['+5', '5'],
    ['-5', '-5'],
    ['100', '100'],
    ['100.000', '100'],
    ['0012.3400', '12.34'],
    ['-12.5e3', '-12500'],
    ['12.5e-1', '1.25'],
    ['12.5e-2', '0.125'],
    ['12.5e-3', '0.0125'],
    ['1234.5678e+2', '123456.78'],
    ['1234.5678e-0', '1234.5678'],
    ['123456789012345678901234567890123456780000', '123456789012345678901234567890123456780000'],
    ['9007199254740993', '9007199254740993'], // beyond double precision
    ['0.1', '0.1'],
    ['1e125', '1' + '0'.repeat(125)],
    ['1E-130', '0.' + '0'.repeat(129) + '1'],
    ['-1E-130', '-0.' + '0'.repeat(129) + '1'],
  ];
  for (const [input, expected] of cases) assert.equal(normalizeNumber(input), expected, input);
});

test('parseNumber returns sign, significant digits and exponent (value = 0.digits x 10^exponent)', () => {
  assert.deepEqual(parseNumber('0'), { sign: 0, digits: '', exponent: 0 });
  assert.deepEqual(parseNumber('-0.00e7'), { sign: 0, digits: '', exponent: 0 });
  assert.deepEqual(parseNumber('1'), { sign: 1, digits: '1', exponent: 1 });
  assert.deepEqual(parseNumber('100'), { sign: 1, digits: '1', exponent: 3 });
  assert.deepEqual(parseNumber('-12.5'), { sign: -1, digits: '125', exponent: 2 });
  assert.deepEqual(parseNumber('0.05'), { sign: 1, digits: '5', exponent: -1 });
  assert.deepEqual(parseNumber('000.0500e2'), { sign: 1, digits: '5', exponent: 1 });
  assert.deepEqual(parseNumber('1.0203'), { sign: 1, digits: '10203', exponent: 1 });
});

test('invalid number syntax is a ValidationException naming the value', () => {
  assertValidation(() => parseNumber(''), NOT_A_NUMBER);
  assertValidation(() => normalizeNumber(''), NOT_A_NUMBER);
  for (const bad of [
    ' 1', '1 ', '0x10', 'NaN', 'Infinity', '-Infinity', '.', '-', '+', '-.', 'e5', '1e', '1e+', '1e-', '1.2.3',
    '--1', '+-1', '1e5.5', '1e+-1', '1_000', '1,5', 'abc', '١', '1E2E3', '0b1', '5e 1',
  ]) {
    assertValidation(() => parseNumber(bad), `${NOT_A_NUMBER}: ${bad}`);
  }
});

test('range and precision limits', () => {
  // Largest and smallest magnitudes.
  const max = '9.' + '9'.repeat(37) + 'E+125';
  assert.equal(normalizeNumber(max), '9'.repeat(38) + '0'.repeat(88));
  assert.equal(normalizeNumber('-' + max), '-' + '9'.repeat(38) + '0'.repeat(88));
  assert.equal(normalizeNumber('1e-130'), '0.' + '0'.repeat(129) + '1');
  assertValidation(() => parseNumber('1e126'), OVERFLOW);
  assertValidation(() => parseNumber('-1e126'), OVERFLOW);
  assertValidation(() => parseNumber('10' + '0'.repeat(125)), OVERFLOW);
  assertValidation(() => parseNumber('1e-131'), UNDERFLOW);
  assertValidation(() => parseNumber('-1e-131'), UNDERFLOW);
  assertValidation(() => parseNumber('0.' + '0'.repeat(130) + '1'), UNDERFLOW);
  // 38 significant digits is fine, 39 is not; leading and trailing zeros do not count.
  assert.equal(normalizeNumber('1'.repeat(38)), '1'.repeat(38));
  assert.equal(normalizeNumber('0000' + '1'.repeat(38) + '0000'), '1'.repeat(38) + '0000');
  assert.equal(normalizeNumber('0.000' + '1'.repeat(38) + '000'), '0.000' + '1'.repeat(38));
  assertValidation(() => parseNumber('123456789012345678901234567890123456789'), TOO_PRECISE);
  assertValidation(() => parseNumber('-1.23456789012345678901234567890123456789'), TOO_PRECISE);
  assertValidation(() => parseNumber('1' + '0'.repeat(37) + '1'), TOO_PRECISE);
  // Zero has no magnitude limits.
  assert.equal(normalizeNumber('0e-500'), '0');
  // Absurd exponents are refused rather than overflowing anything.
  assertValidation(() => parseNumber('1e99999999999999999999'), `${NOT_A_NUMBER}: 1e99999999999999999999`);
});

test('compareNumbers orders numerically, never by text', () => {
  const ordered = [
    '-1e125', '-100', '-99.99', '-10', '-9', '-1.5', '-1', '-0.5', '-0.05', '-1e-130', '0', '1e-130',
    '0.0001', '0.001', '0.1', '0.5', '1', '1.0000001', '1.5', '2', '9', '10', '10.5', '99', '100', '1e125',
  ];
  for (let i = 0; i < ordered.length; i++) {
    for (let j = 0; j < ordered.length; j++) {
      const c = compareNumbers(ordered[i]!, ordered[j]!);
      assert.equal(Math.sign(c), Math.sign(i - j), `${ordered[i]} vs ${ordered[j]}`);
    }
  }
  assert.equal(compareNumbers('1', '1.000'), 0);
  assert.equal(compareNumbers('-0', '0'), 0);
  assert.equal(compareNumbers('1E+2', '100'), 0);
  assert.equal(compareNumbers('12', '125') < 0, true);
  assert.equal(compareNumbers('-12', '-125') > 0, true);
  assertValidation(() => compareNumbers('1', 'x'), `${NOT_A_NUMBER}: x`);
});

test('compareNumbers agrees with a BigInt reference on random numbers', () => {
  let seed = 12345;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 4294967296;
  };
  const make = () => {
    const k = 1 + Math.floor(rand() * 20);
    let digits = String(1 + Math.floor(rand() * 9));
    for (let i = 1; i < k; i++) digits += String(Math.floor(rand() * 10));
    const power = Math.floor(rand() * 40) - 20;
    const negative = rand() < 0.5;
    return { text: `${negative ? '-' : ''}${digits}e${power}`, big: (negative ? -1n : 1n) * BigInt(digits), power };
  };
  for (let n = 0; n < 3000; n++) {
    const a = make();
    const b = make();
    const base = Math.min(a.power, b.power);
    const ra = a.big * 10n ** BigInt(a.power - base);
    const rb = b.big * 10n ** BigInt(b.power - base);
    const expected = ra < rb ? -1 : ra > rb ? 1 : 0;
    assert.equal(Math.sign(compareNumbers(a.text, b.text)), expected, `${a.text} vs ${b.text}`);
  }
});
