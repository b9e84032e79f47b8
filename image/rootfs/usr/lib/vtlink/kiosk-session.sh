#!/bin/sh
# vtlink-kiosk.service's ExecStart: wait until logind has made our tty1 session active, then run cage
# with the browser command line it was given ("$@": chromium and its flags) as cage's client, through
# kiosk-client.sh, which stops cage when the browser exits. cage is this unit's main process (exec).
# logind keeps a new session inactive while it starts the user's service manager (user@.service); on a
# slow first boot that takes longer than the 10 s cage (libseat) waits, and cage then gives up.
set -eu
if [ -n "${XDG_SESSION_ID:-}" ]; then
  i=0
  while [ "$(loginctl show-session "$XDG_SESSION_ID" -p Active --value 2>/dev/null)" != yes ] && [ $i -lt 240 ]; do
    sleep 0.5
    i=$((i + 1))
  done
  echo "vtlink-kiosk: session $XDG_SESSION_ID active after $((i / 2)) s"
fi
# Chromium must load the UI from a live server: wait until vtlink.service is active (READY=1). Needed since
# the unit only Wants= the service: after a failed start of the service, the kiosk waits here until a
# restart of the service succeeds. (If systemd cannot be asked at all, go on after 10 minutes.)
i=0
until systemctl is-active --quiet vtlink.service || [ $i -ge 600 ]; do
  sleep 1
  i=$((i + 1))
done
# cage's Wayland socket goes to $XDG_RUNTIME_DIR. pam_systemd points it at /run/user/UID, which the
# unit's ProtectHome=yes hides ("Unable to open Wayland socket" in the boot test): use the unit's own
# RuntimeDirectory (/run/vtlink-kiosk, 0700, ours) instead.
export XDG_RUNTIME_DIR="${RUNTIME_DIRECTORY:?}"
# cage -d: no client-side decorations.
exec /usr/bin/cage -d -- /usr/lib/vtlink/kiosk-client.sh "$@"
