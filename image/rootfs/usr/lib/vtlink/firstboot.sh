#!/bin/sh
# vtlink first boot (vtlink-firstboot.service, ConditionFirstBoot=yes). The root file system is mounted
# read-only on every boot; this is the one moment it is written: the machine id and the host name are
# stored on it once, in a short read-write window. Each step is idempotent, and the machine id is
# committed last, so a power cut half way through leaves a "first boot" that the next boot repeats.
set -eu
log() { echo "vtlink-firstboot: $*"; }

# 1. Grow the state partition (the last one on the card, mounted read-write at /var/lib/vtlink) and its
#    ext4 file system, online. The root partition keeps its built size: nothing writes to it.
state_dev=$(findmnt -no SOURCE /var/lib/vtlink)
part=$(basename "$state_dev")
disk=$(lsblk -no PKNAME "$state_dev")
partnum=$(cat "/sys/class/block/$part/partition")
if growpart "/dev/$disk" "$partnum"; then
  resize2fs "$state_dev"
  log "grew $state_dev to $(lsblk -bno SIZE "$state_dev") bytes"
else
  log "$state_dev already fills /dev/$disk"
fi

# 2. Host name vtlink-XXXX: the first four hex digits of the machine id (made by systemd on this boot),
#    so two boxes on one network get different mDNS names (vtlink-XXXX.local).
name="vtlink-$(head -c 4 /etc/machine-id)"
echo "$name" > /proc/sys/kernel/hostname
log "hostname $name"

# 3. Store the host name and the machine id on the root file system. With a read-only root, systemd
#    (PID 1) made this boot's machine id transient: /run/machine-id bind-mounted over /etc/machine-id,
#    and systemd-machine-id-commit.service skips a read-only /etc. It has to live on root, not on the
#    state partition: PID 1 reads it before any fstab mount, so a later bind from the state partition
#    would give PID 1 and journald one id and everything else another, and every boot would count as
#    a first boot.
was_ro=
if findmnt -no OPTIONS / | tr , '\n' | grep -qx ro; then
  was_ro=1
  mount -o remount,rw /
  trap 'mount -o remount,ro / || log "could not remount / read-only; it is read-only again from the next boot"' EXIT
fi
echo "$name" > /etc/hostname
if mountpoint -q /etc/machine-id; then
  systemd-machine-id-setup --commit
fi
sync
log "machine id $(cat /etc/machine-id) and host name stored on the root file system${was_ro:+ (read-write for this step only)}"

# The pairing PIN is not made here: the service makes a fresh single-use PIN itself (src/server/
# pairing.ts) and shows it on the touch screen; paired tokens live in /var/lib/vtlink/pairing.json.
