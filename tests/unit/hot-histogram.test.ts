import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Histogram, Registry } from 'prom-client';
import { HotHistogram } from '@ringdb/runtime';
import { RouterMetrics } from '@ringdb/router';

const BUCKETS = [0.001, 0.01, 0.1, 1];
const SAMPLES: [string, string, number][] = [
  ['GetItem', 'success', 0.0004],
  ['GetItem', 'success', 0.001], // on a bound: counts in that bucket (le is inclusive)
  ['GetItem', 'success', 0.05],
  ['PutItem', 'ConditionalCheckFailedException', 0.2],
  ['GetItem', 'success', 7], // above every bound: +Inf only
  ['PutItem', 'ConditionalCheckFailedException', 0.0099],
];

describe('HotHistogram (hot-path Prometheus histogram)', () => {
  it('exposes exactly what prom-client’s Histogram exposes for the same observations', async () => {
    const theirs = new Registry();
    const reference = new Histogram({ name: 'x_seconds', help: 'h', labelNames: ['operation', 'outcome'], buckets: BUCKETS, registers: [theirs] });
    const ours = new Registry();
    const hot = new HotHistogram('x_seconds', 'h', ['operation', 'outcome'], BUCKETS, ours);
    for (const [operation, outcome, v] of SAMPLES) {
      reference.observe({ operation, outcome }, v);
      hot.series({ operation, outcome }).observe(v);
    }
    const text = await ours.metrics();
    assert.equal(text, await theirs.metrics());
    assert.match(text, /x_seconds_bucket\{le="0.001",operation="GetItem",outcome="success"\} 2\n/);
    assert.match(text, /x_seconds_bucket\{le="\+Inf",operation="GetItem",outcome="success"\} 4\n/);
    assert.match(text, /x_seconds_count\{operation="PutItem",outcome="ConditionalCheckFailedException"\} 2\n/);
  });

  it('keeps one series per label set, and reset zeroes them', async () => {
    const reg = new Registry();
    const hot = new HotHistogram('y_seconds', 'h', ['operation'], BUCKETS, reg);
    const a = hot.series({ operation: 'GetItem' });
    assert.equal(hot.series({ operation: 'GetItem' }), a);
    a.observe(0.5);
    reg.resetMetrics();
    a.observe(0.002);
    const text = await reg.metrics();
    assert.match(text, /y_seconds_count\{operation="GetItem"\} 1\n/);
    assert.match(text, /y_seconds_sum\{operation="GetItem"\} 0.002\n/);
  });

  it('refuses buckets that do not increase', () => {
    assert.throws(() => new HotHistogram('z_seconds', 'h', [], [1, 1], new Registry()), /buckets must increase/);
  });
});

describe('router metrics', () => {
  it('count requests and bytes by operation and outcome when scraped, across scrapes', async () => {
    const reg = new Registry();
    const m = new RouterMetrics(reg, () => 7);
    m.observe('GetItem', 'success', 0.002, 100, 1200);
    m.observe('GetItem', 'success', 0.003, 100, 1200);
    m.observe('PutItem', 'ValidationException', 0.001, 50, 80);
    let text = await reg.metrics();
    assert.match(text, /ringdb_router_requests_total\{operation="GetItem",outcome="success"\} 2\n/);
    assert.match(text, /ringdb_router_requests_total\{operation="PutItem",outcome="ValidationException"\} 1\n/);
    assert.match(text, /ringdb_router_request_bytes_total 250\n/);
    assert.match(text, /ringdb_router_response_bytes_total 2480\n/);
    assert.match(text, /ringdb_router_request_duration_seconds_count\{operation="GetItem",outcome="success"\} 2\n/);
    assert.match(text, /ringdb_router_placement_version 7\n/);
    m.observe('GetItem', 'success', 0.002, 100, 1200);
    text = await reg.metrics();
    assert.match(text, /ringdb_router_requests_total\{operation="GetItem",outcome="success"\} 3\n/);
    assert.match(text, /ringdb_router_request_bytes_total 350\n/);
  });
});
