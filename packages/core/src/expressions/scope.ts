import { validation, type DynamoDBError } from '../errors.js';
import type { AttributeValue } from '../types.js';
import type { ExpressionKind } from './ast.js';

export interface ExpressionAttributes {
  names?: Record<string, string>;
  values?: Record<string, AttributeValue>;
}

/** Largest expression DynamoDB accepts, in UTF-8 bytes. */
export const MAX_EXPRESSION_BYTES = 4096;

const has = (o: object | undefined, k: string): boolean => o !== undefined && Object.prototype.hasOwnProperty.call(o, k);

/**
 * The ExpressionAttributeNames and ExpressionAttributeValues of one request, and which of them
 * the request's expressions used. Parse every expression of the request with the same scope, then
 * call finish(), which refuses unused names and values as DynamoDB does.
 */
export class ExpressionScope {
  private readonly names: Record<string, string> | undefined;
  private readonly values: Record<string, AttributeValue> | undefined;
  private readonly usedNames = new Set<string>();
  private readonly usedValues = new Set<string>();

  constructor(attrs: ExpressionAttributes) {
    this.names = attrs.names ?? undefined;
    this.values = attrs.values ?? undefined;
  }

  /** Whether `#ref` is defined (does not mark it used). */
  hasName(ref: string): boolean {
    return has(this.names, ref) && typeof this.names![ref] === 'string';
  }

  /** Whether `:ref` is defined (does not mark it used). */
  hasValue(ref: string): boolean {
    const v = has(this.values, ref) ? this.values![ref] : undefined;
    return typeof v === 'object' && v !== null;
  }

  /** The attribute name `#ref` stands for, without marking it used. */
  peekName(ref: string): string | undefined {
    return this.hasName(ref) ? this.names![ref] : undefined;
  }

  /** The attribute name `#ref` stands for; marks it used. The caller has checked hasName. */
  useName(ref: string): string {
    this.usedNames.add(ref);
    return this.names![ref]!;
  }

  /** The value `:ref` stands for, without marking it used. */
  peekValue(ref: string): AttributeValue | undefined {
    return this.hasValue(ref) ? this.values![ref] : undefined;
  }

  /** The value `:ref` stands for; marks it used. The caller has checked hasValue. */
  useValue(ref: string): AttributeValue {
    this.usedValues.add(ref);
    return this.values![ref]!;
  }

  /** Throws DynamoDB's errors for names or values no expression of the request used. */
  finish(): void {
    const unusedNames = this.names ? Object.keys(this.names).filter((k) => !this.usedNames.has(k)) : [];
    if (unusedNames.length > 0) {
      throw validation(`Value provided in ExpressionAttributeNames unused in expressions: keys: {${unusedNames.join(', ')}}`);
    }
    const unusedValues = this.values ? Object.keys(this.values).filter((k) => !this.usedValues.has(k)) : [];
    if (unusedValues.length > 0) {
      throw validation(`Value provided in ExpressionAttributeValues unused in expressions: keys: {${unusedValues.join(', ')}}`);
    }
  }
}

/** "Invalid <kind>: <message>". */
export function invalid(kind: ExpressionKind, message: string): DynamoDBError {
  return validation(`Invalid ${kind}: ${message}`);
}

/** The checks every expression text gets before parsing: not empty, at most 4 KB. */
export function checkExpressionText(text: string, kind: ExpressionKind): void {
  if (typeof text !== 'string') throw invalid(kind, 'The expression can not be empty;');
  if (!/[^ \t\r\n]/.test(text)) throw invalid(kind, 'The expression can not be empty;');
  // Cheap upper bound first: a UTF-16 string of n units has at most 3n UTF-8 bytes.
  if (text.length > MAX_EXPRESSION_BYTES / 3) {
    const size = Buffer.byteLength(text, 'utf8');
    if (size > MAX_EXPRESSION_BYTES) {
      throw invalid(kind, `Expression size has exceeded the maximum allowed size; expression size: ${size}`);
    }
  }
}

export function undefinedName(ref: string): string {
  return `An expression attribute name used in the document path is not defined; attribute name: ${ref}`;
}

export function undefinedValue(ref: string): string {
  return `An expression attribute value used in expression is not defined; attribute value: ${ref}`;
}
