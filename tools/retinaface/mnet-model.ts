/**
 * A RetinaFace-MobileNet-0.25 architecture as ONNX, with deterministic random weights: the layer
 * graph of biubug6/Pytorch_Retinaface models/retinaface.py + net.py with cfg_mnet (MobileNetV1 x0.25
 * backbone, FPN out_channel 64, SSH context modules, Class/Bbox/Landmark heads, 2 anchors a location),
 * batch norms folded into the convolution biases (as an exported, optimised model has them). It
 * computes what a trained model computes, so its SPEED is a trained model's; its detections mean
 * nothing. Used by the tests and bench/retinaface.ts because no trained weights are available here.
 */
import { GraphBuilder, attrFloat, attrInt, attrInts, attrString, encodeModel, type OnnxDim } from '../models/onnx';

export interface MnetOptions {
  /** Include the landmark head (biubug6: yes; OpenSeeFace's export: no). */
  readonly landmarks?: boolean;
  /** Fixed input [height, width], or symbolic (default) so one file runs at any multiple of 32. */
  readonly inputSize?: readonly [number, number];
  /** Anchors a location (2 in cfg_mnet; anything else makes a model whose N does not fit the priors). */
  readonly anchorsPerLocation?: number;
  /** Softmax on the scores (biubug6 test phase) or raw logits. */
  readonly softmax?: boolean;
  readonly seed?: number;
}

/** Deterministic uniform [-1, 1) (a 32-bit LCG): the same file every build. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  };
}

type Activation = 'leaky' | 'relu' | 'none';

export function buildMnetModel(options: MnetOptions = {}): Uint8Array {
  const g = new GraphBuilder();
  const rand = random(options.seed ?? 1234);
  const anchors = options.anchorsPerLocation ?? 2;
  g.reserveName('input');

  const conv = (x: string, cin: number, cout: number, k: number, stride: number, groups: number, act: Activation, name: string): string => {
    const fanIn = (cin / groups) * k * k;
    const limit = Math.sqrt(3 / fanIn); // unit-variance activations: no overflow through 30 layers
    const w = new Float32Array(cout * fanIn).map(() => rand() * limit);
    const b = new Float32Array(cout).map(() => rand() * 0.1);
    const wName = g.addFloatInitializer(`${name}.weight`, [cout, cin / groups, k, k], w);
    const bName = g.addFloatInitializer(`${name}.bias`, [cout], b);
    const p = Math.floor(k / 2);
    let y = g.addNode('Conv', name, [x, wName, bName], {
      kernel_shape: attrInts([k, k]),
      strides: attrInts([stride, stride]),
      pads: attrInts([p, p, p, p]),
      group: attrInt(groups),
    });
    if (act === 'leaky') y = g.addNode('LeakyRelu', `${name}.act`, [y], { alpha: attrFloat(0.1) });
    if (act === 'relu') y = g.addNode('Relu', `${name}.act`, [y]);
    return y;
  };
  // MobileNetV1 conv_dw: depthwise 3x3 + pointwise 1x1, each BN + LeakyReLU(0.1).
  const dw = (x: string, cin: number, cout: number, stride: number, name: string): string =>
    conv(conv(x, cin, cin, 3, stride, cin, 'leaky', `${name}.dw`), cin, cout, 1, 1, 1, 'leaky', `${name}.pw`);

  let x = conv('input', 3, 8, 3, 2, 1, 'leaky', 'stage1.0');
  x = dw(x, 8, 16, 1, 'stage1.1');
  x = dw(x, 16, 32, 2, 'stage1.2');
  x = dw(x, 32, 32, 1, 'stage1.3');
  x = dw(x, 32, 64, 2, 'stage1.4');
  const c3 = dw(x, 64, 64, 1, 'stage1.5'); // stride 8
  x = dw(c3, 64, 128, 2, 'stage2.0');
  for (let i = 1; i <= 5; i++) x = dw(x, 128, 128, 1, `stage2.${i}`);
  const c4 = x; // stride 16
  const c5 = dw(dw(c4, 128, 256, 2, 'stage3.0'), 256, 256, 1, 'stage3.1'); // stride 32

  // FPN (out 64, LeakyReLU 0.1 since out_channels <= 64); nearest 2x upsampling (inputs are multiples of 32).
  const scales = g.addFloatInitializer('fpn.up_scales', [4], Float32Array.from([1, 1, 2, 2]));
  const up = (v: string, name: string): string =>
    g.addNode('Resize', name, [v, '', scales], {
      mode: attrString('nearest'),
      coordinate_transformation_mode: attrString('asymmetric'),
      nearest_mode: attrString('floor'),
    });
  const o1 = conv(c3, 64, 64, 1, 1, 1, 'leaky', 'fpn.output1');
  const o2 = conv(c4, 128, 64, 1, 1, 1, 'leaky', 'fpn.output2');
  const o3 = conv(c5, 256, 64, 1, 1, 1, 'leaky', 'fpn.output3');
  const m2 = conv(g.addNode('Add', 'fpn.add2', [o2, up(o3, 'fpn.up3')]), 64, 64, 3, 1, 1, 'leaky', 'fpn.merge2');
  const m1 = conv(g.addNode('Add', 'fpn.add1', [o1, up(m2, 'fpn.up2')]), 64, 64, 3, 1, 1, 'leaky', 'fpn.merge1');

  // SSH: 3x3 (32) | 5x5 as two 3x3 (16) | 7x7 as three 3x3 (16), concatenated, ReLU.
  const ssh = (v: string, name: string): string => {
    const a = conv(v, 64, 32, 3, 1, 1, 'none', `${name}.conv3X3`);
    const b1 = conv(v, 64, 16, 3, 1, 1, 'leaky', `${name}.conv5X5_1`);
    const b = conv(b1, 16, 16, 3, 1, 1, 'none', `${name}.conv5X5_2`);
    const c1 = conv(b1, 16, 16, 3, 1, 1, 'leaky', `${name}.conv7X7_2`);
    const c = conv(c1, 16, 16, 3, 1, 1, 'none', `${name}.conv7x7_3`);
    return g.addNode('Relu', `${name}.relu`, [g.addNode('Concat', `${name}.cat`, [a, b, c], { axis: attrInt(1) })]);
  };
  const features = [ssh(m1, 'ssh1'), ssh(m2, 'ssh2'), ssh(g.addNode('Identity', 'fpn.out3', [o3]), 'ssh3')];

  // Heads: 1x1 conv -> NHWC -> [1, -1, k]; levels concatenated finest first.
  const head = (kind: string, k: number): string => {
    const shape = g.addInt64Initializer(`${kind}.shape`, [1, -1, k]);
    const parts = features.map((f, i) => {
      const c = conv(f, 64, anchors * k, 1, 1, 1, 'none', `${kind}.${i}`);
      const t = g.addNode('Transpose', `${kind}.${i}.nhwc`, [c], { perm: attrInts([0, 2, 3, 1]) });
      return g.addNode('Reshape', `${kind}.${i}.flat`, [t, shape]);
    });
    return g.addNode('Concat', `${kind}.cat`, parts, { axis: attrInt(1) });
  };
  const boxes = head('BboxHead', 4);
  let scores = head('ClassHead', 2);
  if (options.softmax ?? true) scores = g.addNode('Softmax', 'ClassHead.softmax', [scores], { axis: attrInt(-1) });
  const outputs: { name: string; value: string; k: number }[] = [
    { name: 'boxes', value: boxes, k: 4 },
    { name: 'scores', value: scores, k: 2 },
  ];
  if (options.landmarks ?? true) outputs.push({ name: 'landmarks', value: head('LandmarkHead', 10), k: 10 });
  for (const o of outputs) g.renameValue(o.value, o.name);

  const [h, w]: [OnnxDim, OnnxDim] = options.inputSize ? [options.inputSize[0], options.inputSize[1]] : ['height', 'width'];
  return encodeModel({
    graph: {
      name: 'retinaface_mnet025_random',
      nodes: g.nodes,
      initializers: g.initializers,
      inputs: [{ name: 'input', shape: [1, 3, h, w] }],
      outputs: outputs.map((o) => ({ name: o.name, shape: [1, 'priors', o.k] })),
    },
    opsetVersion: 13,
    producerName: 'vtlink tools/retinaface',
    producerVersion: '1',
    docString: 'RetinaFace-MobileNet-0.25 architecture with deterministic RANDOM weights (speed only; detects nothing)',
    metadata: {},
  });
}
