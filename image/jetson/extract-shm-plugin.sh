#!/bin/sh
# mmdebstrap customize hook of build-container.sh: put GStreamer's shm plugin (shmsrc/shmsink) into the
# tree ROOTFS without installing gstreamer1.0-plugins-bad, whose dependencies (GTK 3, Mesa, LLVM: ~300 MB)
# the plugin does not use (it links only GStreamer and GLib). Same Debian version as the package would be,
# with its copyright file, and a note that the manifest picks up.
#   extract-shm-plugin.sh ROOTFS
set -eu
root=$1
plugin=usr/lib/aarch64-linux-gnu/gstreamer-1.0/libgstshm.so
doc=usr/share/doc/gstreamer1.0-plugins-bad
chroot "$root" sh -c 'cd /tmp && apt-get download -q gstreamer1.0-plugins-bad >/dev/null'
deb=$(ls "$root"/tmp/gstreamer1.0-plugins-bad_*.deb)
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$root" "./$plugin" "./$doc/copyright"
echo "gstreamer1.0-plugins-bad $(dpkg-deb -f "$deb" Version) (only /$plugin, by image/jetson/extract-shm-plugin.sh)" > "$root/$doc/vtlink-extracted"
rm -f "$deb"
