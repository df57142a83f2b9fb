import type { AttributeValue } from '../types.js';
import type { ComparisonOperator, Condition, ExpressionKind, Operand, Path } from './ast.js';
import { ParserBase, firstReserved, firstUndefinedName, peekPath, resolvePath, samePath, type PathElem } from './parser-base.js';
import { pathText } from './paths.js';
import { checkExpressionText, invalid, undefinedName, undefinedValue, type ExpressionScope } from './scope.js';
import { compareScalars, isValueType, typeOf, valueText } from './values.js';

/**
 * ConditionExpression / FilterExpression (and the grammar KeyConditionExpression shares).
 *
 * Grammar, loosest binding first (DynamoDB's precedence: comparisons, then IN / BETWEEN /
 * functions, then NOT, AND, OR):
 *   or        := and (OR and)*
 *   and       := not (AND not)*
 *   not       := NOT not | predicate
 *   predicate := operand comparator operand | operand BETWEEN operand AND operand
 *              | operand IN '(' operand (',' operand)* ')' | function | '(' or ')'
 *   operand   := path | :value | function | '(' operand ')'
 * Function calls parse the same wherever they appear; whether a function may stand where it
 * stands (size() only as an operand, the others only as conditions) is checked afterwards, as
 * DynamoDB reports those as semantic errors, not syntax errors.
 *
 * After a successful parse the checks run in DynamoDB's order: redundant parentheses, unknown
 * function names, misused functions, reserved words; then, for each condition in turn, undefined
 * names/values, operand counts, identical operands, operand types.
 */

const KEYWORDS: ReadonlySet<string> = new Set(['AND', 'OR', 'NOT', 'BETWEEN', 'IN']);
const COMPARATORS: ReadonlySet<string> = new Set(['=', '<>', '<', '<=', '>', '>=']);

/** Condition functions and their operand counts. */
const FUNCTIONS: Readonly<Record<string, number>> = {
  attribute_exists: 1,
  attribute_not_exists: 1,
  attribute_type: 2,
  begins_with: 2,
  contains: 2,
  size: 1,
};

/** Most operands IN takes after the keyword. */
export const MAX_IN_OPERANDS = 100;

/** Parse tree node; `tok` is the index of the operator token (for syntax errors). */
export type CNode =
  | { t: 'path'; elems: PathElem[] }
  | { t: 'value'; ref: string }
  | { t: 'call'; name: string; args: CNode[] }
  | { t: 'paren'; inner: CNode }
  | { t: 'cmp'; op: ComparisonOperator; left: CNode; right: CNode; tok: number }
  | { t: 'between'; arg: CNode; low: CNode; high: CNode; tok: number }
  | { t: 'in'; arg: CNode; list: CNode[]; tok: number }
  | { t: 'and' | 'or'; args: CNode[]; tok: number }
  | { t: 'not'; arg: CNode; tok: number };

export function unwrap(n: CNode): CNode {
  while (n.t === 'paren') n = n.inner;
  return n;
}

/** Whether the node can stand where an operand is expected. */
function isOperand(n: CNode): boolean {
  const u = unwrap(n);
  return u.t === 'path' || u.t === 'value' || u.t === 'call';
}

/** Whether the node can stand where a condition is expected. */
function isCondition(n: CNode): boolean {
  const u = unwrap(n);
  return u.t !== 'path' && u.t !== 'value';
}

/** Where a condition met in operand position stops being an operand (the token to report). */
function breakToken(n: CNode): number {
  const u = unwrap(n);
  switch (u.t) {
    case 'and':
    case 'or':
      return isOperand(u.args[0]!) ? u.tok : breakToken(u.args[0]!);
    case 'cmp':
    case 'between':
    case 'in':
    case 'not':
      return u.tok;
    default:
      return 0;
  }
}

class ConditionParser extends ParserBase {
  redundantParens = false;

  constructor(src: string, kind: ExpressionKind) {
    super(src, kind, KEYWORDS);
  }

  /**
   * or / and / not / predicate, iteratively (only parentheses and function calls recurse, so that
   * 4 KB of nesting stays well within the stack). With `allowBare`, a lone operand is accepted as
   * the whole content (inside parentheses, where it may be a parenthesized operand).
   */
  parseOr(allowBare: boolean): CNode {
    const orArgs: CNode[] = [];
    let andArgs: CNode[] = [];
    let orTok = -1;
    let andTok = -1;
    for (;;) {
      const nots: number[] = [];
      while (this.isWord('NOT')) nots.push(this.pos++);
      let node = this.parsePrimary();
      const t = this.peek();
      if ((t.kind === 'op' && COMPARATORS.has(t.text)) || this.isWord('BETWEEN') || this.isWord('IN')) node = this.predicateRest(node);
      if (!isCondition(node)) {
        if (allowBare && nots.length === 0 && orArgs.length === 0 && andArgs.length === 0) return node;
        this.fail();
      }
      for (let i = nots.length - 1; i >= 0; i--) node = { t: 'not', arg: node, tok: nots[i]! };
      andArgs.push(node);
      if (this.isWord('AND')) {
        if (andTok < 0) andTok = this.pos;
        this.pos++;
        continue;
      }
      orArgs.push(andArgs.length === 1 ? andArgs[0]! : { t: 'and', args: andArgs, tok: andTok });
      andArgs = [];
      andTok = -1;
      if (this.isWord('OR')) {
        if (orTok < 0) orTok = this.pos;
        this.pos++;
        continue;
      }
      return orArgs.length === 1 ? orArgs[0]! : { t: 'or', args: orArgs, tok: orTok };
    }
  }

  /** The rest of a comparison, BETWEEN or IN after its first operand. */
  private predicateRest(left: CNode): CNode {
    const t = this.peek();
    if (t.kind === 'op' && COMPARATORS.has(t.text)) {
      if (!isOperand(left)) this.fail();
      const tok = this.pos++;
      const right = this.operand(this.parsePrimary());
      return { t: 'cmp', op: t.text as ComparisonOperator, left, right, tok };
    }
    if (this.isWord('BETWEEN')) {
      if (!isOperand(left)) this.fail();
      const tok = this.pos++;
      const low = this.operand(this.parsePrimary());
      if (!this.isWord('AND')) this.fail();
      this.pos++;
      const high = this.operand(this.parsePrimary());
      return { t: 'between', arg: left, low, high, tok };
    }
    if (this.isWord('IN')) {
      if (!isOperand(left)) this.fail();
      const tok = this.pos++;
      this.expectOp('(');
      const list = [this.operand(this.parsePrimary())];
      while (this.isOp(',')) {
        this.pos++;
        list.push(this.operand(this.parsePrimary()));
      }
      this.expectOp(')');
      return { t: 'in', arg: left, list, tok };
    }
    return left;
  }

  /** Refuses a condition where an operand belongs. */
  private operand(n: CNode): CNode {
    if (!isOperand(n)) this.fail(breakToken(n));
    return n;
  }

  private parsePrimary(): CNode {
    const t = this.peek();
    if (t.kind === 'op' && t.text === '(') {
      this.pos++;
      const inner = this.parseOr(true);
      this.expectOp(')');
      if (inner.t === 'paren') this.redundantParens = true;
      const node: CNode = { t: 'paren', inner };
      // A parenthesized path may go on: (a.b).c
      const u = unwrap(node);
      if (u.t === 'path' && (this.isOp('.') || this.isOp('['))) {
        const elems = u.elems.slice();
        this.pathTail(elems);
        return { t: 'path', elems };
      }
      return node;
    }
    if (t.kind === 'ident' && !this.isKeyword(t) && this.isOp('(', 1)) {
      this.pos += 2;
      const args = [this.operand(this.parsePrimary())];
      while (this.isOp(',')) {
        this.pos++;
        args.push(this.operand(this.parsePrimary()));
      }
      this.expectOp(')');
      return { t: 'call', name: t.text, args };
    }
    if (this.atPathStart()) return { t: 'path', elems: this.parsePath() };
    if (t.kind === 'value') {
      this.pos++;
      return { t: 'value', ref: t.text };
    }
    return this.fail();
  }
}

function children(n: CNode): CNode[] {
  switch (n.t) {
    case 'path':
    case 'value':
      return [];
    case 'call':
      return n.args;
    case 'paren':
      return [n.inner];
    case 'cmp':
      return [n.left, n.right];
    case 'between':
      return [n.arg, n.low, n.high];
    case 'in':
      return [n.arg, ...n.list];
    case 'and':
    case 'or':
      return n.args;
    case 'not':
      return [n.arg];
  }
}

/** Visits the tree children first, left to right; stops at the first message returned. */
function postOrder(n: CNode, visit: (n: CNode) => string | undefined): string | undefined {
  for (const c of children(n)) {
    const r = postOrder(c, visit);
    if (r !== undefined) return r;
  }
  return visit(n);
}

/** Visits the tree parents first, left to right; stops at the first message returned. */
function preOrder(n: CNode, visit: (n: CNode) => string | undefined): string | undefined {
  const r = visit(n);
  if (r !== undefined) return r;
  for (const c of children(n)) {
    const r2 = preOrder(c, visit);
    if (r2 !== undefined) return r2;
  }
  return undefined;
}

/** The simple conditions (comparisons, BETWEEN, IN, functions) under AND / OR / NOT, in order. */
function leaves(n: CNode, out: CNode[] = []): CNode[] {
  const u = unwrap(n);
  if (u.t === 'and' || u.t === 'or') for (const a of u.args) leaves(a, out);
  else if (u.t === 'not') leaves(u.arg, out);
  else out.push(u);
  return out;
}

const misused = (name: string) => `The function is not allowed to be used this way in an expression; function: ${name}`;
const operandType = (name: string, type: string) => `Incorrect operand type for operator or function; operator or function: ${name}, operand type: ${type}`;
const ANY_TYPE = '{NS,SS,L,BS,N,M,B,BOOL,NULL,S}';
const TYPE_NAMES = '{B,NULL,SS,BOOL,L,BS,N,NS,S,M}';

/** A parsed and validated condition tree with the scope it was checked against. */
export interface ConditionTree {
  root: CNode;
  scope: ExpressionScope;
  kind: ExpressionKind;
}

/** The static type of an operand where it is known: a value's type, or N for size(). */
function staticType(n: CNode, scope: ExpressionScope): string | undefined {
  const u = unwrap(n);
  if (u.t === 'value') return scope.hasValue(u.ref) ? typeOf(scope.peekValue(u.ref)) : undefined;
  if (u.t === 'call' && u.name === 'size') return 'N';
  return undefined;
}

function valueOf(n: CNode, scope: ExpressionScope): AttributeValue | undefined {
  const u = unwrap(n);
  return u.t === 'value' && scope.hasValue(u.ref) ? scope.peekValue(u.ref) : undefined;
}

function pathOf(n: CNode, scope: ExpressionScope): Path | undefined {
  const u = unwrap(n);
  return u.t === 'path' ? peekPath(u.elems, scope) : undefined;
}

function checkLeaf(leaf: CNode, scope: ExpressionScope): string | undefined {
  // Undefined #names and :values, in text order.
  const refs = preOrder(leaf, (n) => {
    if (n.t === 'path') {
      const missing = firstUndefinedName(n.elems, scope);
      return missing === undefined ? undefined : undefinedName(missing);
    }
    if (n.t === 'value' && !scope.hasValue(n.ref)) return undefinedValue(n.ref);
    return undefined;
  });
  if (refs !== undefined) return refs;

  const counts = postOrder(leaf, (n) => {
    if (n.t === 'call' && n.args.length !== FUNCTIONS[n.name]) {
      return `Incorrect number of operands for operator or function; operator or function: ${n.name}, number of operands: ${n.args.length}`;
    }
    if (n.t === 'in' && n.list.length > MAX_IN_OPERANDS) {
      return `Too many operands for the operator or function; operator or function: IN, number of operands: ${n.list.length}`;
    }
    return undefined;
  });
  if (counts !== undefined) return counts;

  const distinct = postOrder(leaf, (n) => {
    let op: string;
    let first: CNode;
    let rest: CNode[];
    if (n.t === 'cmp') [op, first, rest] = [n.op, n.left, [n.right]];
    else if (n.t === 'call' && n.args.length === 2) [op, first, rest] = [n.name, n.args[0]!, [n.args[1]!]];
    else if (n.t === 'between') [op, first, rest] = ['BETWEEN', n.arg, [n.low, n.high]];
    else if (n.t === 'in') [op, first, rest] = ['IN', n.arg, n.list];
    else return undefined;
    const p = pathOf(first, scope);
    if (!p) return undefined;
    for (const r of rest) {
      const q = pathOf(r, scope);
      if (q && samePath(p, q)) {
        return `The first operand must be distinct from the remaining operands for this operator or function; operator: ${op}, first operand: ${pathText(p)}`;
      }
    }
    return undefined;
  });
  if (distinct !== undefined) return distinct;

  return postOrder(leaf, (n) => {
    if (n.t === 'call') {
      switch (n.name) {
        case 'attribute_exists':
        case 'attribute_not_exists':
          return unwrap(n.args[0]!).t === 'path' ? undefined : `Operator or function requires a document path; operator or function: ${n.name}`;
        case 'attribute_type': {
          if (unwrap(n.args[0]!).t !== 'path') return `Operator or function requires a document path; operator or function: ${n.name}`;
          const t = staticType(n.args[1]!, scope);
          if (t !== 'S') return operandType(n.name, t ?? ANY_TYPE);
          const name = valueOf(n.args[1]!, scope)!.S!;
          return isValueType(name) ? undefined : `Invalid attribute type name found; type: ${name}, valid types: ${TYPE_NAMES}`;
        }
        case 'begins_with':
          for (const a of n.args) {
            const t = staticType(a, scope);
            if (t !== undefined && t !== 'S' && t !== 'B') return operandType(n.name, t);
          }
          return undefined;
        case 'size': {
          const t = staticType(n.args[0]!, scope);
          return t === 'N' || t === 'BOOL' || t === 'NULL' ? operandType(n.name, t) : undefined;
        }
        default:
          return undefined;
      }
    }
    if (n.t === 'between') {
      const low = valueOf(n.low, scope);
      const high = valueOf(n.high, scope);
      if (low && high) {
        const lt = typeOf(low);
        const ht = typeOf(high);
        const show = `lower bound operand: AttributeValue: {${lt}:${valueText(low)}}, upper bound operand: AttributeValue: {${ht}:${valueText(high)}}`;
        if (lt !== ht) return `The BETWEEN operator requires same data type for lower and upper bounds; ${show}`;
        const c = compareScalars(low, high);
        if (c !== undefined && c > 0) return `The BETWEEN operator requires upper bound to be greater than or equal to lower bound; ${show}`;
      }
    }
    return undefined;
  });
}

/** Parses and validates a condition-grammar expression; DynamoDB's errors for bad ones. */
export function parseConditionTree(text: string, kind: ExpressionKind, scope: ExpressionScope): ConditionTree {
  checkExpressionText(text, kind);
  const p = new ConditionParser(text, kind);
  const root = p.guarded(() => {
    const r = p.parseOr(false);
    p.expectEnd();
    return r;
  });
  if (p.redundantParens) throw invalid(kind, 'The expression has redundant parentheses;');

  const fail = (msg: string | undefined): void => {
    if (msg !== undefined) throw invalid(kind, msg);
  };
  fail(postOrder(root, (n) => (n.t === 'call' && !Object.prototype.hasOwnProperty.call(FUNCTIONS, n.name) ? `Invalid function name; function: ${n.name}` : undefined)));
  const misuse = (c: CNode, asOperand: boolean): string | undefined => {
    const u = unwrap(c);
    if (u.t !== 'call') return undefined;
    return (u.name === 'size') !== asOperand ? misused(u.name) : undefined;
  };
  fail(
    postOrder(root, (n) => {
      const asOperand = n.t === 'cmp' || n.t === 'between' || n.t === 'in' || n.t === 'call';
      if (!asOperand && n.t !== 'and' && n.t !== 'or' && n.t !== 'not') return undefined;
      for (const c of children(n)) {
        const r = misuse(c, asOperand);
        if (r !== undefined) return r;
      }
      return undefined;
    }) ?? misuse(root, false),
  );
  fail(preOrder(root, (n) => (n.t === 'path' ? reservedMessage(firstReserved(n.elems)) : undefined)));
  for (const leaf of leaves(root)) fail(checkLeaf(leaf, scope));
  return { root, scope, kind };
}

function reservedMessage(word: string | undefined): string | undefined {
  return word === undefined ? undefined : `Attribute name is a reserved keyword; reserved keyword: ${word}`;
}

/** The path of a path node, names resolved and marked used. */
export function nodePath(n: CNode, scope: ExpressionScope): Path {
  const u = unwrap(n);
  if (u.t !== 'path') throw new Error('not a path');
  return resolvePath(u.elems, scope);
}

export function convertOperand(n: CNode, scope: ExpressionScope): Operand {
  const u = unwrap(n);
  if (u.t === 'path') return { kind: 'path', path: resolvePath(u.elems, scope) };
  if (u.t === 'value') return { kind: 'value', value: scope.useValue(u.ref) };
  if (u.t === 'call' && u.name === 'size') return { kind: 'size', arg: convertOperand(u.args[0]!, scope) };
  throw new Error(`not an operand: ${u.t}`);
}

/** The public AST of a validated tree (marks the names and values it uses). */
export function convertCondition(n: CNode, scope: ExpressionScope): Condition {
  const u = unwrap(n);
  switch (u.t) {
    case 'and':
    case 'or': {
      const args: Condition[] = [];
      for (const a of u.args) {
        const c = convertCondition(a, scope);
        if (c.kind === u.t) args.push(...c.args);
        else args.push(c);
      }
      return { kind: u.t, args };
    }
    case 'not':
      return { kind: 'not', arg: convertCondition(u.arg, scope) };
    case 'cmp':
      return { kind: 'compare', op: u.op, left: convertOperand(u.left, scope), right: convertOperand(u.right, scope) };
    case 'between':
      return { kind: 'between', arg: convertOperand(u.arg, scope), low: convertOperand(u.low, scope), high: convertOperand(u.high, scope) };
    case 'in':
      return { kind: 'in', arg: convertOperand(u.arg, scope), list: u.list.map((o) => convertOperand(o, scope)) };
    case 'call':
      switch (u.name) {
        case 'attribute_exists':
        case 'attribute_not_exists':
          return { kind: u.name, path: nodePath(u.args[0]!, scope) };
        case 'attribute_type':
          return { kind: 'attribute_type', path: nodePath(u.args[0]!, scope), type: convertOperandValue(u.args[1]!, scope).S! };
        case 'begins_with':
        case 'contains':
          return { kind: u.name, left: convertOperand(u.args[0]!, scope), right: convertOperand(u.args[1]!, scope) };
      }
  }
  throw new Error(`not a condition: ${u.t}`);
}

function convertOperandValue(n: CNode, scope: ExpressionScope): AttributeValue {
  const u = unwrap(n);
  if (u.t !== 'value') throw new Error('not a value');
  return scope.useValue(u.ref);
}

/** Parses a ConditionExpression or FilterExpression into a Condition. */
export function parseCondition(text: string, kind: 'ConditionExpression' | 'FilterExpression', scope: ExpressionScope): Condition {
  const tree = parseConditionTree(text, kind, scope);
  return convertCondition(tree.root, scope);
}
