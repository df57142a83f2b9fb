import assert from 'node:assert/strict';
import { DynamoDBError } from '@ringdb/core';

/** Asserts that `fn` throws a ValidationException with exactly this message (or one matching it). */
export function assertValidation(fn: () => unknown, message: string | RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DynamoDBError, `expected a DynamoDBError, got ${String(e)}`);
    assert.equal(e.type, 'ValidationException');
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}
