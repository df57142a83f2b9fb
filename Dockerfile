# One image for every RingDB role. The entrypoint is the `ringdb` CLI, so the first argument picks
# the role:
#
#   docker run ringdb:dev membership --zones a,b,c
#   docker run ringdb:dev storage --zone a --id storage-a1 --advertise storage-a1:7100
#   docker run ringdb:dev router
#
# The image is built from what `npm ci && npx tsc -b` left in the work tree (the compiled dist/
# folders and the installed node_modules, native RocksDB/LevelDB prebuilds included), so building
# it needs no registry beyond the base image:
#
#   npm ci && npx tsc -b
#   docker build -t ringdb:dev .                                    # base: node:20-bookworm-slim
#   scripts/build-base-image.sh && \
#     docker build --build-arg BASE_IMAGE=ringdb-base:local -t ringdb:dev .   # offline base
#
# The build stage removes every package package-lock.json marks dev-only (what `npm prune
# --omit=dev` would do, without needing npm in the base image), the native prebuilds of other
# platforms and the C++ sources of addons that have a prebuild for this one; it fails when dist/ or
# a production package is missing. Every RUN uses the exec form and only `node`, so the base image
# needs no shell. Works with the classic builder and with BuildKit. See docs/deployment.md.
ARG BASE_IMAGE=node:20-bookworm-slim

FROM ${BASE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY proto ./proto
COPY packages ./packages
COPY node_modules ./node_modules
RUN ["node", "-e", "\
const fs = require('fs'), path = require('path');\
const fail = (m) => { console.error('ringdb image build: ' + m); process.exit(1); };\
if (!fs.existsSync('packages/cli/dist/main.js')) fail('packages/cli/dist/main.js is missing: run npm ci && npx tsc -b before docker build');\
const lock = JSON.parse(fs.readFileSync('package-lock.json', 'utf8'));\
const platform = process.platform + '-' + process.arch;\
let removed = 0, kept = 0;\
for (const [p, e] of Object.entries(lock.packages)) {\
  if (!p.includes('node_modules/')) continue;\
  if (e.dev) { if (fs.existsSync(p)) { fs.rmSync(p, { recursive: true, force: true }); removed++; } continue; }\
  if (!fs.existsSync(p)) { if (e.optional || e.devOptional) continue; fail(p + ' is missing: run npm ci before docker build'); }\
  kept++;\
  const prebuilds = path.join(p, 'prebuilds');\
  if (e.link || !fs.existsSync(prebuilds)) continue;\
  for (const d of fs.readdirSync(prebuilds)) if (d !== platform) fs.rmSync(path.join(prebuilds, d), { recursive: true, force: true });\
  if (!fs.existsSync(path.join(p, 'binding.gyp'))) continue;\
  if (!fs.existsSync(path.join(prebuilds, platform))) fail(p + ' has no prebuilt binary for ' + platform);\
  for (const x of ['deps', 'prebuilds.zip']) fs.rmSync(path.join(p, x), { recursive: true, force: true });\
}\
fs.rmSync('node_modules/.bin', { recursive: true, force: true });\
fs.rmSync('packages/bench', { recursive: true, force: true });\
fs.rmSync('node_modules/@ringdb/bench', { force: true });\
fs.mkdirSync('/skeleton/data', { recursive: true });\
console.log(JSON.stringify({ msg: 'production node_modules', platform, kept, removed }));\
"]

FROM ${BASE_IMAGE}
LABEL org.opencontainers.image.title="RingDB" \
      org.opencontainers.image.description="DynamoDB-compatible distributed database: ringdb router|storage|membership" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /app /app
# /data is where membership and storage nodes keep their state; owned by the runtime user so a
# fresh named volume (which Docker seeds from the image) is writable.
COPY --from=build --chown=1000:1000 /skeleton/ /
# Container defaults: listen on every interface, one admin port (/metrics, /health, /ready) for
# every role, state under /data. A storage node still needs --zone and --advertise <name>:7100.
ENV NODE_ENV=production \
    RINGDB_DATA_DIR=/data \
    RINGDB_HOST=0.0.0.0 \
    RINGDB_PORT=8000 \
    RINGDB_MEMBERSHIP_LISTEN=0.0.0.0:7000 \
    RINGDB_STORAGE_LISTEN=0.0.0.0:7100 \
    RINGDB_MEMBERSHIP=membership:7000 \
    RINGDB_ADMIN_PORT=9000
USER 1000:1000
WORKDIR /data
# 7000 membership gRPC, 7100 storage gRPC, 8000 router HTTP (DynamoDB API), 9000 admin HTTP.
EXPOSE 7000 7100 8000 9000
HEALTHCHECK --interval=10s --timeout=10s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.RINGDB_ADMIN_PORT || '9000') + '/health').then((r) => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/app/packages/cli/dist/main.js"]
CMD ["--help"]
