#!/bin/sh
# cage's primary client (vtlink-kiosk.service via kiosk-session.sh): runs Chromium and, whenever Chromium
# exits — crashed, killed, or failed to start — stops cage, so that the unit's main process ends and
# systemd restarts the whole kiosk (Restart=always, with its start limit and cool-down).
# Why: cage only exits when the pipe it hands its client hangs up, i.e. when every process that inherited
# the pipe's write end has closed it; a browser that dies while a helper it started still holds the pipe
# left cage running with an empty screen, so Restart= never fired.
cage_pid=$PPID
status=0
"$@" || status=$?
echo "vtlink-kiosk: $1 exited with status $status; stopping cage (pid $cage_pid) so that systemd restarts the kiosk" >&2
kill -TERM "$cage_pid" 2>/dev/null || true
exit "$status"
