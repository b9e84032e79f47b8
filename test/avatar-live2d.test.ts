/**
 * Live2D models the user brings (src/avatar/live2d.ts), in Node, over the real HTTP server: a model
 * zip made here byte by byte (test/helpers/zip.ts) is checked, stored and served; hostile or wrong
 * zips (traversal, no or two .model3.json, a missing texture, over the caps) are refused with the
 * reason and nothing kept; without the user's Cubism Core a Live2D model cannot be chosen, and the
 * reason says how to add it; the sample → standard parameter mapping the avatar page uses. No Cubism Core exists here: drawing a model is checked by hand with
 * tools/live2d-check.mjs (src/avatar/README.md).
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUBISM_CORE_MISSING, Live2DModels, safeEntryPath, type Live2DSummary } from '../src/avatar/live2d';
import { SettingsStore } from '../src/config';
import { startServer, type RunningServer } from '../src/server';
import type { ApplyResult } from '../src/service/control';
import { silentLogger } from '../src/system/log';
import { live2dParameters } from '../ui/src/avatar/live2d-params';
import { neutralSample } from '../ui/src/avatar/sample';
import { modelFolderEntries, writeZip } from './helpers/zip';
import { errorOf, http, tempDir, TestControl, type HttpAnswer } from './server-helpers';

class Live2DTestControl extends TestControl {
  live2d?: Live2DModels;

  /** As VtlinkService.apply: a Live2D choice needs the model and Cubism Core. */
  override async applySettings(patch: unknown): Promise<ApplyResult> {
    const choice = (patch as { avatar?: { choice?: string } }).avatar?.choice;
    const problem = choice && this.live2d ? await this.live2d.choiceProblem(choice) : null;
    if (problem) return { ok: false, issues: [{ path: 'avatar.choice', message: problem }] };
    return super.applySettings(patch);
  }
}

function put(url: string, body: Buffer): Promise<HttpAnswer> {
  return http(url, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body });
}

describe('Live2D standard parameters from a tracking sample', () => {
  it('neutral at rest; a turn, a wink, gaze, mouth, smile and brows drive the named parameters within their ranges', () => {
    const rest = live2dParameters(neutralSample());
    expect(rest).toEqual({
      ParamAngleX: 0,
      ParamAngleY: 0,
      ParamAngleZ: 0,
      ParamBodyAngleX: 0,
      ParamEyeLOpen: 1,
      ParamEyeROpen: 1,
      ParamEyeBallX: 0,
      ParamEyeBallY: 0,
      ParamMouthOpenY: 0,
      ParamMouthForm: 0,
      ParamBrowLY: 0,
      ParamBrowRY: 0,
    });
    // The subject turns to their right and looks up-right, winks their right eye, smiles with the mouth open, raises the left brow, leans.
    const moved = live2dParameters({ ...neutralSample(), headYaw: 50, headPitch: 10, headRoll: 5, gazeYaw: 15, gazePitch: 40, eyeRight: 0, eyeLeft: 1.3, mouthOpen: 0.8, smile: 0.4, browLeft: 1, leanX: 0.5 });
    expect(moved).toMatchObject({
      ParamAngleX: -30, // clamped; the face turns towards the image's left
      ParamAngleY: 10,
      ParamAngleZ: -5,
      ParamBodyAngleX: -5,
      ParamEyeLOpen: 0, // the subject's right eye is the viewer's left
      ParamEyeROpen: 1,
      ParamEyeBallX: -0.5,
      ParamEyeBallY: 1,
      ParamMouthOpenY: 0.8,
      ParamMouthForm: 0.8,
      ParamBrowLY: 0,
      ParamBrowRY: 1,
    });
  });
});

describe('zip entry names', () => {
  it('keeps plain relative paths and refuses traversal, absolute paths, backslashes and drive letters', () => {
    expect(safeEntryPath('Mika/Mika.model3.json')).toBe('Mika/Mika.model3.json');
    expect(safeEntryPath('Mika/')).toBe('Mika');
    for (const bad of ['../evil.js', 'Mika/../../etc/passwd', '/etc/passwd', 'C:/x', 'Mika\\..\\x', 'a//b', './a', '']) {
      expect([bad, typeof safeEntryPath(bad)]).toEqual([bad, 'object']);
    }
  });
});

describe('/api/avatars/live2d over HTTP', () => {
  let t: { dir: string; remove: () => Promise<void> };
  let control: Live2DTestControl;
  let server: RunningServer;
  let base = '';
  const state = (): string => path.join(t.dir, 'state');

  beforeAll(async () => {
    t = await tempDir('vtlink-live2d-');
    control = new Live2DTestControl(await SettingsStore.open({ stateDir: state() }));
    // Small caps, so the test's zips can cross them.
    control.live2d = await Live2DModels.open({
      stateDir: state(),
      selected: () => control.settings().avatar.choice,
      log: silentLogger,
      limits: { maxZipBytes: 64 * 1024, maxUnzippedBytes: 256 * 1024, maxFiles: 20, maxCoreBytes: 64 * 1024 },
    });
    server = await startServer(control, { port: 0, bind: '127.0.0.1', stateDir: state() });
    base = server.url.replace(/\/$/, '');
  });

  afterAll(async () => {
    await server?.close();
    await t?.remove();
  });

  it('stores a model zip, lists it, serves its files by their relative paths and nothing else', async () => {
    const created = await put(`${base}/api/avatars/live2d?name=Mika.zip`, writeZip(modelFolderEntries()));
    expect(created.status).toBe(201);
    const model = (created.json as { model: Live2DSummary }).model;
    expect(model).toMatchObject({ name: 'Mika', choice: `live2d:${model.id}`, modelUrl: `/api/avatars/live2d/files/${model.id}/Mika/Mika.model3.json` });
    const listed = (await http(`${base}/api/avatars/live2d`)).json as { models: Live2DSummary[]; coreInstalled: boolean; coreMissing: string };
    expect(listed).toMatchObject({ models: [model], coreInstalled: false, coreMissing: CUBISM_CORE_MISSING });

    const json = await http(`${base}${model.modelUrl}`);
    expect([json.status, json.headers['content-type'], (json.json as { Version: number }).Version]).toEqual([200, 'application/json', 3]);
    // The plugin asks for the texture relative to the .model3.json: a folder and an encoded name.
    const texture = await http(`${base}/api/avatars/live2d/files/${model.id}/Mika/Mika.2048/texture%5F00.png`);
    expect([texture.status, texture.headers['content-type']]).toEqual([200, 'image/png']);
    // Only the model's own files: no traversal out of it (an encoded "/" reaches the route; a plain
    // "../" is resolved by the client already), no other model, not our record.
    for (const p of [`${model.id}/Mika/..%2F..%2Fmodel.json`, `${model.id}/..%2F..%2F..%2Fsettings.json`, `${model.id}/model.json`, `nobody-000000/Mika/Mika.moc3`, `${model.id}/%E0%A4%A`]) {
      const r = await http(`${base}/api/avatars/live2d/files/${p}`);
      expect([p, r.status, errorOf(r).code]).toEqual([p, 404, 'live2d-file-not-found']);
    }
  });

  it('refuses hostile and wrong zips with the reason, keeping nothing', async () => {
    const before = await readdir(path.join(state(), 'avatars/live2d'));
    const cases: [string, Buffer, number, string, RegExp][] = [
      ['traversal', writeZip([...modelFolderEntries(), { name: 'Mika/../../evil.js', data: 'x' }]), 422, 'unsafe-path', /unsafe name .*\.\.\/\.\.\/evil\.js/],
      ['absolute', writeZip([...modelFolderEntries(), { name: '/etc/cron.d/x', data: 'x' }]), 422, 'unsafe-path', /unsafe name \(absolute path/],
      ['backslash', writeZip([...modelFolderEntries(), { name: '..\\evil.js', data: 'x' }]), 422, 'unsafe-path', /unsafe name .*\.\.\/evil\.js/],
      ['no model3', writeZip(modelFolderEntries().filter((e) => !e.name.endsWith('.model3.json'))), 422, 'no-model3-json', /no \.model3\.json/],
      ['two models', writeZip([...modelFolderEntries('A'), ...modelFolderEntries('B')]), 422, 'several-model3-json', /2 \.model3\.json files/],
      ['missing texture', writeZip(modelFolderEntries().filter((e) => !e.name.endsWith('.png'))), 422, 'model-file-missing', /names Mika\.2048\/texture_00\.png, which is not in the zip/],
      ['moc3 that is not', writeZip(modelFolderEntries().map((e) => (e.name.endsWith('.moc3') ? { ...e, data: 'hello' } : e))), 422, 'not-a-moc3', /no MOC3 signature/],
      ['bad json', writeZip(modelFolderEntries().map((e) => (e.name.endsWith('.model3.json') ? { ...e, data: '{"Version": 3' } : e))), 422, 'bad-model3-json', /not a model3\.json/],
      ['not a zip', Buffer.from('PK but not really a zip file at all'), 422, 'not-a-zip', /not a readable zip/],
      ['too many files', writeZip([...modelFolderEntries(), ...Array.from({ length: 20 }, (_, i) => ({ name: `Mika/extra${i}.txt`, data: 'x' }))]), 422, 'too-many-files', /more than 20 files/],
      // 300 KB of zeros deflate to a few hundred bytes: the cap on what it unzips to stops it.
      ['unzips too large', writeZip([...modelFolderEntries(), { name: 'Mika/padding.bin', data: Buffer.alloc(300 * 1024) }]), 422, 'too-large-unzipped', /more than 0\.3 MB unzipped/],
      ['zip too large', writeZip([...modelFolderEntries(), { name: 'Mika/noise.bin', data: Buffer.from(Array.from({ length: 70 * 1024 }, (_, i) => (i * 7919) % 251)), store: true }]), 413, 'file-too-large', /at most 0\.1 MB/],
    ];
    for (const [what, zip, status, code, message] of cases) {
      const r = await put(`${base}/api/avatars/live2d?name=${encodeURIComponent(what)}.zip`, zip);
      expect({ what, status: r.status, code: errorOf(r).code, message: errorOf(r).message }).toEqual({ what, status, code, message: expect.stringMatching(message) });
    }
    expect(await readdir(path.join(state(), 'avatars/live2d'))).toEqual(before);
    expect(await readdir(t.dir)).not.toContain('evil.js');
    expect(((await http(`${base}/api/avatars/live2d`)).json as { models: unknown[] }).models).toHaveLength(1);
  });

  it('without Cubism Core a Live2D model cannot be chosen, the reason says how to add it, and the avatar stays', async () => {
    const [model] = ((await http(`${base}/api/avatars/live2d`)).json as { models: Live2DSummary[] }).models;
    const chosen = await http(`${base}/api/settings`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ avatar: { choice: model.choice } }) });
    expect(chosen.status).toBe(422);
    expect(chosen.text).toContain('Live2D needs Cubism Core, which vtlink cannot ship');
    expect(chosen.text).toContain('live2dcubismcore.min.js');
    expect(control.settings().avatar.choice).toBe('default');
    const core = await http(`${base}/api/avatars/cubism-core`);
    expect([core.status, errorOf(core).code, errorOf(core).message]).toEqual([404, 'cubism-core-missing', CUBISM_CORE_MISSING]);
    // Something else uploaded as Core (the SDK's zip, a saved web page): refused, still no Core.
    const wrong = await put(`${base}/api/avatars/cubism-core`, Buffer.from('<!doctype html><title>Download</title>'));
    expect([wrong.status, errorOf(wrong).code, errorOf(wrong).message]).toEqual([422, 'not-cubism-core', expect.stringMatching(/Core\/live2dcubismcore\.min\.js/)]);
    expect((await readdir(path.join(state(), 'avatars/cubism-core')))).toEqual([]);
    // An unknown model: refused with its own reason.
    const unknown = await http(`${base}/api/settings`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ avatar: { choice: 'live2d:nobody-000000' } }) });
    expect([unknown.status, unknown.text]).toEqual([422, expect.stringContaining('no Live2D model \\"nobody-000000\\"')]);

    // Removed: its files go; a fresh store (the service restarted) finds none.
    const removed = await http(`${base}/api/avatars/live2d?id=${model.id}`, { method: 'DELETE' });
    expect([removed.status, (removed.json as { models: unknown[] }).models]).toEqual([200, []]);
    expect(await readdir(path.join(state(), 'avatars/live2d'))).toEqual([]);
    const reopened = await Live2DModels.open({ stateDir: state(), selected: () => 'default', log: silentLogger });
    expect(reopened.list()).toEqual([]);
  });
});
