export * from './membership-service.js';
export * from './placement.js';
