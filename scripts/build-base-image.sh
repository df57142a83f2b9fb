#!/usr/bin/env bash
# Builds a minimal local Docker base image from this machine's own Node.js runtime, for machines
# that reach no image registry: the root filesystem holds the node binary, the shared libraries
# that `ldd` lists for it and for the native addons in node_modules (RocksDB, LevelDB), a
# non-root user and a few files glibc reads. The Dockerfile then builds offline with
#   docker build --build-arg BASE_IMAGE=ringdb-base:local -t ringdb:dev .
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/build-base-image.sh [options]

Builds a local Docker base image (no registry needed) from the host's Node.js runtime: the node
binary, the shared libraries ldd lists for it and for the native addons under node_modules
(@nxtedition/rocksdb, classic-level), /etc/passwd and /etc/group with a non-root user `node`
(uid/gid 1000, as in the official node images), /etc/nsswitch.conf and /tmp. The result is
imported with `docker import`, so the repository's Dockerfile builds with
`--build-arg BASE_IMAGE=<tag>` and no network.

Options:
  --tag <name:tag>         image to create (default ringdb-base:local)
  --node <path>            node binary to package (default: `command -v node`)
  --node-modules <dir>     where to look for native addons (default: <repo>/node_modules)
  --if-missing             do nothing when the image already exists and was made from the same
                           node binary (its sha256 is kept in the label ringdb.base.node-sha256)
  -h, --help               show this help

Needs: a reachable Docker engine, ldd, tar, sha256sum.
EOF
}

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TAG="ringdb-base:local"
NODE_BIN=""
MODULES="$ROOT/node_modules"
IF_MISSING=0
while [ $# -gt 0 ]; do
  case "$1" in
    --tag) TAG="${2:?--tag needs a value}"; shift 2 ;;
    --node) NODE_BIN="${2:?--node needs a value}"; shift 2 ;;
    --node-modules) MODULES="${2:?--node-modules needs a value}"; shift 2 ;;
    --if-missing) IF_MISSING=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
done

log() { printf '{"time":"%s","msg":"%s"%s}\n' "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)" "$1" "${2:+,$2}" >&2; }

if [ -z "$NODE_BIN" ]; then NODE_BIN="$(command -v node || true)"; fi
[ -n "$NODE_BIN" ] && [ -x "$NODE_BIN" ] || { echo "no node binary found (use --node)" >&2; exit 1; }
NODE_BIN="$(readlink -f "$NODE_BIN")"
command -v docker >/dev/null || { echo "docker CLI not found" >&2; exit 1; }
docker info >/dev/null 2>&1 || { echo "no Docker engine is reachable (docker info failed)" >&2; exit 1; }

NODE_SHA="$(sha256sum "$NODE_BIN" | cut -d' ' -f1)"
NODE_VERSION="$("$NODE_BIN" --version)"
if [ "$IF_MISSING" = 1 ]; then
  existing="$(docker image inspect --format '{{ index .Config.Labels "ringdb.base.node-sha256" }}' "$TAG" 2>/dev/null || true)"
  if [ "$existing" = "$NODE_SHA" ]; then
    log "base image up to date" "\"image\":\"$TAG\",\"node\":\"$NODE_VERSION\""
    exit 0
  fi
fi

ROOTFS="$(mktemp -d "${TMPDIR:-/tmp}/ringdb-base.XXXXXX")"
trap 'rm -rf "$ROOTFS" "$ROOTFS.tar"' EXIT

# Native objects whose libraries the image needs: node itself and every glibc prebuild for this
# platform (musl builds are skipped: they cannot load on a glibc system anyway).
ARCH="$("$NODE_BIN" -p 'process.arch')"
OBJECTS=("$NODE_BIN")
if [ -d "$MODULES" ]; then
  while IFS= read -r -d '' f; do OBJECTS+=("$f"); done < <(
    find "$MODULES" \( -path "*/prebuilds/linux-$ARCH/*.node" -o -path '*/build/Release/*.node' \) \
      ! -name '*musl*' -print0 2>/dev/null)
fi

# Every library ldd resolves ("name => /path (addr)" or "/path (addr)" for the loader).
declare -A LIBS=()
for obj in "${OBJECTS[@]}"; do
  while read -r line; do
    case "$line" in
      *"not found"*)
        if [ "$obj" = "$NODE_BIN" ]; then echo "ldd: $obj: $line" >&2; exit 1; fi
        log "library not found, skipped" "\"object\":\"$obj\",\"ldd\":\"${line%% =>*}\""; continue ;;
      *"=> /"*) lib="${line#*=> }"; lib="${lib%% (*}" ;;
      /*) lib="${line%% (*}" ;;
      *) continue ;;
    esac
    LIBS["$lib"]=1
  done < <(ldd "$obj")
done

install -d -m 0755 "$ROOTFS"/{etc,usr/local/bin,home,data}
install -d -m 1777 "$ROOTFS/tmp"
install -d -m 0755 "$ROOTFS/home/node"
install -m 0755 "$NODE_BIN" "$ROOTFS/usr/local/bin/node"
for lib in "${!LIBS[@]}"; do
  install -d -m 0755 "$ROOTFS$(dirname "$lib")"
  cp -L "$lib" "$ROOTFS$lib"   # -L: copy the library a symlink (e.g. /lib64/ld-linux-x86-64.so.2) points at
done
cat >"$ROOTFS/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/usr/sbin/nologin
node:x:1000:1000:node:/home/node:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
cat >"$ROOTFS/etc/group" <<'EOF'
root:x:0:
node:x:1000:
nogroup:x:65534:
EOF
printf 'hosts: files dns\n' >"$ROOTFS/etc/nsswitch.conf"

# The loader must work inside the image: run node --version in a chroot when we can (root), which
# catches a missing library before Docker does.
if [ "$(id -u)" = 0 ] && command -v chroot >/dev/null; then
  chroot "$ROOTFS" /usr/local/bin/node --version >/dev/null || { echo "node does not start in the base root filesystem" >&2; exit 1; }
fi

log "importing base image" "\"image\":\"$TAG\",\"node\":\"$NODE_VERSION\",\"libraries\":${#LIBS[@]},\"bytes\":$(du -sb "$ROOTFS" | cut -f1)"
# Everything belongs to root except the home of the non-root user.
tar -C "$ROOTFS" --numeric-owner --owner=0 --group=0 --exclude=./home/node -cf "$ROOTFS.tar" .
tar -C "$ROOTFS" --numeric-owner --owner=1000 --group=1000 -rf "$ROOTFS.tar" ./home/node
docker import \
  --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
  --change 'ENV NODE_VERSION='"${NODE_VERSION#v}" \
  --change 'LABEL ringdb.base.node-sha256='"$NODE_SHA" \
  --change 'LABEL ringdb.base.node-version='"$NODE_VERSION" \
  --change 'CMD ["node"]' \
  --message "RingDB local base: host node $NODE_VERSION" \
  "$ROOTFS.tar" "$TAG" >/dev/null
log "base image ready" "\"image\":\"$TAG\""
