import {
  MAX_ITEM_SIZE,
  applyUpdate,
  evaluateCondition,
  isDynamoDBError,
  itemSize,
  type Condition,
  type Item,
  type TableKeys,
  type UpdateAction,
} from '@ringdb/core';
import type { StorageEngine } from './engine.js';
import { dataKey, encodeItemValue, itemValueJson, itemValueSize } from './keyspace.js';
import { EntryDroppedError, NotLeaderError, type ReplicationDriver } from './replication-driver.js';
import type { Mutation } from './replication/types.js';
import { OpFlag, OpKind, ReplyCode, wrongNodeReply, type DataOp, type DataReply, type WriteParams } from './data-ops.js';

interface Pending {
  op: DataOp;
  done(reply: DataReply): void;
}

interface OverlayEntry {
  vnode: number;
  index: number;
  /** The item's stored value after this write, or null for a delete. */
  value: Buffer | null;
  /** Settles when the write applies here (or rejects when it never will). */
  applied: Promise<void>;
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
    /** Told how long each write took from proposal to being applied at the leader. */
    private readonly onCommitted: (seconds: number) => void = () => undefined,
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
          try {
            this.apply(p, k, old, o);
          } catch (err) {
            p.done(
              isDynamoDBError(err)
                ? { id: p.op.id, code: ReplyCode.Error, errorType: err.type, errorMessage: err.message }
                : { id: p.op.id, code: ReplyCode.Error, errorType: 'InternalServerError', errorMessage: String(err) },
            );
          }
        });
      }
    } finally {
      this.running = false;
    }
  }

  /**
   * Answers a write that changes nothing (a failed condition, a delete of a missing item). The
   * answer is a read of this leader's state, given only under its lease as a strongly consistent
   * read is: a leader deposed without knowing it yet would answer from stale data. When what it
   * saw is a proposal not yet applied, the answer waits for it (were that proposal lost in a
   * change of leader, the answer would describe a state that never existed), and then still needs
   * the lease in the same term: the proposal may have been committed by a newer leader, after
   * writes this one never saw.
   */
  private answerUnchanged(p: Pending, seen: OverlayEntry | undefined, reply: DataReply): void {
    const term = this.driver.replicas[p.op.vnode]?.term;
    const leased = () => {
      const replica = this.driver.replicas[p.op.vnode];
      return replica !== undefined && replica.term === term && replica.canReadConsistent(Date.now());
    };
    if (!seen) return p.done(leased() ? reply : wrongNodeReply(p.op, this.driver));
    seen.applied.then(
      () => p.done(leased() ? reply : wrongNodeReply(p.op, this.driver)),
      () => p.done(wrongNodeReply(p.op, this.driver)),
    );
  }

  private apply(p: Pending, k: string, old: Buffer | null, seen: OverlayEntry | undefined): void {
    const { op } = p;
    const replica = this.driver.replicas[op.vnode];
    if (!replica || !replica.canWrite) {
      p.done(wrongNodeReply(op, this.driver));
      return;
    }
    const params: WriteParams = op.aux.length > 0 ? (JSON.parse(op.aux.toString('utf8')) as WriteParams) : {};
    let oldItem: Item | undefined;
    const oldParsed = (): Item | undefined => (old ? (oldItem ??= JSON.parse(itemValueJson(old).toString('utf8')) as Item) : undefined);
    if (params.condition && !evaluateCondition(params.condition as Condition, oldParsed())) {
      this.answerUnchanged(p, seen, {
        id: op.id,
        code: ReplyCode.Error,
        errorType: 'ConditionalCheckFailedException',
        errorMessage: 'The conditional request failed',
        body: params.returnOldOnConditionFailure && old ? itemValueJson(old) : undefined,
      });
      return;
    }
    let returned: Buffer | undefined;
    let mutation: Mutation;
    let value: Buffer | null;
    if (op.kind === OpKind.Put || op.kind === OpKind.Update) {
      let size = op.itemSize;
      let json = op.item;
      if (op.kind === OpKind.Update) {
        const base = oldParsed();
        const updated = applyUpdate(params.update as UpdateAction[], base && structuredClone(base), params.key as Item, params.keys as TableKeys);
        size = itemSize(updated.item);
        if (size > MAX_ITEM_SIZE) {
          p.done({ id: op.id, code: ReplyCode.Error, errorType: 'ValidationException', errorMessage: 'Item size to update has exceeded the maximum allowed size' });
          return;
        }
        json = Buffer.from(JSON.stringify(updated.item));
        returned = updateReturnValues(params.returnValues, old, oldParsed(), updated.item, json, updated.changed);
      } else if (op.flags & OpFlag.ReturnOld && old) {
        returned = itemValueJson(old);
      }
      value = encodeItemValue(size, json);
      mutation = {
        tableId: op.tableId,
        key: op.key,
        value,
        delete: false,
        countDelta: old ? 0 : 1,
        sizeDelta: size - (old ? itemValueSize(old) : 0),
      };
    } else {
      if (!old) {
        this.answerUnchanged(p, seen, { id: op.id, code: ReplyCode.Ok, aux: sizes(op, 0, 0) }); // deleting nothing changes nothing
        return;
      }
      if (op.flags & OpFlag.ReturnOld) returned = itemValueJson(old);
      value = null;
      mutation = { tableId: op.tableId, key: op.key, value: EMPTY, delete: true, countDelta: -1, sizeDelta: -itemValueSize(old) };
    }
    let proposal: { index: number; applied: Promise<void> };
    try {
      proposal = this.driver.propose(op.vnode, [mutation]);
    } catch (err) {
      if (err instanceof NotLeaderError) {
        p.done(wrongNodeReply(op, this.driver));
        return;
      }
      throw err;
    }
    const applied = proposal.applied;
    applied.catch(() => undefined); // observed below; this copy only feeds answerUnchanged
    this.overlay.set(k, { vnode: op.vnode, index: proposal.index, value, applied });
    const proposedAt = process.hrtime.bigint();
    let timer: NodeJS.Timeout | undefined = setTimeout(() => {
      timer = undefined;
      p.done({ id: op.id, code: ReplyCode.Unavailable, errorMessage: 'write did not reach a quorum in time' });
    }, QUORUM_TIMEOUT_MS);
    proposal.applied.then(
      () => {
        this.appliedKeys.push(k);
        this.onCommitted(Number(process.hrtime.bigint() - proposedAt) / 1e9);
        if (!timer) return;
        clearTimeout(timer);
        p.done({ id: op.id, code: ReplyCode.Ok, body: returned, aux: sizes(op, old ? itemValueSize(old) : 0, value ? itemValueSize(value) : 0) });
      },
      (err: unknown) => {
        // The entry will not apply here: the overlay no longer describes what is stored.
        if (this.overlay.get(k)?.index === proposal.index) this.overlay.delete(k);
        if (!timer) return;
        clearTimeout(timer);
        if (err instanceof EntryDroppedError) {
          // A new leader's log replaced it: it never happened, so the router may retry it there.
          p.done(wrongNodeReply(op, this.driver));
        } else {
          p.done({ id: op.id, code: ReplyCode.Unavailable, errorMessage: (err as Error).message });
        }
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

function sizes(op: DataOp, oldSize: number, newSize: number): Buffer | undefined {
  return op.flags & OpFlag.ReportSizes ? Buffer.from(`{"oldSize":${oldSize},"newSize":${newSize}}`) : undefined;
}

function pick(item: Item | undefined, names: string[]): Item | undefined {
  if (!item) return undefined;
  const out: Item = {};
  for (const n of names) if (item[n] !== undefined) out[n] = item[n];
  return Object.keys(out).length > 0 ? out : undefined;
}

/** UpdateItem's ReturnValues: the whole item or only the attributes the update changed, before or after. */
function updateReturnValues(
  mode: WriteParams['returnValues'],
  old: Buffer | null,
  oldItem: Item | undefined,
  newItem: Item,
  newJson: Buffer,
  changed: string[],
): Buffer | undefined {
  switch (mode) {
    case 'ALL_OLD':
      return old ? itemValueJson(old) : undefined;
    case 'ALL_NEW':
      return newJson;
    case 'UPDATED_OLD': {
      const part = pick(oldItem, changed);
      return part ? Buffer.from(JSON.stringify(part)) : undefined;
    }
    case 'UPDATED_NEW': {
      const part = pick(newItem, changed);
      return part ? Buffer.from(JSON.stringify(part)) : undefined;
    }
    default:
      return undefined;
  }
}
