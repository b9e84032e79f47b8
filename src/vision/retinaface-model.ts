/**
 * Loading and checking a user's RetinaFace-MobileNet ONNX file. What it must be (biubug6/
 * Pytorch_Retinaface export, OpenSeeFace's retinaface_640x640_opt.onnx): one float input NCHW
 * [1, 3, H, W] (fixed or symbolic H, W), outputs boxes [1, N, 4], scores [1, N, 2] (logits or softmax),
 * optionally landmarks [1, N, 10], matched by their last dimension. N is checked against the priors
 * of the input size when the size is known (load for fixed inputs, first run for symbolic ones).
 */
import { promises as fs } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { ModelLoadError } from './session';

export const RETINAFACE_EXPECTED =
  'a RetinaFace-MobileNet ONNX model: input NCHW float [1,3,H,W]; outputs boxes [1,N,4], scores [1,N,2] ' +
  '(logits or probabilities), optional landmarks [1,N,10]; N = the prior count of the input size ' +
  '(steps 8/16/32, two min sizes each; or steps 16/32 for a close-range pruned model)';

export interface RetinaFaceModelInfo {
  readonly inputName: string;
  /** Fixed input size, or null where the model's H and W are symbolic. */
  readonly inputWidth: number | null;
  readonly inputHeight: number | null;
  readonly boxesName: string;
  readonly scoresName: string;
  readonly landmarksName: string | null;
}

type Shape = readonly (number | string)[];

function shapeOf(m: ort.InferenceSession.ValueMetadata): Shape | null {
  return m.isTensor ? m.shape : null;
}

function fixed(d: number | string | undefined): number | null {
  return typeof d === 'number' && d > 0 ? d : null;
}

function describe(list: readonly ort.InferenceSession.ValueMetadata[]): string {
  return list.map((m) => `${m.name} ${m.isTensor ? `${m.type} [${m.shape.join(',')}]` : '(not a tensor)'}`).join(', ') || 'none';
}

/** Checks the signature of a session; throws ModelLoadError saying what was expected and what was found. */
export function inspectRetinaFace(file: string, session: ort.InferenceSession): RetinaFaceModelInfo {
  const fail = (why: string): never => {
    throw new ModelLoadError(
      `${file}: ${why}; expected ${RETINAFACE_EXPECTED}. The model has inputs ${describe(session.inputMetadata)}; ` +
        `outputs ${describe(session.outputMetadata)}`,
      file,
    );
  };
  const inputs = session.inputMetadata;
  if (inputs.length !== 1) fail(`has ${inputs.length} inputs, not 1`);
  const input = inputs[0];
  const inShape = shapeOf(input);
  if (!input.isTensor || input.type !== 'float32' || inShape === null || inShape.length !== 4) {
    fail('the input is not a float32 tensor of rank 4');
  }
  const s = inShape as Shape;
  if (s[1] !== 3) fail(`input channel dimension is ${s[1]}, not 3 (NCHW expected; an NHWC model is not RetinaFace-MobileNet)`);
  const pick = (last: number, optional: boolean): string | null => {
    const found = session.outputMetadata.filter((m) => {
      const sh = shapeOf(m);
      return m.isTensor && m.type === 'float32' && sh !== null && sh.length === 3 && sh[2] === last;
    });
    if (found.length === 0 && optional) return null;
    if (found.length !== 1) fail(`${found.length} float outputs of shape [1,N,${last}], need exactly ${optional ? '0 or ' : ''}1`);
    return found[0].name;
  };
  const boxesName = pick(4, false) as string;
  const scoresName = pick(2, false) as string;
  const landmarksName = pick(10, true);
  return {
    inputName: input.name,
    inputWidth: fixed(s[3]),
    inputHeight: fixed(s[2]),
    boxesName,
    scoresName,
    landmarksName,
  };
}

export interface LoadedRetinaFace {
  readonly session: ort.InferenceSession;
  readonly info: RetinaFaceModelInfo;
}

/** Reads, loads and checks a RetinaFace model; every failure is a ModelLoadError naming the file. */
export async function loadRetinaFace(file: string, threads = 1): Promise<LoadedRetinaFace> {
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ModelLoadError(`${file}: ${code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? String(err)})`}; expected ${RETINAFACE_EXPECTED}`, file);
  }
  if (bytes.length === 0) throw new ModelLoadError(`${file}: file is empty; expected ${RETINAFACE_EXPECTED}`, file);
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      logSeverityLevel: 3,
    });
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new ModelLoadError(
      `${file}: not a loadable ONNX model (truncated or corrupt? ${bytes.length} bytes); expected ${RETINAFACE_EXPECTED}. ONNX Runtime said: ${msg}`,
      file,
    );
  }
  try {
    return { session, info: inspectRetinaFace(file, session) };
  } catch (err) {
    await session.release();
    throw err;
  }
}
