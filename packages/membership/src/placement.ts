import HashRing from 'hashring';

export interface RegisteredNode {
  id: string;
  zone: string;
  address: string;
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
 * The designated leader of vnode v is its replica in zone number v mod (number of zones), which
 * spreads leadership evenly over the zones.
 *
 * Returns an empty assignment list until every zone has at least one node.
 */
export function computePlacement(zones: string[], nodes: RegisteredNode[], vnodeCount: number): VnodeAssignment[] {
  const rings: HashRing[] = [];
  for (const zone of zones) {
    const ids = nodes.filter((n) => n.zone === zone).map((n) => n.id).sort();
    if (ids.length === 0) return [];
    rings.push(new HashRing(ids, 'md5'));
  }
  const out: VnodeAssignment[] = [];
  for (let v = 0; v < vnodeCount; v++) {
    const key = `vnode-${v}`;
    out.push({ nodes: rings.map((ring) => ring.get(key)), leader: v % zones.length });
  }
  return out;
}
