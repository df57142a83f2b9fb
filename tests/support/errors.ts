import assert from 'node:assert/strict';

/** Asserts that a promise rejects with a DynamoDB error of this name (and message, if given). */
export async function expectError(p: Promise<unknown>, name: string, message?: string | RegExp): Promise<void> {
  try {
    await p;
  } catch (err) {
    const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    assert.equal(e.name, name, `expected ${name}, got ${e.name}: ${e.message}`);
    if (typeof message === 'string') assert.equal(e.message, message);
    else if (message) assert.match(e.message ?? '', message);
    return;
  }
  assert.fail(`expected ${name}, but the call succeeded`);
}
