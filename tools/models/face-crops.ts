/**
 * The model inputs the tracker would feed on still face images: for each face, the mesh input from the
 * detection's ROI and from the ROI of that mesh (the one every tracked frame uses), and both eyes'
 * iris input from the second mesh. Used to calibrate the int8 models and to measure them.
 */
import { readImageFile } from '../../src/capture/image-decode';
import { defaultModelsDir } from '../../src/system/paths';
import { FaceVision } from '../../src/vision/face-vision';
import { eyeRoi, LEFT_EYE_CORNERS, RIGHT_EYE_CORNERS } from '../../src/vision/iris';
import { IRIS_INPUT_SIZE, MESH_INPUT_SIZE, ZERO_TO_ONE } from '../../src/vision/model-specs';
import { roiFromDetection, roiFromMesh } from '../../src/vision/roi';
import { warpRoi, type WarpOptions } from '../../src/vision/warp';

export interface Crops {
  mesh: Float32Array[];
  /** Both eyes per entry (right, then the mirrored left), as the tracker batches them. */
  iris: Float32Array[];
}

export async function collectCrops(files: readonly string[]): Promise<Crops> {
  const vision = await FaceVision.create({ modelsDir: defaultModelsDir(), detector: 'front', threads: 1, landmarks: 'mesh-iris' });
  const meshOpts: WarpOptions = { outSize: MESH_INPUT_SIZE, scale: ZERO_TO_ONE.scale, offset: ZERO_TO_ONE.offset, border: 'clamp' };
  const irisOpts: WarpOptions = { outSize: IRIS_INPUT_SIZE, scale: ZERO_TO_ONE.scale, offset: ZERO_TO_ONE.offset, border: 'clamp' };
  const eyeFloats = IRIS_INPUT_SIZE * IRIS_INPUT_SIZE * 3;
  const crops: Crops = { mesh: [], iris: [] };
  try {
    for (const file of files) {
      const image = await readImageFile(file);
      const detections = await vision.detect(image);
      if (detections.length === 0) continue;
      let roi = roiFromDetection(detections[0]);
      for (let pass = 0; pass < 2; pass++) {
        const meshInput = new Float32Array(MESH_INPUT_SIZE * MESH_INPUT_SIZE * 3);
        warpRoi(image, roi, meshInput, 0, meshOpts);
        crops.mesh.push(meshInput);
        const mesh = await vision.mesh(image, roi);
        if (mesh.score < vision.meshThreshold) break;
        const points = Float32Array.from(mesh.points);
        if (pass === 1) {
          const irisInput = new Float32Array(2 * eyeFloats);
          warpRoi(image, eyeRoi(points, RIGHT_EYE_CORNERS[0], RIGHT_EYE_CORNERS[1]), irisInput, 0, irisOpts);
          warpRoi(image, eyeRoi(points, LEFT_EYE_CORNERS[0], LEFT_EYE_CORNERS[1]), irisInput, eyeFloats, { ...irisOpts, mirror: true });
          crops.iris.push(irisInput);
        }
        roi = roiFromMesh(points);
      }
    }
  } finally {
    await vision.release();
  }
  return crops;
}

