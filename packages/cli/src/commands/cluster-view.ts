import { membershipClient, readClusterState as readRuntimeClusterState, unary, type ClusterState } from '@ringdb/runtime';

/** Reads the current cluster state once; shared with tests through @ringdb/runtime. */
export function readClusterState(address: string, timeoutMs = 5_000): Promise<ClusterState> {
  return readRuntimeClusterState(address, timeoutMs, 'cli');
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
