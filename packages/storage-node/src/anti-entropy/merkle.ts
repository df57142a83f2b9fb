/**
 * A fixed-shape Merkle tree over the rows of one (vnode, table) on one replica. Pure: no I/O.
 *
 * Every row (encoded primary key, stored value) falls into one of LEAVES buckets chosen by a hash
 * of its key alone, so the same key lands in the same leaf on every replica whatever its value.
 * A row's digest is SHA-1 of (key length, key, value); a leaf's digest combines the digests of its
 * rows with XOR, which does not depend on the order rows are added in (they arrive in key order,
 * which bucketing scatters), together with the number of rows; an empty leaf is all zeros. Inner
 * nodes hash their two children. Two replicas holding the same rows have the same root; where they
 * differ, descending from the root through the differing children finds exactly the leaves (buckets)
 * whose rows differ.
 */
import { hash } from 'node:crypto';

/** Leaves (buckets) per tree; a power of two. */
export const LEAVES = 1024;
export const DIGEST_BYTES = 20;

const ZERO = Buffer.alloc(DIGEST_BYTES);

/** The bucket (leaf) of an encoded key: the same on every replica. */
export function bucketOf(key: Buffer): number {
  return hash('md5', key, 'buffer').readUInt16BE(0) % LEAVES;
}

/** Digest of one row: changes when the key or the stored value changes. */
export function rowDigest(key: Buffer, value: Buffer): Buffer {
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32BE(key.length, 0);
  return hash('sha1', Buffer.concat([head, key, value]), 'buffer');
}

export class MerkleTree {
  /** Heap layout: nodes[1] is the root, nodes[LEAVES + i] is leaf i; children of n are 2n, 2n + 1. */
  private readonly nodes: Buffer[];

  private constructor(nodes: Buffer[]) {
    this.nodes = nodes;
  }

  /** A tree from per-leaf digests (as `leaves()` returns them, e.g. received from a peer). */
  static fromLeaves(leaves: Buffer[]): MerkleTree {
    if (leaves.length !== LEAVES) throw new Error(`a Merkle tree has ${LEAVES} leaves, not ${leaves.length}`);
    const nodes = new Array<Buffer>(2 * LEAVES);
    for (let i = 0; i < LEAVES; i++) {
      if (leaves[i].length !== DIGEST_BYTES) throw new Error(`leaf ${i} digest has ${leaves[i].length} bytes`);
      nodes[LEAVES + i] = leaves[i];
    }
    for (let n = LEAVES - 1; n >= 1; n--) nodes[n] = innerDigest(nodes[2 * n], nodes[2 * n + 1]);
    return new MerkleTree(nodes);
  }

  /** Leaf digests concatenated (LEAVES x DIGEST_BYTES bytes), the form sent to a peer. */
  packedLeaves(): Buffer {
    return Buffer.concat(this.leaves());
  }

  static fromPackedLeaves(packed: Buffer): MerkleTree {
    if (packed.length !== LEAVES * DIGEST_BYTES) throw new Error(`packed leaves have ${packed.length} bytes`);
    const leaves: Buffer[] = [];
    for (let i = 0; i < LEAVES; i++) leaves.push(packed.subarray(i * DIGEST_BYTES, (i + 1) * DIGEST_BYTES));
    return MerkleTree.fromLeaves(leaves);
  }

  get root(): Buffer {
    return this.nodes[1];
  }

  leaves(): Buffer[] {
    return this.nodes.slice(LEAVES, 2 * LEAVES);
  }

  /** Buckets whose rows differ between this tree and `other`, found by descending differing subtrees. */
  differingLeaves(other: MerkleTree): number[] {
    const out: number[] = [];
    const visit = (n: number): void => {
      if (this.nodes[n].equals(other.nodes[n])) return;
      if (n >= LEAVES) {
        out.push(n - LEAVES);
        return;
      }
      visit(2 * n);
      visit(2 * n + 1);
    };
    visit(1);
    return out;
  }
}

function innerDigest(left: Buffer, right: Buffer): Buffer {
  if (left.equals(ZERO) && right.equals(ZERO)) return ZERO; // empty subtrees stay cheap and equal
  return hash('sha1', Buffer.concat([left, right]), 'buffer');
}

/** Accumulates rows (in any order) into leaf digests, then builds the tree. */
export class MerkleBuilder {
  private readonly xor: Buffer[] = Array.from({ length: LEAVES }, () => Buffer.alloc(DIGEST_BYTES));
  private readonly counts = new Uint32Array(LEAVES);

  /** Adds one row; returns its bucket and digest (callers comparing rows keep them). */
  add(key: Buffer, value: Buffer): { bucket: number; digest: Buffer } {
    const bucket = bucketOf(key);
    const digest = rowDigest(key, value);
    const acc = this.xor[bucket];
    for (let i = 0; i < DIGEST_BYTES; i++) acc[i] ^= digest[i];
    this.counts[bucket]++;
    return { bucket, digest };
  }

  build(): MerkleTree {
    const leaves = this.xor.map((acc, i) => {
      if (this.counts[i] === 0) return ZERO;
      const count = Buffer.allocUnsafe(4);
      count.writeUInt32BE(this.counts[i], 0);
      return hash('sha1', Buffer.concat([count, acc]), 'buffer');
    });
    return MerkleTree.fromLeaves(leaves);
  }
}
