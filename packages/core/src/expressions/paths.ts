import type { AttributeValue, Item } from '../types.js';
import type { Path } from './ast.js';

const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** The value at `path` in `item`, or undefined if the path does not lead to a value. */
export function getPath(item: Item | undefined, path: Path): AttributeValue | undefined {
  if (!item || path.length === 0) return undefined;
  const head = path[0];
  if (typeof head !== 'string' || !own(item, head)) return undefined;
  let cur: AttributeValue | undefined = item[head];
  for (let i = 1; i < path.length && cur !== undefined; i++) {
    const el = path[i];
    if (typeof el === 'number') {
      const list: AttributeValue[] | undefined = cur.L;
      cur = Array.isArray(list) && el < list.length ? list[el] : undefined;
    } else {
      const map: Record<string, AttributeValue> | undefined = cur.M;
      cur = map !== undefined && typeof map === 'object' && map !== null && own(map, el) ? map[el] : undefined;
    }
  }
  return cur;
}

/** A path as DynamoDB shows it in messages: [a, b, [2], c]. */
export function pathText(path: Path): string {
  return `[${path.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join(', ')}]`;
}

/**
 * DynamoDB's check that no two paths of a projection or update touch the same document part: a
 * path that is a prefix of another (or equal to it) "overlaps"; two paths that agree up to an
 * element where one has a list index and the other a map key "conflict". Overlaps are reported
 * in preference to conflicts; `first` is the earlier path.
 */
export function checkPathSet(paths: Path[]): { kind: 'overlap' | 'conflict'; first: Path; second: Path } | undefined {
  let conflict: { kind: 'conflict'; first: Path; second: Path } | undefined;
  for (let j = 1; j < paths.length; j++) {
    const b = paths[j]!;
    for (let i = 0; i < j; i++) {
      const a = paths[i]!;
      const n = Math.min(a.length, b.length);
      let k = 0;
      let differ = false;
      for (; k < n; k++) {
        if (typeof a[k] !== typeof b[k]) {
          if (!conflict) conflict = { kind: 'conflict', first: a, second: b };
          differ = true;
          break;
        }
        if (a[k] !== b[k]) {
          differ = true;
          break;
        }
      }
      if (!differ) return { kind: 'overlap', first: a, second: b };
    }
  }
  return conflict;
}

export function pathSetMessage(r: { kind: 'overlap' | 'conflict'; first: Path; second: Path }): string {
  const what = r.kind === 'overlap' ? 'overlap' : 'conflict';
  return `Two document paths ${what} with each other; must remove or rewrite one of these paths; path one: ${pathText(r.first)}, path two: ${pathText(r.second)}`;
}
