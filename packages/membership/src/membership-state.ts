import { mkdir, open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import type { TableEntry } from '@ringdb/core';
import type { RegisteredNode, VnodeAssignment } from './placement.js';

/** Everything membership must not forget across restarts. */
export interface PersistedState {
  placementVersion: number;
  catalogVersion: number;
  vnodeCount: number;
  zones: string[];
  nodes: RegisteredNode[];
  tables: TableEntry[];
  /** Ids (hex) of deleted tables, so storage nodes drop and ignore their data. */
  droppedTableIds: string[];
  /**
   * Each vnode's current replicas (empty until every zone has a node). They change only when a
   * vnode's leader reports that a move to the rings' new assignment is committed.
   */
  assignments?: VnodeAssignment[];
}

/** A JSON file written atomically (temp file, fsync, rename), one write at a time. */
export class StateFile {
  private readonly file: string;
  private chain: Promise<void> = Promise.resolve();

  constructor(dir: string) {
    this.file = path.join(dir, 'membership.json');
  }

  async load(): Promise<PersistedState | undefined> {
    try {
      return JSON.parse(await readFile(this.file, 'utf8')) as PersistedState;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  save(state: PersistedState): Promise<void> {
    const text = JSON.stringify(state, null, 1);
    this.chain = this.chain.then(() => this.write(text));
    return this.chain;
  }

  private async write(text: string): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.file);
  }
}
