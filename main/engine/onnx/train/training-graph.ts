/**
 * One ONNX graph per training step: forward (forward.ts' emitForward, so inference and training
 * run the very same network), loss, backward (backward.ts) and the Adam update, for either U-Net.
 *
 * Inputs : x [batch,H,W,Cin] (NHWC, as the trainer's batches), y [batch,1,H,W] (= NHWC [batch,H,W,1]
 *          in memory), mask (same, Noise2Void only), params/adam_m/adam_v [P] (params.ts layout),
 *          the step number t as Adam's bias corrections adam_c1 = 1 − β1^t and adam_c2 = 1 − β2^t
 *          (computed in float64 by adamCorrections(): in float32, 1 − 0.999^1 is off by 5e-5), and lr.
 * Outputs: loss (before the update), params_new, adam_m_new, adam_v_new.
 * The 'gradients' variant outputs loss and the flat gradient instead (tests); 'loss' only the loss
 * (evaluation).
 */
import { type ArchSpec, channelCounts, outputChannels, useCounts } from '../../../../shared/model/arch.ts';
import { type AdamOptions, DEFAULT_ADAM } from '../../types.ts';
import { emitForward, FORWARD_OPSET, type SplitConvEmitter } from '../forward.ts';
import { type Dim, GraphBuilder } from '../graph-builder.ts';
import { NCHWC_DOMAIN } from '../nchwc.ts';
import { emitBackward } from './backward.ts';
import { emitLoss, type FilterGradLayout, type GradContext, gradContext, type TapeEntry } from './grad-rules.ts';
import { paramLayout } from './params.ts';

export const IO = {
  x: 'x',
  y: 'y',
  mask: 'mask',
  params: 'params',
  m: 'adam_m',
  v: 'adam_v',
  /** Adam's bias corrections 1 − β1^t and 1 − β2^t (t counted from 1), float32 scalars. */
  c1: 'adam_c1',
  c2: 'adam_c2',
  lr: 'lr',
  loss: 'loss',
  paramsOut: 'params_new',
  mOut: 'adam_m_new',
  vOut: 'adam_v_new',
  grads: 'grads',
} as const;

/** Opset 13 as forward.ts (ReduceSum takes axes as an input there, ReduceMean as an attribute). */
export const TRAIN_OPSET = FORWARD_OPSET;

export interface TrainingGraphOptions {
  spec: ArchSpec;
  /** Patch height and width (fixed, so ONNX Runtime can plan memory); the batch stays dynamic. */
  height: number;
  width: number;
  /** Noise2Void's masked loss. */
  masked: boolean;
  /** 'step' (Adam), 'gradients' (loss + flat gradient) or 'loss' (evaluation). */
  output: 'step' | 'gradients' | 'loss';
  adam?: AdamOptions;
  filterGrad?: FilterGradLayout;
  /**
   * Run the convolutions (forward and input gradients) in ONNX Runtime's blocked layout with this
   * block size (nchwc.ts; the CPU provider only). 0 or absent: plain Conv nodes.
   */
  nchwcBlock?: number;
}

export function buildTrainingGraph(o: TrainingGraphOptions): Uint8Array {
  const { spec, height: h, width: w } = o;
  if (h % spec.divisor !== 0 || w % spec.divisor !== 0) {
    throw new Error(`patch ${h}×${w} is not a multiple of ${spec.divisor} for the ${spec.arch} U-Net`);
  }
  const g = new GraphBuilder(`noise2stack_${spec.arch}_${o.output}`);
  const c = gradContext(g, o.filterGrad ?? 'shift', o.nchwcBlock ?? 0);
  const opsets = c.nchwcBlock > 0 ? [{ domain: '', version: TRAIN_OPSET }, { domain: NCHWC_DOMAIN, version: 1 }] : TRAIN_OPSET;
  // Blocked, some layout conversions are emitted before a later rule takes the other form.
  const done = () => {
    if (c.nchwcBlock > 0) g.pruneUnused();
    return g.toBytes(opsets);
  };
  const layout = paramLayout(spec);
  const batch: Dim = 'batch';
  g.addInput(IO.x, [batch, h, w, spec.inChannels]);
  // Targets NCHW: one plane per output channel (a joint hyperstack model has several).
  g.addInput(IO.y, [batch, outputChannels(spec), h, w]);
  if (o.masked) g.addInput(IO.mask, [batch, 1, h, w]);
  g.addInput(IO.params, [layout.total]);

  const weightValue = new Map<string, string>();
  const weightValues: string[] = [];
  for (const s of layout.slots) {
    const part = g.op('Slice', [IO.params, c.ints([s.offset]), c.ints([s.offset + s.size])], {}, `${s.name}_flat`);
    const v = g.op('Reshape', [part, c.ints(s.graphDims)], {}, s.name);
    weightValue.set(s.name, v);
    weightValues.push(v);
  }
  const xNchw = g.op('Transpose', [IO.x], { perm: [0, 3, 1, 2] }, 'x_nchw');
  // Blocked, a convolution of a skip concatenation runs as two convolutions summed in place (no
  // Concat forward, no Slice of its gradient backward); its kernel is cut in two for the tape.
  const splits = new Map<string, SplitRecord>();
  const splitConv: SplitConvEmitter = (parts, caIn, w, b, o) => {
    const ct = caIn + o.cin;
    const cut = (c0: number, c1: number) => g.op('Slice', [w, c.ints([c0]), c.ints([c1]), c.ints([1])], {}, `${o.name}_kernel_${c0}_${c1}`);
    const kernels: [string, string] = [cut(0, caIn), cut(caIn, ct)];
    const y = c.splitConv(parts, kernels, b, caIn, o);
    splits.set(o.name, { parts, kernels, kernel: w, channels: [caIn, o.cin] });
    return y;
  };
  const fwd = emitForward(
    g,
    spec,
    xNchw,
    (name) => {
      const v = weightValue.get(name);
      if (v === undefined) throw new Error(`no parameter slot for ${name}`);
      return v;
    },
    c.nchwcBlock > 0 ? { conv: c.conv, splitConv } : {},
  );
  const tape = forwardTape(spec, fwd.values, fwd.preActivations, weightValue, splits);
  const lossEntry = emitLoss(c, fwd.output, IO.y, o.masked ? IO.mask : null);
  tape.push(lossEntry);
  g.addNode('Identity', [lossEntry.output], [IO.loss]);
  g.addOutput(IO.loss, []);
  if (o.output === 'loss') return done();

  const grads = emitBackward(c, tape, weightValues);
  const flatGrads = layout.slots.map((s) => {
    const gv = grads.get(weightValue.get(s.name) ?? '');
    if (gv === undefined) throw new Error(`weight ${s.name} does not affect the loss`);
    return g.op('Reshape', [gv, c.ints([s.size])], {}, `${s.name}_gflat`);
  });
  if (o.output === 'gradients') {
    g.addNode('Concat', flatGrads, [IO.grads], { axis: 0 });
    g.addOutput(IO.grads, [layout.total]);
    return done();
  }
  const grad = g.op('Concat', flatGrads, { axis: 0 }, 'grad_flat');
  emitAdam(c, grad, layout.total, o.adam ?? DEFAULT_ADAM);
  return done();
}

/**
 * The tape of primitive operations that emitForward produced, read back from the ArchSpec (the
 * forward graph is forward.ts' and is not duplicated here).
 */
/** A convolution of a skip concatenation emitted in two parts (the concatenation is never formed). */
interface SplitRecord {
  parts: [string, string];
  /** The two parts of the kernel (input channels of parts[0], then of parts[1]) and the whole. */
  kernels: [string, string];
  kernel: string;
  channels: [number, number];
}

function forwardTape(spec: ArchSpec, values: Map<string, string>, pre: Map<string, string>, weights: Map<string, string>, splits: Map<string, SplitRecord>): TapeEntry[] {
  const ch = channelCounts(spec);
  const val = (n: string) => {
    const v = values.get(n);
    if (v === undefined) throw new Error(`forward graph has no value for ${n}`);
    return v;
  };
  // An upsampling read only by (the concatenation of) a split convolution: the two are one UpConv
  // entry, whose input gradient skips the full-resolution map (grad-rules.ts, upConvRule).
  const byName = new Map(spec.nodes.map((n) => [n.name, n]));
  const uses = useCounts(spec);
  const fusedUp = new Map<string, Extract<ArchSpec['nodes'][number], { op: 'upsample' }>>();
  for (const n of spec.nodes) {
    const cat = n.op === 'conv' && splits.has(n.name) ? byName.get(n.input) : undefined;
    const up = cat?.op === 'concat' ? byName.get(cat.inputs[0]) : undefined;
    if (n.op === 'conv' && n.kernel === 3 && up?.op === 'upsample' && uses.get(up.name) === 1) fusedUp.set(n.name, up);
  }
  const fusedUpNames = new Set([...fusedUp.values()].map((u) => u.name));
  const tape: TapeEntry[] = [];
  /** A conv node's activation, from its pre-activation z (a name only, when fused) to its output. */
  const pushActivation = (n: Extract<ArchSpec['nodes'][number], { op: 'conv' }>, z: string) => {
    if (n.activation === 'relu') tape.push({ op: 'Relu', inputs: [z], output: val(n.name), channels: [n.filters] });
    if (n.activation === 'leaky0.1') tape.push({ op: 'LeakyRelu', inputs: [z], output: val(n.name), alpha: 0.1, channels: [n.filters] });
  };
  for (const n of spec.nodes) {
    switch (n.op) {
      case 'conv': {
        const split = splits.get(n.name);
        if (split) {
          // kernel → its two parts; conv(a) + conv(b) → z (never in memory: fused) → activation
          const [ca, cb] = split.channels;
          const [za, zb, z] = ['a', 'b', 'z'].map((s) => `${val(n.name)}_${s}fused`);
          tape.push({ op: 'WeightSlice', inputs: [split.kernel], output: split.kernels[0], channels: [0, ca, ca + cb] });
          tape.push({ op: 'WeightSlice', inputs: [split.kernel], output: split.kernels[1], channels: [ca, ca + cb, ca + cb] });
          const up = fusedUp.get(n.name);
          tape.push(
            up
              ? { op: 'UpConv', inputs: [val(up.input), split.kernels[0], ''], upsampled: split.parts[0], output: za, kernel: n.kernel, channels: [ca, n.filters] }
              : { op: 'Conv', inputs: [split.parts[0], split.kernels[0], ''], output: za, kernel: n.kernel, channels: [ca, n.filters] },
          );
          tape.push({ op: 'Conv', inputs: [split.parts[1], split.kernels[1], weights.get(`${n.name}/bias`) ?? ''], output: zb, kernel: n.kernel, channels: [cb, n.filters] });
          tape.push({ op: 'Add', inputs: [za, zb], output: n.activation === 'linear' ? val(n.name) : z });
          pushActivation(n, z);
          break;
        }
        // A convolution emitted with its activation fused (nchwc.ts) has no pre-activation value;
        // the backward only keys the gradient by this name (the activation rules read the output).
        const z = pre.get(n.name) ?? (n.activation === 'linear' ? val(n.name) : `${val(n.name)}_zfused`);
        tape.push({ op: 'Conv', inputs: [val(n.input), weights.get(`${n.name}/kernel`) ?? '', weights.get(`${n.name}/bias`) ?? ''], output: z, kernel: n.kernel, channels: [ch.get(n.input) ?? NaN, n.filters] });
        pushActivation(n, z);
        break;
      }
      case 'maxpool':
        tape.push({ op: 'MaxPool', inputs: [val(n.input)], output: val(n.name) });
        break;
      case 'upsample':
        if (fusedUpNames.has(n.name)) break; // part of an UpConv entry
        tape.push({ op: 'Upsample', inputs: [val(n.input)], output: val(n.name) });
        break;
      case 'concat':
        if (!values.has(n.name)) break; // read only by a split convolution, never formed
        tape.push({ op: 'Concat', inputs: n.inputs.map(val), output: val(n.name), channels: n.inputs.map((i) => ch.get(i) ?? NaN) });
        break;
      case 'residual':
        // The added plane mean depends on the data only: '' marks an operand without gradient.
        tape.push({ op: 'Residual', inputs: [val(n.input), ''], output: val(n.name) });
        break;
    }
  }
  return tape;
}

/** The bias corrections of step t (1-based) that the graph takes as inputs. */
export function adamCorrections(a: AdamOptions, t: number): { c1: number; c2: number } {
  return { c1: 1 - Math.pow(a.beta1, t), c2: 1 - Math.pow(a.beta2, t) };
}

/**
 * Adam exactly as tfjs' AdamOptimizer computes it (tfjs-core optimizers/adam_optimizer.ts), so the
 * engines' loss curves agree: m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g², and
 * w ← w − lr · (m / (1−β1^t)) / (√(v / (1−β2^t)) + ε), t counted from 1.
 */
function emitAdam(c: GradContext, grad: string, size: number, a: AdamOptions): void {
  const { g } = c;
  g.addInput(IO.m, [size]);
  g.addInput(IO.v, [size]);
  const c1 = g.addInput(IO.c1, []);
  const c2 = g.addInput(IO.c2, []);
  g.addInput(IO.lr, []);
  g.addNode('Add', [g.op('Mul', [IO.m, c.scalar(a.beta1)], {}, 'adam_m_decay'), g.op('Mul', [grad, c.scalar(1 - a.beta1)], {}, 'adam_g1')], [IO.mOut]);
  const g2 = g.op('Mul', [grad, grad], {}, 'adam_gsq');
  g.addNode('Add', [g.op('Mul', [IO.v, c.scalar(a.beta2)], {}, 'adam_v_decay'), g.op('Mul', [g2, c.scalar(1 - a.beta2)], {}, 'adam_g2')], [IO.vOut]);
  const mHat = g.op('Div', [IO.mOut, c1], {}, 'adam_mhat');
  const vHat = g.op('Div', [IO.vOut, c2], {}, 'adam_vhat');
  const denom = g.op('Add', [g.op('Sqrt', [vHat], {}, 'adam_sqrt'), c.scalar(a.epsilon)], {}, 'adam_denom');
  const step = g.op('Mul', [g.op('Div', [mHat, denom], {}, 'adam_ratio'), g.op('Neg', [IO.lr], {}, 'adam_neglr')], {}, 'adam_step');
  g.addNode('Add', [step, IO.params], [IO.paramsOut]);
  g.addOutput(IO.paramsOut, [size]);
  g.addOutput(IO.mOut, [size]);
  g.addOutput(IO.vOut, [size]);
}
