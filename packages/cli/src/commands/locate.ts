import { hashKeyBytes, locatePartition, normalizeNumber, type AttributeValue, type KeyType } from '@ringdb/core';
import { env, parse } from '../args.js';
import { describeTableVia, readClusterState } from './cluster-view.js';

const HELP = `
Usage: ringdb locate <table> <partition-key> [options]

Shows where a partition key lives: its hash, its vnode, the vnode's three replicas (one per zone)
and which of them leads. A key of type N is given as a number, of type B as base64.

Options:
  --membership <host:port>    membership service (env RINGDB_MEMBERSHIP, default 127.0.0.1:7000)
  --json                      print JSON
  -h, --help                  show this help
`;

export async function locateCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, { membership: { type: 'string' }, json: { type: 'boolean' } }, HELP, true);
  if (positionals.length !== 2) {
    process.stderr.write(HELP.trimStart());
    process.exit(2);
  }
  const [tableName, keyText] = positionals;
  const address = (values.membership as string) ?? env('RINGDB_MEMBERSHIP', '127.0.0.1:7000');
  const table = await describeTableVia(address, tableName);
  const keySchema = table.KeySchema as { AttributeName: string; KeyType: string }[];
  const defs = table.AttributeDefinitions as { AttributeName: string; AttributeType: KeyType }[];
  const hashName = keySchema.find((k) => k.KeyType === 'HASH')!.AttributeName;
  const type = defs.find((d) => d.AttributeName === hashName)!.AttributeType;
  const value: AttributeValue = type === 'N' ? { N: normalizeNumber(keyText) } : type === 'B' ? { B: keyText } : { S: keyText };
  const state = await readClusterState(address);
  const { placement } = state;
  const { hash, vnode } = locatePartition(tableName, hashKeyBytes(type, value), placement.vnodeCount);
  const group = placement.vnodes[vnode];
  // The leader is elected by the vnode's replicas; placement only names the preferred one.
  const elected = state.nodeStatus.find((s) => s.ledVnodes.includes(vnode))?.id;
  const replicas = (group?.nodes ?? []).map((id, i) => {
    const n = placement.nodes.find((x) => x.id === id);
    return {
      node: id,
      zone: n?.zone ?? '?',
      address: n?.address ?? '?',
      role: id === elected ? 'leader' : 'follower',
      preferredLeader: i === group.leader,
      health: n?.alive ? 'up' : 'down',
    };
  });
  const result = { table: tableName, key: { [hashName]: value }, hash, hashHex: hash.toString(16).padStart(8, '0'), vnode, vnodeCount: placement.vnodeCount, placementVersion: placement.version, replicas };
  if (values.json) {
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    return;
  }
  process.stdout.write(
    `table ${tableName}, ${hashName} = ${keyText} (${type})\n` +
      `hash   md5(table, key) -> 0x${result.hashHex} (${hash})\n` +
      `vnode  ${hash} mod ${placement.vnodeCount} = ${vnode}\n` +
      `replicas (placement version ${placement.version}):\n`,
  );
  for (const r of replicas) {
    process.stdout.write(`  zone ${r.zone}  ${r.node.padEnd(10)} ${r.address.padEnd(21)} ${r.role.padEnd(8)} ${r.health}${r.preferredLeader ? '  (preferred leader)' : ''}\n`);
  }
  if (!elected) process.stdout.write('  no leader reported: the vnode is electing one, or its nodes have not reported yet\n');
}
