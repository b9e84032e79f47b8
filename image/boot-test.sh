#!/usr/bin/env bash
# The appliance boot test (npm run image:boot-test): boots a test copy of build/image/<arch> in qemu with
# TCG and checks READY, tracking via the status API, the read-only root, the kiosk's avatar (screendump),
# its restarts, udev, V4L2, the watchdog, a power cut during saves, then the A/B updates. amd64 on 2
# cores: ~10 min with --no-updates, the updates about an hour more. arm64 (--arch arm64,
# qemu-system-aarch64 -M virt): the first boot's checks only (--quick) unless --full.
# Results: bench/out/boot-test[-arm64]/ (results.json, kiosk.ppm, serial logs). See image/README.md.
#   image/boot-test.sh [--arch amd64|arm64] [--quick|--full] [--only-updates|--no-updates] [--image DIR] [--out DIR] [--video FILE]
#                      [--source video|demo] [--accel tcg|kvm] [--memory MiB] [--ready-timeout S]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" = 0 ] || { echo "boot-test.sh: run as root (the test copy's partitions are loop-mounted)" >&2; exit 1; }
qemu=qemu-system-x86_64 pkg=qemu-system-x86
prev=
for a in "$@"; do
  if [ "$prev" = --arch ] && [ "$a" = arm64 ] || [ "$a" = --arch=arm64 ]; then qemu=qemu-system-aarch64 pkg=qemu-system-arm; fi
  prev=$a
done
for tool in "$qemu" losetup sfdisk ffmpeg; do
  command -v "$tool" >/dev/null || { echo "boot-test.sh: $tool missing (apt-get install $pkg fdisk mount ffmpeg)" >&2; exit 1; }
done
exec node "$here/boot-test.mjs" "$@"
