/**
 * The lexer shared by all expression kinds. Tokens:
 * - `ident`: [A-Za-z_][A-Za-z0-9_]* (keywords such as AND or SET are idents; parsers decide);
 * - `name`: '#' followed by [A-Za-z0-9_]+ (an ExpressionAttributeNames reference);
 * - `value`: ':' followed by [A-Za-z0-9_]+ (an ExpressionAttributeValues reference);
 * - `number`: [0-9]+ (only meaningful as a list index);
 * - `op`: one of = <> < <= > >= ( ) [ ] , . + -;
 * - `unknown`: any other single character (a syntax error wherever a parser meets it);
 * - `eof`: the end of the text.
 * Whitespace (space, tab, CR, LF) separates tokens.
 */
export type TokenKind = 'ident' | 'name' | 'value' | 'number' | 'op' | 'unknown' | 'eof';

export interface Token {
  kind: TokenKind;
  text: string;
  start: number;
  end: number;
}

function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

function isIdentStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  const len = src.length;
  let i = 0;
  while (i < len) {
    const c = src.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    const start = i;
    if (isIdentStart(c)) {
      i++;
      while (i < len && isWordChar(src.charCodeAt(i))) i++;
      out.push({ kind: 'ident', text: src.slice(start, i), start, end: i });
    } else if (isDigit(c)) {
      i++;
      while (i < len && isDigit(src.charCodeAt(i))) i++;
      out.push({ kind: 'number', text: src.slice(start, i), start, end: i });
    } else if ((c === 35 /* # */ || c === 58) /* : */ && i + 1 < len && isWordChar(src.charCodeAt(i + 1))) {
      i += 2;
      while (i < len && isWordChar(src.charCodeAt(i))) i++;
      out.push({ kind: c === 35 ? 'name' : 'value', text: src.slice(start, i), start, end: i });
    } else if (c === 60 /* < */ && i + 1 < len && (src.charCodeAt(i + 1) === 62 || src.charCodeAt(i + 1) === 61)) {
      i += 2;
      out.push({ kind: 'op', text: src.slice(start, i), start, end: i });
    } else if (c === 62 /* > */ && i + 1 < len && src.charCodeAt(i + 1) === 61) {
      i += 2;
      out.push({ kind: 'op', text: '>=', start, end: i });
    } else if ('=<>()[],.+-'.includes(src[i]!)) {
      i++;
      out.push({ kind: 'op', text: src[start]!, start, end: i });
    } else {
      // One code point, so a surrogate pair is reported whole.
      const cp = src.codePointAt(i)!;
      i += cp > 0xffff ? 2 : 1;
      out.push({ kind: 'unknown', text: src.slice(start, i), start, end: i });
    }
  }
  out.push({ kind: 'eof', text: '<EOF>', start: len, end: len });
  return out;
}

/**
 * DynamoDB's syntax error text for the token at `index`: the token itself ("<EOF>" at the end)
 * and the source text around it, from the start of the previous token to the end of the next.
 * ("a b" -> token "b", near "a b"; "a-b" -> token "-", near "a-b"; "f()" -> token ")", near "()").
 */
export function syntaxErrorText(src: string, tokens: Token[], index: number): string {
  const tok = tokens[index]!;
  const prev = index > 0 ? tokens[index - 1]! : undefined;
  const next = tok.kind !== 'eof' && index + 1 < tokens.length && tokens[index + 1]!.kind !== 'eof' ? tokens[index + 1]! : undefined;
  const from = prev ? prev.start : tok.start;
  const to = next ? next.end : tok.kind === 'eof' ? src.length : tok.end;
  return `Syntax error; token: "${tok.text}", near: "${src.slice(from, to)}"`;
}
