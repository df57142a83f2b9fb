import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LEAVES, MerkleBuilder, MerkleTree, bucketOf } from '@ringdb/storage-node';

type Rows = Map<string, string>;

function rows(n: number): Rows {
  const out: Rows = new Map();
  for (let i = 0; i < n; i++) out.set(`key-${String(i).padStart(5, '0')}`, `value of ${i}`);
  return out;
}

function treeOf(data: Rows, order: 'sorted' | 'reversed' = 'sorted'): MerkleTree {
  const keys = [...data.keys()].sort();
  if (order === 'reversed') keys.reverse();
  const b = new MerkleBuilder();
  for (const k of keys) b.add(Buffer.from(k), Buffer.from(data.get(k)!));
  return b.build();
}

const bucket = (k: string) => bucketOf(Buffer.from(k));

describe('anti-entropy Merkle tree', () => {
  it('is the same for the same rows, whatever order they are added in', () => {
    const data = rows(2_000);
    const a = treeOf(data);
    const b = treeOf(data, 'reversed');
    assert.ok(a.root.equals(b.root));
    assert.deepEqual(a.differingLeaves(b), []);
  });

  it('gives empty trees of any two replicas the same root', () => {
    assert.ok(treeOf(new Map()).root.equals(treeOf(new Map()).root));
    assert.ok(!treeOf(new Map()).root.equals(treeOf(rows(1)).root));
  });

  it('finds exactly the bucket of one changed value', () => {
    const data = rows(2_000);
    const changed = new Map(data);
    changed.set('key-00042', 'another value');
    assert.deepEqual(treeOf(data).differingLeaves(treeOf(changed)), [bucket('key-00042')]);
  });

  it('finds exactly the bucket of one missing key, and of one extra key', () => {
    const data = rows(2_000);
    const missing = new Map(data);
    missing.delete('key-01234');
    assert.deepEqual(treeOf(data).differingLeaves(treeOf(missing)), [bucket('key-01234')]);
    const extra = new Map(data);
    extra.set('key-99999', 'extra');
    assert.deepEqual(treeOf(extra).differingLeaves(treeOf(data)), [bucket('key-99999')]);
  });

  it('finds every damaged bucket at once (and nothing else)', () => {
    const data = rows(5_000);
    const damaged = new Map(data);
    const touched = ['key-00001', 'key-00777', 'key-03000', 'key-04999'];
    damaged.delete(touched[0]);
    damaged.delete(touched[1]);
    damaged.set(touched[2], 'changed');
    damaged.set('key-77777', 'extra');
    const expected = [...new Set([...touched.slice(0, 3), 'key-77777'].map(bucket))].sort((x, y) => x - y);
    assert.deepEqual(treeOf(data).differingLeaves(treeOf(damaged)).sort((x, y) => x - y), expected);
  });

  it('tells a value moved to another key apart (key and value are both digested)', () => {
    const a = treeOf(new Map([['k1', 'v'], ['k2', 'w']]));
    const b = treeOf(new Map([['k1', 'w'], ['k2', 'v']]));
    assert.ok(!a.root.equals(b.root));
  });

  it('round-trips through packed leaves (the form a peer sends)', () => {
    const t = treeOf(rows(300));
    const copy = MerkleTree.fromPackedLeaves(t.packedLeaves());
    assert.ok(copy.root.equals(t.root));
    assert.equal(t.packedLeaves().length, LEAVES * 20);
    assert.throws(() => MerkleTree.fromPackedLeaves(Buffer.alloc(10)));
  });
});
