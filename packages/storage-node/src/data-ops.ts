/** Operation kinds and reply codes of the Storage.Data stream (see proto/ringdb.proto). */
export const OpKind = {
  Put: 1,
  Get: 2,
  Delete: 3,
  Update: 4,
  /** A page of a Query or Scan within one vnode (RangeRead in aux). */
  Range: 5,
} as const;

export const OpFlag = {
  ReturnOld: 1,
  Consistent: 2,
  /** Answer a write with the old and new item sizes (for ReturnConsumedCapacity). */
  ReportSizes: 4,
} as const;

export const ReplyCode = {
  Ok: 0,
  /** A DynamoDB error: errorType and errorMessage are set. */
  Error: 1,
  /**
   * This node cannot serve the operation now (not the leader, not yet ready, no lease, not a
   * replica); nothing was done. Retry at leaderHint, or after a pause.
   */
  WrongNode: 2,
  /** The write did not reach a quorum in time, or its node stopped; its outcome is unknown. */
  Unavailable: 3,
} as const;

export interface DataOp {
  id: number;
  kind: number;
  vnode: number;
  placementVersion: number;
  tableId: Buffer;
  key: Buffer;
  item: Buffer;
  flags: number;
  itemSize: number;
  /** JSON of WriteParams (writes) or RangeRead (range reads); may be empty. */
  aux: Buffer;
}

export interface DataReply {
  id: number;
  code: number;
  body?: Buffer;
  errorType?: string;
  errorMessage?: string;
  placementVersion?: number;
  /** JSON of RangeResult for range reads. */
  aux?: Buffer;
  /** On WrongNode: the vnode's leader as this node knows it ('' when unknown, e.g. during an election). */
  leaderHint?: string;
}

/** What a conditional write or an update carries besides the key and item. */
export interface WriteParams {
  condition?: unknown; // core Condition
  /** Return the old item with a ConditionalCheckFailedException. */
  returnOldOnConditionFailure?: boolean;
  update?: unknown; // core UpdateAction[]
  /** The key attributes, for updates that create the item. */
  key?: Record<string, unknown>;
  keys?: unknown; // core TableKeys
  returnValues?: 'NONE' | 'ALL_OLD' | 'UPDATED_OLD' | 'ALL_NEW' | 'UPDATED_NEW';
}

/**
 * "Not here": this node does not serve the operation's vnode as asked (not its leader, no lease,
 * or a proposal lost to a new leader); the router retries with the node's placement version and
 * the leader it knows of ('' if none).
 */
export function wrongNodeReply(op: DataOp, node: { placementVersion: number; leaderHint(vnode: number): string }): DataReply {
  return { id: op.id, code: ReplyCode.WrongNode, placementVersion: node.placementVersion, leaderHint: node.leaderHint(op.vnode) };
}
