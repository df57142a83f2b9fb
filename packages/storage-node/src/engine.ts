import { RocksLevel } from '@nxtedition/rocksdb';
import { ClassicLevel } from 'classic-level';

/**
 * The one small storage interface a storage node uses. Two engines implement it through the
 * abstract-level API: RocksDB (`@nxtedition/rocksdb`, the default) and LevelDB (`classic-level`).
 * Keys and values are Buffers; a missing key reads as `undefined` on both engines.
 */
export type EngineName = 'rocksdb' | 'leveldb';

export type BatchOp = { type: 'put'; key: Buffer; value: Buffer } | { type: 'del'; key: Buffer };

export interface RangeOptions {
  gte?: Buffer;
  gt?: Buffer;
  lte?: Buffer;
  lt?: Buffer;
  reverse?: boolean;
  limit?: number;
}

export interface StorageEngine {
  readonly name: EngineName;
  open(): Promise<void>;
  close(): Promise<void>;
  get(key: Buffer): Promise<Buffer | undefined>;
  getMany(keys: Buffer[]): Promise<(Buffer | undefined)[]>;
  /** Applies all operations atomically. `sync` waits for the write-ahead log to reach the disk. */
  batch(ops: BatchOp[], sync?: boolean): Promise<void>;
  /** Entries in key order (or reverse), at most `limit`. */
  range(options: RangeOptions): Promise<[Buffer, Buffer][]>;
  clear(options: RangeOptions): Promise<void>;
  /**
   * Opens a cursor over a range. The cursor reads the database as it is at this call, whatever is
   * written afterwards: both engines create their native iterator synchronously here, and a
   * LevelDB or RocksDB iterator reads from an implicit snapshot taken when it is created.
   */
  cursor(options: RangeOptions): RangeCursor;
}

/** Entries of a range, read in chunks from the snapshot the cursor was opened on. */
export interface RangeCursor {
  /** Up to `n` further entries in key order; empty once the range is exhausted. */
  next(n: number): Promise<[Buffer, Buffer][]>;
  close(): Promise<void>;
}

/** The subset of abstract-level (v1 in @nxtedition/rocksdb, v3 in classic-level) used here. */
interface LevelLike {
  open(): Promise<void>;
  close(): Promise<void>;
  get(key: Buffer): Promise<Buffer | undefined>;
  getMany(keys: Buffer[]): Promise<(Buffer | undefined)[]>;
  batch(ops: BatchOp[], options?: { sync?: boolean }): Promise<void>;
  iterator(options: RangeOptions): { all(): Promise<[Buffer, Buffer][]>; nextv(n: number): Promise<[Buffer, Buffer][]>; close(): Promise<void> };
  clear(options: RangeOptions): Promise<void>;
}

class LevelEngine implements StorageEngine {
  constructor(
    readonly name: EngineName,
    private readonly db: LevelLike,
  ) {}

  open(): Promise<void> {
    return this.db.open();
  }

  close(): Promise<void> {
    return this.db.close();
  }

  async get(key: Buffer): Promise<Buffer | undefined> {
    try {
      return (await this.db.get(key)) ?? undefined;
    } catch (err) {
      if ((err as { code?: string }).code === 'LEVEL_NOT_FOUND') return undefined;
      throw err;
    }
  }

  async getMany(keys: Buffer[]): Promise<(Buffer | undefined)[]> {
    if (keys.length === 0) return [];
    const values = await this.db.getMany(keys);
    return values.map((v) => v ?? undefined);
  }

  batch(ops: BatchOp[], sync = false): Promise<void> {
    if (ops.length === 0) return Promise.resolve();
    return this.db.batch(ops, { sync });
  }

  range(options: RangeOptions): Promise<[Buffer, Buffer][]> {
    return this.db.iterator(definedOnly(options)).all();
  }

  clear(options: RangeOptions): Promise<void> {
    return this.db.clear(definedOnly(options));
  }

  cursor(options: RangeOptions): RangeCursor {
    const it = this.db.iterator(definedOnly(options));
    return { next: (n) => it.nextv(n), close: () => it.close() };
  }
}

/**
 * Range options without undefined members: abstract-level v1 (under @nxtedition/rocksdb) treats a
 * bound that is present but undefined as set, which silently drops the other bound.
 */
function definedOnly(options: RangeOptions): RangeOptions {
  const out: RangeOptions = {};
  for (const k of ['gte', 'gt', 'lte', 'lt', 'reverse', 'limit'] as const) {
    if (options[k] !== undefined) (out as Record<string, unknown>)[k] = options[k];
  }
  return out;
}

/** The synchronous native calls of @nxtedition/rocksdb used by RocksEngine (not in its typings). */
interface RocksNative extends LevelLike {
  status: string;
  _getManySync(keys: Buffer[], options: object): (Buffer | null | undefined)[];
  _chainedBatch(): NativeBatch;
}
interface NativeBatch {
  _put(key: Buffer, value: Buffer, options: object): void;
  _del(key: Buffer, options: object): void;
  _writeSync(options: { sync: boolean }): void;
  _clear(): void;
}
interface RocksIterator {
  _nextvSync(n: number, options: object): { rows: Buffer[]; finished: boolean };
  close(): Promise<void>;
}

const NO_OPTIONS = {};

/**
 * RocksDB with its synchronous native calls: reads of items in the block cache or memtable take a
 * few microseconds, far less than handing each getMany to libuv's thread pool and back (measured
 * here: 8 us against 41 us of CPU per single-key read), and @nxtedition/rocksdb writes batches on
 * the calling thread anyway. A read that misses the cache blocks the event loop for one disk read.
 *
 * Every write batch goes through one native batch, cleared after each write: a chained batch
 * registers itself with the database until it is closed through abstract-level, so one per write
 * would each stay reachable (with the native buffer of its writes) for the life of the database.
 */
class RocksEngine extends LevelEngine {
  private writer: NativeBatch | undefined;

  constructor(private readonly rocks: RocksNative) {
    super('rocksdb', rocks);
  }

  override close(): Promise<void> {
    this.writer = undefined; // closing the database closes its batch too
    return super.close();
  }

  override getMany(keys: Buffer[]): Promise<(Buffer | undefined)[]> {
    if (keys.length === 0) return Promise.resolve([]);
    if (this.rocks.status !== 'open') return super.getMany(keys);
    try {
      const values = this.rocks._getManySync(keys, NO_OPTIONS);
      for (let i = 0; i < values.length; i++) if (values[i] === null) values[i] = undefined;
      return Promise.resolve(values as (Buffer | undefined)[]);
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  override async get(key: Buffer): Promise<Buffer | undefined> {
    return (await this.getMany([key]))[0];
  }

  override batch(ops: BatchOp[], sync = false): Promise<void> {
    if (ops.length === 0) return Promise.resolve();
    if (this.rocks.status !== 'open') return super.batch(ops, sync);
    const b = (this.writer ??= this.rocks._chainedBatch());
    try {
      for (const op of ops) {
        if (op.type === 'put') b._put(op.key, op.value, NO_OPTIONS);
        else if (op.type === 'del') b._del(op.key, NO_OPTIONS);
        else throw new TypeError(`unknown batch operation type: ${String((op as { type: unknown }).type)}`);
      }
      b._writeSync({ sync });
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err as Error);
    } finally {
      b._clear();
    }
  }

  override async range(options: RangeOptions): Promise<[Buffer, Buffer][]> {
    const cursor = this.cursor(options);
    try {
      const out: [Buffer, Buffer][] = [];
      for (;;) {
        const chunk = await cursor.next(1000);
        if (chunk.length === 0) return out;
        for (const e of chunk) out.push(e);
      }
    } finally {
      await cursor.close();
    }
  }

  override cursor(options: RangeOptions): RangeCursor {
    if (this.rocks.status !== 'open') return super.cursor(options);
    const it = this.rocks.iterator(definedOnly(options)) as unknown as RocksIterator;
    return {
      next: (n) => {
        try {
          const { rows } = it._nextvSync(n, NO_OPTIONS);
          const entries: [Buffer, Buffer][] = new Array(rows.length >> 1);
          for (let i = 0; i < rows.length; i += 2) entries[i >> 1] = [rows[i], rows[i + 1]];
          return Promise.resolve(entries);
        } catch (err) {
          return Promise.reject(err as Error);
        }
      },
      close: () => it.close(),
    };
  }
}

export function createEngine(name: EngineName, location: string): StorageEngine {
  const options = { keyEncoding: 'buffer', valueEncoding: 'buffer' } as const;
  if (name === 'leveldb') return new LevelEngine(name, new ClassicLevel<Buffer, Buffer>(location, options) as unknown as LevelLike);
  // The library compresses the write-ahead log with ZSTD by default, in the writing (main) thread:
  // 3 % of a storage node's CPU under puts; the log's bytes are cheap here, the CPU is not.
  return new RocksEngine(new RocksLevel(location, { ...options, walCompression: false }) as unknown as RocksNative);
}
