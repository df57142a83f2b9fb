import type { Metric, Registry } from 'prom-client';

/** One label set of a HotHistogram: observing is a bucket search and three additions. */
export class HistogramSeries {
  sum = 0;
  count = 0;
  /** Per-bucket (not cumulative) counts; the last one is +Inf. */
  readonly counts: Float64Array;

  constructor(
    readonly labels: Readonly<Record<string, string>>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && value > b[i]) i++;
    this.counts[i]++;
    this.sum += value;
    this.count++;
  }
}

interface ExportedValue {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
}

/**
 * A labelled Prometheus histogram for per-request hot paths. prom-client's Histogram validates and
 * hashes the label object on every observation, also through a child from `labels()`; here the
 * caller keeps the `HistogramSeries` of each label set and observing touches only numbers. The
 * registry scrapes it like any prom-client metric (registered with `registerMetric`), with the same
 * exposition as prom-client's Histogram: `_bucket` series with `le` (cumulative, then `+Inf`),
 * `_sum` and `_count` per label set.
 */
export class HotHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly bySet = new Map<string, HistogramSeries>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
    private readonly buckets: readonly number[],
    registry: Registry,
  ) {
    if (buckets.some((b, i) => i > 0 && b <= buckets[i - 1])) throw new Error(`${name}: buckets must increase`);
    registry.registerMetric(this as unknown as Metric);
  }

  /** The series of one label set, created on first use; keep it rather than looking it up per observation. */
  series(labels: Record<string, string>): HistogramSeries {
    const key = this.labelNames.map((n) => labels[n] ?? '').join('\u0000');
    let s = this.bySet.get(key);
    if (!s) {
      const own: Record<string, string> = {};
      for (const n of this.labelNames) if (labels[n] !== undefined) own[n] = labels[n];
      s = new HistogramSeries(own, this.buckets);
      this.bySet.set(key, s);
    }
    return s;
  }

  /** What the registry formats (prom-client's metric interface). */
  get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: ExportedValue[] }> {
    const values: ExportedValue[] = [];
    const bucket = `${this.name}_bucket`;
    for (const s of this.bySet.values()) {
      let acc = 0;
      for (let i = 0; i < this.buckets.length; i++) {
        acc += s.counts[i];
        values.push({ labels: { le: this.buckets[i], ...s.labels }, value: acc, metricName: bucket });
      }
      values.push({ labels: { le: '+Inf', ...s.labels }, value: s.count, metricName: bucket });
      values.push({ labels: { ...s.labels }, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: { ...s.labels }, value: s.count, metricName: `${this.name}_count` });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }

  /** Zeroes every series (the registry's resetMetrics); series handed out stay valid. */
  reset(): void {
    for (const s of this.bySet.values()) {
      s.counts.fill(0);
      s.sum = 0;
      s.count = 0;
    }
  }
}
