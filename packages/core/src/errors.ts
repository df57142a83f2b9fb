/**
 * DynamoDB errors: a type name (sent as `com.amazonaws.dynamodb.v20120810#<type>`), a message and an
 * HTTP status. Everything that validates input throws these; the router turns them into responses.
 */
export class DynamoDBError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
    /** Extra members for the error body (e.g. Item for ConditionalCheckFailedException). */
    readonly extra?: Record<string, unknown>,
    /** DynamoDB's own errors use its namespace; protocol-level ones come from the Coral framework. */
    readonly namespace = DYNAMODB_NAMESPACE,
  ) {
    super(message);
    this.name = type;
  }

  /** The `__type` member of the JSON error body. */
  get wireType(): string {
    return `${this.namespace}#${this.type}`;
  }
}

const DYNAMODB_NAMESPACE = 'com.amazonaws.dynamodb.v20120810';
const CORAL_NAMESPACE = 'com.amazon.coral.service';

/** Errors raised before a request reaches DynamoDB proper (bad JSON, unknown operation). */
export const coral = (type: string, message: string) => new DynamoDBError(type, message, 400, undefined, CORAL_NAMESPACE);

export const validation = (message: string) => new DynamoDBError('ValidationException', message);
export const serialization = (message: string) => coral('SerializationException', message);
export const resourceNotFound = (message = 'Requested resource not found') =>
  new DynamoDBError('ResourceNotFoundException', message);
export const resourceInUse = (message: string) => new DynamoDBError('ResourceInUseException', message);
export const internalError = (message = 'Internal server error') =>
  new DynamoDBError('InternalServerError', message, 500);
/** A write or strongly consistent read that cannot reach its vnode's quorum or leader right now. */
export const unavailable = (message = 'The service is currently unavailable or busy.') =>
  new DynamoDBError('ServiceUnavailable', message, 503);

export function isDynamoDBError(e: unknown): e is DynamoDBError {
  return e instanceof DynamoDBError;
}
