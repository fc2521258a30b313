/**
 * Convolutions in ONNX Runtime's blocked channel layout (NCHWc, operators of the
 * `com.microsoft.nchwc` domain) for graphs whose weights are not constants.
 *
 * ONNX Runtime rewrites a plain Conv into its blocked kernel only when the weights are initializers
 * (it reorders them once, when the session is created). In the training graph the weights are graph
 * inputs, so its convolutions ran the generic im2col + GEMM path, at about 100 GFLOP/s where the
 * blocked kernel reaches 120–160 on the same machine (bench/onnx-train.ts, docs/engines.md). Here
 * the graph itself reorders the weights (a few thousand floats per step, a Reshape–Transpose) and
 * the activations (ReorderInput/ReorderOutput around each convolution), and calls the blocked Conv.
 *
 * The block size is the CPU's (16 with AVX-512, 8 with AVX2): providers.ts' nchwcBlockSize() asks
 * ONNX Runtime once per process. This module only writes graphs (no runtime import).
 */
import type { Activation } from '../../../shared/model/arch.ts';
import { type ConvEmit, convAttrs, emitActivation, emitPlainConv, emitPlainSplitConv } from './forward.ts';
import type { GraphBuilder } from './graph-builder.ts';

export const NCHWC_DOMAIN = 'com.microsoft.nchwc';

/** The int64 constants a conv emitter needs (a GradContext's cached `ints`). */
export type IntConstant = (values: number[]) => string;

/**
 * Whether the blocked kernel can take this convolution: an input of fewer channels than a block is
 * read in plain NCHW; a wider one is reordered, which MLAS supports for multiples of 4 channels.
 */
export function nchwcEligible(cin: number, block: number): boolean {
  return block > 0 && (cin < block || cin % 4 === 0);
}

const roundUp = (n: number, b: number) => Math.ceil(n / b) * b;

const activationAttrs = (a: Activation): Record<string, string | { floats: number[] }> =>
  a === 'relu' ? { activation: 'Relu' } : a === 'leaky0.1' ? { activation: 'LeakyRelu', activation_params: { floats: [0.1] } } : {};

/**
 * The blocked convolution itself: reorders the kernel (and x, unless a twin exists) and returns the
 * blocked output [N, cout rounded up to a block, H, W] (no ReorderOutput). `sum`: a blocked tensor
 * of the output's shape added before the activation (ONNX Runtime's Conv+Add fusion).
 */
function blockedConv(g: GraphBuilder, ints: IntConstant, x: string, w: string, b: string, o: ConvEmit, block: number, twins?: Map<string, string>, sum?: string): string {
  const blockedIn = o.cin >= block;
  const co = roundUp(o.cout, block);
  const ci = blockedIn ? roundUp(o.cin, block) : o.cin;
  // Zero output (and input) channels up to whole blocks; the padded outputs are dropped again by
  // ReorderOutput, the padded inputs meet ReorderInput's zero channels.
  let wp = w;
  if (co !== o.cout || ci !== o.cin) wp = g.op('Pad', [w, ints([0, 0, 0, 0, co - o.cout, ci - o.cin, 0, 0])], { mode: 'constant' }, `${o.name}_wpad`);
  // OIHW → blocked filters: OIHWBiBo ([O/B, I/B, k, k, Bi, Bo]) for a blocked input, OIHWBo
  // ([O/B, I, k, k, Bo]) for a plain one; the kernel reads them as [O', I', k, k].
  const wb = blockedIn
    ? g.op('Transpose', [g.op('Reshape', [wp, ints([co / block, block, ci / block, block, o.k, o.k])], {}, `${o.name}_w6`)], { perm: [0, 2, 4, 5, 3, 1] }, `${o.name}_wt`)
    : g.op('Transpose', [g.op('Reshape', [wp, ints([co / block, block, ci, o.k, o.k])], {}, `${o.name}_w5`)], { perm: [0, 2, 3, 4, 1] }, `${o.name}_wt`);
  const wr = g.op('Reshape', [wb, ints([co, ci, o.k, o.k])], {}, `${o.name}_wblk`);
  const inputs = [blockedIn ? reorderInput(g, x, `${o.name}_xblk`, twins) : x, wr];
  if (b) inputs.push(co !== o.cout ? g.op('Pad', [b, ints([0, co - o.cout])], { mode: 'constant' }, `${o.name}_bpad`) : b);
  else if (sum) inputs.push('');
  if (sum) inputs.push(sum);
  const yb = g.fresh(`${o.name}_blk`);
  g.addNode('Conv', inputs, [yb], { ...convAttrs(o), ...activationAttrs(o.activation) }, NCHWC_DOMAIN);
  return yb;
}

/** Back to NCHW, remembering the blocked form for a convolution that reads y next. */
function reorderOutput(g: GraphBuilder, yb: string, o: ConvEmit, twins?: Map<string, string>): string {
  // A convolution that reads y can take the blocked form as it is (its padded channels are zeros:
  // zero weights and bias, and both activations keep 0 at 0), saving a ReorderInput.
  return fromBlocked(g, yb, o.cout, o.name, twins);
}

/**
 * y = activation(conv(x, w) + b) with x NCHW [N, cin, H, W], w OIHW [cout, cin, k, k] and b [cout]
 * (or '' for none), all plain graph values; returns y as NCHW [N, cout, H, W]. Block 0 (or an
 * ineligible width) emits the standard Conv and activation, which ONNX Runtime fuses itself.
 * `twins` maps values to their blocked form where a blocked convolution produced one.
 */
export function emitConv(g: GraphBuilder, ints: IntConstant, x: string, w: string, b: string, o: ConvEmit, block: number, twins?: Map<string, string>): string {
  if (!nchwcEligible(o.cin, block)) return emitActivation(g, emitPlainConv(g, b ? [x, w, b] : [x, w], o), o);
  return reorderOutput(g, blockedConv(g, ints, x, w, b, o, block, twins), o, twins);
}

/**
 * activation(conv(concat(a, b), [wa | wb]) + bias) as activation(conv(a, wa) + conv(b, wb) + bias),
 * with no concatenation in memory: blocked, the first convolution's output is the second's `sum`
 * input; plain, two Conv nodes and an Add. `o.cin` is b's channel count, `caIn` a's.
 */
export function emitSplitConv(
  g: GraphBuilder,
  ints: IntConstant,
  [a, b]: [string, string],
  [wa, wb]: [string, string],
  bias: string,
  caIn: number,
  o: ConvEmit,
  block: number,
  twins?: Map<string, string>,
): string {
  if (!nchwcEligible(caIn, block) || !nchwcEligible(o.cin, block)) return emitActivation(g, emitPlainSplitConv(g, [a, b], [wa, wb], bias, o), o);
  const sum = blockedConv(g, ints, a, wa, '', { ...o, cin: caIn, activation: 'linear', name: `${o.name}_a` }, block, twins);
  return reorderOutput(g, blockedConv(g, ints, b, wb, bias, o, block, twins, sum), o, twins);
}

/** x in blocked form, reordered once per value (a second reader takes the same copy). */
function reorderInput(g: GraphBuilder, x: string, name: string, twins?: Map<string, string>): string {
  const known = twins?.get(x);
  if (known) return known;
  const out = g.fresh(name);
  g.addNode('ReorderInput', [x], [out], {}, NCHWC_DOMAIN);
  twins?.set(x, out);
  return out;
}

/** y (NCHW, `channels` channels) from its blocked form yb, remembered as yb's twin. */
export function fromBlocked(g: GraphBuilder, yb: string, channels: number, name: string, twins?: Map<string, string>): string {
  const y = g.fresh(name);
  g.addNode('ReorderOutput', [yb], [y], { channels }, NCHWC_DOMAIN);
  twins?.set(y, yb);
  return y;
}
