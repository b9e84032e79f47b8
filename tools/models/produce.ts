// Turns a model spec and its verified source files into the model: copied, or converted from a
// tfjs graph (and, for an int8 spec, quantised with its committed calibration table).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { convertTfjsGraph } from './convert';
import { encodeModel, type OnnxModel } from './onnx';
import type { ConvertedModelSpec, ModelSpec } from './specs';
import { readTfjsGraphModel } from './tfjs-graph';

/** Bump when the converter's output changes, together with `--update-manifest`. */
export const CONVERTER_VERSION = '2';

/** Produces one model's bytes from its (already verified) sources. */
export async function produceModel(spec: ModelSpec, packageDir: string, packageVersion: string): Promise<Uint8Array> {
  if (spec.kind === 'copied') return new Uint8Array(await readFile(path.join(packageDir, spec.sourceFiles[0])));
  return encodeModel(await convertModel(spec, packageDir, packageVersion));
}

/** A converted model's graph, before encoding (the quantiser and the calibration tool start here). */
export async function convertModel(spec: ConvertedModelSpec, packageDir: string, packageVersion: string): Promise<OnnxModel> {
  const graph = await readTfjsGraphModel(path.join(packageDir, spec.sourceFiles[0]));
  return convertTfjsGraph(graph, {
    graphName: spec.id,
    input: { tfName: spec.tfInput, onnxName: spec.inputs[0].name, shape: spec.inputs[0].shape },
    outputs: spec.outputs.map((o) => ({ tfName: spec.tfOutputs[o.name], onnxName: o.name })),
    producerName: 'vtlink tools/models',
    producerVersion: CONVERTER_VERSION,
    docString: `${spec.notes.description as string}; converted from ${spec.sourcePackage}@${packageVersion} ${spec.sourceFiles.join(', ')}`,
    metadata: { source_package: spec.sourcePackage, source_version: packageVersion, normalization: spec.normalization.formula },
    options: spec.convertOptions,
  });
}

