import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { computePlacement, preferredLeader, type RegisteredNode } from '@ringdb/membership';

const node = (id: string, zone: string): RegisteredNode => ({ id, zone, address: `127.0.0.1:${id.length}` });
const ZONES = ['a', 'b', 'c'];

describe('vnode placement (one consistent-hash ring per zone)', () => {
  it('gives every vnode exactly one replica in each zone', () => {
    const nodes = [node('a1', 'a'), node('a2', 'a'), node('b1', 'b'), node('c1', 'c'), node('c2', 'c'), node('c3', 'c')];
    const placement = computePlacement(ZONES, nodes, 256);
    assert.equal(placement.length, 256);
    for (const group of placement) {
      assert.equal(group.nodes.length, 3);
      assert.deepEqual(group.nodes.map((id) => nodes.find((n) => n.id === id)!.zone), ZONES);
    }
  });

  it('spreads leadership evenly over the zones', () => {
    const placement = computePlacement(ZONES, [node('a1', 'a'), node('b1', 'b'), node('c1', 'c')], 256);
    const leaders = new Map<string, number>();
    for (const g of placement) leaders.set(g.nodes[g.leader], (leaders.get(g.nodes[g.leader]) ?? 0) + 1);
    assert.deepEqual([...leaders.values()].sort(), [85, 85, 86]);
  });

  it('with a leader zone, designates every vnode\'s replica in that zone as its leader', () => {
    const nodes = [node('a1', 'a'), node('b1', 'b'), node('b2', 'b'), node('c1', 'c')];
    const placement = computePlacement(ZONES, nodes, 128, 'b');
    for (const g of placement) assert.equal(nodes.find((n) => n.id === g.nodes[g.leader])!.zone, 'b');
    // Only the leaders differ from the spread placement; the replicas are the same.
    assert.deepEqual(placement.map((g) => g.nodes), computePlacement(ZONES, nodes, 128).map((g) => g.nodes));
    assert.equal(preferredLeader(ZONES, 7, 'c'), 2);
    assert.equal(preferredLeader(ZONES, 7), 1);
    assert.equal(preferredLeader(ZONES, 7, 'elsewhere'), 1);
  });

  it('places nothing until every zone has a node', () => {
    assert.deepEqual(computePlacement(ZONES, [node('a1', 'a'), node('b1', 'b')], 64), []);
  });

  it('is deterministic and independent of registration order', () => {
    const nodes = [node('a1', 'a'), node('a2', 'a'), node('b1', 'b'), node('c1', 'c')];
    assert.deepEqual(computePlacement(ZONES, nodes, 128), computePlacement(ZONES, [...nodes].reverse(), 128));
  });

  it('moves only the vnodes that now land on an added node, and only in its zone', () => {
    const before = [node('a1', 'a'), node('a2', 'a'), node('b1', 'b'), node('b2', 'b'), node('c1', 'c')];
    const after = [...before, node('b3', 'b')];
    const p1 = computePlacement(ZONES, before, 256);
    const p2 = computePlacement(ZONES, after, 256);
    let moved = 0;
    for (let v = 0; v < 256; v++) {
      assert.equal(p2[v].nodes[0], p1[v].nodes[0], `zone a of vnode ${v} unchanged`);
      assert.equal(p2[v].nodes[2], p1[v].nodes[2], `zone c of vnode ${v} unchanged`);
      if (p2[v].nodes[1] !== p1[v].nodes[1]) {
        moved++;
        assert.equal(p2[v].nodes[1], 'b3', `vnode ${v} moved to the new node, not elsewhere`);
      }
      assert.equal(p2[v].leader, p1[v].leader);
    }
    // About a third of zone b's vnodes move to the third node; never none, never most.
    assert.ok(moved > 256 / 6 && moved < 256 / 2, `${moved} vnodes moved`);
  });
});
