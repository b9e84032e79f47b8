import { describe, expect, it } from 'vitest';
import { applyMergePatch } from '../src/config/merge-patch';
import { touches, validateSettingsPatch, type SettingsIssue } from '../src/config/patch';
import { defaultSettings, type Settings } from '../src/config/schema';

function customised(): Settings {
  const s = defaultSettings();
  s.outputs.vmc.enabled = true;
  s.outputs.vmc.targets = [{ host: '192.168.1.20', port: 39539 }];
  s.camera.source = 'v4l2:/dev/video0';
  s.tracking.sensitivity.mouth = 1.4;
  s.calibration.neutral = { values: [0.1, 0.2, 0.3], capturedAt: '2025-05-01T10:00:00.000Z' };
  return s;
}

/** Refused, with exactly these paths, and `current` untouched. */
function expectRefused(patch: unknown, paths: string[]): SettingsIssue[] {
  const current = customised();
  const before = structuredClone(current);
  const result = validateSettingsPatch(current, patch);
  expect(current).toEqual(before);
  if (result.ok) throw new Error(`patch ${JSON.stringify(patch)} was accepted`);
  expect(result.issues.map((i) => i.path).sort()).toEqual([...paths].sort());
  for (const issue of result.issues) expect(issue.message.length).toBeGreaterThan(0);
  return result.issues;
}

describe('validateSettingsPatch: refusals', () => {
  it('refuses each kind of bad value, naming the field', () => {
    for (const port of [0, 65536, 80.5, '39539']) expectRefused({ outputs: { vmc: { targets: [{ host: 'pc', port: port }] } } }, ['outputs.vmc.targets.0.port']);
    expectRefused({ outputs: { vmc: { targets: [{ host: 'not a host', port: 1 }] } } }, ['outputs.vmc.targets.0.host']);
    expectRefused({ outputs: { serial: { baud: 12345 } } }, ['outputs.serial.baud']);
    expectRefused({ outputs: { serial: { path: 'ttyUSB0' } } }, ['outputs.serial.path']);
    expectRefused({ outputs: { vtubeStudio: { url: 'http://localhost:8001' } } }, ['outputs.vtubeStudio.url']);
    expectRefused({ camera: { format: 'rgb24' } }, ['camera.format']);
    expectRefused({ camera: { mirror: 'yes' } }, ['camera.mirror']);
    expectRefused({ camera: { source: 'v4l:/dev/video0' } }, ['camera.source']);
    expectRefused({ tracking: { threads: 5 } }, ['tracking.threads']);
    expectRefused({ tracking: { sensitivity: { eyes: 0.4 } } }, ['tracking.sensitivity.eyes']);
    expectRefused({ tracking: { smoothing: { minCutoff: 0 } } }, ['tracking.smoothing.minCutoff']);
    expectRefused({ avatar: { colours: { accent: 'pink' } } }, ['avatar.colours.accent']);
    expectRefused({ network: { bind: 'example.com' } }, ['network.bind']);
    expectRefused({ display: { brightness: 101 } }, ['display.brightness']);
    expectRefused({ calibration: { neutral: { values: [], capturedAt: 'yesterday' } } }, [
      'calibration.neutral.values',
      'calibration.neutral.capturedAt',
    ]);
    expectRefused({ calibration: { neutral: { values: [1], capturedAt: null } } }, ['calibration.neutral.capturedAt']);
    expectRefused({ outputs: 5 }, ['outputs']);
  });

  it('lists every bad field of one patch, not just the first', () => {
    const issues = expectRefused(
      { camera: { fps: 0, width: -1 }, outputs: { vmc: { targets: [{ host: 'pc', port: 70000 }], rateHz: 0 }, serial: { format: 'xml' } }, network: { port: 0 } },
      ['camera.fps', 'camera.width', 'outputs.vmc.targets.0.port', 'outputs.vmc.rateHz', 'outputs.serial.format', 'network.port'],
    );
    expect(issues.find((i) => i.path === 'outputs.vmc.targets.0.port')?.message).toMatch(/65535/);
  });

  it('refuses unknown fields at every level, one issue per field, together with bad values', () => {
    expectRefused({ extra: 1 }, ['extra']);
    expectRefused({ outputs: { vmc: { prot: 1, hots: 'x' } } }, ['outputs.vmc.prot', 'outputs.vmc.hots']);
    expectRefused({ outputs: { midi: { enabled: true } } }, ['outputs.midi']);
    expectRefused({ camera: { fps: 1000, fsp: 30 } }, ['camera.fps', 'camera.fsp']);
    expectRefused({ calibration: { neutral: { values: [1], capturedAt: '2025-01-01T00:00:00Z', by: 'me' } } }, ['calibration.neutral.by']);
  });

  it('refuses a patch that is not an object', () => {
    for (const patch of [null, 3, 'camera', [{ camera: {} }], true]) expectRefused(patch, ['']);
  });

  it('keeps "__proto__" an ordinary (unknown) field, polluting nothing', () => {
    const patch: unknown = JSON.parse('{"__proto__": {"polluted": true}, "camera": {"__proto__": {"fps": 1}}}');
    expectRefused(patch, ['__proto__', 'camera.__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses absurdly deep nesting without recursing forever', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    const result = validateSettingsPatch(defaultSettings(), { camera: deep });
    expect(result.ok).toBe(false);
  });
});

describe('validateSettingsPatch: merge semantics', () => {
  it('merges objects: untouched fields keep their values', () => {
    const current = customised();
    const result = validateSettingsPatch(current, { outputs: { vmc: { rateHz: 60 } } });
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    const expected = structuredClone(current);
    expected.outputs.vmc.rateHz = 60;
    expect(result.settings).toEqual(expected);
    expect(result.changed).toEqual(['outputs.vmc.rateHz']);
    expect(current.outputs.vmc.rateHz).toBe(30);
  });

  it('null puts a field or a whole section back to its default', () => {
    const current = customised();
    const result = validateSettingsPatch(current, { outputs: { vmc: null }, tracking: { sensitivity: { mouth: null } }, calibration: { neutral: null } });
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    const d = defaultSettings();
    expect(result.settings.outputs.vmc).toEqual(d.outputs.vmc);
    expect(result.settings.tracking.sensitivity.mouth).toBe(1);
    expect(result.settings.calibration.neutral).toBeNull();
    expect(result.settings.camera.source).toBe('v4l2:/dev/video0');
    expect(result.changed.sort()).toEqual(['calibration.neutral', 'outputs.vmc.enabled', 'outputs.vmc.targets', 'tracking.sensitivity.mouth']);
  });

  it('replaces arrays instead of merging them', () => {
    const current = customised();
    const result = validateSettingsPatch(current, { calibration: { neutral: { values: [9] } } });
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.settings.calibration.neutral).toEqual({ values: [9], capturedAt: '2025-05-01T10:00:00.000Z' });
    expect(result.changed).toEqual(['calibration.neutral.values']);
  });

  it('sets a nullable field from null to an object', () => {
    const result = validateSettingsPatch(defaultSettings(), { calibration: { neutral: { values: [1, 2], capturedAt: '2025-06-01T08:30:00Z' } } });
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.settings.calibration.neutral?.values).toEqual([1, 2]);
    expect(result.changed).toEqual(['calibration.neutral']);
  });

  it('an empty patch or one restating current values changes nothing', () => {
    const current = customised();
    for (const patch of [{}, { outputs: { vmc: { targets: [{ host: '192.168.1.20', port: 39539 }] } } }, { camera: {} }]) {
      const result = validateSettingsPatch(current, patch);
      if (!result.ok) throw new Error(JSON.stringify(result.issues));
      expect(result.settings).toEqual(current);
      expect(result.changed).toEqual([]);
    }
  });

  it('returns settings that share no objects with the current ones', () => {
    const current = customised();
    const result = validateSettingsPatch(current, { camera: { fps: 60 } });
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    result.settings.outputs.vmc.targets[0].port = 1;
    result.settings.calibration.neutral?.values.push(4);
    expect(current.outputs.vmc.targets[0].port).toBe(39539);
    expect(current.calibration.neutral?.values).toEqual([0.1, 0.2, 0.3]);
  });

  it('touches() matches sections and exact paths, not prefixes of names', () => {
    const changed = ['outputs.vmc.port', 'camera.fps'];
    expect(touches(changed, 'camera')).toBe(true);
    expect(touches(changed, 'outputs.vmc')).toBe(true);
    expect(touches(changed, 'outputs.vmc.port')).toBe(true);
    expect(touches(changed, 'outputs.vm')).toBe(false);
    expect(touches(changed, 'tracking')).toBe(false);
  });
});

describe('applyMergePatch (RFC 7386 appendix A examples)', () => {
  const cases: [unknown, unknown, unknown][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  it.each(cases)('%j + %j', (target, patch, expected) => {
    const before = structuredClone(target);
    expect(applyMergePatch(target, patch)).toEqual(expected);
    expect(target).toEqual(before);
  });
});
