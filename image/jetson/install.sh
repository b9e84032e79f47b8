#!/bin/bash
# Installs vtlink on a Jetson Nano running JetPack 4.6 (L4T R32.7, Ubuntu 18.04, Docker 20.10): loads the
# container image, installs the host units and scripts (image/jetson/host/), enables and starts them.
# Run as root on the Jetson, from a copy of image/jetson/ with the image built by build-container.sh:
#
#   sudo ./install.sh [--image vtlink-jetson-arm64.tar.gz] [--csi] [--autologin USER] [--no-kiosk] [--no-start]
#   ./install.sh --root DIR      only lay the files out under DIR (no docker, users or systemctl)
#
# --csi             a CSI sensor (nvarguscamerasrc): vtlink-camera.service shares it with the container,
#                   and the service's camera.source is set to read it (USB cameras need nothing).
# --autologin USER  log USER into the desktop at boot (gdm3 or lightdm), so the kiosk starts on power-on.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
host=$here/host
image=
csi=
autologin=
kiosk=1
start=1
root=
uid=961
while [ $# -gt 0 ]; do
  case "$1" in
    --image) image=$2; shift 2 ;;
    --csi) csi=1; shift ;;
    --autologin) autologin=$2; shift 2 ;;
    --no-kiosk) kiosk=; shift ;;
    --no-start) start=; shift ;;
    --root) root=$(realpath -m "$2"); shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

# ---- files (also the whole of --root mode) ---------------------------------------------------------
lib=$root/usr/local/lib/vtlink
install -d "$lib" "$root/etc/systemd/system" "$root/etc/tmpfiles.d" "$root/etc/udev/rules.d" "$root/etc/default"
install -m 0755 "$host/vtlink-supervise" "$host/vtlink-container-run" "$host/vtlink-camera-run" "$host/vtlink-kiosk" "$lib/"
install -m 0644 "$here/README.md" "$lib/README.md"
install -m 0644 "$host/vtlink-container.service" "$host/vtlink-camera.service" "$root/etc/systemd/system/"
install -m 0644 "$host/vtlink-camera.tmpfiles" "$root/etc/tmpfiles.d/vtlink-camera.conf"
install -m 0644 "$host/99-vtlink-jetson.rules" "$root/etc/udev/rules.d/"
[ -e "$root/etc/default/vtlink-jetson" ] || install -m 0644 "$host/vtlink-jetson.default" "$root/etc/default/vtlink-jetson"
if [ -n "$kiosk" ]; then
  install -D -m 0644 "$host/vtlink-kiosk.desktop" "$root/etc/xdg/autostart/vtlink-kiosk.desktop"
else
  rm -f "$root/etc/xdg/autostart/vtlink-kiosk.desktop"
fi
if [ -n "$root" ]; then
  echo "install.sh: files laid out under $root"
  exit 0
fi

# ---- the system ----------------------------------------------------------------------------------
[ "$(id -u)" = 0 ] || { echo "install.sh: run as root (sudo)" >&2; exit 1; }
command -v docker >/dev/null || { echo "install.sh: docker is missing (JetPack 4.6 ships it: apt-get install docker.io)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "install.sh: python3 is missing" >&2; exit 1; }
if [ -n "$kiosk" ] && ! command -v chromium-browser >/dev/null && ! command -v chromium >/dev/null; then
  echo "install.sh: installing chromium-browser for the kiosk"
  apt-get install -y chromium-browser
fi

# The service's user, with the container's numeric ids (state folder, camera socket).
if ! getent group vtlink >/dev/null; then groupadd --system --gid "$uid" vtlink; fi
if ! getent passwd vtlink >/dev/null; then
  useradd --system --uid "$uid" --gid vtlink --groups video --home-dir /var/lib/vtlink --no-create-home \
    --shell /usr/sbin/nologin --comment "vtlink face tracking service" vtlink
fi
[ "$(id -u vtlink)" = "$uid" ] && [ "$(getent group vtlink | cut -d: -f3)" = "$uid" ] || {
  echo "install.sh: user/group vtlink exist with ids other than $uid (the container's); remove them or rebuild with another uid" >&2
  exit 1
}
install -d -m 0700 -o "$uid" -g "$uid" /var/lib/vtlink

if [ -z "$image" ]; then
  for candidate in "$here/vtlink-jetson-arm64.tar.gz" "$here/../../build/jetson/vtlink-jetson-arm64.tar.gz" ./vtlink-jetson-arm64.tar.gz; do
    [ -f "$candidate" ] && { image=$candidate; break; }
  done
fi
[ -n "$image" ] && [ -f "$image" ] || { echo "install.sh: no image: pass --image vtlink-jetson-arm64.tar.gz (image/jetson/build-container.sh)" >&2; exit 1; }
echo "install.sh: docker load -i $image"
docker load -i "$image"
# Smoke test: the service's Node 20 bundle starts in the container on this kernel. glibc 2.36
# creates threads with clone3, which Docker's seccomp profile refused with EPERM (not ENOSYS, so no
# fallback) before Docker 20.10.10 / with a libseccomp that does not know clone3: then Node cannot start.
set +u; [ -r /etc/default/vtlink-jetson ] && . /etc/default/vtlink-jetson; set -u
# shellcheck disable=SC2086
if ! docker run --rm ${VTLINK_DOCKER_ARGS:-} "${VTLINK_IMAGE:-vtlink:jetson}" help >/dev/null; then
  echo "install.sh: the container does not start (docker $(docker version --format '{{.Server.Version}}' 2>/dev/null))." >&2
  echo "  Docker >= 20.10.10 and libseccomp >= 2.5 are needed for Debian 12 containers: apt-get update &&" >&2
  echo "  apt-get install docker.io libseccomp2; or, weaker, VTLINK_DOCKER_ARGS=--security-opt=seccomp=unconfined" >&2
  echo "  in /etc/default/vtlink-jetson." >&2
  exit 1
fi
echo "install.sh: the container starts (vtlink help ran in it)"

systemd-tmpfiles --create /etc/tmpfiles.d/vtlink-camera.conf
udevadm control --reload || true
systemctl daemon-reload
systemctl enable vtlink-container.service
if [ -n "$csi" ]; then systemctl enable vtlink-camera.service; else systemctl disable vtlink-camera.service 2>/dev/null || true; fi

if [ -n "$autologin" ]; then
  if [ -f /etc/gdm3/custom.conf ]; then
    sed -i -e '/^\s*#\?\s*AutomaticLoginEnable\s*=/d' -e '/^\s*#\?\s*AutomaticLogin\s*=/d' \
      -e "/^\[daemon\]/a AutomaticLoginEnable=true\nAutomaticLogin=$autologin" /etc/gdm3/custom.conf
  elif [ -d /etc/lightdm ]; then
    install -d /etc/lightdm/lightdm.conf.d
    printf '[Seat:*]\nautologin-user=%s\nautologin-user-timeout=0\n' "$autologin" > /etc/lightdm/lightdm.conf.d/50-vtlink-autologin.conf
  else
    echo "install.sh: no gdm3 or lightdm found; set up automatic login for $autologin yourself" >&2
  fi
fi

[ -n "$start" ] || { echo "install.sh: installed; start with systemctl start vtlink-container"; exit 0; }
[ -z "$csi" ] || systemctl restart vtlink-camera.service
systemctl restart vtlink-container.service   # returns once vtlink-supervise reported READY=1
if [ -n "$csi" ]; then
  # The service reads the shared camera through GStreamer's shmsrc; shm carries no caps, so name them.
  set +u; [ -r /etc/default/vtlink-jetson ] && . /etc/default/vtlink-jetson; set -u
  caps="video/x-raw,format=NV12,width=${VTLINK_CSI_WIDTH:-1280},height=${VTLINK_CSI_HEIGHT:-720},framerate=${VTLINK_CSI_FPS:-60}/1"
  source="gst:shmsrc socket-path=/run/vtlink-camera/sock is-live=true do-timestamp=true ! $caps ! appsink name=vtlink"
  python3 - "${VTLINK_URL:-http://127.0.0.1:8080}" "$source" <<'PY'
import json, sys, urllib.request as u
req = u.Request(sys.argv[1].rstrip("/") + "/api/settings", method="PATCH",
                data=json.dumps({"camera": {"source": sys.argv[2]}}).encode(), headers={"content-type": "application/json"})
with u.build_opener(u.ProxyHandler({})).open(req, timeout=30) as r:
    print("install.sh: camera.source =", json.loads(r.read().decode())["settings"]["camera"]["source"])
PY
fi
systemctl --no-pager status vtlink-container.service | head -5
echo "install.sh: done. The UI: http://$(hostname).local:8080/ (the kiosk shows it after the next desktop login)"
