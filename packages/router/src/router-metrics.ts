import { Counter, Gauge, type Registry } from 'prom-client';
import { HotHistogram, counterOf, type HistogramSeries } from '@ringdb/runtime';

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface RequestSeries {
  labels: { operation: string; outcome: string };
  /** Requests not yet handed to the counter (it takes them when scraped). */
  pending: number;
  time: HistogramSeries;
}

/**
 * The router's Prometheus metrics. Outcome is `success` or the DynamoDB error type. Observing a
 * request touches only numbers: counts and byte totals are added up here and read by prom-client's
 * counters when they are scraped (their `collect`), and the latency histogram is a HotHistogram.
 */
export class RouterMetrics {
  private readonly duration: HotHistogram;
  private bytesIn = 0;
  private bytesOut = 0;
  readonly retries: Counter;

  constructor(registry: Registry, placementVersion: () => number) {
    const byOperation = this.byOperation;
    new Counter({
      name: 'ringdb_router_requests_total',
      help: 'DynamoDB API requests by operation and outcome',
      labelNames: ['operation', 'outcome'],
      registers: [registry],
      collect() {
        for (const outcomes of byOperation.values()) {
          for (const s of outcomes.values()) {
            if (s.pending === 0) continue;
            this.inc(s.labels, s.pending);
            s.pending = 0;
          }
        }
      },
    });
    this.duration = new HotHistogram(
      'ringdb_router_request_duration_seconds',
      'Time from a request arriving to its response being written',
      ['operation', 'outcome'],
      LATENCY_BUCKETS,
      registry,
    );
    counterOf(registry, 'ringdb_router_request_bytes_total', 'Request body bytes received', () => this.bytesIn);
    counterOf(registry, 'ringdb_router_response_bytes_total', 'Response body bytes sent', () => this.bytesOut);
    this.retries = new Counter({ name: 'ringdb_router_routing_retries_total', help: 'Operations re-sent after a wrong-node answer or a broken node stream', registers: [registry] });
    new Gauge({
      name: 'ringdb_router_placement_version',
      help: 'Version of the placement this router routes by',
      registers: [registry],
      collect() {
        this.set(placementVersion());
      },
    });
  }

  /** Each operation and outcome's series, looked up once (operations are bounded, and so are error types). */
  private readonly byOperation = new Map<string, Map<string, RequestSeries>>();

  observe(operation: string, outcome: string, seconds: number, bytesIn: number, bytesOut: number): void {
    const op = operation || 'unknown';
    let outcomes = this.byOperation.get(op);
    if (!outcomes) this.byOperation.set(op, (outcomes = new Map()));
    let s = outcomes.get(outcome);
    if (!s) {
      const labels = { operation: op, outcome };
      s = { labels, pending: 0, time: this.duration.series(labels) };
      outcomes.set(outcome, s);
    }
    s.pending++;
    s.time.observe(seconds);
    this.bytesIn += bytesIn;
    this.bytesOut += bytesOut;
  }
}
