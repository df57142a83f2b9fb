/**
 * Item count and DynamoDB item bytes per (vnode, table), kept in memory and persisted with each
 * applied batch. Every replica applies the same deltas, so each holds the same numbers; the
 * heartbeat reports the vnodes this node leads, and membership sums them for DescribeTable.
 */
export class TableStatsBook {
  private readonly byVnode = new Map<number, Map<string, { count: number; bytes: number }>>();

  private entry(vnode: number, tableHex: string): { count: number; bytes: number } {
    let tables = this.byVnode.get(vnode);
    if (!tables) this.byVnode.set(vnode, (tables = new Map()));
    let e = tables.get(tableHex);
    if (!e) tables.set(tableHex, (e = { count: 0, bytes: 0 }));
    return e;
  }

  load(vnode: number, tableId: Buffer, value: Buffer): void {
    const e = this.entry(vnode, tableId.toString('hex'));
    e.count = Number(value.readBigInt64BE(0));
    e.bytes = Number(value.readBigInt64BE(8));
  }

  add(vnode: number, tableHex: string, count: number, bytes: number): void {
    const e = this.entry(vnode, tableHex);
    e.count += count;
    e.bytes += bytes;
  }

  encode(vnode: number, tableHex: string): Buffer {
    const e = this.entry(vnode, tableHex);
    const out = Buffer.allocUnsafe(16);
    out.writeBigInt64BE(BigInt(e.count), 0);
    out.writeBigInt64BE(BigInt(e.bytes), 8);
    return out;
  }

  /** Tables with statistics in this vnode (hex ids). */
  tablesOf(vnode: number): string[] {
    return [...(this.byVnode.get(vnode)?.keys() ?? [])];
  }

  /** Forgets a vnode's statistics (its data is being replaced or dropped). */
  resetVnode(vnode: number): void {
    this.byVnode.delete(vnode);
  }

  forget(tableHex: string): void {
    for (const tables of this.byVnode.values()) tables.delete(tableHex);
  }

  /** Sums per table over the given vnodes. */
  totals(vnodes: Iterable<number>): Map<string, { count: number; bytes: number }> {
    const out = new Map<string, { count: number; bytes: number }>();
    for (const v of vnodes) {
      const tables = this.byVnode.get(v);
      if (!tables) continue;
      for (const [t, e] of tables) {
        const sum = out.get(t) ?? { count: 0, bytes: 0 };
        sum.count += e.count;
        sum.bytes += e.bytes;
        out.set(t, sum);
      }
    }
    return out;
  }
}
