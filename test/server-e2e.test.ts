/**
 * End to end: the real service (VtlinkService: models, tracker, the built-in demo input) behind the
 * real server, reached over loopback and from another host (network namespace).
 */
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import jpeg from 'jpeg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SettingsStore, type Settings } from '../src/config';
import { startServer, type RunningServer } from '../src/server';
import { VtlinkService } from '../src/service/service';
import type { ServiceStatus } from '../src/service/control';
import { createLogger, LogRing } from '../src/system/log';
import type { TrackingFrame } from '../src/tracking/types';
import { errorOf, http, jsonBody, RemoteHost, tempDir } from './server-helpers';

describe('server + real service on the demo input', () => {
  let tmp: { dir: string; remove: () => Promise<void> };
  let service: VtlinkService;
  let server: RunningServer;
  let remote: RemoteHost;
  let base: string;
  const ring = new LogRing(50);

  beforeAll(async () => {
    tmp = await tempDir('vtlink-e2e-');
    const store = await SettingsStore.open({ stateDir: path.join(tmp.dir, 'state') });
    const log = createLogger({ journal: false, write: () => undefined, ring });
    service = await VtlinkService.start({ store, calibrationFrames: 10, log, logRing: ring });
    server = await startServer(service, { port: 0, bind: '0.0.0.0', stateDir: store.dir, log: (l) => process.stderr.write(`${l}\n`) });
    base = `http://127.0.0.1:${server.port}`;
    remote = await RemoteHost.create();
    await service.firstFrame;
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await service?.stop();
    await remote?.close();
    await tmp?.remove();
  });

  it('status, stream, preview, changes and refusals', { timeout: 120_000 }, async () => {
    const status = (await http(`${base}/api/status`)).json as ServiceStatus & { api: unknown };
    expect(['tracking', 'no-face']).toContain(status.state);
    expect(status.framesProcessed).toBeGreaterThan(0);
    expect(status.camera.source).toBe('demo');

    // The stream: real TrackingFrames at full detail.
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/stream?rate=30&detail=full`);
    const frames: TrackingFrame[] = [];
    ws.on('message', (d) => {
      const m = JSON.parse(String(d)) as { type: string; frame?: TrackingFrame };
      if (m.type === 'frame') frames.push(m.frame!);
    });
    for (let i = 0; i < 3000 && frames.filter((f) => f.face).length < 5; i++) await new Promise((r) => setTimeout(r, 10));
    ws.close();
    const withFace = frames.filter((f) => f.face);
    expect(withFace.length).toBeGreaterThanOrEqual(5);
    expect(withFace[0].face!.landmarks).toHaveLength(468);
    expect(withFace[0].face!.iris).toHaveLength(10);
    expect(withFace[0].source).toBe('demo');

    // The preview: a real JPEG of the camera frame, at most the asked width.
    let preview = await http(`${base}/api/preview.jpg?w=320`);
    for (let i = 0; i < 20 && preview.status === 503; i++) {
      await new Promise((r) => setTimeout(r, 100));
      preview = await http(`${base}/api/preview.jpg?w=320`);
    }
    expect(preview.status).toBe(200);
    const bytes = new Uint8Array(await (await fetch(`${base}/api/preview.jpg?w=320`)).arrayBuffer());
    const decoded = jpeg.decode(bytes);
    expect(decoded.width).toBeLessThanOrEqual(320);
    expect(decoded.width).toBeGreaterThan(100);

    // A refused change leaves the service's settings as they were; a good one is applied.
    const before = JSON.stringify(service.settings());
    const bad = await http(`${base}/api/settings`, { method: 'PATCH', ...jsonBody({ outputs: { vmc: { rateHz: 1000 } }, tracking: { threads: 99 } }) });
    expect(bad.status).toBe(422);
    expect(errorOf(bad).issues!.map((i) => i.path).sort()).toEqual(['outputs.vmc.rateHz', 'tracking.threads']);
    expect(JSON.stringify(service.settings())).toBe(before);
    const good = await http(`${base}/api/settings`, { method: 'PATCH', ...jsonBody({ outputs: { vmc: { rateHz: 45 } } }) });
    expect(good.status).toBe(200);
    expect((good.json as { changed: string[] }).changed).toEqual(['outputs.vmc.rateHz']);
    expect(service.settings().outputs.vmc.rateHz).toBe(45);

    // Another host cannot change anything without pairing.
    const lan = `http://${remote.hostAddress}:${server.port}`;
    expect((await remote.http(`${lan}/api/status`)).status).toBe(200);
    const remotePatch = await remote.http(`${lan}/api/settings`, { method: 'PATCH', ...jsonBody({ outputs: { vmc: { rateHz: 50 } } }) });
    expect(remotePatch.status).toBe(401);
    expect(service.settings().outputs.vmc.rateHz).toBe(45);

    // Actions reach the tracker.
    expect((await http(`${base}/api/restart-tracking`, { method: 'POST' })).status).toBe(200);
    const cal = await http(`${base}/api/calibrate-neutral`, { method: 'POST' });
    expect([200, 409]).toContain(cal.status);
    if (cal.status === 200) expect((cal.json as { calibration: Settings['calibration'] }).calibration.neutral).not.toBeNull();
  });

  it('status.network lists the box’s own non-loopback addresses; /api/logs is the service’s log, kiosk and paired hosts only', { timeout: 60_000 }, async () => {
    const ownAddresses = () =>
      Object.values(networkInterfaces())
        .flat()
        .filter((a) => a && !a.internal && !a.address.toLowerCase().startsWith('fe80:'))
        .map((a) => a!.address);
    // Other test files add and remove their own namespaces' veths meanwhile: the service's list must hold
    // every address there before and after its answer, and nothing that was in neither.
    const before = ownAddresses();
    const status = (await http(`${base}/api/status`)).json as ServiceStatus;
    const after = ownAddresses();
    expect(status.network.addresses).toEqual(expect.arrayContaining(before.filter((a) => after.includes(a))));
    expect(status.network.addresses.filter((a) => !before.includes(a) && !after.includes(a))).toEqual([]);
    // The namespace's veth end on this side is one of them: the address another host reaches us at.
    expect(status.network.addresses).toContain(remote.hostAddress);
    expect(status.network.addresses).not.toContain('127.0.0.1');
    expect(typeof status.network.hostname).toBe('string');

    const patch = await http(`${base}/api/settings`, { method: 'PATCH', ...jsonBody({ outputs: { vmc: { rateHz: 46 } } }) });
    expect(patch.status).toBe(200);
    const logs = await http(`${base}/api/logs?lines=5`);
    expect(logs.status).toBe(200);
    const lines = (logs.json as { lines: string[] }).lines;
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThanOrEqual(5);
    expect(lines.some((l) => l.includes('settings changed: outputs.vmc.rateHz'))).toBe(true);
    expect(lines).toEqual(ring.lines(lines.length));

    const lan = `http://${remote.hostAddress}:${server.port}`;
    const fromLan = await remote.http(`${lan}/api/logs`);
    expect(fromLan.status).toBe(401);
    expect(fromLan.text).not.toContain('settings changed');
  });
});
