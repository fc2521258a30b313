/**
 * Gradient rules of every operator the two U-Nets use, as a table (tinygrad's gradient.py style):
 * one row per primitive, each row emits the ONNX nodes of the vector–Jacobian product of its
 * operator. backward.ts walks the forward tape in reverse, sums contributions and calls these.
 *
 * Layout is NCHW throughout and kernels are OIHW [Co,Ci,k,k], as ONNX's Conv wants them, so no
 * whole-activation transposes sit on the forward path. Rules that were checked against autograd
 * in a prototype are listed in docs/engines.md; each row here has its own test
 * against tfjs' tf.grads and against finite differences (test/unit/onnx-train/grad-rules.test.ts).
 */
import type { GraphBuilder } from '../graph-builder.ts';
import type { ConvEmit } from '../forward.ts';
import { emitConv, emitSplitConv, fromBlocked } from '../nchwc.ts';

/** Primitive operators of the forward tape (one ArchSpec conv node is Conv + its activation). */
export type PrimOp = 'Conv' | 'UpConv' | 'Relu' | 'LeakyRelu' | 'MaxPool' | 'Upsample' | 'Concat' | 'Residual' | 'Add' | 'WeightSlice' | 'Mse' | 'MaskedMse';

/** One forward operation as recorded on the tape. */
export interface TapeEntry {
  op: PrimOp;
  /** ONNX value names of the operands (Conv: x, kernel OIHW, bias; Concat: a, b; Mse: pred, y[, mask]). */
  inputs: string[];
  /** ONNX value name of the result (for Conv the pre-activation z). */
  output: string;
  /**
   * Conv: kernel size; Conv: [Cin, Cout], Concat: channel count of each operand; WeightSlice: the
   * kernel's input channels [from, to) and their total, [c0, c1, Ci]; LeakyRelu: alpha.
   */
  kernel?: number;
  channels?: number[];
  alpha?: number;
  /** UpConv: the nearest-upsampled input the convolution read (inputs[0] is the map before it). */
  upsampled?: string;
}

/**
 * How the convolution filter gradient is laid out (docs/engines.md's profile: data movement, not
 * arithmetic, dominated the prototype):
 * - 'im2col': move channels in front of the batch ([B,C,H,W] → [C,B,H,W], a copy in blocks of H·W),
 *   take the k² shifted windows of the padded input (rows of [k²·Ci, B·H·W]) and contract them with
 *   dZ as [Co, B·H·W] in one Gemm (transB, so neither operand is transposed element-wise).
 * - 'shift' (default): no transposes and 2k instead of k² window copies. On the zero-padded grid
 *   flattened per image ([B, C, Hp·Wp], a free reshape of NCHW), a spatial shift (i, j) is a shift of
 *   the flat index by i·Wp + j, and dW[i,j] = Σ dZp[n − j]·Xp[n + i·Wp] (offsets relative to the
 *   centre): the k row shifts go on X, the k column shifts on dZ, and ONE batched MatMul
 *   [B, k·Co, L] × [B, L, k·Ci] gives every (j, i) pair at once; a ReduceSum over the batch ends it.
 * - 'conv': channels-as-batch convolution: Conv(X as [Ci,B,H+2p,W+2p], dZ as [Co,B,H,W]) = [Ci,Co,k,k];
 *   ONNX Runtime's own im2col does the window extraction.
 */
export type FilterGradLayout = 'shift' | 'shift-slices' | 'im2col' | 'windows' | 'conv';

export interface GradContext {
  g: GraphBuilder;
  filterGrad: FilterGradLayout;
  /** A float32 scalar constant (cached per value). */
  scalar(v: number): string;
  /** An int64 1-D constant (cached per value list). */
  ints(values: number[]): string;
  /** An int64 scalar constant. */
  ints0(v: number): string;
  /** An int64 [k, 1] constant 0 … k−1 (a column, for broadcast row indices). */
  column(k: number): string;
  /**
   * ONNX Runtime's NCHWc block size when convolutions run blocked (nchwc.ts, CPU provider), 0 for
   * plain Conv nodes (other providers, other runtimes, the exported graph's literal form).
   */
  nchwcBlock: number;
  /** Blocked (NCHWc) forms of NCHW values, where one exists (nchwc.ts). */
  twins: Map<string, string>;
  /** Values built once per graph and reused by later rules (keyed by what they are made of). */
  memo: Map<string, string>;
  /** One convolution with activation, blocked or plain as nchwcBlock says (b: '' for no bias). */
  conv(x: string, w: string, b: string, o: ConvEmit): string;
  /** conv(concat(a, b)) with the kernel in two parts and no concatenation (nchwc.ts' emitSplitConv). */
  splitConv(parts: [string, string], kernels: [string, string], bias: string, caIn: number, o: ConvEmit): string;
}

/** dOut: gradient of the loss w.r.t. entry.output; needs[i]: whether input i wants a gradient. */
export type GradRule = (c: GradContext, e: TapeEntry, dOut: string, needs: boolean[]) => (string | null)[];

/** ONNX Slice ends "to the very start" when stepping backwards (must lie below −dim). */
const INT64_MIN_END = -(2 ** 62);

function convRule(c: GradContext, e: TapeEntry, dz: string, needs: boolean[]): (string | null)[] {
  const { g } = c;
  const [x, w] = e.inputs;
  const k = e.kernel ?? 3;
  let dx: string | null = null;
  if (needs[0]) {
    // dX = Conv(dZ, W') with W' the spatially flipped kernel with in/out channels swapped; Conv is
    // ~15 % faster than ConvTranspose with the same weights in ONNX Runtime (docs/engines.md).
    const swapped = g.op('Transpose', [w], { perm: [1, 0, 2, 3] }, `${e.output}_wT`);
    const flipped = g.op('Slice', [swapped, c.ints([k - 1, k - 1]), c.ints([INT64_MIN_END, INT64_MIN_END]), c.ints([2, 3]), c.ints([-1, -1])], {}, `${e.output}_wflip`);
    const [ci, co] = e.channels ?? [NaN, NaN];
    dx = c.conv(dz, flipped, '', { k, cin: co, cout: ci, activation: 'linear', name: `${e.output}_dx` });
  }
  const dw = needs[1] ? filterGrad(c, e, x, dz, k) : null;
  const db = needs[2] ? g.op('ReduceSum', [dz, c.ints([0, 2, 3])], { keepdims: 0 }, `${e.output}_db`) : null;
  return [dx, dw, db];
}

/**
 * z = conv(up(u), W) with up the nearest 2× upsampling, 3×3 kernel, as one tape entry, so the input
 * gradient skips the full-resolution map: du = sum over 2×2 blocks of conv(dz, W') (W' flipped and
 * transposed) is exactly ONE stride-2 4×4 convolution of dz, pad 1, with the kernel
 * K[ci,co] = M · W[co,ci] · Mᵀ, M = [[0,0,1],[0,1,1],[1,1,0],[1,0,0]] (row r+1 sums the taps di with
 * r + di − 1 ∈ {0, 1}: the kernel rows that land on output row 2i + r from the two rows of a block).
 * That is 16/9 the taps on a quarter of the pixels: 0.44× the multiply-adds, and no pooling pass.
 * The filter gradient is the plain convolution's, on the upsampled map.
 */
function upConvRule(c: GradContext, e: TapeEntry, dz: string, needs: boolean[]): (string | null)[] {
  const { g } = c;
  const [, w, b] = e.inputs;
  const [ci, co] = e.channels ?? [NaN, NaN];
  if (e.kernel !== 3 || !e.upsampled) throw new Error(`up-conv ${e.output}: needs a 3×3 kernel and its upsampled input`);
  let du: string | null = null;
  if (needs[0]) {
    const m = g.addInitializer(g.fresh('upconv_m'), [4, 3], new Float32Array([0, 0, 1, 0, 1, 1, 1, 1, 0, 1, 0, 0]));
    const mT = g.addInitializer(g.fresh('upconv_mT'), [3, 4], new Float32Array([0, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 0]));
    const wT = g.op('Transpose', [w], { perm: [1, 0, 2, 3] }, `${e.output}_wT`); // [Ci, Co, 3, 3]
    const k4 = g.op('MatMul', [g.op('MatMul', [m, wT], {}, `${e.output}_mw`), mT], {}, `${e.output}_k4`); // [Ci, Co, 4, 4]
    du = c.conv(dz, k4, '', { k: 4, stride: 2, pad: 1, cin: co, cout: ci, activation: 'linear', name: `${e.output}_du` });
  }
  // Kernel and bias gradients: the plain convolution's, reading the upsampled map.
  const [, dw, db] = convRule(c, { ...e, op: 'Conv', inputs: [e.upsampled, w, b] }, dz, [false, needs[1], needs[2]]);
  return [du, dw, db];
}

/** dW[co,ci,i,j] = Σ_{b,h,w} dZ[b,co,h,w] · Xpad[b,ci,h+i,w+j] (ONNX Conv is a cross-correlation). */
function filterGrad(c: GradContext, e: TapeEntry, x: string, dz: string, k: number): string {
  const { g } = c;
  const tag = e.output;
  const p = (k - 1) / 2;
  if (c.filterGrad === 'shift' || c.filterGrad === 'shift-slices') return filterGradShift(c, e, x, dz, k);
  const xT = g.op('Transpose', [x], { perm: [1, 0, 2, 3] }, `${tag}_xT`);
  const dzT = g.op('Transpose', [dz], { perm: [1, 0, 2, 3] }, `${tag}_dzT`);
  if (c.filterGrad === 'conv') {
    // [Ci, B, H+2p, W+2p] ⋆ [Co, B, H, W] → [Ci, Co, k, k]
    const xTp = g.op('Pad', [xT, c.ints([0, 0, p, p, 0, 0, p, p])], { mode: 'constant' }, `${tag}_xTpad`);
    const r = g.op('Conv', [xTp, dzT], { strides: [1, 1] }, `${tag}_dwT`);
    return g.op('Transpose', [r], { perm: [1, 0, 2, 3] }, `${tag}_dw`);
  }
  // The k² shifted windows can be cut from either operand: dW[i,j] = Σ X[u]·dZ[u−i+p] too, i.e.
  // window (2p−i, 2p−j) of the padded dZ against the unshifted X. Windowing the one with fewer
  // channels moves less data (the output conv: Co = 1 against Ci = 32).
  const [ci, co] = e.channels ?? [Infinity, 0];
  const windowX = ci <= co;
  const padded = g.op('Pad', [windowX ? xT : dzT, c.ints([0, 0, p, p, 0, 0, p, p])], { mode: 'constant' }, `${tag}_winpad`);
  const fixed = g.op('Reshape', [windowX ? dzT : xT, c.ints([0, -1])], {}, `${tag}_fixed2d`);
  const end = (start: number) => (start - 2 * p === 0 ? INT64_MAX_END : start - 2 * p);
  const window = (i: number, j: number) => {
    const [si, sj] = windowX ? [i, j] : [2 * p - i, 2 * p - j];
    const w = g.op('Slice', [padded, c.ints([si, sj]), c.ints([end(si), end(sj)]), c.ints([2, 3])], {}, `${tag}_win`);
    return g.op('Reshape', [w, c.ints([0, -1])], {}, `${tag}_win2d`);
  };
  if (c.filterGrad === 'im2col') {
    // One Gemm over all windows stacked as rows, [k²·Cw, B·H·W], against the other operand
    // [Cf, B·H·W] (both transposed by Gemm's transB, never element-wise). MLAS packs the transB
    // operand, so the one with more rows goes first (measured ~2× faster for 288×32 than 32×288).
    const windows: string[] = [];
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) windows.push(window(i, j));
    const cols = g.op('Concat', windows, { axis: 0 }, `${tag}_cols`);
    const [cw, cf] = windowX ? [ci, co] : [co, ci];
    const colsFirst = k * k * cw >= cf;
    const prod = g.op('Gemm', colsFirst ? [cols, fixed] : [fixed, cols], { transB: 1 }, `${tag}_dwmm`);
    // colsFirst: [k,k,Cw,Cf]; otherwise [Cf,k,k,Cw]. Map to OIHW [Co,Ci,k,k].
    const shaped = g.op('Reshape', [prod, c.ints(colsFirst ? [k, k, cw, cf] : [cf, k, k, cw])], {}, `${tag}_dw4d`);
    const perm = colsFirst ? (windowX ? [3, 2, 0, 1] : [2, 3, 0, 1]) : windowX ? [0, 3, 1, 2] : [3, 0, 1, 2];
    return g.op('Transpose', [shaped], { perm }, `${tag}_dw`);
  }
  // 'windows': one Gemm per window, no k²-fold concatenation; the operand with more channels goes
  // first (see above), so each product is dW[:, :, i, j] as [Co, Ci] (dZ first) or [Ci, Co] (X first).
  const dzFirst = co >= ci;
  const parts: string[] = [];
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const w = window(i, j);
      const [dzSide, xSide] = windowX ? [fixed, w] : [w, fixed];
      const prod = g.op('Gemm', dzFirst ? [dzSide, xSide] : [xSide, dzSide], { transB: 1 }, `${tag}_dwij`);
      parts.push(g.op('Reshape', [prod, c.ints([0, 1, -1])], {}, `${tag}_dwij3`));
    }
  }
  const stacked = g.op('Concat', parts, { axis: 1 }, `${tag}_dwstack`); // [Co|Ci, k², Ci|Co]
  const shaped = g.op('Reshape', [stacked, c.ints([0, k, k, -1])], {}, `${tag}_dw4d`);
  return g.op('Transpose', [shaped], { perm: dzFirst ? [0, 3, 1, 2] : [3, 0, 1, 2] }, `${tag}_dw`);
}

/**
 * The 'shift' filter gradient (see FilterGradLayout). With p = (k−1)/2, Hp = H+2p, Wp = W+2p and
 * flat index n on the padded grid of one image, dZp nonzero only inside:
 *   dW[co,ci,i,j] = Σ_n dZp[co, n]·Xp[ci, n + (i−p)·Wp + (j−p)]
 *                 = Σ_{n'} dZp[co, n' − (j−p)]·Xp[ci, n' + (i−p)·Wp],   n' ∈ [p·Wp, Hp·Wp − p·Wp).
 * Every nonzero dZp term lands in that range and no shifted index leaves the image or wraps a row
 * where dZp is nonzero, so each operand needs only k shifted copies (one Slice each on the last axis).
 */
const dzColsKey = (dz: string, k: number) => `dzcols:${k}:${dz}`;

function filterGradShift(c: GradContext, e: TapeEntry, x: string, dz: string, k: number): string {
  const { g } = c;
  const tag = e.output;
  const p = (k - 1) / 2;
  const [ci, co] = e.channels ?? [NaN, NaN];
  if (!Number.isFinite(ci) || !Number.isFinite(co)) throw new Error(`conv ${tag}: channel counts missing`);
  // Floats written per pixel (pads, slices, concatenations, the MatMul's packing of its transposed
  // operand): k+k shifts ≈ 10·Ci + 7·Co, all k² shifts on the narrower side ≈ 19·min + 2·max. The
  // second wins for unequal layers (the input conv 2→32, the output conv 32→1, the decoder's 2C→C).
  if (c.filterGrad === 'shift-slices') {
    if (19 * Math.min(ci, co) + 2 * Math.max(ci, co) < 10 * ci + 7 * co) return filterGradSkewed(c, e, x, dz, k, ci <= co);
  } else if (!c.memo.has(dzColsKey(dz, k)) && (1 + 2 * k + k * k) * Math.min(ci, co) + Math.max(ci, co) < (1 + 2 * k) * (ci + co)) {
    // With the rows gathered (below): k+k shifts ≈ 7·Ci + 7·Co floats per pixel, all k² windows of
    // the narrower side ≈ 16·min + max (filterGradWindows).
    return filterGradWindows(c, e, x, dz, k, ci <= co);
  }
  const pads = c.ints([0, 0, p, p, 0, 0, p, p]);
  // Padded and flattened per image: [B, C, Hp·Wp]. The padded height/width come from the shape at
  // run time (Shape → Slice), so the graph keeps a dynamic batch and any patch size.
  const xp = g.op('Pad', [x, pads], { mode: 'constant' }, `${tag}_xpad`);
  const xf = g.op('Reshape', [xp, c.ints([0, 0, -1])], {}, `${tag}_xflat`);
  const shape = g.op('Shape', [xp], {}, `${tag}_pshape`);
  const hp = g.op('Slice', [shape, c.ints([2]), c.ints([3])], {}, `${tag}_hp`);
  const wp = g.op('Slice', [shape, c.ints([3]), c.ints([4])], {}, `${tag}_wp`);
  const total = g.op('Mul', [hp, wp], {}, `${tag}_hpwp`);
  const pWp = g.op('Mul', [wp, c.ints([p])], {}, `${tag}_pwp`);
  const len = g.op('Sub', [total, g.op('Mul', [wp, c.ints([2 * p])], {}, `${tag}_2pwp`)], {}, `${tag}_len`);
  const cut = (v: string, start: string, name: string) =>
    g.op('Slice', [v, start, g.op('Add', [start, len], {}, `${name}_end`), c.ints([2])], {}, name);
  // The two halves of a split convolution share dZ: its shifted columns are built once (and the
  // second half then takes this formulation, whose remaining cost is X's k rows).
  const cached = c.filterGrad === 'shift' ? c.memo.get(dzColsKey(dz, k)) : undefined;
  const cols: string[] = [];
  let dzf: string | undefined;
  for (let j = 0; j < k && !cached; j++) {
    if (c.filterGrad === 'shift-slices') {
      dzf ??= g.op('Reshape', [g.op('Pad', [dz, pads], { mode: 'constant' }, `${tag}_dzpad`), c.ints([0, 0, -1])], {}, `${tag}_dzflat`);
      cols.push(cut(dzf, g.op('Add', [pWp, c.ints([p - j])], {}, `${tag}_c${j}`), `${tag}_dzcol`));
    } else {
      // The same window straight from dZ in one copy: the flat window at p·Wp + (p−j) of the padded
      // grid is dZ padded by j columns on the left and 2p−j on the right (the wrapped-around
      // elements fall on zero pad columns), flattened: [B, Co, H·Wp].
      const shifted = g.op('Pad', [dz, c.ints([0, 0, 0, j, 0, 0, 0, 2 * p - j])], { mode: 'constant' }, `${tag}_dzcolpad`);
      cols.push(g.op('Reshape', [shifted, c.ints([0, 0, -1])], {}, `${tag}_dzcol`));
    }
  }
  const ds = cached ?? (k === 1 ? cols[0] : g.op('Concat', cols, { axis: 1 }, `${tag}_dzcols`)); // [B, k·Co, L], row j·Co+co
  if (c.filterGrad === 'shift') c.memo.set(dzColsKey(dz, k), ds);
  if (c.filterGrad === 'shift-slices') {
    // The previous default: k Slices of X and a Concat (kept for measuring, bench/onnx-train-ab.ts).
    const rows: string[] = [];
    for (let i = 0; i < k; i++) rows.push(cut(xf, g.op('Mul', [wp, c.ints([i])], {}, `${tag}_r${i}`), `${tag}_xrow`));
    const xs = k === 1 ? rows[0] : g.op('Concat', rows, { axis: 1 }, `${tag}_xrows`);
    const xsT = g.op('Transpose', [xs], { perm: [0, 2, 1] }, `${tag}_xrowsT`);
    const prod = g.op('MatMul', [ds, xsT], {}, `${tag}_dwb`);
    const sum = g.op('ReduceSum', [prod, c.ints([0])], { keepdims: 0 }, `${tag}_dwsum`);
    const shaped = g.op('Reshape', [sum, c.ints([k, co, k, ci])], {}, `${tag}_dw4d`);
    return g.op('Transpose', [shaped], { perm: [1, 3, 2, 0] }, `${tag}_dw`);
  }
  // The k row shifts of X in ONE Gather of whole padded rows (rows i … i+H−1 for shift i): a row
  // copy each, instead of k Slices and a Concat (two copies of every float). Indices [k, H] built at
  // run time from H, so the graph keeps any patch size: [B, Ci, k, H, Wp] → [B, Ci·k, L].
  const hRows = g.op('Sub', [hp, c.ints([2 * p])], {}, `${tag}_h`);
  const r0 = g.op('Range', [c.ints0(0), g.op('Squeeze', [hRows, c.ints([0])], {}, `${tag}_hs`), c.ints0(1)], {}, `${tag}_rr`);
  const idx = g.op('Add', [g.op('Unsqueeze', [r0, c.ints([0])], {}, `${tag}_rr2`), c.column(k)], {}, `${tag}_rowidx`); // [k, H]
  const xs4 = g.op('Gather', [xp, idx], { axis: 2 }, `${tag}_xrowsg`);
  const xs = g.op('Reshape', [xs4, c.ints([0, ci * k, -1])], {}, `${tag}_xrows`); // [B, Ci·k, L], row ci·k+i
  // ONNX Runtime fuses this Transpose into the MatMul (transB), so X is never transposed in memory.
  const xsT = g.op('Transpose', [xs], { perm: [0, 2, 1] }, `${tag}_xrowsT`);
  const prod = g.op('MatMul', [ds, xsT], {}, `${tag}_dwb`); // [B, k·Co, Ci·k]
  const sum = g.op('ReduceSum', [prod, c.ints([0])], { keepdims: 0 }, `${tag}_dwsum`);
  const shaped = g.op('Reshape', [sum, c.ints([k, co, ci, k])], {}, `${tag}_dw4d`); // [j, co, ci, i]
  return g.op('Transpose', [shaped], { perm: [1, 2, 3, 0] }, `${tag}_dw`);
}

/**
 * The 'shift' filter gradient with all k² shifts on one side S (the narrower of X and dZ) and the
 * other side F unshifted and only column-padded, [B, C_F, H·Wp]: with S padded by p+1 rows and p
 * columns (flat, so window (a, b) starts at (a+1)·Wp + b − p),
 *   Σ_n' F_c[n']·S_window(a,b)[n'] = Σ_n Fp[n]·Sp[n + (a−p)·Wp + (b−p)],
 * which is dW[a, b] for S = X and dW[2p−a, 2p−b] for S = dZ. F's zero columns cancel the products
 * that wrap around a row; S's zero rows cover the windows' reach past the image.
 */
function filterGradSkewed(c: GradContext, e: TapeEntry, x: string, dz: string, k: number, shiftX: boolean): string {
  const { g } = c;
  const tag = e.output;
  const p = (k - 1) / 2;
  const [ci, co] = e.channels ?? [NaN, NaN];
  const [sv, fv, cs, cf] = shiftX ? [x, dz, ci, co] : [dz, x, co, ci];
  const sExt = g.op('Pad', [sv, c.ints([0, 0, p + 1, p, 0, 0, p + 1, p])], { mode: 'constant' }, `${tag}_spad`);
  const fCols = g.op('Pad', [fv, c.ints([0, 0, 0, p, 0, 0, 0, p])], { mode: 'constant' }, `${tag}_fpad`);
  const sf = g.op('Reshape', [sExt, c.ints([0, 0, -1])], {}, `${tag}_sflat`);
  const ff = g.op('Reshape', [fCols, c.ints([0, 0, -1])], {}, `${tag}_fflat`);
  const shape = g.op('Shape', [fCols], {}, `${tag}_fshape`);
  const h = g.op('Slice', [shape, c.ints([2]), c.ints([3])], {}, `${tag}_h`);
  const wp = g.op('Slice', [shape, c.ints([3]), c.ints([4])], {}, `${tag}_wp`);
  const len = g.op('Mul', [h, wp], {}, `${tag}_len`);
  const windows: string[] = [];
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) {
      const start = g.op('Add', [g.op('Mul', [wp, c.ints([a + 1])], {}, `${tag}_row${a}`), c.ints([b - p])], {}, `${tag}_at${a}${b}`);
      windows.push(g.op('Slice', [sf, start, g.op('Add', [start, len], {}, `${tag}_end${a}${b}`), c.ints([2])], {}, `${tag}_win`));
    }
  }
  const ws = windows.length === 1 ? windows[0] : g.op('Concat', windows, { axis: 1 }, `${tag}_wins`); // [B, k²·Cs, H·Wp]
  // ONNX Runtime fuses this Transpose into the MatMul (transB): F is packed once, never transposed.
  const fT = g.op('Transpose', [ff], { perm: [0, 2, 1] }, `${tag}_fT`);
  const prod = g.op('MatMul', [ws, fT], {}, `${tag}_dwb`); // [B, k²·Cs, Cf]
  const sum = g.op('ReduceSum', [prod, c.ints([0])], { keepdims: 0 }, `${tag}_dwsum`);
  const shaped = g.op('Reshape', [sum, c.ints([k, k, cs, cf])], {}, `${tag}_dw4d`); // [a, b, Cs, Cf]
  if (shiftX) return g.op('Transpose', [shaped], { perm: [3, 2, 0, 1] }, `${tag}_dw`); // (a,b,ci,co) → OIHW
  const oihw = g.op('Transpose', [shaped], { perm: [2, 3, 0, 1] }, `${tag}_dwflipped`); // [co, ci, a, b] = dW[2p−a, 2p−b]
  return g.op('Slice', [oihw, c.ints([k - 1, k - 1]), c.ints([INT64_MIN_END, INT64_MIN_END]), c.ints([2, 3]), c.ints([-1, -1])], {}, `${tag}_dw`);
}

/**
 * All k² windows of one side S (the narrower of X and dZ) against the other side F unpadded and
 * unshifted, in plain 2-D coordinates (no padded flat grid): S padded by p, its k column windows
 * [B, Cs, Hp, W] stacked on a new axis (Slices + one Concat), then ONE Gather of whole rows
 * (rows a … a+H−1 for row shift a) gives every window (a, b) as [B, Cs, k_b, k_a, H, W], and one
 * batched MatMul [B, Cs·k², H·W] × [B, H·W, Cf] contracts them with F (a free reshape of NCHW).
 * Window (a, b) of padded X is dW[a, b]; window (a, b) of padded dZ is dW[2p−a, 2p−b]
 * (Σ X[u]·dZpad[u + 2p − a], see filterGrad).
 */
function filterGradWindows(c: GradContext, e: TapeEntry, x: string, dz: string, k: number, shiftX: boolean): string {
  const { g } = c;
  const tag = e.output;
  const p = (k - 1) / 2;
  const [ci, co] = e.channels ?? [NaN, NaN];
  const [sv, fv, cs, cf] = shiftX ? [x, dz, ci, co] : [dz, x, co, ci];
  const sp = g.op('Pad', [sv, c.ints([0, 0, p, p, 0, 0, p, p])], { mode: 'constant' }, `${tag}_spad`); // [B, Cs, Hp, Wp]
  const cols: string[] = [];
  for (let b = 0; b < k; b++) {
    const col = g.op('Slice', [sp, c.ints([b]), c.ints([b - 2 * p === 0 ? INT64_MAX_END : b - 2 * p]), c.ints([3])], {}, `${tag}_scol`);
    cols.push(g.op('Unsqueeze', [col, c.ints([2])], {}, `${tag}_scol5`));
  }
  const stack = cols.length === 1 ? cols[0] : g.op('Concat', cols, { axis: 2 }, `${tag}_scols`); // [B, Cs, k_b, Hp, W]
  const h = g.op('Slice', [g.op('Shape', [sv], {}, `${tag}_sshape`), c.ints([2]), c.ints([3])], {}, `${tag}_h`);
  const r0 = g.op('Range', [c.ints0(0), g.op('Squeeze', [h, c.ints([0])], {}, `${tag}_hs`), c.ints0(1)], {}, `${tag}_rr`);
  const idx = g.op('Add', [g.op('Unsqueeze', [r0, c.ints([0])], {}, `${tag}_rr2`), c.column(k)], {}, `${tag}_rowidx`); // [k_a, H]
  const wins = g.op('Gather', [stack, idx], { axis: 3 }, `${tag}_wins6`); // [B, Cs, k_b, k_a, H, W]
  const ws = g.op('Reshape', [wins, c.ints([0, cs * k * k, -1])], {}, `${tag}_wins`);
  const ff = g.op('Reshape', [fv, c.ints([0, 0, -1])], {}, `${tag}_fflat`); // [B, Cf, H·W]
  // ONNX Runtime fuses this Transpose into the MatMul (transB): F is packed once, never transposed.
  const fT = g.op('Transpose', [ff], { perm: [0, 2, 1] }, `${tag}_fT`);
  const prod = g.op('MatMul', [ws, fT], {}, `${tag}_dwb`); // [B, Cs·k², Cf]
  const sum = g.op('ReduceSum', [prod, c.ints([0])], { keepdims: 0 }, `${tag}_dwsum`);
  const shaped = g.op('Reshape', [sum, c.ints([cs, k, k, cf])], {}, `${tag}_dw4d`); // [Cs, b, a, Cf]
  if (shiftX) return g.op('Transpose', [shaped], { perm: [3, 0, 2, 1] }, `${tag}_dw`); // (ci,b,a,co) → OIHW
  const flipped = g.op('Transpose', [shaped], { perm: [0, 3, 2, 1] }, `${tag}_dwflipped`); // [co, ci, a, b] = dW[2p−a, 2p−b]
  return g.op('Slice', [flipped, c.ints([k - 1, k - 1]), c.ints([INT64_MIN_END, INT64_MIN_END]), c.ints([2, 3]), c.ints([-1, -1])], {}, `${tag}_dw`);
}

/** Slice end meaning "through the last element". */
const INT64_MAX_END = 2 ** 62;

/**
 * The activation rules read the activation's OUTPUT (y > 0 ⟺ z > 0 for both ReLU and LeakyReLU),
 * so the pre-activation has a single consumer and ONNX Runtime can fuse Conv+activation.
 * At z = 0 the gradient is taken as 0 (ReLU) / α (LeakyReLU), as tfjs does (step(x) = x > 0).
 */
function reluRule(c: GradContext, e: TapeEntry, dy: string): (string | null)[] {
  // ReLU's output is ≥ 0, so Sign(y) is exactly the 0/1 step: two plain element-wise float ops,
  // which ONNX Runtime ran faster than Greater + Where with a scalar (profile: ~27 → ~20 ms a step).
  return activationGrad(c, e, dy, (y) => c.g.op('Sign', [y], {}, `${e.output}_step`));
}

function leakyReluRule(c: GradContext, e: TapeEntry, dy: string): (string | null)[] {
  return activationGrad(c, e, dy, (y) => {
    const pos = c.g.op('Greater', [y, c.scalar(0)], {}, `${e.output}_pos`);
    return c.g.op('Where', [pos, c.scalar(1), c.scalar(e.alpha ?? 0.1)], {}, `${e.output}_slope`);
  });
}

/**
 * dz = dy · slope(y). When dy and y both exist in blocked form (a blocked input-gradient convolution
 * made dy, a blocked forward convolution y), the product is taken there: the next input-gradient
 * convolution reads it without a ReorderInput, and dy's own NCHW copy is never needed (pruned).
 * Padded channels stay 0: y is 0 there, so is the slope of ReLU, and dy is 0 for LeakyReLU.
 */
function activationGrad(c: GradContext, e: TapeEntry, dy: string, slopeOf: (y: string) => string): (string | null)[] {
  const yb = c.twins.get(e.output);
  const dyb = c.twins.get(dy);
  const channels = e.channels?.[0];
  if (yb && dyb && channels !== undefined) {
    const dzb = c.g.op('Mul', [dyb, slopeOf(yb)], {}, `${e.output}_dzblk`);
    return [fromBlocked(c.g, dzb, channels, `${e.output}_dz`, c.twins)];
  }
  return [c.g.op('Mul', [dy, slopeOf(e.output)], {}, `${e.output}_dz`)];
}

/** Nearest 2× upsampling that copies each pixel to a 2×2 block (forward.ts' Resize). */
function upsample2(c: GradContext, v: string, tag: string): string {
  const { g } = c;
  const scales = c.g.addInitializer(g.fresh(`${tag}_scales`), [4], new Float32Array([1, 1, 2, 2]));
  return g.op('Resize', [v, '', scales], { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }, tag);
}

/**
 * Max-pool 2×2: the gradient goes where the input equals its window's maximum. Ties inside one
 * window would each receive the full gradient (tfjs gives it to the first maximum only). In the
 * ReLU network ties happen only between zeros, whose ReLU gradient is 0 anyway; LeakyReLU outputs
 * are continuous, so ties have probability zero. The rule is exact for both U-Nets.
 */
function maxPoolRule(c: GradContext, e: TapeEntry, dy: string): (string | null)[] {
  const { g } = c;
  const x = e.inputs[0];
  const up = upsample2(c, e.output, `${e.output}_upmax`);
  const isMax = g.op('Equal', [x, up], {}, `${e.output}_ismax`);
  const dyUp = upsample2(c, dy, `${e.output}_updy`);
  return [g.op('Where', [isMax, dyUp, c.scalar(0)], {}, `${e.output}_dx`)];
}

/** Nearest 2× upsampling: each input pixel fed a 2×2 block, so its gradient is the block's sum. */
function upsampleRule(c: GradContext, e: TapeEntry, dy: string): (string | null)[] {
  const { g } = c;
  const avg = g.op('AveragePool', [dy], { kernel_shape: [2, 2], strides: [2, 2] }, `${e.output}_dyavg`);
  return [g.op('Mul', [avg, c.scalar(4)], {}, `${e.output}_dx`)];
}

function concatRule(c: GradContext, e: TapeEntry, dy: string, needs: boolean[]): (string | null)[] {
  const ch = e.channels;
  if (!ch || ch.length !== e.inputs.length) throw new Error(`concat ${e.output}: channel counts missing`);
  const out: (string | null)[] = [];
  let start = 0;
  for (let i = 0; i < ch.length; i++) {
    out.push(needs[i] ? c.g.op('Slice', [dy, c.ints([start]), c.ints([start + ch[i]]), c.ints([1])], {}, `${e.output}_d${i}`) : null);
    start += ch[i];
  }
  return out;
}

/** out = net + (mean of input planes): the second operand depends only on the data. */
function residualRule(_c: GradContext, _e: TapeEntry, dy: string, needs: boolean[]): (string | null)[] {
  return [needs[0] ? dy : null, null];
}

/** z = a + b: the gradient reaches both operands unchanged. */
function addRule(_c: GradContext, _e: TapeEntry, dy: string, needs: boolean[]): (string | null)[] {
  return needs.map((n) => (n ? dy : null));
}

/**
 * A kernel's input channels [c0, c1) (the part of a split convolution that reads one operand of a
 * skip concatenation): its gradient is zero-padded back to the whole kernel, where backward.ts sums
 * the parts.
 */
function weightSliceRule(c: GradContext, e: TapeEntry, dy: string): (string | null)[] {
  const [c0, c1, ct] = e.channels ?? [NaN, NaN, NaN];
  if (![c0, c1, ct].every(Number.isFinite)) throw new Error(`weight slice ${e.output}: channel range missing`);
  return [c.g.op('Pad', [dy, c.ints([0, c0, 0, 0, 0, ct - c1, 0, 0])], { mode: 'constant' }, `${e.output}_dwpad`)];
}

/** loss = mean((pred − y)²) over all elements; d loss / d pred = 2 (pred − y) / N. */
function mseRule(c: GradContext, e: TapeEntry, dLoss: string): (string | null)[] {
  const { g } = c;
  const [pred, y] = e.inputs;
  const diff = g.op('Sub', [pred, y], {}, `${e.output}_diff_g`);
  const n = g.op('Cast', [g.op('Size', [diff], {}, `${e.output}_n`)], { to: 1 }, `${e.output}_nf`);
  const scale = g.op('Div', [g.op('Mul', [dLoss, c.scalar(2)], {}, `${e.output}_2dl`), n], {}, `${e.output}_scale`);
  return [g.op('Mul', [diff, scale], {}, `${e.output}_dpred`), null];
}

/**
 * loss = Σ mask·(pred − y)² / max(Σ mask, 1) (Noise2Void; the max as the tfjs engine's mseLoss, so
 * an all-zero mask gives 0, not NaN); d loss / d pred = 2·mask·(pred − y) / max(Σ mask, 1).
 */
function maskedMseRule(c: GradContext, e: TapeEntry, dLoss: string): (string | null)[] {
  const { g } = c;
  const [pred, y, mask] = e.inputs;
  const diff = g.op('Sub', [pred, y], {}, `${e.output}_diff_g`);
  const count = g.op('Max', [g.op('ReduceSum', [mask], { keepdims: 0 }, `${e.output}_sum_g`), c.scalar(1)], {}, `${e.output}_count_g`);
  const scale = g.op('Div', [g.op('Mul', [dLoss, c.scalar(2)], {}, `${e.output}_2dl`), count], {}, `${e.output}_scale`);
  const masked = g.op('Mul', [diff, mask], {}, `${e.output}_mdiff`);
  return [g.op('Mul', [masked, scale], {}, `${e.output}_dpred`), null, null];
}

export const GRAD_RULES: Record<PrimOp, GradRule> = {
  Conv: convRule,
  UpConv: upConvRule,
  Relu: (c, e, d) => reluRule(c, e, d),
  LeakyRelu: (c, e, d) => leakyReluRule(c, e, d),
  MaxPool: (c, e, d) => maxPoolRule(c, e, d),
  Upsample: (c, e, d) => upsampleRule(c, e, d),
  Concat: concatRule,
  Residual: residualRule,
  Add: addRule,
  WeightSlice: (c, e, d) => weightSliceRule(c, e, d),
  Mse: (c, e, d) => mseRule(c, e, d),
  MaskedMse: (c, e, d) => maskedMseRule(c, e, d),
};

/** Forward emission of the loss primitives (the network's own forward comes from forward.ts). */
export function emitLoss(c: GradContext, pred: string, y: string, mask: string | null): TapeEntry {
  const { g } = c;
  const diff = g.op('Sub', [pred, y], {}, 'loss_diff');
  const sq = g.op('Mul', [diff, diff], {}, 'loss_sq');
  if (mask === null) {
    const loss = g.op('ReduceMean', [sq], { keepdims: 0 }, 'loss_mse');
    return { op: 'Mse', inputs: [pred, y], output: loss };
  }
  const total = g.op('ReduceSum', [g.op('Mul', [sq, mask], {}, 'loss_msq'), c.ints([])], { keepdims: 0 }, 'loss_total');
  const count = g.op('Max', [g.op('ReduceSum', [mask, c.ints([])], { keepdims: 0 }, 'loss_masksum'), c.scalar(1)], {}, 'loss_count');
  return { op: 'MaskedMse', inputs: [pred, y, mask], output: g.op('Div', [total, count], {}, 'loss_masked') };
}

/** A GradContext with cached constants. */
export function gradContext(g: GraphBuilder, filterGrad: FilterGradLayout = 'shift', nchwcBlock = 0): GradContext {
  const floats = new Map<number, string>();
  const intLists = new Map<string, string>();
  const twins = new Map<string, string>();
  const c: GradContext = {
    g,
    filterGrad,
    nchwcBlock,
    twins,
    memo: new Map(),
    conv: (x, w, b, o) => emitConv(g, (v) => c.ints(v), x, w, b, o, nchwcBlock, twins),
    splitConv: (parts, kernels, bias, caIn, o) => emitSplitConv(g, (v) => c.ints(v), parts, kernels, bias, caIn, o, nchwcBlock, twins),
    scalar(v) {
      let name = floats.get(v);
      if (name === undefined) {
        name = g.addInitializer(g.fresh('const_f'), [], new Float32Array([v]));
        floats.set(v, name);
      }
      return name;
    },
    ints(values) {
      const key = values.join(',');
      let name = intLists.get(key);
      if (name === undefined) {
        name = g.addInitializer(g.fresh('const_i'), [values.length], BigInt64Array.from(values.map((v) => BigInt(v))));
        intLists.set(key, name);
      }
      return name;
    },
    ints0(v) {
      const key = `s${v}`;
      let name = intLists.get(key);
      if (name === undefined) {
        name = g.addInitializer(g.fresh('const_i'), [], BigInt64Array.from([BigInt(v)]));
        intLists.set(key, name);
      }
      return name;
    },
    column(k) {
      const key = `col${k}`;
      let name = intLists.get(key);
      if (name === undefined) {
        name = g.addInitializer(g.fresh('const_i'), [k, 1], BigInt64Array.from({ length: k }, (_, i) => BigInt(i)));
        intLists.set(key, name);
      }
      return name;
    },
  };
  return c;
}
