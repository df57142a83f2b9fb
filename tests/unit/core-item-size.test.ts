import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attributeValueSize, itemSize, MAX_ITEM_SIZE, numberSize } from '@ringdb/core';

test('MAX_ITEM_SIZE is 400 KB', () => {
  assert.equal(MAX_ITEM_SIZE, 409600);
});

test('strings, binaries, booleans and nulls', () => {
  assert.equal(itemSize({}), 0);
  assert.equal(itemSize({ a: { S: 'abc' } }), 4);
  assert.equal(itemSize({ a: { S: '' } }), 1);
  // UTF-8 lengths of names and values, not UTF-16 lengths.
  assert.equal(itemSize({ 'é': { S: '中文' } }), 2 + 6);
  assert.equal(itemSize({ a: { S: '\ud83d\ude00' } }), 1 + 4);
  // Binary: raw byte length, not base64 length.
  assert.equal(itemSize({ b: { B: 'AAH/' } }), 1 + 3);
  assert.equal(itemSize({ b: { B: 'Yg==' } }), 1 + 1);
  assert.equal(itemSize({ b: { B: 'YWI=' } }), 1 + 2);
  assert.equal(itemSize({ b: { B: '' } }), 1);
  assert.equal(itemSize({ t: { BOOL: true }, f: { BOOL: false }, n: { NULL: true } }), 6);
});

test('numbers: 1 byte + base-100 digit pairs aligned on the decimal point (+1 if negative)', () => {
  const cases: [string, number][] = [
    ['0', 1],
    ['1', 2],
    ['12', 2],
    ['99', 2],
    ['100', 2],
    ['123', 3],
    ['1234', 3],
    ['12345', 4],
    ['1.2', 3],
    ['0.5', 2],
    ['0.05', 2],
    ['0.12', 2],
    ['0.123', 3],
    ['10.01', 3],
    ['-1', 3],
    ['-12.5', 4],
    ['1' + '0'.repeat(125), 2],
    ['11' + '0'.repeat(124), 2],
    ['11111' + '0'.repeat(121), 4],
    ['111111' + '0'.repeat(120), 4],
    ['1111111' + '0'.repeat(119), 5],
    ['1'.repeat(38) + '0'.repeat(88), 20],
    ['1E-130', 2],
  ];
  for (const [n, size] of cases) {
    assert.equal(numberSize(n), size, n);
    assert.equal(attributeValueSize({ N: n }), size, n);
  }
  assert.equal(itemSize({ n: { N: '12345' } }), 1 + 4);
});

test('sets are the sum of their elements', () => {
  assert.equal(attributeValueSize({ SS: ['a', 'bb', ''] }), 3);
  assert.equal(attributeValueSize({ NS: ['1', '123', '-1'] }), 2 + 3 + 3);
  assert.equal(attributeValueSize({ BS: ['Yg==', 'AAH/'] }), 1 + 3);
  assert.equal(itemSize({ ss: { SS: ['ab', 'é'] } }), 2 + 2 + 2);
});

test('maps and lists: 3 bytes plus 1 byte per element', () => {
  assert.equal(itemSize({ m: { M: {} } }), 1 + 3);
  assert.equal(itemSize({ l: { L: [] } }), 1 + 3);
  assert.equal(itemSize({ m: { M: { x: { S: 'ab' } } } }), 1 + 3 + (1 + 1 + 2));
  assert.equal(itemSize({ l: { L: [{ S: 'ab' }, { BOOL: true }] } }), 1 + 3 + (1 + 2) + (1 + 1));
  assert.equal(
    itemSize({ m: { M: { x: { L: [{ N: '1' }, { M: {} }] }, 'é': { NULL: true } } } }),
    1 + 3 + (1 + 1 + (3 + (1 + 2) + (1 + 3))) + (1 + 2 + 1),
  );
});

test('a whole item adds names and values', () => {
  const item = {
    id: { S: 'abc' }, // 2 + 3
    n: { N: '12345' }, // 1 + 4
    data: { B: 'AAECAwQ=' }, // 4 + 5
    tags: { SS: ['x', 'yy'] }, // 4 + 3
    doc: { M: { k: { S: 'v' } } }, // 3 + 3 + 1 + 1 + 1
  };
  assert.equal(itemSize(item), 5 + 5 + 9 + 7 + 9);
});
