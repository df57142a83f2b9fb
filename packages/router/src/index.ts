export * from './router.js';
export { RouterMetrics } from './router-metrics.js';
