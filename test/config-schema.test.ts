import { describe, expect, it } from 'vitest';
import { migrateSettingsFile, SETTINGS_FILE_VERSION } from '../src/config/migrate';
import { validateSettingsPatch } from '../src/config/patch';
import { defaultSettings, MAX_OUTPUT_TARGETS, SettingsSchema, settingsJsonSchema, STANDARD_BAUD_RATES } from '../src/config/schema';
import { DEFAULT_LANDMARK_SMOOTHING } from '../src/tracking/tracker';

type Json = Record<string, unknown>;

function at(schema: Json, path: string[]): Json {
  let node = schema;
  for (const key of path) node = (node.properties as Json)[key] as Json;
  return node;
}

describe('settings schema', () => {
  it('parses {} to defaults that validate again unchanged', () => {
    const d = defaultSettings();
    expect(SettingsSchema.parse(JSON.parse(JSON.stringify(d)))).toEqual(d);
    expect(d.camera.source).toBe('demo');
    expect(d.outputs.vmc.targets).toEqual([{ host: '127.0.0.1', port: 39539 }]);
    expect(d.outputs.vmc.bundled).toBe(true);
    expect(d.outputs.openSeeFace.targets).toEqual([{ host: '127.0.0.1', port: 11573 }]);
    expect(d.outputs.vrchat).toEqual({ enabled: false, targets: [{ host: '127.0.0.1', port: 9000 }], rateHz: 30, binaryBits: 0 });
    expect(d.outputs.vtubeStudio.url).toBe('ws://localhost:8001');
    expect(d.network.port).toBe(8080);
    expect(d.calibration.neutral).toBeNull();
  });

  it('returns a fresh defaults object each time', () => {
    const a = defaultSettings();
    a.outputs.vmc.targets[0].port = 1;
    a.outputs.openSeeFace.targets.push({ host: 'x', port: 2 });
    expect(defaultSettings().outputs.vmc.targets).toEqual([{ host: '127.0.0.1', port: 39539 }]);
    expect(defaultSettings().outputs.openSeeFace.targets).toHaveLength(1);
  });

  it("uses the tracker's own smoothing defaults", () => {
    const { smoothing } = defaultSettings().tracking;
    expect({ minCutoff: smoothing.minCutoff, beta: smoothing.beta, dCutoff: smoothing.dCutoff }).toEqual(DEFAULT_LANDMARK_SMOOTHING);
  });

  it('accepts the documented camera source kinds and refuses unknown ones', () => {
    const source = SettingsSchema.shape.camera.unwrap().shape.source;
    for (const ok of ['demo', '/home/me/clip.mp4', 'clips/face.png', 'v4l2:/dev/video0', 'gst:videotestsrc ! videoconvert']) {
      expect(source.safeParse(ok).success, ok).toBe(true);
    }
    for (const bad of ['', 'v4l:/dev/video0', 'v4l2:video0', 'gst:', 'gst:   ', 'rtsp://cam/x', 'a\0b']) {
      expect(source.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it('accepts IPv4, IPv6 and host names as output hosts', () => {
    const host = SettingsSchema.shape.outputs.unwrap().shape.vmc.unwrap().shape.targets.unwrap().element.shape.host;
    for (const ok of ['192.168.1.20', '::1', 'fe80::1', 'localhost', 'gaming-pc.local']) expect(host.safeParse(ok).success, ok).toBe(true);
    for (const bad of ['', 'two words', 'http://pc', 'pc:39539', 'a'.repeat(300)]) expect(host.safeParse(bad).success, bad).toBe(false);
  });

  it('exports a JSON Schema with limits, defaults, enums and no extra fields allowed', () => {
    const schema = settingsJsonSchema();
    const targets = at(schema, ['outputs', 'vmc', 'targets']);
    expect(targets).toMatchObject({ type: 'array', minItems: 1, maxItems: MAX_OUTPUT_TARGETS, default: [{ host: '127.0.0.1', port: 39539 }] });
    expect((targets.items as Json).properties).toMatchObject({ host: { type: 'string', maxLength: 253 }, port: { type: 'integer', minimum: 1, maximum: 65535 } });
    expect(at(schema, ['camera', 'format']).enum).toEqual(['auto', 'yuyv', 'nv12', 'mjpeg']);
    expect(at(schema, ['outputs', 'serial', 'baud']).enum).toEqual([...STANDARD_BAUD_RATES]);
    expect(at(schema, ['tracking', 'sensitivity', 'eyes'])).toMatchObject({ minimum: 0.5, maximum: 2, default: 1 });
    expect(at(schema, ['tracking', 'autoCalibration'])).toMatchObject({ type: 'boolean', default: true, title: 'Automatic calibration' });
    expect(at(schema, ['tracking', 'smoothing', 'minCutoff']).description).toMatch(/steadier/);
    // The whole default object is given for each section, so a form can reset it.
    expect(at(schema, ['outputs', 'vmc']).default).toEqual(defaultSettings().outputs.vmc);
    // Walk every object: strict, and every property carries a default.
    const walk = (node: Json, path: string): void => {
      if (node.type !== 'object' || !node.properties) return;
      expect(node.additionalProperties, path).toBe(false);
      for (const [key, child] of Object.entries(node.properties as Record<string, Json>)) {
        const p = path ? `${path}.${key}` : key;
        if (path) expect(child, p).toHaveProperty('default');
        walk(child, p);
      }
    };
    walk(schema, '');
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema); // plain JSON, servable as is
  });
});

describe('output targets', () => {
  const patch = (targets: unknown) => validateSettingsPatch(defaultSettings(), { outputs: { vrchat: { targets } } });

  it('takes up to 8 host and port pairs; refuses none, more, bad ones and the same one twice, each with its reason and place', () => {
    const eight = Array.from({ length: MAX_OUTPUT_TARGETS }, (_, i) => ({ host: `10.0.0.${i + 1}`, port: 9000 }));
    const ok = patch(eight);
    expect(ok.ok && ok.settings.outputs.vrchat.targets).toEqual(eight);
    expect(patch([...eight, { host: '10.0.0.9', port: 9000 }])).toEqual({ ok: false, issues: [{ path: 'outputs.vrchat.targets', message: 'at most 8 targets' }] });
    expect(patch([])).toEqual({ ok: false, issues: [{ path: 'outputs.vrchat.targets', message: expect.stringMatching(/at least one target/) }] });
    // The same host (case aside) and port twice: the second is refused, naming the first.
    expect(patch([{ host: 'PC.local', port: 9000 }, { host: 'laptop', port: 9000 }, { host: 'pc.local', port: 9000 }])).toEqual({
      ok: false,
      issues: [{ path: 'outputs.vrchat.targets.2', message: 'same host and port as target 1' }],
    });
    // The same host on another port is another target.
    expect(patch([{ host: 'pc.local', port: 9000 }, { host: 'pc.local', port: 9001 }]).ok).toBe(true);
    const bad = patch([{ host: 'two words', port: 9000 }, { host: 'pc', port: 0 }, { host: 'pc2' }, { host: 'pc3', port: 1, extra: true }]);
    expect(bad.ok ? [] : bad.issues.map((i) => i.path).sort()).toEqual(['outputs.vrchat.targets.0.host', 'outputs.vrchat.targets.1.port', 'outputs.vrchat.targets.2.port', 'outputs.vrchat.targets.3.extra']);
    // A client still sending version 1's fields is told where they went.
    expect(validateSettingsPatch(defaultSettings(), { outputs: { vmc: { port: 39540 } } })).toEqual({
      ok: false,
      issues: [{ path: 'outputs.vmc.port', message: 'unknown field (replaced by outputs.vmc.targets, a list of {host, port})' }],
    });
  });
});

describe('settings file migrations', () => {
  const migrate = (settings: unknown) => migrateSettingsFile({ version: 1, settings });

  it('version 1 → 2: host and port become a one-element targets list, the missing one from version 1’s defaults', () => {
    expect(SETTINGS_FILE_VERSION).toBe(2);
    expect(migrate({ outputs: { vmc: { enabled: true, host: 'pc.local', port: 40000, bundled: false } } })).toEqual({
      ok: true,
      migratedFrom: 1,
      settings: { outputs: { vmc: { enabled: true, bundled: false, targets: [{ host: 'pc.local', port: 40000 }] } } },
    });
    expect(migrate({ outputs: { vmc: { port: 40000 }, openSeeFace: { host: '192.168.1.20' } } })).toMatchObject({
      settings: { outputs: { vmc: { targets: [{ host: '127.0.0.1', port: 40000 }] }, openSeeFace: { targets: [{ host: '192.168.1.20', port: 11573 }] } } },
    });
    // Nothing stored for an output: nothing written for it (the defaults apply); other sections untouched.
    const untouched = { camera: { fps: 60 }, outputs: { serial: { enabled: true }, vmc: { enabled: true } } };
    expect(migrate(untouched)).toEqual({ ok: true, migratedFrom: 1, settings: untouched });
    expect(migrate({})).toEqual({ ok: true, migratedFrom: 1, settings: {} });
    // Bad values are carried over for the schema to refuse with their new path.
    const carried = migrate({ outputs: { vmc: { port: 'x' } } });
    expect(carried.ok && SettingsSchema.safeParse(carried.settings).error?.issues[0].path).toEqual(['outputs', 'vmc', 'targets', 0, 'port']);
  });

  it('a current file is not migrated; a newer one is refused with its version', () => {
    expect(migrateSettingsFile({ version: 2, settings: { camera: { fps: 5 } } })).toEqual({ ok: true, migratedFrom: null, settings: { camera: { fps: 5 } } });
    expect(migrateSettingsFile({ version: 3, settings: {} })).toEqual({
      ok: false,
      newerVersion: 3,
      reason: 'written by a newer vtlink (settings version 3; this one reads up to 2)',
    });
  });
});
