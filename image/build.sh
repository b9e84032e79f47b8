#!/usr/bin/env bash
# Builds vtlink's flashable disk image: Debian 12 (bookworm) from Debian's repositories with mmdebstrap,
# Node 20, the bundled service with its addon and models, cage + Chromium, the units enabled.
#
#   image/build.sh [--arch amd64|arm64] [--out DIR] [--mirror URL] [--addon PATH]
#
# Output (DIR, default build/image/<arch>): vtlink-<arch>.img (raw GPT disk: EFI, root slots A and B,
# state), vtlink-<arch>.raucb (the same system as a signed RAUC update bundle), vmlinuz + initrd.img
# (for qemu -kernel/-initrd), cmdline.txt, manifest.txt (package versions), release.txt.
# The bundle is signed with VTLINK_UPDATE_KEY + VTLINK_UPDATE_CERT, trusted through
# VTLINK_UPDATE_KEYRING (all three, PEM), or else with a development key made once in build/update-keys.
# Needs root (mmdebstrap root mode, chroot) and: mmdebstrap fdisk dosfstools mtools e2fsprogs rauc
# squashfs-tools openssl (+ qemu-user-static binfmt-support for a foreign --arch). See image/README.md.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
. "$here/lib.sh"
arch=amd64
out=
mirror=
addon=
while [ $# -gt 0 ]; do
  case "$1" in
    --arch) arch=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --mirror) mirror=$2; shift 2 ;;
    --addon) addon=$2; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "build.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
case "$arch" in
  amd64) efi_arch=x64; grub_target=x86_64-efi; root_type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709; console=ttyS0 ;;
  arm64) efi_arch=aa64; grub_target=arm64-efi; root_type=B921B045-1DF0-41C3-AF44-4C6F280D3FAE; console=ttyAMA0 ;;
  *) echo "build.sh: --arch must be amd64 or arm64" >&2; exit 2 ;;
esac
out=$(realpath -m "${out:-$repo/build/image/$arch}")
debian_mirrors "$mirror"

[ "$(id -u)" = 0 ] || { echo "build.sh: run as root (mmdebstrap root mode, chroot)" >&2; exit 1; }
for tool in mmdebstrap sfdisk mkfs.ext4 mkfs.vfat mcopy systemctl systemd-sysusers rauc mksquashfs openssl; do
  command -v "$tool" >/dev/null || { echo "build.sh: $tool is missing (apt-get install mmdebstrap fdisk e2fsprogs dosfstools mtools systemd rauc squashfs-tools openssl)" >&2; exit 1; }
done
foreign_arch_support "$arch"

t0=$(date +%s)
step() { echo "== [$(( $(date +%s) - t0 ))s] $*"; }
work=$out/work
rootfs=$work/rootfs
# VTLINK_REUSE_ROOTFS=1 (development): keep the Debian tree of the last VTLINK_KEEP_WORK=1 build and
# only refresh vtlink in it.
reuse=
if [ -n "${VTLINK_REUSE_ROOTFS:-}" ] && [ -x "$rootfs/usr/bin/node" ]; then
  reuse=1
  rm -rf "$work/app" "$work/node" "$rootfs/opt/vtlink"
else
  rm -rf "$work"
fi
mkdir -p "$work" "$out"
# Reproducible timestamps (mmdebstrap, mkfs) from the last commit.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$repo" log -1 --format=%ct 2>/dev/null || date +%s)}
# The release: package.json's version + the commit (+ ".dirty" for uncommitted changes). It names the
# update bundle's version and is what the box reports as running (/etc/vtlink-release).
commit=$(git -C "$repo" rev-parse --short=10 HEAD 2>/dev/null || echo unknown)
[ -z "$(git -C "$repo" status --porcelain --untracked-files=no 2>/dev/null)" ] || commit=$commit.dirty
version=${VTLINK_VERSION:-$(node -p 'require(process.argv[1]).version' "$repo/package.json")+g$commit}
compatible=vtlink-$arch
built=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)

# ---- 1. The application tree (/opt/vtlink) and Node 20 -------------------------------------------
step "staging /opt/vtlink ($arch)"
[ -f "$repo/dist/vtlink.mjs" ] || { echo "build.sh: dist/vtlink.mjs missing: run npm run build" >&2; exit 1; }
if [ "$arch" != amd64 ] && [ -z "$addon" ]; then
  addon=$out/vtlink_native.node
  cross_addon "$arch" "$addon"
fi
node "$here/stage-app.mjs" --arch "$arch" --out "$work/app" ${addon:+--addon "$addon"}

step "fetching Node.js (image/node.lock)"
fetch_node "$arch" "$work/node"

# ---- 2. Debian 12 root file system ------------------------------------------------------------------
packages=(
  systemd systemd-sysv udev dbus libpam-systemd systemd-timesyncd systemd-resolved
  "linux-image-$arch" initramfs-tools "grub-efi-$arch-bin"
  cloud-guest-utils fdisk e2fsprogs iproute2 ca-certificates kmod procps
  seatd cage xwayland chromium fonts-dejavu-core libgl1-mesa-dri libegl1 libgles2
  libgstreamer1.0-0 libgstreamer-plugins-base1.0-0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-libav
  libjpeg62-turbo v4l-utils rauc
)
if [ -n "$reuse" ]; then
  step "reusing $rootfs"
else
step "mmdebstrap bookworm $arch from $mirror (${#packages[@]} packages + dependencies)"
mmdebstrap --mode=root --arch="$arch" --variant=minbase \
  --include="$(IFS=,; echo "${packages[*]}")" \
  --aptopt='Acquire::Retries "3"' \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
  --customize-hook='chroot "$1" apt-get clean' \
  bookworm "$rootfs" \
  "deb $mirror bookworm main" "deb $mirror bookworm-updates main" "deb $security bookworm-security main"
fi

# ---- 3. vtlink into the root file system -------------------------------------------------------------
step "installing vtlink, units and configuration"
install -D -m 0755 "$work/node/package/bin/node" "$rootfs/usr/bin/node"
install -D -m 0644 "$work/node/package/LICENSE" "$rootfs/usr/share/doc/nodejs/copyright"
mkdir -p "$rootfs/opt"
cp -a "$work/app" "$rootfs/opt/vtlink"
chown -R root:root "$rootfs/opt/vtlink"
install -D -m 0644 "$repo/systemd/vtlink.service" "$rootfs/usr/lib/systemd/system/vtlink.service"
install -D -m 0644 "$repo/systemd/vtlink-kiosk.service" "$rootfs/usr/lib/systemd/system/vtlink-kiosk.service"
install -D -m 0644 "$repo/systemd/99-vtlink.rules" "$rootfs/usr/lib/udev/rules.d/99-vtlink.rules"
install -D -m 0644 "$repo/systemd/vtlink-modules.conf" "$rootfs/usr/lib/modules-load.d/vtlink.conf"
install -D -m 0644 "$repo/systemd/vtlink.sysusers.conf" "$rootfs/usr/lib/sysusers.d/vtlink.conf"
install -D -m 0644 "$repo/systemd/vtlink-kiosk.pam" "$rootfs/etc/pam.d/vtlink-kiosk"
# kiosk health (a frozen kiosk restarted on the service's request): the path unit and its oneshot
install -D -m 0644 "$repo/systemd/vtlink-kiosk-watch.path" "$rootfs/usr/lib/systemd/system/vtlink-kiosk-watch.path"
install -D -m 0644 "$repo/systemd/vtlink-kiosk-watch.service" "$rootfs/usr/lib/systemd/system/vtlink-kiosk-watch.service"
cp -a --no-preserve=ownership "$here/rootfs/." "$rootfs/"
systemd-sysusers --root="$rootfs" "$rootfs/usr/lib/sysusers.d/vtlink.conf"

systemctl --root="$rootfs" enable vtlink.service vtlink-kiosk.service vtlink-firstboot.service seatd.service \
  systemd-networkd.service systemd-resolved.service systemd-timesyncd.service \
  vtlink-reboot.path vtlink-slot-fallback.timer vtlink-kiosk-watch.path
systemctl --root="$rootfs" set-default graphical.target
ln -sf ../run/systemd/resolve/stub-resolv.conf "$rootfs/etc/resolv.conf"

# First boot is detected by systemd from an uninitialized machine id (ConditionFirstBoot=).
echo uninitialized > "$rootfs/etc/machine-id"
# D-Bus's id is the machine id (what systemd-tmpfiles would link at boot, which a read-only root refuses).
ln -sfn /etc/machine-id "$rootfs/var/lib/dbus/machine-id"
echo vtlink > "$rootfs/etc/hostname"
printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' > "$rootfs/etc/hosts"
# /etc/fstab comes from image/rootfs: read-only root, state partition, tmpfs for what programs write.
mkdir -p "$rootfs/var/lib/vtlink" "$rootfs/boot/efi"
printf 'VERSION=%s\nCOMPATIBLE=%s\nBUILD=%s\n' "$version" "$compatible" "$built" > "$rootfs/etc/vtlink-release"
cp "$rootfs/etc/vtlink-release" "$out/release.txt"

# RAUC: the two root slots, GRUB's environment as the boot state, and the keyring that bundles must
# chain to. See image/README.md "Updates".
update_keys "$repo/build/update-keys"
install -D -m 0644 "$keyring" "$rootfs/etc/rauc/keyring.pem"
cat > "$rootfs/etc/rauc/system.conf" <<EOF
# vtlink's A/B update slots (image/build.sh). See image/README.md "Updates".
[system]
compatible=$compatible
bootloader=grub
grubenv=/boot/efi/EFI/BOOT/grubenv
# The root is read-only: bundles are mounted under /run, the slots' status is kept on the state partition.
mountprefix=/run/rauc
statusfile=/var/lib/vtlink/.rauc/status
bundle-formats=-plain

[keyring]
path=/etc/rauc/keyring.pem

[handlers]
# Carries the box's machine id and host name into the slot just written.
post-install=/usr/lib/vtlink/rauc-post-install.sh

[slot.rootfs.0]
device=/dev/disk/by-partlabel/vtlink-root-a
type=ext4
bootname=A

[slot.rootfs.1]
device=/dev/disk/by-partlabel/vtlink-root-b
type=ext4
bootname=B
EOF

kver=$(basename "$(ls -d "$rootfs"/lib/modules/* | sort -V | tail -n1)")
cp "$rootfs/boot/vmlinuz-$kver" "$out/vmlinuz"
cp "$rootfs/boot/initrd.img-$kver" "$out/initrd.img"
# GRUB loads a slot's kernel by these fixed names, whatever version the slot carries.
ln -sfn "vmlinuz-$kver" "$rootfs/boot/vmlinuz"
ln -sfn "initrd.img-$kver" "$rootfs/boot/initrd.img"
# panic=10: a panicking kernel reboots, and the boot counts against its slot.
cmdline="ro rootwait console=tty1 console=$console,115200 consoleblank=0 quiet panic=10"
# qemu -kernel (the boot test's fast path) has no boot loader: it boots slot A.
echo "root=PARTLABEL=vtlink-root-a rauc.slot=A $cmdline" > "$out/cmdline.txt"
chroot "$rootfs" dpkg-query -W -f '${Package} ${Version}\n' > "$out/manifest.txt"
echo "node $(awk -v a="$arch" '$1 == a { print $2 }' "$here/node.lock")" >> "$out/manifest.txt"

# ---- 4. Boot loader: a standalone GRUB EFI binary at the removable-media path ------------------------
step "GRUB ($grub_target) for the EFI partition, with the A/B slot choice"
sed "s|@CMDLINE@|$cmdline|" "$here/update/grub-ab.cfg" > "$rootfs/tmp/grub-embedded.cfg"
chroot "$rootfs" grub-mkstandalone -O "$grub_target" -o /tmp/boot.efi \
  --modules="part_gpt ext2 fat linux loadenv regexp test echo" "boot/grub/grub.cfg=/tmp/grub-embedded.cfg"
# The boot state: slot A is good and first, slot B empty until the first update.
chroot "$rootfs" grub-editenv /tmp/grubenv create
chroot "$rootfs" grub-editenv /tmp/grubenv set ORDER="A B" A_OK=1 A_TRY=0 B_OK=0 B_TRY=0
mv "$rootfs/tmp/boot.efi" "$rootfs/tmp/grubenv" "$work/"
rm -f "$rootfs/tmp/grub-embedded.cfg"
state_fs_uuid=$(cat /proc/sys/kernel/random/uuid)

# ---- 5. Partitions and the disk --------------------------------------------------------------------
step "file systems"
esp_mib=64
state_mib=256
root_used_mib=$(du -sm --apparent-size "$rootfs" | cut -f1)
# A slot: the tree + 30 % (ext4's overhead and small files' blocks) + 512 MiB for later versions.
root_mib=$(( root_used_mib * 13 / 10 + 512 ))
rm -f "$work/esp.img" "$work/state.img" "$work/root.img"
mkfs.vfat -n VTLINK-EFI -C "$work/esp.img" $(( esp_mib * 1024 )) >/dev/null
mmd -i "$work/esp.img" ::/EFI ::/EFI/BOOT
mcopy -i "$work/esp.img" "$work/boot.efi" "::/EFI/BOOT/BOOT${efi_arch^^}.EFI"
mcopy -i "$work/esp.img" "$work/grubenv" "::/EFI/BOOT/grubenv"
# The state partition (the last one: the first boot grows it to the card) starts with an empty,
# vtlink-owned top folder.
rm -rf "$work/state"; mkdir -p "$work/state"
chown "$(chroot "$rootfs" id -u vtlink):$(chroot "$rootfs" id -g vtlink)" "$work/state"
chmod 0700 "$work/state"
# RAUC's record of the slots (root's, beside vtlink's files).
mkdir -m 0755 "$work/state/.rauc"
# 4 KiB blocks, as on the card it grows to (mkfs would pick 1 KiB ones for a 256 MiB file system).
mkfs.ext4 -q -b 4096 -L vtlink-state -U "$state_fs_uuid" -d "$work/state" "$work/state.img" "${state_mib}M"
mkfs.ext4 -q -L vtlink-root -d "$rootfs" "$work/root.img" "${root_mib}M"

step "disk image"
img=$out/vtlink-$arch.img
total_mib=$(( 1 + esp_mib + 2 * root_mib + state_mib + 1 ))
rm -f "$img"
truncate -s "${total_mib}M" "$img"
sfdisk --quiet "$img" <<EOF
label: gpt
first-lba: 2048
start=1MiB, size=${esp_mib}MiB, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name=vtlink-efi
size=${root_mib}MiB, type=$root_type, name=vtlink-root-a
size=${root_mib}MiB, type=$root_type, name=vtlink-root-b
size=${state_mib}MiB, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name=vtlink-state
EOF
dd if="$work/esp.img" of="$img" bs=1M seek=1 conv=notrunc,sparse status=none
dd if="$work/root.img" of="$img" bs=1M seek=$(( 1 + esp_mib )) conv=notrunc,sparse status=none
dd if="$work/state.img" of="$img" bs=1M seek=$(( 1 + esp_mib + 2 * root_mib )) conv=notrunc,sparse status=none
sfdisk --dump "$img" > "$out/partitions.txt"

# ---- 6. The update bundle: the same tree in a file system sized to it, signed ----------------------
step "update bundle $version"
rm -rf "$work/bundle"; mkdir -p "$work/bundle"
# The box writes every block of it into a slot (about 100 MiB a minute in the emulated test guest), so
# it is made tight: the tree's blocks + 10 % + 96 MiB, twice its files' inodes, a 32 MiB journal, no
# reserved blocks (nothing writes the root). resize2fs -M of the slot's file system kept its inode
# tables and came out larger than the slot (the install then ran off the end of the partition).
bundle_mib=$(( $(du -s -B4096 "$rootfs" | cut -f1) * 4 / 1024 * 110 / 100 + 96 ))
bundle_inodes=$(( $(find "$rootfs" -xdev | wc -l) * 2 + 4096 ))
[ "$bundle_mib" -le "$root_mib" ] || { echo "build.sh: the bundle's file system ($bundle_mib MiB) does not fit a slot ($root_mib MiB)" >&2; exit 1; }
mkfs.ext4 -q -L vtlink-root -N "$bundle_inodes" -J size=32 -m 0 -d "$rootfs" "$work/bundle/rootfs.ext4" "${bundle_mib}M"
cat > "$work/bundle/manifest.raucm" <<EOF
[update]
compatible=$compatible
version=$version
description=vtlink $version for $arch
build=$built

[bundle]
format=verity

[image.rootfs]
filename=rootfs.ext4
EOF
rm -f "$out/vtlink-$arch.raucb"
# zstd: about as small as gzip's default here and far quicker to read on the box.
rauc bundle --cert="$signing_cert" --key="$signing_key" --keyring="$keyring" \
  --mksquashfs-args="-comp zstd -quiet" "$work/bundle" "$out/vtlink-$arch.raucb" >/dev/null
rauc info --keyring="$keyring" "$out/vtlink-$arch.raucb" > "$out/bundle.txt"

[ -n "${VTLINK_KEEP_WORK:-}" ] || rm -rf "$work"
step "done: $img ($(du -h --apparent-size "$img" | cut -f1), kernel $kver), $out/vtlink-$arch.raucb ($(du -h "$out/vtlink-$arch.raucb" | cut -f1), $version)"
