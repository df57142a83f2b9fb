/**
 * DynamoDB's capacity-unit arithmetic: a read unit covers 4 KB read with strong consistency (half a
 * unit when eventually consistent), a write unit covers 1 KB written; every operation costs at
 * least one unit of its kind.
 */
export function readUnits(bytes: number, consistent: boolean): number {
  const units = Math.max(1, Math.ceil(bytes / 4096));
  return consistent ? units : units / 2;
}

export function writeUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 1024));
}

/** The ConsumedCapacity member for ReturnConsumedCapacity TOTAL or INDEXES, or nothing for NONE. */
export function consumedCapacity(mode: string, tableName: string, units: number): { ConsumedCapacity: Record<string, unknown> } | undefined {
  if (mode === 'TOTAL') return { ConsumedCapacity: { TableName: tableName, CapacityUnits: units } };
  if (mode === 'INDEXES') return { ConsumedCapacity: { TableName: tableName, CapacityUnits: units, Table: { CapacityUnits: units } } };
  return undefined;
}

/** ConsumedCapacity of a batch operation: one entry per table, or nothing for NONE. */
export function batchCapacity(mode: string, unitsByTable: Map<string, number>): { ConsumedCapacity: Record<string, unknown>[] } | undefined {
  if (mode !== 'TOTAL' && mode !== 'INDEXES') return undefined;
  return {
    ConsumedCapacity: [...unitsByTable].map(([TableName, CapacityUnits]) =>
      mode === 'TOTAL' ? { TableName, CapacityUnits } : { TableName, CapacityUnits, Table: { CapacityUnits } },
    ),
  };
}
