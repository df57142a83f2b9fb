import type { ExpressionKind, Path } from './ast.js';
import { isReservedWord } from './reserved-words.js';
import { invalid, type ExpressionScope } from './scope.js';
import { syntaxErrorText, tokenize, type Token } from './tokenizer.js';

/** One element of a parsed document path, before names are resolved. */
export type PathElem =
  | { t: 'ident'; name: string }
  | { t: 'name'; ref: string }
  | { t: 'index'; n: number };

// List indexes longer than this are refused as syntax errors (they cannot address anything).
const MAX_INDEX_DIGITS = 9;

// Deepest parenthesis nesting a 4 KB expression can open and close again.
const MAX_NESTING = 2048;

/** Token cursor and the grammar pieces all expression kinds share (paths, syntax errors). */
export class ParserBase {
  readonly toks: Token[];
  pos = 0;

  constructor(
    readonly src: string,
    readonly kind: ExpressionKind,
    private readonly keywords: ReadonlySet<string>,
  ) {
    this.toks = tokenize(src);
  }

  peek(offset = 0): Token {
    return this.toks[Math.min(this.pos + offset, this.toks.length - 1)]!;
  }

  fail(at = this.pos): never {
    throw invalid(this.kind, syntaxErrorText(this.src, this.toks, Math.min(at, this.toks.length - 1)));
  }

  isOp(text: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'op' && t.text === text;
  }

  expectOp(text: string): void {
    if (!this.isOp(text)) this.fail();
    this.pos++;
  }

  /** Whether the token is one of this grammar's keywords (compared case-insensitively). */
  isKeyword(t: Token): boolean {
    return t.kind === 'ident' && this.keywords.has(t.text.toUpperCase());
  }

  isWord(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'ident' && t.text.toUpperCase() === word;
  }

  /** Whether the current token can start a path: a non-keyword identifier or a #name. */
  atPathStart(): boolean {
    const t = this.peek();
    return t.kind === 'name' || (t.kind === 'ident' && !this.isKeyword(t));
  }

  /** A path starting at the current token (which atPathStart accepted). */
  parsePath(): PathElem[] {
    const elems: PathElem[] = [];
    this.pathElem(elems);
    this.pathTail(elems);
    return elems;
  }

  private pathElem(elems: PathElem[]): void {
    const t = this.peek();
    if (t.kind === 'name') elems.push({ t: 'name', ref: t.text });
    else if (t.kind === 'ident' && !this.isKeyword(t)) elems.push({ t: 'ident', name: t.text });
    else this.fail();
    this.pos++;
  }

  /** Continues a path with .name and [index] elements. */
  pathTail(elems: PathElem[]): void {
    for (;;) {
      if (this.isOp('.')) {
        this.pos++;
        this.pathElem(elems);
      } else if (this.isOp('[')) {
        this.pos++;
        const t = this.peek();
        if (t.kind !== 'number') this.fail();
        const digits = t.text.replace(/^0+(?=\d)/, '');
        if (digits.length > MAX_INDEX_DIGITS) this.fail();
        this.pos++;
        this.expectOp(']');
        elems.push({ t: 'index', n: Number(digits) });
      } else {
        return;
      }
    }
  }

  /**
   * Runs the parse. Nesting deeper than any 4 KB expression can close cannot be valid and is
   * reported at the end of the text without recursing that deep; should the stack still run out
   * (a caller already deep in its own stack), the same error is reported rather than a RangeError.
   */
  guarded<T>(parse: () => T): T {
    let depth = 0;
    let max = 0;
    for (const t of this.toks) {
      if (t.kind !== 'op') continue;
      if (t.text === '(' && ++depth > max) max = depth;
      else if (t.text === ')') depth--;
    }
    if (max > MAX_NESTING) this.fail(this.toks.length - 1);
    try {
      return parse();
    } catch (e) {
      if (e instanceof RangeError) this.fail(this.toks.length - 1);
      throw e;
    }
  }

  expectEnd(): void {
    if (this.peek().kind !== 'eof') this.fail();
  }
}

/** The first bare identifier in the paths that is a reserved word, if any. */
export function firstReserved(elems: PathElem[]): string | undefined {
  for (const e of elems) if (e.t === 'ident' && isReservedWord(e.name)) return e.name;
  return undefined;
}

/** The first #name in the path that the scope does not define. */
export function firstUndefinedName(elems: PathElem[], scope: ExpressionScope): string | undefined {
  for (const e of elems) if (e.t === 'name' && !scope.hasName(e.ref)) return e.ref;
  return undefined;
}

/** Resolves a path's #names (which must be defined), marking them used. */
export function resolvePath(elems: PathElem[], scope: ExpressionScope): Path {
  return elems.map((e) => (e.t === 'ident' ? e.name : e.t === 'name' ? scope.useName(e.ref) : e.n));
}

/** Resolves a path without marking names used (for checks that compare paths). */
export function peekPath(elems: PathElem[], scope: ExpressionScope): Path | undefined {
  const out: Path = [];
  for (const e of elems) {
    if (e.t === 'ident') out.push(e.name);
    else if (e.t === 'index') out.push(e.n);
    else {
      const name = scope.peekName(e.ref);
      if (name === undefined) return undefined;
      out.push(name);
    }
  }
  return out;
}

export function samePath(a: Path, b: Path): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

