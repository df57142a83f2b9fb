import { env, parse } from '../args.js';
import { readClusterState } from './cluster-view.js';

const HELP = `
Usage: ringdb status [options]

Lists the storage nodes with zone, address, health, how many vnodes each leads now (LEADER: elected
by the vnodes' replicas, as last reported), how many placement prefers it to lead (PREFERRED), and
how many it replicates as a follower by placement (FOLLOWER).

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
      draining: n.draining,
      /** Vnodes moving to this node (it is in their target but not yet a replica) and away from it. */
      incomingVnodes: placement.vnodes.filter((g) => g.target.includes(n.id) && !g.nodes.includes(n.id)).length,
      outgoingVnodes: placement.vnodes.filter((g) => g.target.length > 0 && g.nodes.includes(n.id) && !g.target.includes(n.id)).length,
      /** Vnodes it leads now, as it last reported (leaders are elected by each vnode's replicas). */
      leaderVnodes: n.alive ? (reported?.leaderVnodes ?? 0) : 0,
      followerVnodes: n.alive ? (reported?.followerVnodes ?? 0) : 0,
      /** Vnodes placement names it the preferred leader of, and the vnodes it replicates otherwise. */
      preferredLeaderVnodes: planned.get(n.id)?.leader ?? 0,
      placedFollowerVnodes: planned.get(n.id)?.follower ?? 0,
      lastSeenMsAgo: n.lastSeenMs ? Date.now() - n.lastSeenMs : null,
    };
  });
  const tables = (JSON.parse(state.tablesJson) as { TableName: string }[]).map((t) => t.TableName);
  const moving = placement.vnodes.filter((g) => g.target.length > 0).length;
  if (values.json) {
    process.stdout.write(JSON.stringify({ placementVersion: placement.version, vnodeCount: placement.vnodeCount, zones: placement.zones, movingVnodes: moving, nodes, tables }, null, 2) + '\n');
    return;
  }
  process.stdout.write(`placement version ${placement.version}, ${placement.vnodeCount} vnodes, zones ${placement.zones.join(', ')}, ${tables.length} table(s)\n`);
  if (placement.vnodes.length === 0) process.stdout.write('vnodes are not placed yet: every zone needs at least one storage node\n');
  if (moving > 0) process.stdout.write(`${moving} vnode(s) moving (IN: snapshot and log streaming to the node, OUT: leaving it)\n`);
  // LEADER: vnodes the node leads now (elected by their replicas, as it last reported);
  // PREFERRED: vnodes placement names it the preferred leader of.
  const rows = [
    ['NODE', 'ZONE', 'ADDRESS', 'HEALTH', 'LEADER', 'PREFERRED', 'FOLLOWER', 'IN', 'OUT'],
    ...nodes.map((n) => [
      n.id,
      n.zone,
      n.address,
      n.draining ? `${n.health},draining` : n.health,
      n.health === 'up' ? String(n.leaderVnodes) : '-',
      String(n.preferredLeaderVnodes),
      String(n.placedFollowerVnodes),
      String(n.incomingVnodes),
      String(n.outgoingVnodes),
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) process.stdout.write(r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd() + '\n');
}
