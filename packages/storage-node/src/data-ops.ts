/** Operation kinds and reply codes of the Storage.Data stream (see proto/ringdb.proto). */
export const OpKind = {
  Put: 1,
  Get: 2,
  Delete: 3,
} as const;

export const OpFlag = {
  ReturnOld: 1,
  Consistent: 2,
} as const;

export const ReplyCode = {
  Ok: 0,
  /** A DynamoDB error: errorType and errorMessage are set. */
  Error: 1,
  /** This node does not hold the role the operation needs under its placement; refresh and retry. */
  WrongNode: 2,
  /** The write did not reach a quorum in time; its outcome is unknown. */
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
}

export interface DataReply {
  id: number;
  code: number;
  body?: Buffer;
  errorType?: string;
  errorMessage?: string;
  placementVersion?: number;
}
