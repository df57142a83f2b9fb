import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The router's Prometheus metrics. Outcome is `success` or the DynamoDB error type. */
export class RouterMetrics {
  private readonly requests: Counter<'operation' | 'outcome'>;
  private readonly duration: Histogram<'operation' | 'outcome'>;
  private readonly bytesIn: Counter;
  private readonly bytesOut: Counter;
  readonly retries: Counter;

  constructor(registry: Registry, placementVersion: () => number) {
    this.requests = new Counter({ name: 'ringdb_router_requests_total', help: 'DynamoDB API requests by operation and outcome', labelNames: ['operation', 'outcome'], registers: [registry] });
    this.duration = new Histogram({
      name: 'ringdb_router_request_duration_seconds',
      help: 'Time from a request arriving to its response being written',
      labelNames: ['operation', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    });
    this.bytesIn = new Counter({ name: 'ringdb_router_request_bytes_total', help: 'Request body bytes received', registers: [registry] });
    this.bytesOut = new Counter({ name: 'ringdb_router_response_bytes_total', help: 'Response body bytes sent', registers: [registry] });
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

  /** The labelled counter and histogram of each operation and outcome, looked up once (labels are bounded). */
  private readonly children = new Map<string, { count: { inc(): void }; time: { observe(v: number): void } }>();

  observe(operation: string, outcome: string, seconds: number, bytesIn: number, bytesOut: number): void {
    const op = operation || 'unknown';
    const id = `${op}\n${outcome}`;
    let child = this.children.get(id);
    if (!child) {
      child = { count: this.requests.labels({ operation: op, outcome }), time: this.duration.labels({ operation: op, outcome }) };
      this.children.set(id, child);
    }
    child.count.inc();
    child.time.observe(seconds);
    this.bytesIn.inc(bytesIn);
    this.bytesOut.inc(bytesOut);
  }
}
