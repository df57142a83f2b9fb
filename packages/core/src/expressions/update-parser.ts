import type { Path, UpdateAction, UpdateValue } from './ast.js';
import { ParserBase, firstReserved, resolvePath, type PathElem } from './parser-base.js';
import { checkPathSet, pathSetMessage } from './paths.js';
import { checkExpressionText, invalid, undefinedName, undefinedValue, type ExpressionScope } from './scope.js';
import { typeOf } from './values.js';

/**
 * UpdateExpression:
 *   update  := section+
 *   section := SET path '=' value (',' ...)* | REMOVE path (',' path)*
 *            | ADD path :value (',' ...)* | DELETE path :value (',' ...)*
 *   value   := term | term '+' term | term '-' term | '(' value ')'
 *   term    := operand | '(' operand ')'
 *   operand := path | :value | function '(' term (',' term)* ')'
 * with the functions if_not_exists(path, value) and list_append(list, list).
 *
 * Checks after parsing, in DynamoDB's order: reserved words, unknown functions, repeated sections,
 * undefined names, undefined values, overlapping / conflicting paths, ADD / DELETE operand types,
 * function operand counts and types.
 */

const SECTIONS: ReadonlySet<string> = new Set(['SET', 'REMOVE', 'ADD', 'DELETE']);
const FUNCTIONS: Readonly<Record<string, number>> = { if_not_exists: 2, list_append: 2 };

type UNode =
  | { t: 'path'; elems: PathElem[] }
  | { t: 'value'; ref: string }
  | { t: 'call'; name: string; args: UNode[] }
  | { t: 'arith'; op: '+' | '-'; left: UNode; right: UNode };

interface UAction {
  action: 'SET' | 'REMOVE' | 'ADD' | 'DELETE';
  path: PathElem[];
  value?: UNode;
  ref?: string;
}

class UpdateParser extends ParserBase {
  duplicateSection: string | undefined;

  constructor(src: string) {
    super(src, 'UpdateExpression', SECTIONS);
  }

  parse(): UAction[] {
    const actions: UAction[] = [];
    const seen = new Set<string>();
    do {
      const t = this.peek();
      const word = t.kind === 'ident' ? t.text.toUpperCase() : '';
      if (!SECTIONS.has(word)) this.fail();
      this.pos++;
      if (seen.has(word)) this.duplicateSection ??= word;
      seen.add(word);
      actions.push(this.parseAction(word as UAction['action']));
      while (this.isOp(',')) {
        this.pos++;
        actions.push(this.parseAction(word as UAction['action']));
      }
    } while (this.peek().kind !== 'eof');
    return actions;
  }

  private parseAction(action: UAction['action']): UAction {
    if (!this.atPathStart()) this.fail();
    const path = this.parsePath();
    if (action === 'REMOVE') return { action, path };
    if (action === 'SET') {
      this.expectOp('=');
      return { action, path, value: this.parseSetValue() };
    }
    const t = this.peek();
    if (t.kind !== 'value') this.fail();
    this.pos++;
    return { action, path, ref: t.text };
  }

  private parseSetValue(): UNode {
    if (this.isOp('(')) {
      this.pos++;
      const inner = this.parseArith();
      this.expectOp(')');
      if (inner.t !== 'arith' && (this.isOp('+') || this.isOp('-'))) {
        const op = this.peek().text as '+' | '-';
        this.pos++;
        return { t: 'arith', op, left: inner, right: this.parseTerm() };
      }
      return inner;
    }
    return this.parseArith();
  }

  private parseArith(): UNode {
    const left = this.parseTerm();
    if (this.isOp('+') || this.isOp('-')) {
      const op = this.peek().text as '+' | '-';
      this.pos++;
      return { t: 'arith', op, left, right: this.parseTerm() };
    }
    return left;
  }

  private parseTerm(): UNode {
    if (this.isOp('(')) {
      this.pos++;
      const n = this.parseOperand();
      this.expectOp(')');
      return n;
    }
    return this.parseOperand();
  }

  private parseOperand(): UNode {
    const t = this.peek();
    if (t.kind === 'ident' && !this.isKeyword(t) && this.isOp('(', 1)) {
      this.pos += 2;
      const args = [this.parseTerm()];
      while (this.isOp(',')) {
        this.pos++;
        args.push(this.parseTerm());
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

function children(n: UNode): UNode[] {
  return n.t === 'call' ? n.args : n.t === 'arith' ? [n.left, n.right] : [];
}

/** Nodes of an action in text order (the target path first). */
function visitPre(n: UNode, visit: (n: UNode) => string | undefined): string | undefined {
  const r = visit(n);
  if (r !== undefined) return r;
  for (const c of children(n)) {
    const r2 = visitPre(c, visit);
    if (r2 !== undefined) return r2;
  }
  return undefined;
}

function visitPost(n: UNode, visit: (n: UNode) => string | undefined): string | undefined {
  for (const c of children(n)) {
    const r = visitPost(c, visit);
    if (r !== undefined) return r;
  }
  return visit(n);
}

function eachNode(actions: UAction[], order: 'pre' | 'post', visit: (n: UNode) => string | undefined): string | undefined {
  for (const a of actions) {
    const target = visit({ t: 'path', elems: a.path });
    if (target !== undefined) return target;
    if (a.value) {
      const r = order === 'pre' ? visitPre(a.value, visit) : visitPost(a.value, visit);
      if (r !== undefined) return r;
    }
    if (a.ref !== undefined) {
      const r = visit({ t: 'value', ref: a.ref });
      if (r !== undefined) return r;
    }
  }
  return undefined;
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  S: 'STRING',
  N: 'NUMBER',
  B: 'BINARY',
  NULL: 'NULL',
  BOOL: 'BOOLEAN',
  L: 'LIST',
  M: 'MAP',
};

const operandType = (name: string, type: string) => `Incorrect operand type for operator or function; operator or function: ${name}, operand type: ${type}`;

/** Parses an UpdateExpression into its actions (names resolved, values substituted). */
export function parseUpdate(text: string, scope: ExpressionScope): UpdateAction[] {
  const kind = 'UpdateExpression';
  checkExpressionText(text, kind);
  const p = new UpdateParser(text);
  const actions = p.guarded(() => p.parse());
  const fail = (msg: string | undefined): void => {
    if (msg !== undefined) throw invalid(kind, msg);
  };

  fail(eachNode(actions, 'pre', (n) => (n.t === 'path' ? reserved(firstReserved(n.elems)) : undefined)));
  fail(eachNode(actions, 'post', (n) => (n.t === 'call' && !Object.prototype.hasOwnProperty.call(FUNCTIONS, n.name) ? `Invalid function name; function: ${n.name}` : undefined)));
  if (p.duplicateSection) fail(`The "${p.duplicateSection}" section can only be used once in an update expression;`);
  fail(
    eachNode(actions, 'pre', (n) => {
      if (n.t !== 'path') return undefined;
      for (const e of n.elems) if (e.t === 'name' && !scope.hasName(e.ref)) return undefinedName(e.ref);
      return undefined;
    }),
  );
  fail(eachNode(actions, 'pre', (n) => (n.t === 'value' && !scope.hasValue(n.ref) ? undefinedValue(n.ref) : undefined)));

  const targets: Path[] = actions.map((a) => resolvePath(a.path, scope));
  const clash = checkPathSet(targets);
  if (clash) fail(pathSetMessage(clash));

  for (const a of actions) {
    if (a.action !== 'ADD' && a.action !== 'DELETE') continue;
    const t = typeOf(scope.peekValue(a.ref!));
    if (t !== undefined && TYPE_WORDS[t] !== undefined && !(a.action === 'ADD' && t === 'N')) {
      fail(`Incorrect operand type for operator or function; operator: ${a.action}, operand type: ${TYPE_WORDS[t]}`);
    }
  }

  const immediateType = (n: UNode): string | undefined => (n.t === 'value' ? typeOf(scope.peekValue(n.ref)) : undefined);
  for (const a of actions) {
    if (!a.value) continue;
    fail(
      visitPost(a.value, (n) => {
        if (n.t === 'call') {
          if (n.args.length !== FUNCTIONS[n.name]) {
            return `Incorrect number of operands for operator or function; operator or function: ${n.name}, number of operands: ${n.args.length}`;
          }
          if (n.name === 'if_not_exists') {
            return n.args[0]!.t === 'path' ? undefined : `Operator or function requires a document path; operator or function: ${n.name}`;
          }
          for (const arg of n.args) {
            const t = immediateType(arg);
            if (t !== undefined && t !== 'L') return operandType(n.name, t);
          }
        } else if (n.t === 'arith') {
          for (const arg of [n.left, n.right]) {
            const t = immediateType(arg);
            if (t !== undefined && t !== 'N') return operandType(n.op, t);
          }
        }
        return undefined;
      }),
    );
  }

  return actions.map((a, i): UpdateAction => {
    const path = targets[i]!;
    switch (a.action) {
      case 'SET':
        return { action: 'SET', path, value: convertValue(a.value!, scope) };
      case 'REMOVE':
        return { action: 'REMOVE', path };
      default:
        return { action: a.action, path, value: scope.useValue(a.ref!) };
    }
  });
}

function reserved(word: string | undefined): string | undefined {
  return word === undefined ? undefined : `Attribute name is a reserved keyword; reserved keyword: ${word}`;
}

function convertValue(n: UNode, scope: ExpressionScope): UpdateValue {
  switch (n.t) {
    case 'path':
      return { kind: 'path', path: resolvePath(n.elems, scope) };
    case 'value':
      return { kind: 'value', value: scope.useValue(n.ref) };
    case 'arith':
      return { kind: n.op === '+' ? 'plus' : 'minus', left: convertValue(n.left, scope), right: convertValue(n.right, scope) };
    case 'call': {
      if (n.name === 'if_not_exists') {
        const p = n.args[0]!;
        if (p.t !== 'path') throw new Error('if_not_exists without a path');
        return { kind: 'if_not_exists', path: resolvePath(p.elems, scope), value: convertValue(n.args[1]!, scope) };
      }
      return { kind: 'list_append', left: convertValue(n.args[0]!, scope), right: convertValue(n.args[1]!, scope) };
    }
  }
}
