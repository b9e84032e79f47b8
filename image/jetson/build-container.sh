#!/usr/bin/env bash
# Builds vtlink's container image for the Jetson Nano (JetPack 4.6 host, Docker 20.10): a Debian 12
# arm64 userland with only what the service needs at run time (glibc 2.36, Node 20, GStreamer, the
# bundled service with its arm64 addon and models). The Jetson's own JetPack does the display, the
# kiosk browser and the CSI camera (image/jetson/host/). See image/README.md, "Jetson Nano".
#
#   image/jetson/build-container.sh [--out DIR] [--mirror URL] [--addon PATH] [--tag NAME:TAG]
#
# Output (DIR, default build/jetson): vtlink-jetson-arm64.tar.gz (a docker-archive: `docker load -i`),
# manifest.txt (every Debian package and version, and Node). Needs root (mmdebstrap root mode: arm64
# maintainer scripts run under qemu-user-static + binfmt_misc) and `npm run build` done first.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
image_dir=$(cd "$here/.." && pwd)
repo=$(cd "$image_dir/.." && pwd)
. "$image_dir/lib.sh"
out=
mirror=
addon=
tag=vtlink:jetson
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --mirror) mirror=$2; shift 2 ;;
    --addon) addon=$2; shift 2 ;;
    --tag) tag=$2; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "build-container.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
arch=arm64
out=$(realpath -m "${out:-$repo/build/jetson}")
debian_mirrors "$mirror"

[ "$(id -u)" = 0 ] || { echo "build-container.sh: run as root (mmdebstrap root mode)" >&2; exit 1; }
for tool in mmdebstrap tar gzip sha256sum; do
  command -v "$tool" >/dev/null || { echo "build-container.sh: $tool is missing (apt-get install mmdebstrap)" >&2; exit 1; }
done
foreign_arch_support arm64

t0=$(date +%s)
step() { echo "== [$(( $(date +%s) - t0 ))s] $*"; }
work=$out/work
rootfs=$work/rootfs
rm -rf "$work"
mkdir -p "$work" "$out"
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$repo" log -1 --format=%ct 2>/dev/null || date +%s)}
# The service's fixed user: the same numeric ids on the Jetson host (install.sh), so the state folder,
# the camera socket (host/vtlink-camera.service) and the container agree on the owner.
vtlink_uid=961

# ---- 1. /opt/vtlink with the arm64 addon, and Node 20 -------------------------------------------------
step "arm64 addon"
[ -f "$repo/dist/vtlink.mjs" ] || { echo "build-container.sh: dist/vtlink.mjs missing: run npm run build" >&2; exit 1; }
if [ -z "$addon" ]; then
  addon=$out/vtlink_native.node
  cross_addon arm64 "$addon"
fi
step "staging /opt/vtlink"
node "$image_dir/stage-app.mjs" --arch "$arch" --out "$work/app" --addon "$addon"

step "fetching Node.js (image/node.lock)"
fetch_node "$arch" "$work/node"

# ---- 2. Debian 12 arm64, run-time only ---------------------------------------------------------------
# No kernel, boot loader, systemd, browser or compositor: the Jetson's JetPack has those. The addon needs
# libgstreamer/-app/-video, libjpeg, libstdc++ (in minbase). shmsrc, which reads the CSI camera that
# host/vtlink-camera.service shares from the host (NVIDIA's plugins stay there), is one plugin of
# gstreamer1.0-plugins-bad, whose package depends on GTK 3 and Mesa (LLVM): ~300 MB for a 100 kB plugin
# that needs only GStreamer and GLib. So only libgstshm.so is taken from Debian's .deb (the same version,
# with its copyright file), and the package is not installed.
packages=(
  ca-certificates
  libgstreamer1.0-0 libgstreamer-plugins-base1.0-0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-libav libjpeg62-turbo v4l-utils
)
shm_plugin=usr/lib/aarch64-linux-gnu/gstreamer-1.0/libgstshm.so
step "mmdebstrap bookworm $arch minbase from $mirror (${#packages[@]} packages + dependencies)"
mmdebstrap --mode=root --arch="$arch" --variant=minbase \
  --include="$(IFS=,; echo "${packages[*]}")" \
  --aptopt='Acquire::Retries "3"' \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
  --customize-hook="chroot \"\$1\" groupadd --system --gid $vtlink_uid vtlink" \
  --customize-hook="chroot \"\$1\" useradd --system --uid $vtlink_uid --gid $vtlink_uid --home-dir /var/lib/vtlink --no-create-home --shell /usr/sbin/nologin --comment 'vtlink face tracking service' vtlink" \
  --customize-hook="\"$here/extract-shm-plugin.sh\" \"\$1\"" \
  --customize-hook='chroot "$1" apt-get clean' \
  bookworm "$rootfs" \
  "deb $mirror bookworm main" "deb $mirror bookworm-updates main" "deb $security bookworm-security main"

# ---- 3. vtlink into the tree -------------------------------------------------------------------------
step "installing vtlink"
install -D -m 0755 "$work/node/package/bin/node" "$rootfs/usr/bin/node"
install -D -m 0644 "$work/node/package/LICENSE" "$rootfs/usr/share/doc/nodejs/copyright"
cp -a "$work/app" "$rootfs/opt/vtlink"
chown -R root:root "$rootfs/opt/vtlink"
install -d -m 0700 -o "$vtlink_uid" -g "$vtlink_uid" "$rootfs/var/lib/vtlink"
chroot "$rootfs" dpkg-query -W -f '${Package} ${Version}\n' > "$out/manifest.txt"
echo "node $(awk -v a="$arch" '$1 == a { print $2 }' "$image_dir/node.lock")" >> "$out/manifest.txt"
cat "$rootfs/usr/share/doc/gstreamer1.0-plugins-bad/vtlink-extracted" >> "$out/manifest.txt"
[ -f "$rootfs/$shm_plugin" ] || { echo "build-container.sh: $shm_plugin was not extracted" >&2; exit 1; }
# Docker supplies /dev, /proc, /sys, /etc/hostname, /etc/hosts and /etc/resolv.conf at run time.
find "$rootfs/dev" "$rootfs/proc" "$rootfs/sys" "$rootfs/run" "$rootfs/tmp" -mindepth 1 -maxdepth 1 -exec rm -rf {} +
rm -f "$rootfs/etc/hostname" "$rootfs/etc/resolv.conf" "$rootfs/etc/machine-id" "$rootfs/var/lib/dbus/machine-id"

# ---- 4. The docker-archive: one layer, an image config, manifest.json -------------------------------
step "layer tar"
archive=$work/archive
mkdir -p "$archive"
tar --create --file="$work/layer.tar" --directory="$rootfs" --sort=name --numeric-owner \
  --mtime="@$SOURCE_DATE_EPOCH" --clamp-mtime --xattrs --xattrs-include='security.capability' \
  --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime .
step "image config and manifest ($tag)"
node "$here/docker-archive.mjs" --layer "$work/layer.tar" --dir "$archive" --tag "$tag" --uid "$vtlink_uid" \
  --created "$SOURCE_DATE_EPOCH" --revision "$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
  --version "$(node -p 'require(process.argv[1]).version' "$repo/package.json")"
tarball=$out/vtlink-jetson-arm64.tar.gz
tar --create --directory="$archive" --sort=name --numeric-owner --owner=0 --group=0 --mtime="@$SOURCE_DATE_EPOCH" . \
  | gzip -n -6 > "$tarball.part"
mv "$tarball.part" "$tarball"
[ -n "${VTLINK_KEEP_WORK:-}" ] || rm -rf "$work"
step "done: $tarball ($(du -h "$tarball" | cut -f1) compressed, $tag)"
