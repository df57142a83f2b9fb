/**
 * DynamoDB expressions: ConditionExpression, FilterExpression, KeyConditionExpression,
 * UpdateExpression and ProjectionExpression parsed into plain JSON ASTs (with names resolved and
 * values substituted), evaluated and applied; plus the legacy parameters (Expected, QueryFilter,
 * ScanFilter, AttributeUpdates, KeyConditions, AttributesToGet) converted to the same ASTs.
 */
export type { Path, Operand, ComparisonOperator, Condition, UpdateValue, UpdateAction, KeyCondition, ExpressionKind } from './ast.js';
export { ExpressionScope, MAX_EXPRESSION_BYTES, type ExpressionAttributes } from './scope.js';
export { parseCondition, MAX_IN_OPERANDS } from './condition-parser.js';
export { evaluateCondition } from './condition-eval.js';
export { parseUpdate } from './update-parser.js';
export { applyUpdate } from './update-apply.js';
export { parseProjection, project, projectionFromAttributesToGet } from './projection.js';
export { parseKeyCondition, keyConditionFromLegacy } from './key-condition.js';
export { conditionFromExpected, conditionFromFilter, updateFromAttributeUpdates } from './legacy.js';
export { isReservedWord } from './reserved-words.js';
export { conditionAttributes } from './condition-attributes.js';
