import { describe, expect, it } from 'vitest';
import { defaultSettings, SettingsSchema, settingsJsonSchema, STANDARD_BAUD_RATES } from '../src/config/schema';
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
    expect(d.outputs.vmc.port).toBe(39539);
    expect(d.outputs.vmc.bundled).toBe(true);
    expect(d.outputs.openSeeFace.port).toBe(11573);
    expect(d.outputs.vtubeStudio.url).toBe('ws://localhost:8001');
    expect(d.network.port).toBe(8080);
    expect(d.calibration.neutral).toBeNull();
  });

  it('returns a fresh defaults object each time', () => {
    const a = defaultSettings();
    a.outputs.vmc.port = 1;
    expect(defaultSettings().outputs.vmc.port).toBe(39539);
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
    const host = SettingsSchema.shape.outputs.unwrap().shape.vmc.unwrap().shape.host;
    for (const ok of ['192.168.1.20', '::1', 'fe80::1', 'localhost', 'gaming-pc.local']) expect(host.safeParse(ok).success, ok).toBe(true);
    for (const bad of ['', 'two words', 'http://pc', 'pc:39539', 'a'.repeat(300)]) expect(host.safeParse(bad).success, bad).toBe(false);
  });

  it('exports a JSON Schema with limits, defaults, enums and no extra fields allowed', () => {
    const schema = settingsJsonSchema();
    const port = at(schema, ['outputs', 'vmc', 'port']);
    expect(port).toMatchObject({ type: 'integer', minimum: 1, maximum: 65535, default: 39539 });
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
