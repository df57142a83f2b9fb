import { membershipClient, unary, type ClusterState } from '@ringdb/runtime';
import { env, parse } from '../args.js';
import { readClusterState } from './cluster-view.js';

const HELP = `
Usage: ringdb node decommission <node-id> [options]

Drains a storage node: membership takes it out of its zone's ring, so each vnode it holds moves to
the node the ring now assigns (a snapshot of the vnode is streamed to it, it catches up the log and
joins the vnode's replica group, then this node leaves it; a vnode led here hands leadership over
first). Keys outside the moving vnodes are unaffected. The node must not be the last of its zone.
Waits until the node holds no vnode (then it can be stopped), printing progress.

Options:
  --membership <host:port>    membership service (env RINGDB_MEMBERSHIP, default 127.0.0.1:7000)
  --no-wait                   return once the decommission is accepted
  --timeout <seconds>         give up waiting after this long (default 600)
  -h, --help                  show this help
`;

/** Vnodes that still have `id` among their current replicas. */
function vnodesOn(state: ClusterState, id: string): number {
  return state.placement.vnodes.filter((g) => g.nodes.includes(id)).length;
}

export async function nodeCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, { membership: { type: 'string' }, 'no-wait': { type: 'boolean' }, timeout: { type: 'string' } }, HELP, true);
  const [action, id] = positionals;
  if (action !== 'decommission' || !id) {
    process.stderr.write(HELP.trimStart());
    process.exit(2);
  }
  const address = (values.membership as string) ?? env('RINGDB_MEMBERSHIP', '127.0.0.1:7000');
  const client = membershipClient(address);
  try {
    const reply = await unary<{ id: string }, { placementVersion: number; error: string }>(client, 'decommission', { id }, 10_000);
    if (reply.error) throw new Error(reply.error);
    process.stdout.write(`${JSON.stringify({ event: 'decommissioning', node: id, placementVersion: reply.placementVersion })}\n`);
  } finally {
    client.close();
  }
  if (values['no-wait']) return;
  const deadline = Date.now() + Number((values.timeout as string) ?? '600') * 1_000;
  let last = -1;
  for (;;) {
    const state = await readClusterState(address);
    const left = vnodesOn(state, id);
    if (left !== last) {
      process.stdout.write(`${JSON.stringify({ event: 'progress', node: id, vnodesLeft: left, placementVersion: state.placement.version })}\n`);
      last = left;
    }
    if (left === 0) {
      process.stdout.write(`${JSON.stringify({ event: 'drained', node: id })}\nnode ${id} holds no vnode: it can be stopped\n`);
      return;
    }
    if (Date.now() > deadline) throw new Error(`node ${id} still holds ${left} vnodes after the timeout`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
