import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateSettingsPatch } from '../src/config/patch';
import { defaultSettings, type Settings } from '../src/config/schema';
import { resolveStateDir } from '../src/config/state-dir';
import { InvalidSettingsError, LAST_GOOD_FILE, SETTINGS_FILE, SettingsStore, versionFile } from '../src/config/store';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vtlink-config-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function withPort(port: number): Settings {
  const s = defaultSettings();
  s.outputs.vmc.targets = [{ host: '127.0.0.1', port }];
  s.outputs.vmc.enabled = true;
  return s;
}

const files = async (): Promise<string[]> => (await readdir(dir)).sort();

describe('SettingsStore: load and save', () => {
  it('starts with the defaults and health ok when nothing is saved', async () => {
    const store = await SettingsStore.open({ stateDir: dir });
    expect(store.settings).toEqual(defaultSettings());
    expect(store.health.status).toBe('ok');
    expect(await files()).toEqual([]);
  });

  it('creates a missing state folder', async () => {
    const nested = path.join(dir, 'a', 'b');
    const store = await SettingsStore.open({ stateDir: nested });
    await store.save(withPort(4000));
    expect((await stat(path.join(nested, SETTINGS_FILE))).isFile()).toBe(true);
  });

  it('round-trips saved settings through a fresh store', async () => {
    const store = await SettingsStore.open({ stateDir: dir });
    const patched = validateSettingsPatch(store.settings, {
      camera: { source: 'v4l2:/dev/video2', fps: 60 },
      calibration: { neutral: { values: [0.25, -1.5, 3e-7], capturedAt: '2025-05-01T10:00:00.000Z' } },
      display: { brightness: 40 },
    });
    if (!patched.ok) throw new Error(JSON.stringify(patched.issues));
    await store.save(patched.settings);
    expect(store.settings).toEqual(patched.settings);
    const again = await SettingsStore.open({ stateDir: dir });
    expect(again.settings).toEqual(patched.settings);
    expect(again.health.status).toBe('ok');
  });

  it('stores only what differs from the defaults, in a versioned envelope', async () => {
    const store = await SettingsStore.open({ stateDir: dir });
    await store.save(withPort(4000));
    const onDisk: unknown = JSON.parse(await readFile(path.join(dir, SETTINGS_FILE), 'utf8'));
    expect(onDisk).toEqual({ version: 2, settings: { outputs: { vmc: { enabled: true, targets: [{ host: '127.0.0.1', port: 4000 }] } } } });
  });

  it('keeps the previous saved file as the last good copy', async () => {
    const store = await SettingsStore.open({ stateDir: dir });
    await store.save(withPort(4001));
    expect(await files()).toEqual([SETTINGS_FILE]); // nothing good to keep yet
    await store.save(withPort(4002));
    await store.save(withPort(4003));
    const lastGood = JSON.parse(await readFile(path.join(dir, LAST_GOOD_FILE), 'utf8')) as { settings: { outputs: { vmc: { targets: { port: number }[] } } } };
    expect(lastGood.settings.outputs.vmc.targets[0].port).toBe(4002);
    expect(await files()).toEqual([SETTINGS_FILE, LAST_GOOD_FILE].sort()); // no temp files left
  });

  it('refuses to save invalid settings and leaves file and settings as they were', async () => {
    const store = await SettingsStore.open({ stateDir: dir });
    await store.save(withPort(4001));
    const before = await readFile(path.join(dir, SETTINGS_FILE), 'utf8');
    const bad = withPort(99999);
    await expect(store.save(bad)).rejects.toBeInstanceOf(InvalidSettingsError);
    await expect(store.save(bad)).rejects.toThrow(/outputs\.vmc\.targets\.0\.port/);
    expect(store.settings.outputs.vmc.targets[0].port).toBe(4001);
    expect(await readFile(path.join(dir, SETTINGS_FILE), 'utf8')).toBe(before);
    expect(await files()).toEqual([SETTINGS_FILE]);
  });

  it('serialises concurrent saves: they finish in call order and the last one wins', async () => {
    const order: number[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const steps: string[] = [];
    // Observe the save steps: with serialisation they come in whole temp→renamed runs.
    const observed = await SettingsStore.open({
      stateDir: dir,
      onSaveStep: async (step) => {
        steps.push(step);
        await new Promise((r) => setTimeout(r, 1));
      },
    });
    const saves = Array.from({ length: 20 }, (_, i) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      return observed.save(withPort(5000 + i)).then(() => {
        inFlight--;
        order.push(i);
      });
    });
    await Promise.all(saves);
    expect(maxInFlight).toBe(20); // all were really issued together
    expect(order).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const expected: string[] = ['temp-written', 'renamed'];
    for (let i = 1; i < 20; i++) expected.push('temp-written', 'last-good-rotated', 'renamed');
    expect(steps).toEqual(expected);
    expect(observed.settings.outputs.vmc.targets[0].port).toBe(5019);
    expect((await SettingsStore.open({ stateDir: dir })).settings.outputs.vmc.targets[0].port).toBe(5019);
    const lastGood = JSON.parse(await readFile(path.join(dir, LAST_GOOD_FILE), 'utf8')) as { settings: { outputs: { vmc: { targets: { port: number }[] } } } };
    expect(lastGood.settings.outputs.vmc.targets[0].port).toBe(5018);
  });

  it('a failed save does not block the saves queued after it', async () => {
    const store = await SettingsStore.open({ stateDir: dir });
    const results = await Promise.allSettled([store.save(withPort(0)), store.save(withPort(6000))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
    expect(store.settings.outputs.vmc.targets[0].port).toBe(6000);
  });
});

describe('SettingsStore: recovery at start', () => {
  async function savedTwice(): Promise<void> {
    const store = await SettingsStore.open({ stateDir: dir });
    await store.save(withPort(4001));
    await store.save(withPort(4002));
  }

  async function corruptCopies(): Promise<string[]> {
    return (await files()).filter((f) => /^settings\.corrupt-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z(-\d+)?\.json$/.test(f));
  }

  it('a torn settings.json (truncated to half) falls back to the last good copy, kept aside', async () => {
    await savedTwice();
    const file = path.join(dir, SETTINGS_FILE);
    const torn = (await readFile(file)).subarray(0, Math.floor((await stat(file)).size / 2));
    await truncate(file, torn.length);
    const store = await SettingsStore.open({ stateDir: dir });
    expect(store.health.status).toBe('recovered');
    expect(store.health.detail).toMatch(/not valid JSON/);
    expect(store.settings).toEqual(withPort(4001));
    const kept = await corruptCopies();
    expect(kept).toHaveLength(1);
    expect(store.health.detail).toContain(kept[0]);
    expect(await readFile(path.join(dir, kept[0]))).toEqual(torn);
    // The last good copy was put back, so the next start is clean.
    const next = await SettingsStore.open({ stateDir: dir });
    expect(next.health.status).toBe('ok');
    expect(next.settings).toEqual(withPort(4001));
    // And saving from there keeps a good last-good copy.
    await next.save(withPort(4003));
    expect((await SettingsStore.open({ stateDir: dir })).settings).toEqual(withPort(4003));
  });

  it.each([
    ['empty', '', /empty/],
    ['not JSON', '{"version": 1, "settings": {', /not valid JSON/],
    ['not an object', '[1,2]', /not a JSON object/],
    ['no version', '{"settings": {}}', /version/],
    ['out of range value', '{"version": 2, "settings": {"outputs": {"vmc": {"targets": [{"host": "127.0.0.1", "port": 0}]}}}}', /outputs\.vmc\.targets\.0\.port/],
    ['out of range value in a version-1 file', '{"version": 1, "settings": {"outputs": {"vmc": {"port": 0}}}}', /outputs\.vmc\.targets\.0\.port/],
    ['unknown field', '{"version": 1, "settings": {"camera": {"colour": "red"}}}', /camera\.colour: unknown field/],
    ['binary junk', '\u0000\u0001\u00ff\u0000', /not valid JSON/],
  ])('%s: recovered from the last good copy with the reason stated', async (_name, content, reason) => {
    await savedTwice();
    await writeFile(path.join(dir, SETTINGS_FILE), content);
    const store = await SettingsStore.open({ stateDir: dir });
    expect(store.health.status).toBe('recovered');
    expect(store.health.detail).toMatch(reason);
    expect(store.settings).toEqual(withPort(4001));
    const kept = await corruptCopies();
    expect(kept).toHaveLength(1);
    expect(await readFile(path.join(dir, kept[0]), 'utf8')).toBe(content);
  });

  it('both files bad → defaults, health "defaults", both kept aside', async () => {
    await savedTwice();
    await truncate(path.join(dir, SETTINGS_FILE), 10);
    await writeFile(path.join(dir, LAST_GOOD_FILE), '{"version": 1, "settings": {"network": {"port": "http"}}}');
    const store = await SettingsStore.open({ stateDir: dir });
    expect(store.health.status).toBe('defaults');
    expect(store.health.detail).toMatch(/network\.port/);
    expect(store.settings).toEqual(defaultSettings());
    expect(await corruptCopies()).toHaveLength(1);
    expect((await files()).filter((f) => f.startsWith('settings.last-good.corrupt-'))).toHaveLength(1);
    // A save from the defaults works and is loaded next time.
    await store.save(withPort(7000));
    expect((await SettingsStore.open({ stateDir: dir })).settings).toEqual(withPort(7000));
  });

  it('a bad settings.json with no last good copy → defaults', async () => {
    const store0 = await SettingsStore.open({ stateDir: dir });
    await store0.save(withPort(4001));
    await truncate(path.join(dir, SETTINGS_FILE), 7);
    const store = await SettingsStore.open({ stateDir: dir });
    expect(store.health.status).toBe('defaults');
    expect(store.health.detail).toMatch(/last-good\.json is missing/);
    expect(store.settings).toEqual(defaultSettings());
  });

  it('never rotates a bad settings.json over the last good copy', async () => {
    await savedTwice();
    await writeFile(path.join(dir, SETTINGS_FILE), 'garbage');
    const store = await SettingsStore.open({ stateDir: dir });
    await store.save(withPort(4100));
    const lastGood = JSON.parse(await readFile(path.join(dir, LAST_GOOD_FILE), 'utf8')) as { settings: { outputs: { vmc: { targets: { port: number }[] } } } };
    expect(lastGood.settings.outputs.vmc.targets[0].port).toBe(4001);
  });

  it('removes temp files left by a killed save', async () => {
    await savedTwice();
    await writeFile(path.join(dir, `${SETTINGS_FILE}.123.1.tmp`), '{"version": 1, "settings": {"camera": {"fps": 5}}}');
    await writeFile(path.join(dir, `${LAST_GOOD_FILE}.123.2.tmp`), 'half');
    const store = await SettingsStore.open({ stateDir: dir });
    expect(store.health.status).toBe('ok');
    expect(store.settings).toEqual(withPort(4002));
    expect(await files()).toEqual([SETTINGS_FILE, LAST_GOOD_FILE].sort());
  });
});

describe('SettingsStore: settings versions (A/B updates that may roll back)', () => {
  const read = (name: string): Promise<string> => readFile(path.join(dir, name), 'utf8');

  it('a version-1 file is migrated (host and port become targets); the file as it was is kept as settings.v1.json', async () => {
    const v1 = `${JSON.stringify({ version: 1, settings: { camera: { fps: 60 }, outputs: { vmc: { enabled: true, port: 40000 }, openSeeFace: { host: 'pc.local' } } } }, null, 2)}\n`;
    await writeFile(path.join(dir, SETTINGS_FILE), v1);
    const store = await SettingsStore.open({ stateDir: dir });
    expect(store.health.status).toBe('ok');
    expect(store.health.detail).toMatch(/migrated from settings version 1 to 2; the file as it was is kept as settings\.v1\.json/);
    expect(store.settings.outputs.vmc).toMatchObject({ enabled: true, targets: [{ host: '127.0.0.1', port: 40000 }] });
    expect(store.settings.outputs.openSeeFace.targets).toEqual([{ host: 'pc.local', port: 11573 }]);
    expect(store.settings.camera.fps).toBe(60);
    // Release 1, rolled back to, finds its file as it was: by its version's name and as the last good copy.
    expect(await read(versionFile(1))).toBe(v1);
    expect(await read(LAST_GOOD_FILE)).toBe(v1);
    expect(JSON.parse(await read(SETTINGS_FILE))).toEqual({
      version: 2,
      settings: { camera: { fps: 60 }, outputs: { vmc: { enabled: true, targets: [{ host: '127.0.0.1', port: 40000 }] }, openSeeFace: { targets: [{ host: 'pc.local', port: 11573 }] } } },
    });
    expect(await files()).toEqual([SETTINGS_FILE, LAST_GOOD_FILE, versionFile(1)].sort());
    // The next start reads version 2 as it is.
    const again = await SettingsStore.open({ stateDir: dir });
    expect(again.health.detail).toBe(`loaded ${path.join(dir, SETTINGS_FILE)}`);
    expect(again.settings).toEqual(store.settings);
  });

  it('rolled back: a newer release’s settings.json stays in place, this one reads settings.v2.json; the first save keeps the newer file as settings.v3.json', async () => {
    // The folder as a version-3 release leaves it after migrating our file.
    const ours = { version: 2, settings: { outputs: { vmc: { enabled: true, targets: [{ host: '10.0.0.5', port: 39539 }, { host: '10.0.0.6', port: 39540 }] } } } };
    const newer = '{"version": 3, "settings": {"outputs": {"vmc": {"endpoints": ["10.0.0.5:39539"]}}}}';
    await writeFile(path.join(dir, SETTINGS_FILE), newer);
    await writeFile(path.join(dir, versionFile(2)), JSON.stringify(ours));
    const store = await SettingsStore.open({ stateDir: dir });
    expect(store.health.status).toBe('recovered');
    expect(store.health.detail).toMatch(/newer vtlink \(settings version 3; this one reads up to 2\), left in place for it; using settings\.v2\.json/);
    expect(store.settings.outputs.vmc.targets).toEqual(ours.settings.outputs.vmc.targets);
    expect(await read(SETTINGS_FILE)).toBe(newer);
    expect((await files()).some((f) => f.includes('corrupt'))).toBe(false);

    await store.save(withPort(4500));
    expect(await read(versionFile(3))).toBe(newer);
    expect(JSON.parse(await read(SETTINGS_FILE))).toMatchObject({ version: 2, settings: { outputs: { vmc: { targets: [{ host: '127.0.0.1', port: 4500 }] } } } });
    const again = await SettingsStore.open({ stateDir: dir });
    expect(again.health.status).toBe('ok');
    expect(again.settings).toEqual(withPort(4500));
  });

  it('rolled back with no copy for this version: the last good copy, and the newer file still stays until a save keeps it', async () => {
    await (async () => {
      const s = await SettingsStore.open({ stateDir: dir });
      await s.save(withPort(4001));
      await s.save(withPort(4002));
    })();
    const newer = '{"version": 3, "settings": {}}';
    await writeFile(path.join(dir, SETTINGS_FILE), newer);
    const store = await SettingsStore.open({ stateDir: dir });
    expect(store.health.status).toBe('recovered');
    expect(store.health.detail).toMatch(/settings version 3.*settings\.v2\.json is missing; using the last good copy/);
    expect(store.settings).toEqual(withPort(4001));
    expect(await read(SETTINGS_FILE)).toBe(newer);
    await store.save(withPort(4600));
    expect(await read(versionFile(3))).toBe(newer);
    // The last good copy was not replaced by the newer file.
    expect(JSON.parse(await read(LAST_GOOD_FILE)).settings.outputs.vmc.targets[0].port).toBe(4001);
    expect((await SettingsStore.open({ stateDir: dir })).settings).toEqual(withPort(4600));
  });
});

describe('resolveStateDir', () => {
  it('takes the first of several colon-separated $STATE_DIRECTORY folders', () => {
    expect(resolveStateDir({ env: { STATE_DIRECTORY: '/var/lib/vtlink:/var/lib/other' } })).toBe('/var/lib/vtlink');
    expect(resolveStateDir({ env: { STATE_DIRECTORY: '/var/lib/vtlink' } })).toBe('/var/lib/vtlink');
    expect(resolveStateDir({ env: { STATE_DIRECTORY: '::/var/lib/x' } })).toBe('/var/lib/x');
  });

  it('prefers the explicit option, then $STATE_DIRECTORY, then $XDG_STATE_HOME, then ~/.local/state', () => {
    const env = { STATE_DIRECTORY: '/var/lib/vtlink', XDG_STATE_HOME: '/xdg' };
    expect(resolveStateDir({ stateDir: '/opt/s', env })).toBe('/opt/s');
    expect(resolveStateDir({ env })).toBe('/var/lib/vtlink');
    expect(resolveStateDir({ env: { XDG_STATE_HOME: '/xdg' } })).toBe('/xdg/vtlink');
    expect(resolveStateDir({ env: { XDG_STATE_HOME: 'relative/ignored' }, home: '/home/u' })).toBe('/home/u/.local/state/vtlink');
    expect(resolveStateDir({ env: {}, home: '/home/u' })).toBe('/home/u/.local/state/vtlink');
  });

  it('a store opened from $STATE_DIRECTORY saves into its first folder', async () => {
    const first = path.join(dir, 'first');
    const second = path.join(dir, 'second');
    const store = await SettingsStore.open({ env: { STATE_DIRECTORY: `${first}:${second}` } });
    expect(store.dir).toBe(first);
    await store.save(withPort(4321));
    expect(await readdir(first)).toEqual([SETTINGS_FILE]);
    await expect(readdir(second)).rejects.toThrow(/ENOENT/);
  });
});
