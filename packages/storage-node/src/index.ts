export * from './engine.js';
export * from './storage-node.js';
export * from './data-ops.js';
export * from './keyspace.js';
export * from './replication/types.js';
export * from './replication/vnode-replica.js';
export * from './anti-entropy/merkle.js';
