import {
  DynamoDBError,
  ExpressionScope,
  conditionFromExpected,
  optionalObject,
  optionalString,
  parseCondition,
  parseProjection,
  projectionFromAttributesToGet,
  validateAttributeValue,
  validation,
  type AttributeValue,
  type Condition,
  type Path,
} from '@ringdb/core';

/**
 * The expression-related members of a request: ExpressionAttributeNames/Values checked as DynamoDB
 * checks them, and the rule that expression and legacy (non-expression) parameters never mix.
 */
export function expressionScope(body: Record<string, unknown>, expressionParams: string[], legacyParams: string[]): ExpressionScope {
  const usedExpressions = expressionParams.filter((p) => body[p] !== undefined && body[p] !== null);
  const usedLegacy = legacyParams.filter((p) => body[p] !== undefined && body[p] !== null);
  if (usedExpressions.length > 0 && usedLegacy.length > 0) {
    throw validation(
      `Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {${usedLegacy.join(', ')}} Expression parameters: {${usedExpressions.join(', ')}}`,
    );
  }
  const names = optionalObject(body.ExpressionAttributeNames, 'ExpressionAttributeNames') as Record<string, string> | undefined;
  const valuesIn = optionalObject(body.ExpressionAttributeValues, 'ExpressionAttributeValues');
  if (usedExpressions.length === 0) {
    if (names) throw validation('ExpressionAttributeNames can only be specified when using expressions');
    if (valuesIn) throw validation('ExpressionAttributeValues can only be specified when using expressions');
  }
  if (names && Object.keys(names).length === 0) throw validation('ExpressionAttributeNames must not be empty');
  if (valuesIn && Object.keys(valuesIn).length === 0) throw validation('ExpressionAttributeValues must not be empty');
  for (const [k, v] of Object.entries(names ?? {})) {
    if (!/^#[A-Za-z0-9_]+$/.test(k)) throw validation(`ExpressionAttributeNames contains invalid key: Syntax error; key: "${k}"`);
    if (typeof v !== 'string') throw validation(`ExpressionAttributeNames contains invalid value: ${k}`);
  }
  let values: Record<string, AttributeValue> | undefined;
  if (valuesIn) {
    values = {};
    for (const [k, v] of Object.entries(valuesIn)) {
      if (!/^:[A-Za-z0-9_]+$/.test(k)) throw validation(`ExpressionAttributeValues contains invalid key: Syntax error; key: "${k}"`);
      try {
        values[k] = validateAttributeValue(v);
      } catch (err) {
        if (err instanceof DynamoDBError && err.type === 'ValidationException') {
          throw validation(`ExpressionAttributeValues contains invalid value: ${err.message} for key ${k}`);
        }
        throw err;
      }
    }
  }
  return new ExpressionScope({ names, values });
}

/** A write's condition from ConditionExpression or the legacy Expected (+ ConditionalOperator). */
export function writeCondition(body: Record<string, unknown>, scope: ExpressionScope): Condition | undefined {
  const text = optionalString(body.ConditionExpression);
  if (text !== undefined) return parseCondition(text, 'ConditionExpression', scope);
  const expected = optionalObject(body.Expected, 'Expected');
  if (expected) return conditionFromExpected(expected, optionalString(body.ConditionalOperator));
  if (body.ConditionalOperator !== undefined) throw validation('ConditionalOperator can only be used when Expected or QueryFilter or ScanFilter is also specified');
  return undefined;
}

/** The attributes to return, from ProjectionExpression or the legacy AttributesToGet. */
export function projection(body: Record<string, unknown>, scope: ExpressionScope): Path[] | undefined {
  const text = optionalString(body.ProjectionExpression);
  if (text !== undefined) return parseProjection(text, scope);
  if (body.AttributesToGet !== undefined && body.AttributesToGet !== null) {
    const names = body.AttributesToGet;
    if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) throw validation('AttributesToGet must be a list of attribute names');
    if (new Set(names).size !== names.length) throw validation(`One or more parameter values were invalid: Duplicate value in attribute name: ${names.find((n, i) => names.indexOf(n) !== i)}`);
    return projectionFromAttributesToGet(names as string[]);
  }
  return undefined;
}
