import type { AttributeValue } from '../types.js';

/**
 * A document path with expression attribute names already resolved: ['a', 'b', 2, 'c'] for
 * a.b[2].c. Strings are map keys (the first is the top-level attribute name), numbers list indexes.
 */
export type Path = (string | number)[];

/** An operand of a condition: a document path, a literal value (from ExpressionAttributeValues) or size(). */
export type Operand =
  | { kind: 'path'; path: Path }
  | { kind: 'value'; value: AttributeValue }
  | { kind: 'size'; arg: Operand };

export type ComparisonOperator = '=' | '<>' | '<' | '<=' | '>' | '>=';

/**
 * A parsed ConditionExpression / FilterExpression (or a converted legacy Expected / QueryFilter /
 * ScanFilter): plain JSON, values substituted, names resolved.
 * - `and` / `or` are n-ary (an empty `and` is true, an empty `or` false);
 * - `compare` is one of = <> < <= > >=; `between` is inclusive; `in` tests equality with any of `list`;
 * - the functions keep DynamoDB's names; `attribute_type` carries the type name (S, N, B, BOOL,
 *   NULL, SS, NS, BS, L or M).
 */
export type Condition =
  | { kind: 'and'; args: Condition[] }
  | { kind: 'or'; args: Condition[] }
  | { kind: 'not'; arg: Condition }
  | { kind: 'compare'; op: ComparisonOperator; left: Operand; right: Operand }
  | { kind: 'between'; arg: Operand; low: Operand; high: Operand }
  | { kind: 'in'; arg: Operand; list: Operand[] }
  | { kind: 'attribute_exists'; path: Path }
  | { kind: 'attribute_not_exists'; path: Path }
  | { kind: 'attribute_type'; path: Path; type: string }
  | { kind: 'begins_with'; left: Operand; right: Operand }
  | { kind: 'contains'; left: Operand; right: Operand };

/** The right-hand side of a SET action. */
export type UpdateValue =
  | { kind: 'path'; path: Path }
  | { kind: 'value'; value: AttributeValue }
  | { kind: 'if_not_exists'; path: Path; value: UpdateValue }
  | { kind: 'list_append'; left: UpdateValue; right: UpdateValue }
  | { kind: 'plus'; left: UpdateValue; right: UpdateValue }
  | { kind: 'minus'; left: UpdateValue; right: UpdateValue };

/**
 * One action of an UpdateExpression (or of legacy AttributeUpdates, marked `legacy`, which
 * changes ADD's treatment of lists and the wording of type errors).
 */
export type UpdateAction =
  | { action: 'SET'; path: Path; value: UpdateValue }
  | { action: 'REMOVE'; path: Path }
  | { action: 'ADD'; path: Path; value: AttributeValue; legacy?: boolean }
  | { action: 'DELETE'; path: Path; value: AttributeValue; legacy?: boolean };

/** A Query's key condition: equality on the hash key and at most one condition on the range key. */
export interface KeyCondition {
  hash: AttributeValue;
  range?: { op: '=' | '<' | '<=' | '>' | '>=' | 'BETWEEN' | 'BEGINS_WITH'; values: AttributeValue[] };
}

/** The expression kinds, as DynamoDB names them in "Invalid <kind>: ..." messages. */
export type ExpressionKind =
  | 'ConditionExpression'
  | 'FilterExpression'
  | 'KeyConditionExpression'
  | 'UpdateExpression'
  | 'ProjectionExpression';
