#!/bin/sh
# RAUC's post-install handler (/etc/rauc/system.conf [handlers]): the box keeps its identity across an
# update. A new slot comes from a bundle with /etc/machine-id "uninitialized" (it is one image for every
# box); booted like that it would count as a first boot and name the box anew (new machine id, new
# vtlink-XXXX host name, new mDNS name). So the running slot's machine id and host name are copied into
# the slot just written, before it is ever booted. See image/README.md "Updates".
set -eu
log() { echo "vtlink-rauc-post-install: $*"; }
booted=$(sed -n 's/.*rauc\.slot=\([AB]\).*/\1/p' /proc/cmdline)
case "$booted" in
  A) target=/dev/disk/by-partlabel/vtlink-root-b ;;
  B) target=/dev/disk/by-partlabel/vtlink-root-a ;;
  *) log "not booted from a slot: nothing to carry over"; exit 0 ;;
esac
mnt=/run/vtlink-new-slot
mkdir -p "$mnt"
mount -o rw "$target" "$mnt"
trap 'umount "$mnt"; rmdir "$mnt"' EXIT
cp /etc/machine-id "$mnt/etc/machine-id"
cp /etc/hostname "$mnt/etc/hostname"
sync
log "machine id and host name $(cat /etc/hostname) carried over to $target"
