#!/bin/sh
# vtlink-kiosk-watch.service's ExecStart, run as root when vtlink.service asks for a restart of a frozen
# kiosk by creating the request file ($1, /run/vtlink/kiosk-stale; written by src/service/kiosk-watch.ts):
#   reason=<why, one line>
#   heard=<CLOCK_MONOTONIC µs of the kiosk's last heartbeat (or, for a kiosk that never reported, the start
#          of the time it was given); 0: restart in any case>
# Says why in the journal, removes the request (else the path unit would start this again) and restarts
# the kiosk, unless the kiosk was started again after its last heartbeat: then the kiosk that went quiet
# is gone already (its browser crashed and systemd restarted it; under qemu the new page takes longer
# than the stale time to report), and the new one gets its chance. The service waits for its heartbeat
# and, if none comes, asks again with heard=0.
set -u
request=${1:?usage: kiosk-restart.sh REQUEST-FILE}
# The file comes from an unprivileged writer: printable ASCII only, cut short, numbers checked.
why=$(sed -n 's/^reason=//p' "$request" 2>/dev/null | head -n 1 | head -c 300 | LC_ALL=C tr -cd '[:print:]')
heard=$(sed -n 's/^heard=\([0-9]\{1,18\}\)$/\1/p' "$request" 2>/dev/null | head -n 1)
rm -f "$request"
since=$(systemctl show -P ActiveEnterTimestampMonotonic vtlink-kiosk.service 2>/dev/null)
case "$since" in '' | *[!0-9]*) since=0 ;; esac
if [ "${heard:-0}" -gt 0 ] && [ "$since" -gt "$heard" ]; then
  echo "vtlink-kiosk-watch: vtlink.service reports the kiosk frozen (${why:-no reason given}), but the kiosk was started again after its last heartbeat; leaving the new one to report"
  exit 0
fi
echo "vtlink-kiosk-watch: vtlink.service reports the kiosk frozen (${why:-no reason given}); restarting vtlink-kiosk.service"
# try-restart: a running kiosk only. One that was stopped stays stopped (whoever stopped it meant it), and
# one that failed its start limit is left to its cool-down unit (vtlink-kiosk-retry.service).
# --no-block: the restart is the kiosk unit's job (its stop takes up to TimeoutStopSec); this unit is done.
exec systemctl --no-block try-restart vtlink-kiosk.service
