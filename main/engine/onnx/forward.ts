/**
 * The forward graph of any shared/model/arch.ts ArchSpec in ONNX. The same named weights the tfjs
 * model uses (kernels HWIO [k,k,Cin,Cout]) are transposed to ONNX's OIHW; nothing is refitted.
 *
 * Opset 13 (ONNX 1.8, 2020): every op used here (Conv, Relu, LeakyRelu, MaxPool, Resize, Concat,
 * Gather, ReduceMean, Add, Transpose) has had its current semantics since then, so the exported
 * file runs in any ONNX Runtime since 1.6, in deepImageJ and in Debian's python3-onnx (1.12).
 * ReduceMean still takes `axes` as an attribute at opset 13 (it became an input at 18).
 */
import type { Activation, ArchNode, ArchSpec } from '../../../shared/model/arch.ts';
import { channelCounts, useCounts, weightShapes } from '../../../shared/model/arch.ts';
import type { NamedWeights } from '../../../shared/model/init.ts';
import { type Dim, GraphBuilder, type ModelInfo } from './graph-builder.ts';

export const FORWARD_OPSET = 13;
export const INPUT_NAME = 'input';
export const OUTPUT_NAME = 'output';

/** [k,k,Cin,Cout] (tfjs HWIO) -> [Cout,Cin,k,k] (ONNX OIHW); optionally only input channels [c0, c1). */
export function hwioToOihw(data: Float32Array, shape: number[], c0 = 0, c1 = shape[2]): { dims: number[]; data: Float32Array } {
  const [kh, kw, ct, co] = shape;
  const ci = c1 - c0;
  const out = new Float32Array(co * ci * kh * kw);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < ci; i++)
        for (let o = 0; o < co; o++) out[((o * ci + i) * kh + y) * kw + x] = data[((y * kw + x) * ct + c0 + i) * co + o];
  return { dims: [co, ci, kh, kw], data: out };
}

export interface ForwardValues {
  /** Name of the network's output value (NCHW, 1 channel). */
  output: string;
  /** ONNX value holding each ArchSpec node's output (after activation), by node name. */
  values: Map<string, string>;
  /** ONNX value of each conv's output before its activation (for gradient graphs). */
  preActivations: Map<string, string>;
}

/**
 * Supplies the ONNX value name of a conv weight. `kernel` values must be OIHW. The default
 * (weightsAsInitializers) stores them as initializers; a training graph passes graph inputs.
 */
export type WeightSource = (weightName: string, hwioShape: number[]) => string;

export function weightsAsInitializers(g: GraphBuilder, weights: NamedWeights): WeightSource {
  return (name, shape) => {
    const w = weights.get(name);
    if (!w) throw new Error(`model weights lack "${name}"`);
    if (w.shape.join(',') !== shape.join(',')) {
      throw new Error(`weight "${name}" has shape [${w.shape}], the architecture needs [${shape}]`);
    }
    if (name.endsWith('/kernel')) {
      const t = hwioToOihw(w.data, w.shape);
      return g.addInitializer(name, t.dims, t.data);
    }
    return g.addInitializer(name, w.shape, w.data);
  };
}

/** One convolution as the graph writers describe it (here, nchwc.ts, the training graph's rules). */
export interface ConvEmit {
  /** Kernel size (square); "same" zero padding and stride 1 unless `pad`/`stride` say otherwise. */
  k: number;
  stride?: number;
  /** Zero padding on every side (default (k − 1) / 2). */
  pad?: number;
  cin: number;
  cout: number;
  activation: Activation;
  /** Output value name (a prefix: made unique in the graph). */
  name: string;
}

export function convAttrs(o: Pick<ConvEmit, 'k' | 'stride' | 'pad'>): { kernel_shape: number[]; pads: number[]; strides: number[] } {
  const p = o.pad ?? (o.k - 1) / 2;
  const s = o.stride ?? 1;
  return { kernel_shape: [o.k, o.k], pads: [p, p, p, p], strides: [s, s] };
}

/** A plain Conv node's output, named `name` when nothing follows it, else `name_z` (pre-activation). */
export function emitPlainConv(g: GraphBuilder, inputs: string[], o: Pick<ConvEmit, 'k' | 'stride' | 'pad' | 'activation' | 'name'>, name = o.activation === 'linear' ? o.name : `${o.name}_z`): string {
  return g.op('Conv', inputs, convAttrs(o), name);
}

/** The activation after a convolution's output z as its own node (ONNX Runtime fuses the two). */
export function emitActivation(g: GraphBuilder, z: string, o: Pick<ConvEmit, 'activation' | 'name'>): string {
  if (o.activation === 'relu') return g.op('Relu', [z], {}, o.name);
  if (o.activation === 'leaky0.1') return g.op('LeakyRelu', [z], { alpha: { float: 0.1 } }, o.name);
  return z;
}

/**
 * conv(concat(a, b), [wa | wb]) + bias as conv(a, wa) + conv(b, wb, bias), plain nodes; returns the
 * sum before the activation (named as emitPlainConv names it).
 */
export function emitPlainSplitConv(g: GraphBuilder, [a, b]: [string, string], [wa, wb]: [string, string], bias: string, o: Pick<ConvEmit, 'k' | 'activation' | 'name'>): string {
  const za = emitPlainConv(g, [a, wa], o, `${o.name}_a`);
  const zb = emitPlainConv(g, [b, wb, bias], o, `${o.name}_b`);
  return g.op('Add', [za, zb], {}, o.activation === 'linear' ? o.name : `${o.name}_z`);
}

/**
 * Emits one convolution with its activation (nchwc.ts' emitConv), returning the activated output.
 * No pre-activation value is produced (the caller's tape keys its gradient by name only).
 */
export type ConvEmitter = (x: string, w: string, b: string, o: ConvEmit) => string;

/**
 * Emits conv(concat(a, b)) without the concatenation (nchwc.ts' emitSplitConv), given the conv's
 * whole kernel `w` (OIHW over a's channels then b's); `caIn` is a's channel count, `o.cin` b's.
 */
export type SplitConvEmitter = (parts: [string, string], caIn: number, w: string, b: string, o: ConvEmit) => string;

export interface EmitForwardOptions {
  /** Split skip concatenations into summed convolutions, with these (constant) weights. */
  split?: NamedWeights;
  /** Emit the convolutions this way instead of as plain Conv + activation nodes. */
  conv?: ConvEmitter;
  /** Emit each convolution of a skip concatenation read by nothing else this way (no Concat). */
  splitConv?: SplitConvEmitter;
}

/**
 * Emits the network's nodes into `g`, reading its NCHW input from value `input`. Weight values are
 * requested through `weight` in weightShapes() order.
 */
export function emitForward(g: GraphBuilder, spec: ArchSpec, input: string, weight: WeightSource, opts: EmitForwardOptions = {}): ForwardValues {
  const { split } = opts;
  const ch = channelCounts(spec);
  const shapes = new Map(weightShapes(spec).map((s) => [s.name, s.shape]));
  const values = new Map<string, string>([[spec.inputName, input]]);
  const preActivations = new Map<string, string>();
  const get = (n: string): string => {
    const v = values.get(n);
    if (v === undefined) throw new Error(`architecture refers to unknown node "${n}"`);
    return v;
  };
  const concats = split || opts.splitConv ? splitConcats(spec) : new Map<string, SplitConcat>();
  const skipped = new Set([...concats.values()].map((c) => c.concat));
  const weightOf = (n: string) => weight(n, shapeOf(shapes, n));
  const emit = (node: ArchNode): string => {
    if (node.op !== 'conv') return emitNode(g, node, get, spec.inputName, shapes, weight, preActivations);
    const parts = concats.get(node.name);
    if (parts && split) return emitSplitConv(g, node, parts, get, split, preActivations);
    const splitHook = parts && opts.splitConv;
    const hook = opts.conv;
    if (!splitHook && !hook) return emitNode(g, node, get, spec.inputName, shapes, weight, preActivations);
    // A hook emits it; the weight source is asked once per weight, as emitNode would.
    const [w, b] = [weightOf(`${node.name}/kernel`), weightOf(`${node.name}/bias`)];
    const o = (cin: number): ConvEmit => ({ k: node.kernel, cin, cout: node.filters, activation: node.activation, name: node.name });
    if (splitHook) return splitHook([get(parts.inputs[0]), get(parts.inputs[1])], parts.channelsA, w, b, o(ch.get(parts.inputs[1]) ?? NaN));
    return (hook as ConvEmitter)(get(node.input), w, b, o(ch.get(node.input) ?? NaN));
  };
  for (const node of spec.nodes) if (!skipped.has(node.name)) values.set(node.name, emit(node));
  return { output: get(spec.output), values, preActivations };
}

function shapeOf(shapes: Map<string, number[]>, name: string): number[] {
  const s = shapes.get(name);
  if (!s) throw new Error(`no weight shape for ${name}`);
  return s;
}

interface SplitConcat {
  concat: string;
  inputs: [string, string];
  /** Channels of inputs[0]. */
  channelsA: number;
}

/** The convs whose input is a concat read by nothing else, by conv name. */
function splitConcats(spec: ArchSpec): Map<string, SplitConcat> {
  const ch = channelCounts(spec);
  const uses = useCounts(spec);
  const byName = new Map(spec.nodes.map((n) => [n.name, n]));
  const out = new Map<string, SplitConcat>();
  for (const n of spec.nodes) {
    if (n.op !== 'conv') continue;
    const cat = byName.get(n.input);
    if (cat?.op === 'concat' && uses.get(cat.name) === 1 && cat.name !== spec.output) out.set(n.name, { concat: cat.name, inputs: cat.inputs, channelsA: ch.get(cat.inputs[0]) ?? NaN });
  }
  return out;
}

/**
 * conv(concat(a, b), [Wa | Wb]) as conv(a, Wa) + conv(b, Wb): the same sum without the Concat's copy of
 * two whole activations. With fixed input dimensions ONNX Runtime proves the two terms' shapes equal
 * and fuses the Add (and the activation) into the second convolution (docs/engines.md, "Inference").
 */
function emitSplitConv(
  g: GraphBuilder,
  node: Extract<ArchNode, { op: 'conv' }>,
  { inputs: [a, b], channelsA: ca }: SplitConcat,
  get: (n: string) => string,
  weights: NamedWeights,
  preActivations: Map<string, string>,
): string {
  const k = weights.get(`${node.name}/kernel`);
  const bias = weights.get(`${node.name}/bias`);
  if (!k || !bias) throw new Error(`model weights lack ${node.name}`);
  const ct = k.shape[2];
  const part = (c0: number, c1: number) => {
    const t = hwioToOihw(k.data, k.shape, c0, c1);
    return g.addInitializer(g.fresh(`${node.name}_kernel_${c0}_${c1}`), t.dims, t.data);
  };
  const o = { k: node.kernel, activation: node.activation, name: node.name };
  const kernels: [string, string] = [part(0, ca), part(ca, ct)];
  const z = emitPlainSplitConv(g, [get(a), get(b)], kernels, g.addInitializer(g.fresh(`${node.name}_bias`), bias.shape, bias.data), o);
  preActivations.set(node.name, z);
  return emitActivation(g, z, o);
}

function emitNode(
  g: GraphBuilder,
  node: ArchNode,
  get: (n: string) => string,
  networkInput: string,
  shapes: Map<string, number[]>,
  weight: WeightSource,
  preActivations: Map<string, string>,
): string {
  switch (node.op) {
    case 'conv': {
      const kShape = shapes.get(`${node.name}/kernel`);
      const bShape = shapes.get(`${node.name}/bias`);
      if (!kShape || !bShape) throw new Error(`no weight shapes for ${node.name}`);
      const k = weight(`${node.name}/kernel`, kShape);
      const b = weight(`${node.name}/bias`, bShape);
      const o = { k: node.kernel, activation: node.activation, name: node.name };
      const z = emitPlainConv(g, [get(node.input), k, b], o);
      preActivations.set(node.name, z);
      return emitActivation(g, z, o);
    }
    case 'maxpool':
      return g.op('MaxPool', [get(node.input)], { kernel_shape: [2, 2], strides: [2, 2] }, node.name);
    case 'upsample': {
      const scales = g.addInitializer(g.fresh(`${node.name}_scales`), [4], new Float32Array([1, 1, 2, 2]));
      // Nearest 2× with asymmetric/floor coordinates copies each pixel to a 2×2 block, exactly as
      // tfjs' UpSampling2D / resizeNearestNeighbor do.
      return g.op('Resize', [get(node.input), '', scales], {
        mode: 'nearest',
        coordinate_transformation_mode: 'asymmetric',
        nearest_mode: 'floor',
      }, node.name);
    }
    case 'concat':
      return g.op('Concat', node.inputs.map(get), { axis: 1 }, node.name);
    case 'residual': {
      const idx = g.addInitializer(g.fresh(`${node.name}_channels`), [node.channels.length], BigInt64Array.from(node.channels.map(BigInt)));
      const picked = g.op('Gather', [get(networkInput), idx], { axis: 1 }, `${node.name}_planes`);
      const mean = g.op('ReduceMean', [picked], { axes: [1], keepdims: 1 }, `${node.name}_mean`);
      return g.op('Add', [get(node.input), mean], {}, node.name);
    }
  }
}

export interface ForwardModelOptions {
  /**
   * 'nchw' (default): input [batch, C, height, width], output [batch, 1, height, width], the
   * layout of bioimage.io and deepImageJ. 'nhwc': the graph transposes in and out itself, so the
   * predictor can pass tfjs-layout tiles without copying them in JavaScript.
   */
  layout?: 'nchw' | 'nhwc';
  info?: ModelInfo;
  /**
   * For the predictor: fixed input dimensions instead of symbolic ones, and every skip concatenation
   * split into two summed convolutions (emitSplitConv), which ONNX Runtime then fuses. Exported files
   * keep the symbolic, literal graph other tools read.
   */
  fixedShape?: { batch: number; height: number; width: number };
}

/** A standalone forward model: named input/output, dynamic batch/height/width, FORWARD_OPSET. */
export function buildForwardModel(spec: ArchSpec, weights: NamedWeights, opts: ForwardModelOptions = {}): Uint8Array {
  const g = new GraphBuilder(`noise2stack_${spec.arch}`);
  const cin = spec.inChannels;
  const cout = channelCounts(spec).get(spec.output) ?? 1;
  const nhwc = opts.layout === 'nhwc';
  const fixed = opts.fixedShape;
  const [B, H, W]: Dim[] = fixed ? [fixed.batch, fixed.height, fixed.width] : ['batch', 'height', 'width'];
  const inDims: Dim[] = nhwc ? [B, H, W, cin] : [B, cin, H, W];
  const outDims: Dim[] = nhwc ? [B, H, W, cout] : [B, cout, H, W];
  g.addInput(INPUT_NAME, inDims);
  const x = nhwc ? g.op('Transpose', [INPUT_NAME], { perm: [0, 3, 1, 2] }, 'input_nchw') : INPUT_NAME;
  const { output } = emitForward(g, spec, x, weightsAsInitializers(g, weights), { split: fixed ? weights : undefined });
  if (nhwc) g.addNode('Transpose', [output], [OUTPUT_NAME], { perm: [0, 2, 3, 1] });
  else g.addNode('Identity', [output], [OUTPUT_NAME]);
  g.addOutput(OUTPUT_NAME, outDims);
  return g.toBytes(FORWARD_OPSET, opts.info);
}
