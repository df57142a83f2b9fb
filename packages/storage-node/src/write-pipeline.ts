import type { StorageEngine } from './engine.js';
import { dataKey, encodeItemValue, itemValueJson, itemValueSize } from './keyspace.js';
import { NotLeaderError, type ReplicationDriver } from './replication-driver.js';
import type { Mutation } from './replication/types.js';
import { OpFlag, OpKind, ReplyCode, type DataOp, type DataReply } from './data-ops.js';

interface Pending {
  op: DataOp;
  done(reply: DataReply): void;
}

interface OverlayEntry {
  vnode: number;
  index: number;
  /** The item's stored value after this write, or null for a delete. */
  value: Buffer | null;
}

/** How long a leader waits for a quorum before answering that the outcome is unknown. */
const QUORUM_TIMEOUT_MS = 5_000;

/**
 * Leader-side writes. Writes are taken in batches: the old values of all keys in a batch are read
 * with one getMany, then each write is computed in arrival order against the newest state (the
 * overlay of proposed but not yet applied writes wins over disk), proposed to its vnode's log, and
 * answered when applied. Batch N+1 is read only after batch N is proposed, so read-modify-write
 * never loses an update.
 */
export class WritePipeline {
  private queue: Pending[] = [];
  private running = false;
  private readonly overlay = new Map<string, OverlayEntry>();
  private appliedKeys: string[] = [];

  constructor(
    private readonly engine: StorageEngine,
    private readonly driver: ReplicationDriver,
  ) {}

  submit(op: DataOp, done: (reply: DataReply) => void): void {
    this.queue.push({ op, done });
    if (!this.running) void this.run();
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        this.purgeApplied();
        const keys = batch.map((p) => dataKey(p.op.tableId, p.op.vnode, p.op.key));
        const wanted: Buffer[] = [];
        const slot: number[] = [];
        keys.forEach((k, i) => {
          if (!this.overlay.has(k.toString('latin1'))) {
            slot[i] = wanted.length;
            wanted.push(k);
          }
        });
        let stored: (Buffer | undefined)[];
        try {
          stored = await this.engine.getMany(wanted);
        } catch (err) {
          for (const p of batch) p.done({ id: p.op.id, code: ReplyCode.Error, errorType: 'InternalServerError', errorMessage: String(err) });
          continue;
        }
        batch.forEach((p, i) => {
          const k = keys[i].toString('latin1');
          const o = this.overlay.get(k);
          const old = o ? o.value : (stored[slot[i]] ?? null);
          this.apply(p, k, old);
        });
      }
    } finally {
      this.running = false;
    }
  }

  private apply(p: Pending, k: string, old: Buffer | null): void {
    const { op } = p;
    const replica = this.driver.replicas[op.vnode];
    if (!replica || !replica.isLeader) {
      p.done({ id: op.id, code: ReplyCode.WrongNode, placementVersion: this.driver.placementVersion });
      return;
    }
    const oldBody = op.flags & OpFlag.ReturnOld && old ? itemValueJson(old) : undefined;
    let mutation: Mutation;
    let value: Buffer | null;
    if (op.kind === OpKind.Put) {
      value = encodeItemValue(op.itemSize, op.item);
      mutation = {
        tableId: op.tableId,
        key: op.key,
        value,
        delete: false,
        countDelta: old ? 0 : 1,
        sizeDelta: op.itemSize - (old ? itemValueSize(old) : 0),
      };
    } else {
      if (!old) {
        p.done({ id: op.id, code: ReplyCode.Ok }); // deleting nothing changes nothing
        return;
      }
      value = null;
      mutation = { tableId: op.tableId, key: op.key, value: EMPTY, delete: true, countDelta: -1, sizeDelta: -itemValueSize(old) };
    }
    let proposal: { index: number; applied: Promise<void> };
    try {
      proposal = this.driver.propose(op.vnode, [mutation]);
    } catch (err) {
      if (err instanceof NotLeaderError) {
        p.done({ id: op.id, code: ReplyCode.WrongNode, placementVersion: this.driver.placementVersion });
        return;
      }
      throw err;
    }
    this.overlay.set(k, { vnode: op.vnode, index: proposal.index, value });
    let timer: NodeJS.Timeout | undefined = setTimeout(() => {
      timer = undefined;
      p.done({ id: op.id, code: ReplyCode.Unavailable, errorMessage: 'write did not reach a quorum in time' });
    }, QUORUM_TIMEOUT_MS);
    proposal.applied.then(
      () => {
        this.appliedKeys.push(k);
        if (!timer) return;
        clearTimeout(timer);
        p.done({ id: op.id, code: ReplyCode.Ok, body: oldBody });
      },
      () => {
        // Leadership was lost before the write applied: what the overlay says is no longer known.
        if (this.overlay.get(k)?.index === proposal.index) this.overlay.delete(k);
        if (!timer) return;
        clearTimeout(timer);
        p.done({ id: op.id, code: ReplyCode.WrongNode, placementVersion: this.driver.placementVersion });
      },
    );
  }

  /** Drops overlay entries whose write is on disk; only between batches, never during a read. */
  private purgeApplied(): void {
    if (this.appliedKeys.length === 0) return;
    for (const k of this.appliedKeys) {
      const o = this.overlay.get(k);
      if (o && this.driver.appliedIndex(o.vnode) >= o.index) this.overlay.delete(k);
    }
    this.appliedKeys = [];
  }
}

const EMPTY = Buffer.alloc(0);
