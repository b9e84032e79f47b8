#!/usr/bin/env bash
# Cross-compiles vtlink's native addon (binding.gyp, addon/src) for a foreign Debian architecture:
# an arm64 sysroot with the addon's -dev packages is extracted by mmdebstrap (no code runs in it),
# Debian's cross compiler (g++-aarch64-linux-gnu) builds against it and the target Node's headers (the
# node-linux-<arch> npm package pinned in image/node.lock), and the result is loaded once under
# qemu-user with that Node as a smoke test.
#   image/build-addon-cross.sh arm64 OUT.node
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
arch=${1:?arch}; out=$(realpath -m "${2:?output .node}")
case "$arch" in
  arm64) triplet=aarch64-linux-gnu; node_arch=arm64; qemu=qemu-aarch64 ;;
  *) echo "build-addon-cross.sh: only arm64 is supported" >&2; exit 2 ;;
esac
command -v "$triplet-g++" >/dev/null || { echo "apt-get install g++-$triplet" >&2; exit 1; }
work=$(dirname "$out")/addon-$arch
rm -rf "$work"; mkdir -p "$work"
mirror=$(grep -h '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -m1 '/debian/\?$' || echo http://deb.debian.org/debian)
mirror=${mirror%/}

echo "== sysroot ($arch, extract only)"
mmdebstrap --mode=root --variant=extract --arch="$arch" \
  --include=libc6-dev,libstdc++-12-dev,libgstreamer1.0-dev,libgstreamer-plugins-base1.0-dev,libjpeg62-turbo-dev \
  bookworm "$work/sysroot" "deb $mirror bookworm main" "deb ${mirror%/debian}/debian-security bookworm-security main"

echo "== Node headers ($(awk -v a="$arch" '$1 == a { print $2 }' "$here/node.lock"))"
read -r node_spec node_integrity < <(awk -v a="$arch" '$1 == a { print $2, $3 }' "$here/node.lock")
(cd "$work" && npm pack "$node_spec" --silent --json > pack.json)
got=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1]))[0].integrity)' "$work/pack.json")
[ "$got" = "$node_integrity" ] || { echo "integrity mismatch for $node_spec" >&2; exit 1; }
mkdir -p "$work/node" && tar -xzf "$work"/node-linux-*.tgz -C "$work/node" --strip-components=1

echo "== compile"
mkdir -p "$work/src/node_modules"
cp -a "$repo/binding.gyp" "$repo/addon" "$work/src/"
ln -s "$repo/node_modules/node-addon-api" "$work/src/node_modules/node-addon-api"
sysroot=$work/sysroot
(
  cd "$work/src"
  export CC="$triplet-gcc --sysroot=$sysroot" CXX="$triplet-g++ --sysroot=$sysroot" AR="$triplet-ar" LINK="$triplet-g++ --sysroot=$sysroot"
  export PKG_CONFIG_SYSROOT_DIR=$sysroot PKG_CONFIG_LIBDIR=$sysroot/usr/lib/$triplet/pkgconfig:$sysroot/usr/share/pkgconfig
  node "$repo/node_modules/node-gyp/bin/node-gyp.js" configure build --arch="$node_arch" --nodedir="$work/node" -j 2 >"$work/node-gyp.log" 2>&1 \
    || { tail -40 "$work/node-gyp.log"; exit 1; }
)
cp "$work/src/build/Release/vtlink_native.node" "$out"
file "$out"

echo "== smoke test under $qemu"
QEMU_LD_PREFIX=$sysroot "$qemu" -L "$sysroot" "$work/node/bin/node" -e \
  "const a = require(process.argv[1]); console.log('loaded on', process.arch, 'simd', a.simdLevel(), 'levels', a.supportedSimdLevels().join(','))" "$out"
