/**
 * `vtlink run` (the bundled CLI, on the demo input) with its updater pointed at a real RAUC set-up
 * (test/helpers/rauc-lab.ts) through the VTLINK_* variables: the System page's data from
 * GET /api/update, "health decides" with the service's own READY and frame progress (mark-good
 * resets GRUB's try counter of the booted slot; shortened to 3 s by VTLINK_UPDATE_HEALTHY_MS), a
 * bundle offered from a "USB stick" folder, installed, and the reboot requested in RUNTIME_DIRECTORY.
 * The reboot itself (a new boot id) is in update-rauc.test.ts.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceStatus } from '../src/service/control';
import type { UpdateState } from '../src/update/types';
import { RaucLab } from './helpers/rauc-lab';
import { startService, type RunningService } from './helpers/service';
import { waitUntil } from './helpers/wait';
import { bundleCli } from './service-harness';

let lab: RaucLab;
let base: string;
let service: RunningService;

const getJson = async <T>(p: string): Promise<T> => (await (await fetch(new URL(p, service.url))).json()) as T;

beforeAll(async () => {
  lab = await RaucLab.create({ preInstallSleepS: 1 });
  await lab.startService('A');
  await lab.setGrubenv({ A_TRY: '1' }); // GRUB counted this boot's try of A
  base = await mkdtemp(path.join(os.tmpdir(), 'vtlink-update-service-'));
  await mkdir(path.join(base, 'run'));
  await mkdir(path.join(base, 'usb', 'sdz1'), { recursive: true });
  await writeFile(path.join(base, 'vtlink-release'), 'VERSION=0.1.5\nCOMPATIBLE=vtlink-amd64\nBUILD=20260101\n');
  const cli = await bundleCli('update-service');
  // The service's environment (inherited by startService): the lab's bus and files, and a short health wait.
  Object.assign(process.env, {
    ...lab.env,
    VTLINK_RAUC_CONF: lab.conf,
    VTLINK_RELEASE_FILE: path.join(base, 'vtlink-release'),
    VTLINK_USB_DIR: path.join(base, 'usb'),
    VTLINK_UPDATE_HEALTHY_MS: '3000',
    RUNTIME_DIRECTORY: path.join(base, 'run'),
  });
  service = await startService({ stateDir: path.join(base, 'state'), command: [process.execPath, cli, 'run', '--state-dir', path.join(base, 'state'), '--port', '0', '--source', 'demo'] });
});

afterAll(async () => {
  await service?.stop();
  await lab?.close();
  if (base) await rm(base, { recursive: true, force: true });
});

describe('vtlink run with RAUC', () => {
  it('reports the running version and slot, and marks the slot good once READY and tracking for the health time', async () => {
    const s = await getJson<UpdateState>('api/update');
    expect(s).toMatchObject({ available: true, running: { version: '0.1.5', build: '20260101', compatible: 'vtlink-amd64', slot: 'A', slotName: 'rootfs.0' } });
    await waitUntil(() => /update: healthy for 3 s: marked slot rootfs.0 as good/.test(service.output()), 'mark-good in the log', 90_000);
    expect(await lab.grubenv()).toMatchObject({ A_OK: '1', A_TRY: '0' });
    expect(await getJson<UpdateState>('api/update')).toMatchObject({ health: { state: 'marked-good', requiredS: 3 } });
    expect((await getJson<ServiceStatus>('api/status')).update).toEqual({ available: true, slot: 'A', health: 'marked-good' });
  });

  it('offers a bundle from a USB stick, installs it on request, says "restarting into 0.2.0" and then requests the reboot', async () => {
    await copyFile(await lab.makeBundle({ version: '0.2.0', format: 'plain' }), path.join(base, 'usb', 'sdz1', 'vtlink-0.2.0.raucb'));
    let offer: UpdateState['usb'][number] | undefined;
    for (let i = 0; i < 120 && offer?.state !== 'ready'; i++) {
      offer = (await getJson<UpdateState>('api/update')).usb[0];
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(offer).toMatchObject({ id: 'sdz1/vtlink-0.2.0.raucb', state: 'ready', bundle: { version: '0.2.0', signature: 'verified' } });
    const r = await fetch(new URL('api/update/install', service.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ bundle: 'usb', id: offer!.id, version: '0.2.0' }) });
    expect(r.status).toBe(202);
    const kinds: string[] = [];
    for (let i = 0; i < 600 && !existsSync(path.join(base, 'run', 'reboot')); i++) {
      const op = (await getJson<UpdateState>('api/update')).operation;
      if (kinds.at(-1) !== op.kind) kinds.push(op.kind);
      await new Promise((res) => setTimeout(res, 50));
    }
    expect(kinds).toEqual(['installing', 'rebooting']);
    expect(await readFile(path.join(base, 'run', 'reboot'), 'utf8')).toBe('update 0.2.0 slot B\n');
    expect(await lab.grubenv()).toMatchObject({ ORDER: 'B A' });
    expect(service.output()).toMatch(/update: version 0\.2\.0 installed into slot B \(running slot A\)/);
  });
});
