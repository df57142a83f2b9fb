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

export function createEngine(name: EngineName, location: string): StorageEngine {
  const options = { keyEncoding: 'buffer', valueEncoding: 'buffer' } as const;
  const db = name === 'leveldb' ? new ClassicLevel<Buffer, Buffer>(location, options) : new RocksLevel(location, options);
  return new LevelEngine(name, db as unknown as LevelLike);
}
