import { env, parse } from '../args.js';
import { readClusterState } from './cluster-view.js';

const HELP = `
Usage: ringdb status [options]

Lists the storage nodes with zone, address, health and how many vnodes each leads and follows.

Options:
  --membership <host:port>    membership service (env RINGDB_MEMBERSHIP, default 127.0.0.1:7000)
  --json                      print JSON
  -h, --help                  show this help
`;

export async function statusCommand(argv: string[]): Promise<void> {
  const { values } = parse(argv, { membership: { type: 'string' }, json: { type: 'boolean' } }, HELP);
  const state = await readClusterState((values.membership as string) ?? env('RINGDB_MEMBERSHIP', '127.0.0.1:7000'));
  const { placement } = state;
  // Vnode roles as placement assigns them, and as each node last reported applying them.
  const planned = new Map<string, { leader: number; follower: number }>();
  placement.vnodes.forEach((g) =>
    g.nodes.forEach((id, i) => {
      const c = planned.get(id) ?? { leader: 0, follower: 0 };
      if (i === g.leader) c.leader++;
      else c.follower++;
      planned.set(id, c);
    }),
  );
  const nodes = [...placement.nodes].sort((x, y) => x.zone.localeCompare(y.zone) || x.id.localeCompare(y.id)).map((n) => {
    const reported = state.nodeStatus.find((s) => s.id === n.id);
    return {
      id: n.id,
      zone: n.zone,
      address: n.address,
      health: n.alive ? 'up' : 'down',
      leaderVnodes: planned.get(n.id)?.leader ?? 0,
      followerVnodes: planned.get(n.id)?.follower ?? 0,
      reportedLeaderVnodes: reported?.leaderVnodes ?? 0,
      reportedFollowerVnodes: reported?.followerVnodes ?? 0,
      lastSeenMsAgo: n.lastSeenMs ? Date.now() - n.lastSeenMs : null,
    };
  });
  const tables = (JSON.parse(state.tablesJson) as { TableName: string }[]).map((t) => t.TableName);
  if (values.json) {
    process.stdout.write(JSON.stringify({ placementVersion: placement.version, vnodeCount: placement.vnodeCount, zones: placement.zones, nodes, tables }, null, 2) + '\n');
    return;
  }
  process.stdout.write(`placement version ${placement.version}, ${placement.vnodeCount} vnodes, zones ${placement.zones.join(', ')}, ${tables.length} table(s)\n`);
  if (placement.vnodes.length === 0) process.stdout.write('vnodes are not placed yet: every zone needs at least one storage node\n');
  const rows = [['NODE', 'ZONE', 'ADDRESS', 'HEALTH', 'LEADER', 'FOLLOWER'], ...nodes.map((n) => [n.id, n.zone, n.address, n.health, String(n.leaderVnodes), String(n.followerVnodes)])];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) process.stdout.write(r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd() + '\n');
}
