import type { AttributeValue, Item } from '../types.js';
import type { Path } from './ast.js';
import { ParserBase, firstReserved, resolvePath, type PathElem } from './parser-base.js';
import { checkPathSet, pathSetMessage } from './paths.js';
import { checkExpressionText, invalid, undefinedName, type ExpressionScope } from './scope.js';

const NO_KEYWORDS: ReadonlySet<string> = new Set();

/**
 * ProjectionExpression: path (',' path)*. Checks after parsing: reserved words, undefined names,
 * overlapping paths, conflicting paths.
 */
export function parseProjection(text: string, scope: ExpressionScope): Path[] {
  const kind = 'ProjectionExpression';
  checkExpressionText(text, kind);
  const p = new ParserBase(text, kind, NO_KEYWORDS);
  const parsed: PathElem[][] = [];
  for (;;) {
    if (!p.atPathStart()) p.fail();
    parsed.push(p.parsePath());
    if (!p.isOp(',')) break;
    p.pos++;
  }
  p.expectEnd();
  for (const elems of parsed) {
    const word = firstReserved(elems);
    if (word !== undefined) throw invalid(kind, `Attribute name is a reserved keyword; reserved keyword: ${word}`);
  }
  for (const elems of parsed) {
    for (const e of elems) if (e.t === 'name' && !scope.hasName(e.ref)) throw invalid(kind, undefinedName(e.ref));
  }
  const paths = parsed.map((elems) => resolvePath(elems, scope));
  const clash = checkPathSet(paths);
  if (clash) throw invalid(kind, pathSetMessage(clash));
  return paths;
}

/** The legacy AttributesToGet as projection paths (each name is one top-level attribute). */
export function projectionFromAttributesToGet(names: string[]): Path[] {
  return names.map((n) => [n]);
}

interface Node {
  leaf: boolean;
  keys: Map<string, Node>;
  indexes: Map<number, Node>;
}

const newNode = (): Node => ({ leaf: false, keys: new Map(), indexes: new Map() });

const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

function setOwn(target: Record<string, AttributeValue>, key: string, value: AttributeValue): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/**
 * The parts of an item the paths select, nested as in the item: maps keep only the selected keys,
 * lists only the selected elements (in index order, so a list shrinks). Paths that lead nowhere
 * contribute nothing. The result shares values with the item.
 */
export function project(item: Item, paths: Path[]): Item {
  const root = newNode();
  for (const path of paths) {
    if (path.length === 0 || typeof path[0] !== 'string') continue;
    let node = root;
    for (const el of path) {
      const children: Map<string | number, Node> = typeof el === 'number' ? node.indexes : node.keys;
      let next = children.get(el);
      if (!next) {
        next = newNode();
        children.set(el, next);
      }
      node = next;
    }
    node.leaf = true;
  }
  const out: Item = {};
  for (const [name, node] of root.keys) {
    if (!own(item, name)) continue;
    const v = pick(item[name]!, node);
    if (v !== undefined) setOwn(out, name, v);
  }
  return out;
}

function pick(v: AttributeValue, node: Node): AttributeValue | undefined {
  if (node.leaf) return v;
  if (node.keys.size > 0 && typeof v.M === 'object' && v.M !== null) {
    const m: Record<string, AttributeValue> = {};
    let any = false;
    for (const [k, child] of node.keys) {
      if (!own(v.M, k)) continue;
      const c = pick(v.M[k]!, child);
      if (c !== undefined) {
        setOwn(m, k, c);
        any = true;
      }
    }
    return any ? { M: m } : undefined;
  }
  if (node.indexes.size > 0 && Array.isArray(v.L)) {
    const list: AttributeValue[] = [];
    for (const i of [...node.indexes.keys()].sort((a, b) => a - b)) {
      if (i >= v.L.length) continue;
      const c = pick(v.L[i]!, node.indexes.get(i)!);
      if (c !== undefined) list.push(c);
    }
    return list.length > 0 ? { L: list } : undefined;
  }
  return undefined;
}
