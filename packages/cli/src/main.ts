#!/usr/bin/env node
import { chaosCommand } from './commands/chaos.js';
import { locateCommand } from './commands/locate.js';
import { membershipCommand } from './commands/membership.js';
import { nodeCommand } from './commands/node.js';
import { repairCommand } from './commands/repair.js';
import { routerCommand } from './commands/router.js';
import { startCommand } from './commands/start.js';
import { statusCommand } from './commands/status.js';
import { storageCommand } from './commands/storage.js';

const HELP = `
Usage: ringdb <command> [options]

RingDB: a DynamoDB-compatible database of routers, zone-replicated storage nodes and a membership
service. Every command takes --help.

Commands:
  start        run a local cluster (membership, three storage nodes in zones a/b/c, a router on :8000)
  membership   run the membership service
  storage      run a storage node
  router       run a request router (the DynamoDB HTTP API)
  status       list nodes with zone, address, health and vnode roles
  locate       show the hash, vnode, replicas and leader of a partition key
  node         node decommission <id>: move a storage node's vnodes to the rest of its zone
  repair       run an anti-entropy round now: compare every vnode's replicas and repair followers
  chaos        write through a router while disrupting storage containers; verify no acknowledged write is lost
`;

const COMMANDS: Record<string, (argv: string[]) => Promise<void>> = {
  start: startCommand,
  membership: membershipCommand,
  storage: storageCommand,
  router: routerCommand,
  status: statusCommand,
  locate: locateCommand,
  node: nodeCommand,
  repair: repairCommand,
  chaos: chaosCommand,
};

const [name, ...rest] = process.argv.slice(2);
if (!name || name === '--help' || name === '-h' || name === 'help') {
  process.stdout.write(HELP.trimStart());
  process.exit(name ? 0 : 2);
}
const command = COMMANDS[name];
if (!command) {
  process.stderr.write(`unknown command: ${name}\n\n${HELP.trimStart()}`);
  process.exit(2);
}
command(rest).catch((err: Error) => {
  process.stderr.write(`ringdb ${name}: ${err.message}\n`);
  process.exit(1);
});
