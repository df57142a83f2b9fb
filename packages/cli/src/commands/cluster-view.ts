import { membershipClient, unary, type ClusterState } from '@ringdb/runtime';

/** Reads the current cluster state once (the first message of a Watch stream). */
export function readClusterState(address: string, timeoutMs = 5_000): Promise<ClusterState> {
  const client = membershipClient(address);
  return new Promise((resolve, reject) => {
    const call = (client as unknown as { watch(req: unknown, opts: unknown): NodeJS.EventEmitter & { cancel(): void } }).watch(
      { client: 'cli' },
      { deadline: Date.now() + timeoutMs },
    );
    call.once('data', (state: ClusterState) => {
      call.cancel();
      client.close();
      resolve(state);
    });
    call.once('error', (err: Error) => {
      client.close();
      if (!/Cancelled/.test(err.message)) reject(new Error(`membership at ${address} is not reachable: ${err.message}`));
    });
  });
}

export async function describeTableVia(address: string, name: string): Promise<Record<string, unknown>> {
  const client = membershipClient(address);
  try {
    const reply = await unary<{ name: string }, { json: string; errorType: string; errorMessage: string }>(client, 'describeTable', { name });
    if (reply.errorType) throw new Error(reply.errorMessage);
    return JSON.parse(reply.json) as Record<string, unknown>;
  } finally {
    client.close();
  }
}
