/**
 * Avatar packs from PSDs, in Node: the layer-name convention, the converter on PSDs written here with
 * ag-psd (trimmed PNGs checked pixel by pixel with pngjs), every refusal with its reason, and the
 * HTTP API over the real server with the real store and its worker thread (bundled by esbuild as
 * tools/build.mjs does): import, list, manifest, layer pictures, mapping, removal, and a broken or
 * oversized file refused with the existing pack left as it was.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PackManifest, PackSummary } from '../src/avatar/pack';
import { AvatarPacks } from '../src/avatar/packs';
import { partForLayerName } from '../src/avatar/parts';
import { AVATAR_LIMITS, convertPsd, PsdRefusal } from '../src/avatar/psd-convert';
import { startServer, type RunningServer } from '../src/server';
import { silentLogger } from '../src/system/log';
import { testFacePsd, TEST_FACE, writeTestPsd } from './helpers/psd';
import { errorOf, http, jsonBody, tempDir, TestControl, type HttpAnswer } from './server-helpers';
import { bundlePsdWorkerTo } from './service-harness';

describe('layer-name convention', () => {
  it('maps the documented names, their spellings and the usual Japanese names', () => {
    const cases: [string, string[], string | null][] = [
      ['eye_l_open', [], 'eye_l_open'],
      ['Eye R Closed', [], 'eye_r_closed'],
      ['EyeLHalf', [], 'eye_l_half'],
      ['eye-r', [], 'eye_r_open'],
      ['Iris L', [], 'iris_l'],
      ['pupil_right', [], 'iris_r'],
      ['white L', [], 'eye_white_l'],
      ['Brow Right', [], 'brow_r'],
      ['mouth_a', [], 'mouth_a'],
      ['Mouth O', [], 'mouth_o'],
      ['mouth smile', [], 'mouth_smile'],
      ['Mouth', [], 'mouth_closed'],
      ['口 あ', [], 'mouth_a'],
      ['左目 閉じ', [], 'eye_l_closed'],
      ['右眉', [], 'brow_r'],
      ['前髪', [], 'hair_front'],
      ['後ろ髪', [], 'hair_back'],
      ['Hair Back', [], 'hair_back'],
      ['Body', [], 'body'],
      ['Nose', [], 'face'],
      ['Head', [], 'head'],
      ['sketch', [], 'hidden'],
      // Folders give the context a short name lacks.
      ['closed', ['Left eye'], 'eye_l_closed'],
      ['a', ['Mouth'], 'mouth_a'],
      // Unknown, or an eye without a side: left for the mapper.
      ['Layer 7', [], null],
      ['eye open', [], null],
    ];
    for (const [name, groups, part] of cases) expect([name, partForLayerName(name, groups)]).toEqual([name, part]);
  });
});

async function tmp(): Promise<{ dir: string; remove: () => Promise<void> }> {
  return tempDir('vtlink-psd-');
}

function pngPixel(png: PNG, x: number, y: number): number[] {
  const i = (y * png.width + x) * 4;
  return [...png.data.subarray(i, i + 4)];
}

describe('convertPsd', () => {
  it('writes each drawn layer trimmed to its pixels, in the PSD order, with parts, folders, visibility', async () => {
    const t = await tmp();
    try {
      const psdFile = path.join(t.dir, 'face.psd');
      await writeFile(psdFile, testFacePsd({ withMystery: true }));
      const out = path.join(t.dir, 'pack');
      await mkdir(out);
      const converted = await convertPsd(psdFile, out);
      expect([converted.width, converted.height]).toEqual([TEST_FACE.width, TEST_FACE.height]);
      expect(converted.layers.map((l) => [l.name, l.part, l.visible])).toEqual([
        ['Body', 'body', true],
        ['Head', 'head', true],
        ['eye_l_open', 'eye_l_open', true],
        ['eye_l_closed', 'eye_l_closed', false],
        ['Eye R Open', 'eye_r_open', true],
        ['eye R closed', 'eye_r_closed', false],
        ['mouth_closed', 'mouth_closed', true],
        ['口 あ', 'mouth_a', false],
        ['Layer 7', null, false],
      ]);
      expect(converted.layers[2].groups).toEqual(['Eyes']);
      // The head was drawn with 6 transparent pixels around it: trimmed away.
      const head = converted.layers[1];
      expect([head.x, head.y, head.width, head.height]).toEqual([110, 60, 180, 230]);
      const png = PNG.sync.read(await readFile(path.join(out, head.file)));
      expect([png.width, png.height]).toEqual([180, 230]);
      expect(pngPixel(png, 0, 0)).toEqual(TEST_FACE.colours.head);
      expect(pngPixel(png, 179, 229)).toEqual(TEST_FACE.colours.head);
      const mouthA = PNG.sync.read(await readFile(path.join(out, converted.layers[7].file)));
      expect(pngPixel(mouthA, 25, 8)).toEqual(TEST_FACE.colours.mouthA);
    } finally {
      await t.remove();
    }
  });

  it('refuses with a reason: not a PSD, truncated, too large a canvas, too many layers, no layers', async () => {
    const t = await tmp();
    const out = path.join(t.dir, 'out');
    await mkdir(out);
    const refusal = async (bytes: Buffer): Promise<PsdRefusal> => {
      const file = path.join(t.dir, 'x.psd');
      await writeFile(file, bytes);
      const err = await convertPsd(file, out).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(PsdRefusal);
      return err as PsdRefusal;
    };
    try {
      expect((await refusal(Buffer.from('GIF89a this is not a photoshop file at all'))).code).toBe('not-a-psd');
      const whole = testFacePsd();
      const truncated = await refusal(whole.subarray(0, Math.floor(whole.length * 0.6)));
      expect(truncated.code).toBe('corrupt-psd');
      expect(truncated.message).toMatch(/damaged or truncated/);
      const wide = await refusal(writeTestPsd(4100, 8, [{ name: 'Body', x: 0, y: 0, width: 4, height: 4, colour: [1, 2, 3, 255] }]));
      expect([wide.code, wide.message]).toEqual(['canvas-too-large', expect.stringMatching(/4100x8; at most 4096x4096/)]);
      const many = Array.from({ length: AVATAR_LIMITS.maxLayers + 1 }, (_, i) => ({ name: `L${i}`, x: i % 50, y: 0, width: 1, height: 1, colour: [9, 9, 9, 255] as [number, number, number, number] }));
      expect((await refusal(writeTestPsd(64, 64, many))).code).toBe('too-many-layers');
      expect((await refusal(writeTestPsd(64, 64, []))).code).toBe('no-layers');
      const psb = Buffer.from(whole);
      psb.writeUInt16BE(2, 4);
      expect((await refusal(psb)).code).toBe('unsupported-psd');
    } finally {
      await t.remove();
    }
  });
});

// ── The API, over HTTP, with the real store and worker ─────────────────────────────────────────

class AvatarTestControl extends TestControl {
  avatars?: AvatarPacks;
}

function put(url: string, body: Buffer, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  return http(url, { method: 'PUT', headers: { 'content-type': 'application/octet-stream', ...headers }, body });
}

/** Declares `declared` bytes, sends a few and waits for the answer (the server must not wait for the rest). */
function declareOnly(url: string, declared: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'PUT', headers: { 'content-length': String(declared), connection: 'close' }, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    req.on('error', reject);
    req.write(Buffer.alloc(1024));
  });
}

describe('/api/avatars over HTTP', () => {
  let t: { dir: string; remove: () => Promise<void> };
  let control: AvatarTestControl;
  let server: RunningServer;
  let base = '';

  beforeAll(async () => {
    t = await tmp();
    const workerFile = await bundlePsdWorkerTo(path.join(t.dir, 'psd-worker.mjs'));
    control = await AvatarTestControl.open(path.join(t.dir, 'state'));
    control.avatars = await AvatarPacks.open({ stateDir: path.join(t.dir, 'state'), selected: () => control.settings().avatar.choice, log: silentLogger, workerFile });
    server = await startServer(control, { port: 0, bind: '127.0.0.1', stateDir: path.join(t.dir, 'state') });
    base = server.url.replace(/\/$/, '');
  });

  afterAll(async () => {
    await server?.close();
    await t?.remove();
  });

  it('imports a PSD, lists it, serves its manifest and layer pictures, maps a layer, and refuses bad files keeping the pack', async () => {
    const created = await put(`${base}/api/avatars/psd?name=My%20Face.psd`, testFacePsd({ withMystery: true }));
    expect(created.status).toBe(201);
    const pack = (created.json as { pack: PackSummary }).pack;
    expect(pack).toMatchObject({ name: 'My Face', choice: `psd:${pack.id}`, width: 400, height: 400, layers: 9, unassigned: 0 });
    expect(pack.id).toMatch(/^my-face-[0-9a-f]{6}$/);

    const listed = (await http(`${base}/api/avatars`)).json as { packs: PackSummary[] };
    expect(listed.packs.map((p) => p.id)).toEqual([pack.id]);
    const manifest = (await http(`${base}/api/avatars/manifest?id=${pack.id}`)).json as PackManifest;
    expect(manifest.layers[6]).toMatchObject({ name: 'mouth_closed', part: 'mouth_closed', x: 175, y: 220, width: 50, height: 16 });
    const picture = await new Promise<Buffer>((resolve, reject) =>
      httpRequest(`${base}/api/avatars/layer?id=${pack.id}&n=6`, (res) => {
        expect(res.headers['content-type']).toBe('image/png');
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks)));
      })
        .on('error', reject)
        .end(),
    );
    expect(pngPixel(PNG.sync.read(picture), 10, 10)).toEqual(TEST_FACE.colours.mouthClosed);

    // The mapper: the unknown layer to a part.
    const mapped = await http(`${base}/api/avatars/mapping?id=${pack.id}`, { method: 'PUT', ...jsonBody({ layers: { '8': 'mouth_a' } }) });
    expect(mapped.status).toBe(200);
    expect((mapped.json as PackManifest).layers[8]).toMatchObject({ part: 'mouth_a', partFromName: false });
    const badPart = await http(`${base}/api/avatars/mapping?id=${pack.id}`, { method: 'PUT', ...jsonBody({ layers: { '8': 'tail' } }) });
    expect(badPart.status).toBe(422);
    expect(errorOf(await http(`${base}/api/avatars/mapping?id=${pack.id}`, { method: 'PUT', ...jsonBody({ layers: { '99': 'body' } }) })).code).toBe('bad-mapping');

    // Chosen, it cannot be removed; an unknown pack cannot be chosen.
    expect((await control.applySettings({ avatar: { choice: `psd:${pack.id}` } })).ok).toBe(true);
    expect(errorOf(await http(`${base}/api/avatars?id=${pack.id}`, { method: 'DELETE' })).code).toBe('avatar-in-use');

    // Bad files: each refused with its reason; the pack and the choice stay, nothing half-made is left.
    const before = await readdir(path.join(t.dir, 'state/avatars'));
    const broken = await put(`${base}/api/avatars/psd?name=broken.psd`, testFacePsd().subarray(0, 3000));
    expect([broken.status, errorOf(broken).code]).toEqual([422, 'corrupt-psd']);
    const notPsd = await put(`${base}/api/avatars/psd?name=cat.png`, Buffer.from('\x89PNG\r\n\x1a\n not a psd, not at all'));
    expect([notPsd.status, errorOf(notPsd).code, errorOf(notPsd).message]).toEqual([422, 'not-a-psd', expect.stringMatching(/8BPS/)]);
    const wide = await put(`${base}/api/avatars/psd?name=huge.psd`, writeTestPsd(5000, 10, [{ name: 'Body', x: 0, y: 0, width: 4, height: 4, colour: [1, 2, 3, 255] }]));
    expect([wide.status, errorOf(wide).code]).toEqual([422, 'canvas-too-large']);
    // Over the size cap by its Content-Length: answered before the body is read.
    expect(await declareOnly(`${base}/api/avatars/psd?name=big.psd`, AVATAR_LIMITS.maxFileBytes + 1)).toBe(413);
    expect(await readdir(path.join(t.dir, 'state/avatars'))).toEqual(before);
    expect(((await http(`${base}/api/avatars`)).json as { packs: PackSummary[] }).packs.map((p) => p.id)).toEqual([pack.id]);
    expect(control.settings().avatar.choice).toBe(`psd:${pack.id}`);

    // A fresh store (the service restarted) finds the pack and its mapping.
    const reopened = await AvatarPacks.open({ stateDir: path.join(t.dir, 'state'), selected: () => 'default', log: silentLogger });
    expect(reopened.manifest(pack.id)?.layers[8].part).toBe('mouth_a');

    expect((await control.applySettings({ avatar: { choice: 'default' } })).ok).toBe(true);
    const removed = await http(`${base}/api/avatars?id=${pack.id}`, { method: 'DELETE' });
    expect([removed.status, (removed.json as { packs: unknown[] }).packs]).toEqual([200, []]);
    expect(await readdir(path.join(t.dir, 'state/avatars'))).toEqual([]);
  });
});
