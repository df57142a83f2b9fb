/**
 * A fixed-size latency histogram in microseconds, log-linear like HdrHistogram: values below 128 us
 * have their own bucket, above that every power of two is split into 64 buckets, so a percentile is
 * off by at most 1/64 (1.6%). Recording is two integer operations and one array increment: no
 * allocation per sample, whatever the run length. Values are capped at 2^31 us (about 36 minutes).
 */
const SUB_BITS = 6; // 64 sub-buckets per power of two above 128 us
const SUB = 1 << SUB_BITS;
const LINEAR = SUB * 2; // 0..127 us: one bucket per microsecond
const MAX_US = 2 ** 31 - 1;
const BUCKETS = LINEAR + (31 - 7) * SUB;

export class Histogram {
  private readonly counts = new Float64Array(BUCKETS);
  private total = 0;
  private maxUs = 0;

  record(us: number): void {
    const v = us <= 0 ? 0 : us >= MAX_US ? MAX_US : Math.floor(us);
    this.counts[bucketOf(v)]++;
    this.total++;
    if (v > this.maxUs) this.maxUs = v;
  }

  get count(): number {
    return this.total;
  }

  merge(other: Histogram): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i] += other.counts[i];
    this.total += other.total;
    this.maxUs = Math.max(this.maxUs, other.maxUs);
  }

  /** The value (us) at quantile q in [0, 1]: the middle of the bucket holding that sample. */
  quantileUs(q: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= rank) {
        const [lo, hi] = bucketRange(i);
        return Math.min((lo + hi) / 2, this.maxUs);
      }
    }
    return this.maxUs;
  }
}

function bucketOf(v: number): number {
  if (v < LINEAR) return v;
  const msb = 31 - Math.clz32(v); // >= 7
  const shift = msb - SUB_BITS;
  return LINEAR + (msb - 7) * SUB + ((v >>> shift) - SUB);
}

/** [lowest, highest] microsecond value that falls in bucket i. */
export function bucketRange(i: number): [number, number] {
  if (i < LINEAR) return [i, i];
  const group = Math.floor((i - LINEAR) / SUB);
  const sub = (i - LINEAR) % SUB;
  const shift = group + 7 - SUB_BITS;
  const lo = (SUB + sub) * 2 ** shift;
  return [lo, lo + 2 ** shift - 1];
}
