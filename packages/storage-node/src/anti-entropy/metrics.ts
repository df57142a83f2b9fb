import { counterOf } from '@ringdb/runtime';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { AntiEntropy } from './anti-entropy.js';

/** Anti-entropy metrics, read from the node's AntiEntropy when Prometheus scrapes. */
export function registerAntiEntropyMetrics(registry: Registry, ae: AntiEntropy, tableName: (tableHex: string) => string): void {
  new Counter({
    name: 'ringdb_antientropy_repaired_keys_total',
    help: 'Keys this node rewrote (put or deleted) because its replica differed from its vnode leader\'s',
    labelNames: ['table'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [hex, n] of ae.repairedByTable) this.inc({ table: tableName(hex) }, n);
    },
  });
  counterOf(registry, 'ringdb_antientropy_skipped_keys_total', 'Differing keys this node, as leader, left for a later round (written meanwhile, log range no longer in memory, or both followers disagreeing with it)', () => ae.skippedKeys);
  new Counter({
    name: 'ringdb_antientropy_rounds_total',
    help: 'Anti-entropy rounds of one vnode this node led (its replicas of every table compared with its followers\'), by trigger',
    labelNames: ['trigger'],
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ trigger: 'periodic' }, ae.rounds.periodic);
      this.inc({ trigger: 'on_demand' }, ae.rounds.on_demand);
    },
  });
  new Gauge({
    name: 'ringdb_antientropy_last_round_timestamp_seconds',
    help: 'When this node last finished an anti-entropy round of a vnode it leads (Unix time; 0 before the first)',
    registers: [registry],
    collect() {
      this.set(ae.lastRoundMs / 1000);
    },
  });
}
