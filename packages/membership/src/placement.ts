import HashRing from 'hashring';

export interface RegisteredNode {
  id: string;
  zone: string;
  address: string;
  /** Being decommissioned: the rings leave it out, so its vnodes move to the rest of its zone. */
  draining?: boolean;
}

export interface VnodeAssignment {
  /** One node id per zone, in zone order. */
  nodes: string[];
  /** Index into `nodes` of the designated leader. */
  leader: number;
}

/**
 * Places every vnode on one node of each zone. Each zone has its own consistent-hash ring (npm
 * `hashring`, ketama-style) over the ids of that zone's nodes, and vnode v goes to the node that
 * ring returns for the key `vnode-<v>`. Adding a node to a zone therefore moves only the vnodes
 * that the zone's ring now maps to the new node; the other zones' placements do not change.
 * The designated leader of vnode v is its replica in `leaderZone` when one is given (see
 * `preferredLeader`), else in zone number v mod (number of zones), which spreads leadership evenly
 * over the zones.
 *
 * Returns an empty assignment list until every zone has at least one node.
 */
export function computePlacement(zones: string[], nodes: RegisteredNode[], vnodeCount: number, leaderZone?: string): VnodeAssignment[] {
  const rings: HashRing[] = [];
  for (const zone of zones) {
    const ids = nodes.filter((n) => n.zone === zone && !n.draining).map((n) => n.id).sort();
    if (ids.length === 0) return [];
    rings.push(new HashRing(ids, 'md5'));
  }
  const out: VnodeAssignment[] = [];
  for (let v = 0; v < vnodeCount; v++) {
    const key = `vnode-${v}`;
    out.push({ nodes: rings.map((ring) => ring.get(key)), leader: preferredLeader(zones, v, leaderZone) });
  }
  return out;
}

/**
 * Index (into the zones, and so into a vnode's `nodes`) of vnode v's designated leader. With a
 * leader zone (leader affinity, as other databases offer as lease or leader preferences), every
 * vnode prefers its replica there: that zone's nodes take all writes and strongly consistent reads,
 * and each message between nodes carries the work of many vnodes. Spread (the default), the work
 * is balanced over the zones' machines but cut into more, smaller messages.
 */
export function preferredLeader(zones: readonly string[], vnode: number, leaderZone?: string): number {
  const i = leaderZone ? zones.indexOf(leaderZone) : -1;
  return i >= 0 ? i : vnode % zones.length;
}

/** A vnode as placement publishes it: its current replicas and, while it moves, where to. */
export interface VnodePlacement extends VnodeAssignment {
  target: string[];
  targetLeader: number;
}

/**
 * The published placement while the cluster moves from `current` (the replicas each vnode has) to
 * `target` (what the rings assign now): vnodes whose replicas differ carry the target, at most
 * `maxMoves` of them at once (in vnode order, those already moving first) so that a node joining a
 * zone does not receive every snapshot at the same moment. Each vnode's leader carries the move out
 * (learner, catch-up, one configuration change at a time) and reports it; see `completeMove`.
 */
export function planPlacement(current: VnodeAssignment[], target: VnodeAssignment[], maxMoves: number, moving: ReadonlySet<number>): VnodePlacement[] {
  const out: VnodePlacement[] = current.map((a) => ({ nodes: a.nodes, leader: a.leader, target: [], targetLeader: 0 }));
  let started = 0;
  const differs = (v: number) => !sameMembers(current[v].nodes, target[v].nodes);
  const order = [...moving].filter((v) => v < current.length).sort((a, b) => a - b);
  for (let v = 0; v < current.length; v++) if (!moving.has(v)) order.push(v);
  for (const v of order) {
    if (!differs(v) || started >= maxMoves) continue;
    out[v].target = target[v].nodes;
    out[v].targetLeader = target[v].leader;
    started++;
  }
  return out;
}

export function sameMembers(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
