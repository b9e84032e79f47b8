import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BlazeFaceDetector } from '../src/vision/blazeface';
import { FaceMeshModel } from '../src/vision/mesh';
import { detectorExpectation } from '../src/vision/model-specs';
import { ModelLoadError, ModelSession } from '../src/vision/session';
import { packagedFrontModel } from './vision-fixtures';

const dir = mkdtempSync(path.join(tmpdir(), 'vtlink-vision-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function loadError(promise: Promise<unknown>): Promise<ModelLoadError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ModelLoadError);
    return err as ModelLoadError;
  }
  throw new Error('expected the load to fail');
}

describe('ModelSession load errors', () => {
  it('missing file: names the file and the model expected', async () => {
    const file = path.join(dir, 'nope.onnx');
    const err = await loadError(BlazeFaceDetector.create(file, 'front'));
    expect(err.file).toBe(file);
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/not found/);
    expect(err.message).toMatch(/BlazeFace short-range/);
  });

  it('empty file', async () => {
    const file = path.join(dir, 'empty.onnx');
    writeFileSync(file, new Uint8Array(0));
    const err = await loadError(FaceMeshModel.create(file));
    expect(err.message).toMatch(/empty/);
    expect(err.message).toMatch(/FaceMesh/);
  });

  it('truncated model file', async () => {
    const bytes = readFileSync(packagedFrontModel);
    const file = path.join(dir, 'truncated.onnx');
    writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const err = await loadError(BlazeFaceDetector.create(file, 'front'));
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/truncated or corrupt/);
  });

  it('garbage bytes', async () => {
    const file = path.join(dir, 'garbage.onnx');
    writeFileSync(file, Buffer.from('this is not a protobuf at all, just text\n'.repeat(50)));
    const err = await loadError(FaceMeshModel.create(file));
    expect(err.message).toMatch(/not a loadable ONNX model/);
  });

  it('a valid ONNX model of the wrong kind lists what it has', async () => {
    // The 128 detector offered where the 256 one is expected.
    const err = await loadError(ModelSession.load(packagedFrontModel, detectorExpectation('back')));
    expect(err.message).toMatch(/is not the BlazeFace full-range/);
    expect(err.message).toMatch(/\[1,256,256,3\]/);
    expect(err.message).toContain('[1,128,128,3]');
    // And as a mesh model: wrong input shape.
    const err2 = await loadError(FaceMeshModel.create(packagedFrontModel));
    expect(err2.message).toMatch(/is not the FaceMesh/);
  });

  it('the right file loads, and an input the model does not have is refused', async () => {
    const s = await ModelSession.load(packagedFrontModel, detectorExpectation('front'));
    expect(s.inputNames).toEqual(['input:0']);
    expect(s.outputNames).toEqual(['Identity:0', 'Identity_1:0', 'Identity_2:0', 'Identity_3:0']);
    expect(() => s.bindInput(1, [1, 128, 128, 3])).toThrow(RangeError);
    expect(() => s.input(0)).toThrow(RangeError);
    expect(s.bindInput(0, [1, 128, 128, 3])).toHaveLength(128 * 128 * 3);
    const out = await s.run();
    expect(out.map((o) => o.length)).toEqual([512, 384, 512 * 16, 384 * 16]);
    await s.release();
  });
});
