import { RocksLevel } from '@nxtedition/rocksdb';
const W = +process.argv[2]; const opts = JSON.parse(process.argv[3] || '{}');
const dir = '/tmp/wbtest-' + process.pid;
const db = new RocksLevel(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer', ...opts });
await db.open();
const val = Buffer.alloc(1100); for (let i = 0; i < val.length; i++) val[i] = (i * 7919) & 255;
const keys = Array.from({ length: 2000 }, (_, k) => Buffer.from('\x01' + 'tabletabletable1' + '\x00\x05' + 'k' + String(k).padStart(10, '0')));
for (let i = 0; i < W; i++) { const b = db._chainedBatch(); b._put(keys[i % 2000], val, {}); b._writeSync({}); b._closeSync(); }
const N = 50000; const t0 = performance.now();
for (let i = 0; i < N; i++) db._getManySync([keys[Math.floor(Math.random() * 2000)]], {});
console.log('writes', W, JSON.stringify(opts), 'us per get', ((performance.now() - t0) * 1000 / N).toFixed(2), 'L0 files', db.getProperty('rocksdb.num-files-at-level0'), 'mem', db.getProperty('rocksdb.cur-size-all-mem-tables'));
await db.close();
