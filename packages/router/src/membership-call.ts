import { unavailable } from '@ringdb/core';
import { unary, type ManagedClient } from '@ringdb/runtime';

/**
 * A unary call to the membership service. When membership cannot be reached the request answers
 * ServiceUnavailable (HTTP 503, which SDKs retry), saying what cannot be done: `${what} right now`.
 */
export async function askMembership<Res>(membership: ManagedClient, method: string, request: object, what: string): Promise<Res> {
  try {
    return await unary<object, Res>(membership, method, request);
  } catch {
    throw unavailable(`The membership service is unavailable; ${what} right now.`);
  }
}
