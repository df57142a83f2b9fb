export * from './proto.js';
export * from './log.js';
export * from './cluster-state.js';
export * from './admin-server.js';
export * from './managed-client.js';
export * from './hot-histogram.js';
