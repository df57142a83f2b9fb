import { resourceNotFound, tableIdBytes, tableKeys, type KeySchemaElement, type AttributeDefinition, type TableKeys } from '@ringdb/core';
import type { ManagedClient } from '@ringdb/runtime';
import { askMembership } from './membership-call.js';

export interface TableInfo {
  name: string;
  tableId: Buffer;
  keys: TableKeys;
}

interface Definition {
  TableName: string;
  TableId: string;
  KeySchema: KeySchemaElement[];
  AttributeDefinitions: AttributeDefinition[];
}

function info(def: Definition): TableInfo {
  return { name: def.TableName, tableId: tableIdBytes(def.TableId), keys: tableKeys(def) };
}

/**
 * The router's copy of the table catalogue, replaced whenever membership pushes a new catalogue
 * version. A name it does not know yet (a table created through another router a moment ago) is
 * looked up in membership before the request is refused.
 */
export class TableCache {
  private tables = new Map<string, TableInfo>();
  private version = -1;

  constructor(private readonly membership: ManagedClient) {}

  update(catalogVersion: number, tablesJson: string): void {
    if (catalogVersion === this.version) return;
    this.version = catalogVersion;
    const next = new Map<string, TableInfo>();
    for (const def of JSON.parse(tablesJson) as Definition[]) next.set(def.TableName, info(def));
    this.tables = next;
  }

  /** Records a table this router just created or described. */
  remember(def: Definition): void {
    this.tables.set(def.TableName, info(def));
  }

  forget(name: string): void {
    this.tables.delete(name);
  }

  async get(name: string): Promise<TableInfo> {
    const cached = this.tables.get(name);
    if (cached) return cached;
    const reply = await askMembership<{ json: string; errorType: string }>(this.membership, 'describeTable', { name }, 'the table cannot be looked up');
    if (reply.errorType) throw resourceNotFound();
    const def = JSON.parse(reply.json) as Definition;
    this.remember(def);
    return this.tables.get(name)!;
  }
}
