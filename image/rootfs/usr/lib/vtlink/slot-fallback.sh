#!/bin/sh
# Leaves a root slot that did not come up healthy (vtlink-slot-fallback.service: vtlink.service failed
# for good, or the health deadline passed). See image/README.md "Updates".
#
# A slot is on trial from its boot until vtlink marks it good (its <slot>_TRY in the GRUB environment is
# then 0). A slot on trial that fails is marked bad and the box reboots into the other slot, but only
# when the other slot is good: a box is never left without a slot to boot. A slot already confirmed on
# this boot is not abandoned for a later failure (the camera, a crash): systemd restarts vtlink.
set -eu
log() { echo "vtlink-slot-fallback: $*"; }
# The files are fixed on the box; the variables let test/image-update-files.test.ts point them elsewhere.
grubenv=${VTLINK_GRUBENV:-/boot/efi/EFI/BOOT/grubenv}
cmdline=${VTLINK_CMDLINE:-/proc/cmdline}

booted=$(sed -n 's/.*rauc\.slot=\([AB]\).*/\1/p' "$cmdline")
[ -n "$booted" ] || { log "not booted from a slot (no rauc.slot= on the command line)"; exit 0; }
env=$(grub-editenv "$grubenv" list)
value() { printf '%s\n' "$env" | sed -n "s/^$1=//p"; }
if [ "$(value "${booted}_TRY")" = 0 ]; then
  log "slot $booted was confirmed healthy on this boot; vtlink's restarts are systemd's job"
  exit 0
fi
other=A
[ "$booted" = A ] && other=B
if [ "$(value "${other}_OK")" != 1 ]; then
  log "slot $booted is not healthy, but slot $other is not good either: staying"
  exit 0
fi
log "slot $booted did not become healthy: marking it bad and rebooting into slot $other"
rauc status mark-bad booted
systemctl --no-block reboot
