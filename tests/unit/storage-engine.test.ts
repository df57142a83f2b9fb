import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEngine, type EngineName, type StorageEngine } from '@ringdb/storage-node';

const b = (...bytes: number[]) => Buffer.from(bytes);
const s = (text: string) => Buffer.from(text, 'utf8');
const hex = (buf: Buffer | undefined) => (buf === undefined ? undefined : buf.toString('hex'));
const keysOf = (entries: [Buffer, Buffer][]) => entries.map(([k]) => k.toString('hex'));

/** Binary keys in unsigned byte order (0x00 < 0x01 < 0x7F < 0x80 < 0xFF, prefixes first). */
const ORDERED_KEYS: Buffer[] = [
  b(0x00),
  b(0x00, 0x00),
  b(0x00, 0xff),
  b(0x01),
  b(0x7f),
  b(0x7f, 0xff, 0xff),
  b(0x80),
  b(0x80, 0x00),
  b(0xfe),
  b(0xff),
  b(0xff, 0x00),
  b(0xff, 0xff),
];

function engineSuite(name: EngineName): void {
  describe(`storage engine: ${name}`, () => {
    let dir: string;
    let location: string;
    let db: StorageEngine;

    before(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), `ringdb-engine-${name}-`));
      location = path.join(dir, 'db');
      db = createEngine(name, location);
      await db.open();
    });

    after(async () => {
      try {
        await db?.close();
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('reports its name', () => {
      assert.equal(db.name, name);
    });

    it('get of a missing key resolves to undefined instead of throwing', async () => {
      assert.equal(await db.get(s('missing')), undefined);
      assert.equal(await db.get(b(0x00)), undefined);
    });

    it('puts, gets and deletes through batch', async () => {
      await db.batch([{ type: 'put', key: s('k1'), value: s('v1') }]);
      const got = await db.get(s('k1'));
      assert.ok(Buffer.isBuffer(got), 'value is a Buffer');
      assert.equal(got!.toString(), 'v1');

      await db.batch([{ type: 'put', key: s('k1'), value: b(0x00, 0xff, 0x10) }]);
      assert.equal(hex(await db.get(s('k1'))), '00ff10', 'overwrite replaces the value');

      await db.batch([{ type: 'del', key: s('k1') }]);
      assert.equal(await db.get(s('k1')), undefined);

      await db.batch([{ type: 'del', key: s('never-existed') }]);
      await db.batch([]);
    });

    it('stores an empty value distinctly from a missing key', async () => {
      await db.batch([{ type: 'put', key: s('empty'), value: Buffer.alloc(0) }]);
      const got = await db.get(s('empty'));
      assert.ok(got !== undefined, 'empty value is present');
      assert.equal(got!.length, 0);
      await db.batch([{ type: 'del', key: s('empty') }]);
    });

    it('getMany returns values in order with undefined for missing keys', async () => {
      await db.batch([
        { type: 'put', key: s('gm-a'), value: s('A') },
        { type: 'put', key: s('gm-c'), value: s('C') },
        { type: 'put', key: b(0x00, 0x01), value: s('bin') },
      ]);
      const values = await db.getMany([s('gm-a'), s('gm-b'), s('gm-c'), b(0x00, 0x01), s('gm-z')]);
      assert.equal(values.length, 5);
      assert.deepEqual(
        values.map((v) => v?.toString()),
        ['A', undefined, 'C', 'bin', undefined],
      );
      assert.deepEqual(await db.getMany([]), []);
      await db.batch([
        { type: 'del', key: s('gm-a') },
        { type: 'del', key: s('gm-c') },
        { type: 'del', key: b(0x00, 0x01) },
      ]);
    });

    describe('range over binary keys', () => {
      before(async () => {
        await db.clear({});
        // insert in a scrambled order
        const scrambled = [...ORDERED_KEYS].reverse();
        scrambled.push(scrambled.shift()!);
        await db.batch(scrambled.map((key, i) => ({ type: 'put' as const, key, value: b(i) })));
      });

      it('returns every key in unsigned byte order', async () => {
        const all = await db.range({});
        assert.deepEqual(keysOf(all), ORDERED_KEYS.map((k) => k.toString('hex')));
        for (const [k, v] of all) {
          assert.ok(Buffer.isBuffer(k) && Buffer.isBuffer(v), 'entries are Buffers');
        }
      });

      it('honours gte/lt (inclusive lower, exclusive upper)', async () => {
        const r = await db.range({ gte: b(0x00, 0xff), lt: b(0x80, 0x00) });
        assert.deepEqual(keysOf(r), ['00ff', '01', '7f', '7fffff', '80']);
      });

      it('ignores bounds that are present but undefined', async () => {
        const r = await db.range({ gte: b(0x00, 0xff), gt: undefined, lte: undefined, lt: b(0x80, 0x00) });
        assert.deepEqual(keysOf(r), ['00ff', '01', '7f', '7fffff', '80']);
        const c = await db.range({ gte: undefined, gt: b(0x7f), lte: b(0xff), lt: undefined });
        assert.deepEqual(keysOf(c), ['7fffff', '80', '8000', 'fe', 'ff']);
      });

      it('honours gt/lte (exclusive lower, inclusive upper)', async () => {
        const r = await db.range({ gt: b(0x7f), lte: b(0xff) });
        assert.deepEqual(keysOf(r), ['7fffff', '80', '8000', 'fe', 'ff']);
      });

      it('treats 0x80 and above as greater than 0x7F (unsigned, not signed)', async () => {
        const high = await db.range({ gte: b(0x80) });
        assert.deepEqual(keysOf(high), ['80', '8000', 'fe', 'ff', 'ff00', 'ffff']);
        const low = await db.range({ lt: b(0x80) });
        assert.deepEqual(keysOf(low), ['00', '0000', '00ff', '01', '7f', '7fffff']);
      });

      it('handles bounds made of 0x00 and 0xFF bytes', async () => {
        assert.deepEqual(keysOf(await db.range({ gte: b(0x00), lte: b(0x00, 0xff) })), ['00', '0000', '00ff']);
        assert.deepEqual(keysOf(await db.range({ gt: b(0x00), lt: b(0x01) })), ['0000', '00ff']);
        assert.deepEqual(keysOf(await db.range({ gt: b(0xff) })), ['ff00', 'ffff']);
        assert.deepEqual(keysOf(await db.range({ gte: b(0xff, 0xff, 0x00) })), []);
        assert.deepEqual(keysOf(await db.range({ gt: b(0x01), lt: b(0x01) })), []);
      });

      it('supports reverse', async () => {
        const r = await db.range({ gte: b(0x00, 0xff), lte: b(0x80), reverse: true });
        assert.deepEqual(keysOf(r), ['80', '7fffff', '7f', '01', '00ff']);
        const all = await db.range({ reverse: true });
        assert.deepEqual(keysOf(all), ORDERED_KEYS.map((k) => k.toString('hex')).reverse());
      });

      it('supports limit, forwards and in reverse', async () => {
        assert.deepEqual(keysOf(await db.range({ limit: 3 })), ['00', '0000', '00ff']);
        assert.deepEqual(keysOf(await db.range({ gt: b(0x01), limit: 2 })), ['7f', '7fffff']);
        assert.deepEqual(keysOf(await db.range({ reverse: true, limit: 2 })), ['ffff', 'ff00']);
        assert.deepEqual(keysOf(await db.range({ lt: b(0xff), reverse: true, limit: 3 })), ['fe', '8000', '80']);
        assert.deepEqual(keysOf(await db.range({ limit: 100 })).length, ORDERED_KEYS.length);
      });

      it('returns the stored values with the keys', async () => {
        const r = await db.range({ gte: b(0xff), lte: b(0xff) });
        assert.equal(r.length, 1);
        assert.equal(hex(r[0]![1]), hex(await db.get(b(0xff))));
      });

      it('clear of a range removes only keys inside it', async () => {
        await db.clear({ gte: b(0x00, 0xff), lt: b(0x80, 0x00) });
        assert.deepEqual(keysOf(await db.range({})), ['00', '0000', '8000', 'fe', 'ff', 'ff00', 'ffff']);
        await db.clear({ gt: b(0xfe), lte: b(0xff, 0x00) });
        assert.deepEqual(keysOf(await db.range({})), ['00', '0000', '8000', 'fe', 'ffff']);
        assert.equal(await db.get(b(0x7f)), undefined);
        assert.ok((await db.get(b(0xff, 0xff))) !== undefined, 'key after the range survives');
        assert.ok((await db.get(b(0x00))) !== undefined, 'key before the range survives');
        await db.clear({});
        assert.deepEqual(await db.range({}), []);
      });
    });

    it('applies a mixed put+del batch atomically and in order', async () => {
      await db.batch([
        { type: 'put', key: s('atom-1'), value: s('old1') },
        { type: 'put', key: s('atom-2'), value: s('old2') },
      ]);
      await db.batch([
        { type: 'del', key: s('atom-1') },
        { type: 'put', key: s('atom-2'), value: s('new2') },
        { type: 'put', key: s('atom-3'), value: s('new3') },
        { type: 'put', key: s('atom-4'), value: s('tmp') },
        { type: 'del', key: s('atom-4') },
      ]);
      const values = await db.getMany([s('atom-1'), s('atom-2'), s('atom-3'), s('atom-4')]);
      assert.deepEqual(values.map((v) => v?.toString()), [undefined, 'new2', 'new3', undefined]);

      // A batch that fails validation must not apply any of its operations.
      const bad = [
        { type: 'put', key: s('atom-5'), value: s('v5') },
        { type: 'del', key: s('atom-2') },
        { type: 'bogus', key: s('atom-6'), value: s('v6') },
      ] as unknown as Parameters<StorageEngine['batch']>[0];
      await assert.rejects(db.batch(bad));
      assert.equal(await db.get(s('atom-5')), undefined, 'put of a rejected batch not applied');
      assert.equal((await db.get(s('atom-2')))?.toString(), 'new2', 'del of a rejected batch not applied');
      await db.clear({ gte: s('atom-'), lt: s('atom.') });
    });

    it('applies a sync=true batch', async () => {
      await db.batch(
        [
          { type: 'put', key: s('sync-1'), value: s('durable') },
          { type: 'put', key: s('sync-2'), value: s('gone') },
          { type: 'del', key: s('sync-2') },
        ],
        true,
      );
      assert.equal((await db.get(s('sync-1')))?.toString(), 'durable');
      assert.equal(await db.get(s('sync-2')), undefined);
    });

    it('a cursor reads the range as it was when it was opened, in chunks', async () => {
      await db.clear({ gte: s('snap-'), lt: s('snap.') });
      await db.batch([1, 2, 3, 4, 5].map((i) => ({ type: 'put' as const, key: s(`snap-${i}`), value: s(`v${i}`) })));
      const cursor = db.cursor({ gte: s('snap-'), lt: s('snap.') });
      // Written after the cursor was opened (and before it read anything): not visible to it.
      await db.batch([
        { type: 'del', key: s('snap-1') },
        { type: 'put', key: s('snap-2'), value: s('changed') },
        { type: 'put', key: s('snap-6'), value: s('new') },
      ]);
      const seen: string[] = [];
      for (let chunk = await cursor.next(2); chunk.length > 0; chunk = await cursor.next(2)) {
        assert.ok(chunk.length <= 2);
        for (const [k, v] of chunk) seen.push(`${k.toString()}=${v.toString()}`);
      }
      await cursor.close();
      assert.deepEqual(seen, ['snap-1=v1', 'snap-2=v2', 'snap-3=v3', 'snap-4=v4', 'snap-5=v5']);
      assert.deepEqual(keysOf(await db.range({ gte: s('snap-'), lt: s('snap.') })).length, 5);
      await db.clear({ gte: s('snap-'), lt: s('snap.') });
    });

    it('persists data across close and reopen of the same directory', async () => {
      await db.clear({});
      await db.batch([
        { type: 'put', key: b(0x00), value: s('zero') },
        { type: 'put', key: b(0xff, 0xff), value: b(0xde, 0xad) },
        { type: 'put', key: s('gone'), value: s('x') },
      ]);
      await db.batch([{ type: 'del', key: s('gone') }], true);
      await db.close();

      db = createEngine(name, location);
      await db.open();
      assert.equal((await db.get(b(0x00)))?.toString(), 'zero');
      assert.equal(hex(await db.get(b(0xff, 0xff))), 'dead');
      assert.equal(await db.get(s('gone')), undefined);
      assert.deepEqual(keysOf(await db.range({})), ['00', 'ffff']);

      // and once more, through a second engine instance after closing again
      await db.batch([{ type: 'put', key: s('after-reopen'), value: s('y') }], true);
      await db.close();
      db = createEngine(name, location);
      await db.open();
      assert.deepEqual(keysOf(await db.range({})), ['00', s('after-reopen').toString('hex'), 'ffff']);
    });

    it('writes after close and open of the same engine object', async () => {
      await db.batch([{ type: 'put', key: s('before-close'), value: s('1') }]);
      await db.close();
      await db.open();
      await db.batch([{ type: 'put', key: s('after-open'), value: s('2') }]);
      assert.equal((await db.get(s('after-open')))?.toString(), '2');
      assert.equal((await db.get(s('before-close')))?.toString(), '1');
    });

    it('keeps nothing per write batch once it is written', async () => {
      // abstract-level databases track open resources (batches, iterators) in a Set until each is
      // closed through abstract-level; anything left there per write is a leak for the life of the node.
      const level = (db as unknown as { db: object }).db;
      const resources = () => {
        const sets = Object.getOwnPropertySymbols(level)
          .filter((sym) => sym.toString() === 'Symbol(resources)')
          .map((sym) => (level as Record<symbol, unknown>)[sym]);
        // RocksDB's abstract-level does; LevelDB's array batches open no resource at all.
        if (name === 'rocksdb') assert.equal(sets.length, 1, 'the database keeps its open resources in a Set');
        return sets.length === 0 ? 0 : (sets[0] as Set<unknown>).size;
      };
      const before = resources();
      for (let i = 0; i < 1000; i++) await db.batch([{ type: 'put', key: s(`batch-${i % 10}`), value: s(`v${i}`) }]);
      assert.ok(resources() <= before + 1, `resources: ${before} before 1000 batches, ${resources()} after`);
      assert.equal((await db.get(s('batch-9')))?.toString(), 'v999');
    });
  });
}

engineSuite('rocksdb');
engineSuite('leveldb');
