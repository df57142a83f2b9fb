import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeKeyValue, encodeKeyValue, encodeStringPrefix, hashKeyBytes, seededRandom } from '@ringdb/core';
import type { AttributeValue, KeyType } from '@ringdb/core';

const prng = seededRandom;

// ---- reference numbers: value = sign * mantissa * 10^power, with BigInt arithmetic ----
interface RefNumber {
  text: string; // some textual form DynamoDB accepts
  mantissa: bigint; // signed, 0n for zero
  power: number;
}

function refCompare(a: RefNumber, b: RefNumber): number {
  const base = Math.min(a.power, b.power);
  const x = a.mantissa * 10n ** BigInt(a.power - base);
  const y = b.mantissa * 10n ** BigInt(b.power - base);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Canonical text computed independently of the code under test. */
function refCanonical(n: RefNumber): string {
  if (n.mantissa === 0n) return '0';
  const negative = n.mantissa < 0n;
  let digits = (negative ? -n.mantissa : n.mantissa).toString();
  let power = n.power;
  while (digits.endsWith('0')) {
    digits = digits.slice(0, -1);
    power++;
  }
  let text: string;
  if (power >= 0) text = digits + '0'.repeat(power);
  else if (-power >= digits.length) text = '0.' + '0'.repeat(-power - digits.length) + digits;
  else text = digits.slice(0, digits.length + power) + '.' + digits.slice(digits.length + power);
  return (negative ? '-' : '') + text;
}

function randomNumber(rand: () => number): RefNumber {
  const r = rand();
  if (r < 0.04) {
    const zeros = ['0', '-0', '0.000', '0e10', '-0.0E-5', '+0'];
    return { text: zeros[Math.floor(rand() * zeros.length)]!, mantissa: 0n, power: 0 };
  }
  // Significant digits: mostly short, sometimes the full 38; a few shapes that stress equal
  // prefixes (1, 10...01, 19, 2) are made likely by the small alphabet.
  const len = rand() < 0.2 ? 38 : 1 + Math.floor(rand() * (rand() < 0.5 ? 4 : 38));
  const alphabet = rand() < 0.5 ? '0123456789' : '019';
  let digits = String(1 + Math.floor(rand() * 9));
  for (let i = 1; i < len; i++) digits += alphabet[Math.floor(rand() * alphabet.length)];
  digits = digits.replace(/0+$/, '') || '1';
  // Magnitude exponent (value = 0.digits x 10^e) anywhere in DynamoDB's range, often small.
  const e = rand() < 0.3 ? -129 + Math.floor(rand() * 256) : Math.floor(rand() * 11) - 5;
  return renderNumber(digits, e - digits.length, rand() < 0.5, rand);
}

/** A random textual form of the value (negative ? -1 : 1) * digits * 10^power. */
function renderNumber(digits: string, power: number, negative: boolean, rand: () => number): RefNumber {
  const mantissa = (negative ? -1n : 1n) * BigInt(digits);
  const sign = negative ? '-' : rand() < 0.1 ? '+' : '';
  const lead = rand() < 0.2 ? '00' : '';
  const trail = rand() < 0.2 ? '000' : '';
  let text: string;
  const form = rand();
  if (form < 0.4) {
    text = `${sign}${lead}${digits}${trail}${rand() < 0.5 ? 'e' : 'E'}${power - trail.length}`;
  } else if (form < 0.6) {
    // d.ddd x 10^k
    const k = power + digits.length - 1;
    text = `${sign}${digits[0]}.${digits.slice(1)}${trail}E${k >= 0 && rand() < 0.5 ? '+' : ''}${k}`;
  } else {
    // Plain decimal notation.
    const plain = refCanonical({ text: '', mantissa: BigInt(digits), power });
    text = `${sign}${lead}${plain}${plain.includes('.') ? trail : ''}`;
  }
  return { text, mantissa, power };
}

// ---- reference strings / binaries ----
const CHARS = ['\u0000', '\u0001', 'a', 'b', 'z', '\u007f', '\u0080', '\u00ff', '\u0100', '\u07ff', '\u0800', '\uffff', '\u4e2d', '\ud83d\ude00', '\udbff\udfff', 'A'];

function randomString(rand: () => number): string {
  const len = Math.floor(rand() * 7);
  let s = '';
  for (let i = 0; i < len; i++) s += CHARS[Math.floor(rand() * CHARS.length)];
  return s;
}

function randomBytes(rand: () => number): Buffer {
  const len = Math.floor(rand() * 7);
  const b = Buffer.alloc(len);
  const special = [0x00, 0x00, 0xff, 0xff, 0x01, 0xfe, 0x7f, 0x80];
  for (let i = 0; i < len; i++) b[i] = rand() < 0.6 ? special[Math.floor(rand() * special.length)]! : Math.floor(rand() * 256);
  return b;
}

interface Sample {
  av: AttributeValue;
  /** Canonical wire form after a round trip. */
  canonical: AttributeValue;
  cmp: (other: Sample) => number;
  /** For N samples: the reference value. */
  ref?: RefNumber;
}

/** The same value as x, in another textual form for N. */
function sameValue(type: KeyType, x: Sample, rand: () => number): Sample {
  if (type !== 'N') return { ...x };
  const ref = x.ref!;
  let n: RefNumber;
  if (ref.mantissa === 0n) n = { text: rand() < 0.5 ? '-0.0' : '0E7', mantissa: 0n, power: 0 };
  else {
    const negative = ref.mantissa < 0n;
    n = renderNumber((negative ? -ref.mantissa : ref.mantissa).toString(), ref.power, negative, rand);
  }
  return numberSample(n);
}

function numberSample(n: RefNumber): Sample {
  return { av: { N: n.text }, canonical: { N: refCanonical(n) }, cmp: (other) => refCompare(n, other.ref!), ref: n };
}

function sample(type: KeyType, rand: () => number): Sample {
  if (type === 'N') {
    const n = randomNumber(rand);
    return numberSample(n);
  }
  if (type === 'S') {
    const s = randomString(rand);
    const bytes = Buffer.from(s, 'utf8');
    return {
      av: { S: s },
      canonical: { S: s },
      cmp: (other) => Buffer.compare(bytes, Buffer.from(other.av.S!, 'utf8')),
    };
  }
  const bytes = randomBytes(rand);
  return {
    av: { B: bytes.toString('base64') },
    canonical: { B: bytes.toString('base64') },
    cmp: (other) => Buffer.compare(bytes, Buffer.from(other.av.B!, 'base64')),
  };
}

function isProperPrefix(a: Buffer, b: Buffer): boolean {
  return a.length < b.length && b.subarray(0, a.length).equals(a);
}

const TYPES: KeyType[] = ['S', 'N', 'B'];

for (const type of TYPES) {
  test(`${type}: encoding order matches DynamoDB order on random pairs, and is self-delimiting`, () => {
    const rand = prng(0xc0ffee ^ type.charCodeAt(0));
    for (let n = 0; n < 5000; n++) {
      const x = sample(type, rand);
      const y = rand() < 0.1 ? sameValue(type, x, rand) : sample(type, rand);
      const ex = encodeKeyValue(type, x.av);
      const ey = encodeKeyValue(type, y.av);
      const expected = Math.sign(x.cmp(y));
      assert.equal(Math.sign(Buffer.compare(ex, ey)), expected, `${JSON.stringify(x.av)} vs ${JSON.stringify(y.av)}`);
      if (expected === 0) assert.ok(ex.equals(ey), `equal values must encode equally: ${JSON.stringify(x.av)} ${JSON.stringify(y.av)}`);
      assert.ok(!isProperPrefix(ex, ey) && !isProperPrefix(ey, ex), `prefix: ${JSON.stringify(x.av)} ${JSON.stringify(y.av)}`);
    }
  });

  test(`${type}: decode(encode(x)) round-trips to the canonical value`, () => {
    const rand = prng(0xdecade ^ type.charCodeAt(0));
    for (let n = 0; n < 3000; n++) {
      const x = sample(type, rand);
      const enc = encodeKeyValue(type, x.av);
      // Decode at a non-zero offset with trailing bytes after the value.
      const buf = Buffer.concat([Buffer.from([0xaa, 0x00]), enc, Buffer.from([0x00, 0xff, 0x01])]);
      const { value, next } = decodeKeyValue(type, buf, 2);
      assert.deepEqual(value, x.canonical, JSON.stringify(x.av));
      assert.equal(next, 2 + enc.length);
    }
  });

  test(`${type}: sorting many encoded values gives DynamoDB order`, () => {
    const rand = prng(0xbeef ^ type.charCodeAt(0));
    const samples = Array.from({ length: 2000 }, () => sample(type, rand));
    const byRef = [...samples].sort((a, b) => a.cmp(b));
    const encoded = samples.map((s) => ({ s, e: encodeKeyValue(type, s.av) }));
    encoded.sort((a, b) => Buffer.compare(a.e, b.e));
    for (let i = 0; i < samples.length; i++) assert.equal(encoded[i]!.s.cmp(byRef[i]!), 0, `position ${i}`);
  });
}

test('concatenated (pk, sk) encodings sort by (pk, sk) and are never proper prefixes of each other', () => {
  const rand = prng(42);
  for (let n = 0; n < 6000; n++) {
    const pkType = TYPES[Math.floor(rand() * 3)]!;
    const skType = TYPES[Math.floor(rand() * 3)]!;
    // Small value spaces so that equal partition keys are common.
    const pk1 = sample(pkType, rand);
    const pk2 = rand() < 0.5 ? sameValue(pkType, pk1, rand) : sample(pkType, rand);
    const sk1 = sample(skType, rand);
    const sk2 = rand() < 0.1 ? sameValue(skType, sk1, rand) : sample(skType, rand);
    const c1 = Buffer.concat([encodeKeyValue(pkType, pk1.av), encodeKeyValue(skType, sk1.av)]);
    const c2 = Buffer.concat([encodeKeyValue(pkType, pk2.av), encodeKeyValue(skType, sk2.av)]);
    const expected = Math.sign(pk1.cmp(pk2) || sk1.cmp(sk2));
    assert.equal(Math.sign(Buffer.compare(c1, c2)), expected);
    assert.ok(!isProperPrefix(c1, c2) && !isProperPrefix(c2, c1));
    // The pair decodes back from the concatenation.
    const a = decodeKeyValue(pkType, c1, 0);
    const b = decodeKeyValue(skType, c1, a.next);
    assert.deepEqual(a.value, pk1.canonical);
    assert.deepEqual(b.value, sk1.canonical);
    assert.equal(b.next, c1.length);
  }
});

test('hand-picked number encodings are ordered', () => {
  const ordered = [
    '-9.9999999999999999999999999999999999999E+125', '-1e125', '-101', '-100', '-99', '-10.5', '-10', '-1.01', '-1', '-0.99',
    '-0.1', '-1e-129', '-1e-130', '0', '1e-130', '1.5e-130', '1e-129', '0.00001', '0.1', '0.10000000000000000000000000000000000001',
    '0.2', '1', '1.000000000000000000000000000000000001', '1.01', '1.1', '9', '10', '10.01', '11', '99', '100', '101',
    '1e125', '9.9999999999999999999999999999999999999E+125',
  ];
  const enc = ordered.map((n) => encodeKeyValue('N', { N: n }));
  for (let i = 1; i < enc.length; i++) {
    assert.ok(Buffer.compare(enc[i - 1]!, enc[i]!) < 0, `${ordered[i - 1]} < ${ordered[i]}`);
  }
  assert.ok(encodeKeyValue('N', { N: '1.0e2' }).equals(encodeKeyValue('N', { N: '100' })));
  assert.ok(encodeKeyValue('N', { N: '-0' }).equals(encodeKeyValue('N', { N: '0.000' })));
});

test('S and B: NUL bytes, 0xFF and prefixes', () => {
  const s = (v: string) => encodeKeyValue('S', { S: v });
  assert.ok(Buffer.compare(s('a'), s('a\u0000')) < 0);
  assert.ok(Buffer.compare(s('a\u0000'), s('a\u0001')) < 0);
  assert.ok(Buffer.compare(s('a\u0000\u0000'), s('a\u0000\u0001')) < 0);
  assert.ok(Buffer.compare(s(''), s('\u0000')) < 0);
  assert.ok(Buffer.compare(s('a'), s('ab')) < 0);
  assert.ok(Buffer.compare(s('\uffff'), s('\ud83d\ude00')) < 0); // UTF-8 order, not UTF-16 order
  const b = (bytes: number[]) => encodeKeyValue('B', { B: Buffer.from(bytes).toString('base64') });
  assert.ok(Buffer.compare(b([]), b([0])) < 0);
  assert.ok(Buffer.compare(b([0]), b([0, 0])) < 0);
  assert.ok(Buffer.compare(b([0, 0xff]), b([1])) < 0);
  assert.ok(Buffer.compare(b([0x7f]), b([0x80])) < 0); // unsigned
  assert.ok(Buffer.compare(b([0xff]), b([0xff, 0])) < 0);
  assert.deepEqual([...b([0, 0xff])], [0x00, 0xff, 0xff, 0x00, 0x01]);
});

test('encodeStringPrefix: a value begins with p exactly when its encoding begins with prefix(p)', () => {
  const rand = prng(7);
  for (let n = 0; n < 4000; n++) {
    const type: 'S' | 'B' = rand() < 0.5 ? 'S' : 'B';
    const x = sample(type, rand);
    let prefixAv: AttributeValue;
    let begins: boolean;
    if (type === 'S') {
      const p = rand() < 0.5 ? x.av.S!.slice(0, Math.floor(rand() * (x.av.S!.length + 1))) : randomString(rand);
      // Never cut a surrogate pair in half.
      const safe = /[\ud800-\udbff]$/.test(p) ? p.slice(0, -1) : p;
      prefixAv = { S: safe };
      begins = Buffer.from(x.av.S!, 'utf8').subarray(0, Buffer.byteLength(safe)).equals(Buffer.from(safe, 'utf8'));
    } else {
      const raw = Buffer.from(x.av.B!, 'base64');
      const p = rand() < 0.5 ? raw.subarray(0, Math.floor(rand() * (raw.length + 1))) : randomBytes(rand);
      prefixAv = { B: Buffer.from(p).toString('base64') };
      begins = raw.subarray(0, p.length).equals(p);
    }
    const enc = encodeKeyValue(type, x.av);
    const pre = encodeStringPrefix(type, prefixAv);
    assert.equal(enc.subarray(0, pre.length).equals(pre), begins, `${JSON.stringify(x.av)} / ${JSON.stringify(prefixAv)}`);
  }
  assert.deepEqual([...encodeStringPrefix('S', { S: 'a\u0000' })], [0x61, 0x00, 0xff]);
});

test('hashKeyBytes: S as UTF-8, B decoded, N as canonical text', () => {
  assert.deepEqual(hashKeyBytes('S', { S: 'h\u00e9' }), Buffer.from([0x68, 0xc3, 0xa9]));
  assert.deepEqual(hashKeyBytes('B', { B: 'AAH/' }), Buffer.from([0x00, 0x01, 0xff]));
  assert.deepEqual(hashKeyBytes('N', { N: '1E+2' }), Buffer.from('100'));
  assert.deepEqual(hashKeyBytes('N', { N: '-0.50' }), Buffer.from('-0.5'));
  assert.deepEqual(hashKeyBytes('N', { N: '100' }), hashKeyBytes('N', { N: '1.00e2' }));
});
