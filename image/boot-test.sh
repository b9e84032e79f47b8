#!/usr/bin/env bash
# The appliance boot test (npm run image:boot-test): boots a test copy of build/image/amd64 in
# qemu-system-x86_64 with TCG and checks READY, tracking via the status API, the kiosk's avatar
# (screendump), udev, the watchdog and a power cut during saves. Takes ~15-25 minutes on 2 cores.
# Results: bench/out/boot-test/ (results.json, kiosk.ppm, serial logs). See image/README.md.
#   image/boot-test.sh [--image DIR] [--video FILE] [--accel tcg|kvm] [--memory MiB]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" = 0 ] || { echo "boot-test.sh: run as root (the test copy's partitions are loop-mounted)" >&2; exit 1; }
for tool in qemu-system-x86_64 losetup sfdisk; do
  command -v "$tool" >/dev/null || { echo "boot-test.sh: $tool missing (apt-get install qemu-system-x86 fdisk mount)" >&2; exit 1; }
done
exec node "$here/boot-test.mjs" "$@"
