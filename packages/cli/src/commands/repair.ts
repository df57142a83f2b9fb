import { CHANNEL_OPTIONS, grpc, services, unary } from '@ringdb/runtime';
import type { RoundSummary } from '@ringdb/storage-node';
import { env, parse } from '../args.js';
import { readClusterState } from './cluster-view.js';

const HELP = `
Usage: ringdb repair [table] [options]

Runs an anti-entropy round now: every storage node that is up compares each vnode it leads with
the vnode's followers (Merkle trees of each table's rows, then the rows of differing buckets) and
rewrites on the followers the keys that really differ from the leader. Differences explained by
writes in flight are not repairs; keys that cannot be decided now are counted as skipped and left
for a later round. Prints one line per node, a total, and the vnodes no node compared (no leader
at that moment, or a leader whose round failed): run again for those.

Arguments:
  table                       repair only this table (default: every table)

Options:
  --membership <host:port>    membership service (env RINGDB_MEMBERSHIP, default 127.0.0.1:7000)
  --timeout-ms <ms>           how long to wait for each node's round (default 600000)
  --json                      print JSON
  -h, --help                  show this help

Exits 1 if a node that membership reports up could not run its round.
`;

const FIELDS: (keyof RoundSummary)[] = ['vnodes', 'comparisons', 'differing', 'repaired', 'skipped', 'failed'];

export async function repairCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parse(
    argv,
    { membership: { type: 'string' }, json: { type: 'boolean' }, 'timeout-ms': { type: 'string' } },
    HELP,
    true,
  );
  if (positionals.length > 1) {
    process.stderr.write(HELP.trimStart());
    process.exit(2);
  }
  const table = positionals[0];
  const timeoutMs = Number((values['timeout-ms'] as string) ?? '600000');
  const state = await readClusterState((values.membership as string) ?? env('RINGDB_MEMBERSHIP', '127.0.0.1:7000'));
  const names = (JSON.parse(state.tablesJson) as { TableName: string }[]).map((t) => t.TableName);
  if (table !== undefined && !names.includes(table)) throw new Error(`no table named ${table}`);
  const nodes = [...state.placement.nodes].sort((x, y) => x.zone.localeCompare(y.zone) || x.id.localeCompare(y.id));
  const compared = new Set<number>();
  const results = await Promise.all(
    nodes.map(async (n): Promise<{ node: string; zone: string; status: string; summary?: RoundSummary }> => {
      if (!n.alive) return { node: n.id, zone: n.zone, status: 'down' };
      const client = new (services().AntiEntropy)(n.address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
      try {
        const reply = await unary<{ table: string }, RoundSummary & { error: string; compared: number[] }>(client, 'run', { table: table ?? '' }, timeoutMs);
        if (reply.error) return { node: n.id, zone: n.zone, status: `error: ${reply.error}` };
        const summary = Object.fromEntries(FIELDS.map((f) => [f, reply[f]])) as unknown as RoundSummary;
        for (const v of reply.compared) compared.add(v);
        return { node: n.id, zone: n.zone, status: 'ok', summary };
      } catch (err) {
        return { node: n.id, zone: n.zone, status: `error: ${(err as Error).message}` };
      } finally {
        client.close();
      }
    }),
  );
  const total = Object.fromEntries(FIELDS.map((f) => [f, results.reduce((s, r) => s + (r.summary?.[f] ?? 0), 0)])) as unknown as RoundSummary;
  const failedNodes = results.filter((r) => r.status !== 'ok' && r.status !== 'down').length;
  const notCompared: number[] = [];
  for (let v = 0; v < state.placement.vnodeCount; v++) if (!compared.has(v)) notCompared.push(v);
  if (values.json) {
    process.stdout.write(JSON.stringify({ table: table ?? null, nodes: results, total, notCompared }, null, 2) + '\n');
  } else {
    process.stdout.write(`anti-entropy round of ${table ?? 'every table'} on ${nodes.length} storage node(s)\n`);
    const rows = [
      ['NODE', 'ZONE', 'STATUS', 'VNODES', 'COMPARED', 'DIFFERING', 'REPAIRED', 'SKIPPED', 'FAILED'],
      ...results.map((r) => [r.node, r.zone, r.status, ...FIELDS.map((f) => (r.summary ? String(r.summary[f]) : '-'))]),
      ['TOTAL', '', '', ...FIELDS.map((f) => String(total[f]))],
    ];
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    for (const r of rows) process.stdout.write(r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd() + '\n');
    if (notCompared.length > 0) {
      process.stdout.write(`not compared: ${notCompared.length} vnode(s) (no leader at that moment, or its round failed): ${notCompared.join(', ')}; run again\n`);
    }
  }
  if (failedNodes > 0) process.exit(1);
}
