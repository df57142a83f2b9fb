import type { LogEntry } from './types.js';

/** What the slots of released entries hold until the array is compacted. */
const RELEASED: LogEntry = Object.freeze({ index: 0, term: 0, mutations: [] });

/**
 * The part of a replica's log it holds in memory: entries (floor, last]. The newest, after
 * `memoryFloor`, are held whole (with their writes); older ones, all applied, only by their terms,
 * kept as runs of equal term (a term changes only with an election), so thousands of retained
 * entries cost a few numbers instead of an object each. Their writes are in the durable log.
 *
 * Trimming moves offsets instead of copying: the whole entries sit in an array from `start` on,
 * compacted only once the released front outweighs the rest, so a replica that applies one entry
 * at a time does not copy its tail per entry.
 */
export class LogWindow {
  /** Entries up to here are not held at all. */
  floor: number;
  floorTerm: number;
  /** Entries after here are held whole. */
  memoryFloor: number;
  private whole: LogEntry[];
  /** whole[start] is entry memoryFloor + 1. */
  private start = 0;
  /** Flat pairs (first index, term), ascending, covering (floor, memoryFloor]. */
  private runs: number[] = [];

  /** `entries` (whole, contiguous) follow `floor`. */
  constructor(floor: number, floorTerm: number, entries: LogEntry[]) {
    this.floor = floor;
    this.floorTerm = floorTerm;
    this.memoryFloor = floor;
    this.whole = entries;
  }

  get last(): number {
    return this.memoryFloor + this.whole.length - this.start;
  }

  /** Term of entry `index` in (floor, last], or of the floor itself; undefined elsewhere. */
  termAt(index: number): number | undefined {
    if (index > this.memoryFloor) {
      const e = this.whole[this.start + index - this.memoryFloor - 1];
      return e === undefined ? undefined : e.term;
    }
    if (index === this.floor) return this.floorTerm;
    if (index < this.floor) return undefined;
    for (let j = this.runs.length - 2; j >= 0; j -= 2) if (this.runs[j] <= index) return this.runs[j + 1];
    return undefined;
  }

  /** Whole entries from..to (inclusive, both after memoryFloor). */
  slice(from: number, to: number): LogEntry[] {
    const base = this.start - this.memoryFloor - 1;
    return this.whole.slice(base + from, base + to + 1);
  }

  /** Whole entries from `from` (after memoryFloor) to the end. */
  from(from: number): LogEntry[] {
    return this.slice(from, this.last);
  }

  push(entry: LogEntry): void {
    this.whole.push(entry);
  }

  /** Drops the entries from `index` on (all held whole). */
  truncateFrom(index: number): void {
    if (index <= this.memoryFloor) throw new Error(`log window: truncating at ${index}, at or below the memory floor ${this.memoryFloor}`);
    this.whole.length = Math.min(this.whole.length, this.start + index - this.memoryFloor - 1);
  }

  /** Entries up to `index` keep only their terms. */
  releaseThrough(index: number): void {
    const to = Math.min(index, this.last);
    for (let i = this.memoryFloor + 1; i <= to; i++) {
      const term = this.whole[this.start].term;
      this.whole[this.start++] = RELEASED; // its writes may go now, not at the next compaction
      if (this.runs.length === 0 || this.runs[this.runs.length - 1] !== term) this.runs.push(i, term);
    }
    this.memoryFloor = Math.max(this.memoryFloor, to);
    if (this.start > 32 && this.start * 2 > this.whole.length) {
      this.whole = this.whole.slice(this.start);
      this.start = 0;
    }
  }

  /** Entries up to `index` are forgotten: the floor moves there. */
  dropThrough(index: number): void {
    if (index <= this.floor) return;
    if (index > this.memoryFloor) this.releaseThrough(index);
    const term = this.termAt(index);
    if (term === undefined) throw new Error(`log window: dropping through ${index}, past the last entry ${this.last}`);
    this.floor = index;
    this.floorTerm = term;
    if (index >= this.memoryFloor) {
      this.runs = [];
      return;
    }
    // The run holding index + 1 starts there now; runs before it go.
    let first = 0;
    while (first + 2 < this.runs.length && this.runs[first + 2] <= index + 1) first += 2;
    this.runs.splice(0, first);
    this.runs[0] = index + 1;
  }

  /** The log restarts after (index, term), keeping the entries after it (all held whole). */
  restartAt(index: number, term: number, keepFollowing: boolean): void {
    if (keepFollowing && index < this.memoryFloor) throw new Error(`log window: keeping entries after ${index}, below the memory floor ${this.memoryFloor}`);
    this.whole = keepFollowing ? this.from(index + 1) : [];
    this.start = 0;
    this.runs = [];
    this.floor = index;
    this.floorTerm = term;
    this.memoryFloor = index;
  }
}
