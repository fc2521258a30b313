/**
 * Whole-stack denoising with any Predictor: plane by plane (only one plane's input channels are ever
 * expanded), cut into overlapping tiles, batched, blended back with linear ramps.
 *
 * Tiles that do not waste (planTiles): by default a tile is as large as a memory budget for the
 * network's activations allows — the whole plane when it fits (no overlap at all), else the fewest,
 * balanced, possibly non-square tiles whose overlap is what the receptive field needs (2·margin plus
 * one divisor step, see below) and no more. Small tiles with wide overlaps recompute the overlap:
 * 512² tiles on a 1024² plane computed 2.25× the plane's pixels.
 *
 * Why the result does not depend on the tile size: the plane is padded once (reflect, bottom/right)
 * to a multiple of the network's divisor, tile origins are multiples of the divisor (so every tile's
 * pooling grid is the whole image's), and each tile's weight is zero within `margin` pixels of an
 * edge it shares with another tile, where `margin` covers the network's receptive field. Every
 * pixel is thus taken only from tiles that saw all of its context, as the untiled network does; the
 * ramps in the remaining overlap blend values that agree up to float rounding (and hide seams if a
 * user asks for a smaller overlap than the receptive field).
 */
import { totalmem } from 'node:os';
import { type ArchSpec, channelCounts, nodeInputs, outputChannels } from '../../shared/model/arch.ts';
import type { Mode } from '../../shared/config/training.ts';
import { channelPlanes } from './sampler.ts';
import { denormaliseInPlace, normalise } from './normalise.ts';
import type { Normalisation, PredictEvent, Predictor, ProgressListener } from './types.ts';

const roundUp = (v: number, d: number) => Math.ceil(v / d) * d;

/** Receptive-field radius (pixels) of the network, a conservative bound, from the spec. */
export function receptiveRadius(spec: ArchSpec): number {
  const at = new Map<string, { scale: number; r: number }>([[spec.inputName, { scale: 1, r: 0 }]]);
  const get = (n: string) => at.get(n) ?? { scale: 1, r: 0 };
  for (const n of spec.nodes) {
    switch (n.op) {
      case 'conv': {
        const p = get(n.input);
        at.set(n.name, { scale: p.scale, r: p.r + ((n.kernel - 1) / 2) * p.scale });
        break;
      }
      case 'maxpool': {
        const p = get(n.input);
        at.set(n.name, { scale: p.scale * 2, r: p.r + p.scale });
        break;
      }
      case 'upsample': {
        const p = get(n.input);
        at.set(n.name, { scale: Math.max(1, p.scale / 2), r: p.r + p.scale / 2 });
        break;
      }
      case 'concat': {
        const [a, b] = n.inputs.map(get);
        at.set(n.name, { scale: a.scale, r: Math.max(a.r, b.r) });
        break;
      }
      case 'residual':
        at.set(n.name, get(n.input));
        break;
    }
  }
  return Math.ceil(get(spec.output).r);
}

export interface TileSettings {
  tile: number;
  overlap: number;
  /** Pixels next to a shared tile edge that get weight 0. */
  margin: number;
  divisor: number;
}

/** Default tile/overlap for a network; explicit values are rounded up to the divisor. */
export function tileSettings(spec: ArchSpec, tile?: number, overlap?: number): TileSettings {
  const d = spec.divisor;
  const margin = roundUp(receptiveRadius(spec), d);
  const o = roundUp(overlap ?? 2 * margin + d, d);
  // 512² tiles keep the overlap overhead small ((512/(512−O))² ≈ 1.3 for the CSBDeep U-Net).
  const t = roundUp(tile ?? Math.max(512, 2 * o), d);
  if (t <= o) throw new Error(`tile (${t}) must be larger than the overlap (${o})`);
  return { tile: t, overlap: o, margin, divisor: d };
}

/**
 * Activation memory per input pixel of a tile (bytes), from the spec: the largest set of tensors
 * alive at once when the nodes run in order (each freed after its last use), each at its own
 * resolution, times 1.5 for the kernels' scratch and layout copies. Measured with ONNX Runtime's CPU
 * provider (memory pattern off) on the CSBDeep U-Net: ~0.75 KB/pixel against 0.78 estimated.
 */
export function activationBytesPerPixel(spec: ArchSpec): number {
  const ch = channelCounts(spec);
  const scale = new Map<string, number>([[spec.inputName, 1]]);
  const lastUse = new Map<string, number>();
  spec.nodes.forEach((n, i) => {
    for (const v of nodeInputs(n)) lastUse.set(v, i);
    if (n.op === 'residual') lastUse.set(spec.inputName, i);
  });
  const size = (name: string) => (ch.get(name) ?? 0) / (scale.get(name) ?? 1) ** 2;
  const live = new Set<string>([spec.inputName]);
  let peak = size(spec.inputName);
  spec.nodes.forEach((n, i) => {
    const from = scale.get(n.op === 'concat' ? n.inputs[0] : n.input) ?? 1;
    scale.set(n.name, n.op === 'maxpool' ? from * 2 : n.op === 'upsample' ? from / 2 : from);
    live.add(n.name);
    peak = Math.max(peak, [...live].reduce((a, v) => a + size(v), 0));
    for (const v of [...live]) if ((lastUse.get(v) ?? -1) <= i && v !== n.name && v !== spec.output) live.delete(v);
  });
  return 4 * peak * 1.5;
}

/**
 * Default activation budget of one predictBatch call: 1 GiB by activationBytesPerPixel's
 * (conservative) estimate — a 1024² plane of the CSBDeep U-Net in one piece, 2160² planes in four
 * tiles; measured on ONNX Runtime's CPU provider, a 10×2160² uint16 stack then peaks at 1.24 GB
 * resident (< 1.5 GB, bench/denoise-command.ts) — at most a quarter of the machine's memory.
 */
export function defaultTileMemory(): number {
  return Math.min(1024 * 2 ** 20, Math.floor(totalmem() / 4));
}

/** Pixels (batch × height × width) of one predictBatch call that fit `memory` bytes of activations. */
export function tilePixelBudget(spec: ArchSpec, memory = defaultTileMemory()): number {
  return Math.max(1, Math.floor(memory / activationBytesPerPixel(spec)));
}

export interface TilePlan extends TileSettings {
  /** Tile height and width (multiples of the divisor, at most the padded plane). */
  th: number;
  tw: number;
  ty: { starts: number[]; size: number };
  tx: { starts: number[]; size: number };
  /** Tiles per predictBatch call. */
  batchTiles: number;
}

/** Smallest tile size that covers len with n tiles overlapping by `overlap`, on the divisor grid. */
function tileFor(len: number, n: number, overlap: number, d: number): number {
  return Math.min(len, roundUp(Math.ceil((len + (n - 1) * overlap) / n), d));
}

/**
 * The tiles of a padded Hp×Wp plane. An explicit `tile` gives square tiles of that size (as before);
 * otherwise the tiling with the fewest computed pixels whose tile fits `memory` bytes of activations
 * (activationBytesPerPixel), the whole plane when it fits.
 */
export function planTiles(spec: ArchSpec, Hp: number, Wp: number, o: { tile?: number; overlap?: number; memory?: number; batchTiles?: number } = {}): TilePlan {
  const memory = o.memory ?? defaultTileMemory();
  const maxPixels = tilePixelBudget(spec, memory);
  const batchFor = (pixels: number) => Math.max(1, o.batchTiles ?? Math.floor(maxPixels / pixels));
  if (o.tile !== undefined) {
    const ts = tileSettings(spec, o.tile, o.overlap);
    const ty = axisTiles(Hp, ts.tile, ts.overlap);
    const tx = axisTiles(Wp, ts.tile, ts.overlap);
    return { ...ts, th: ty.size, tw: tx.size, ty, tx, batchTiles: batchFor(ty.size * tx.size) };
  }
  const d = spec.divisor;
  const margin = roundUp(receptiveRadius(spec), d);
  const overlap = roundUp(o.overlap ?? 2 * margin + d, d);
  let best: { th: number; tw: number; cost: number; tiles: number } | null = null;
  // n tiles along an axis only make sense while each stays larger than the overlap.
  const maxN = (len: number) => Math.max(1, Math.ceil(len / d));
  for (let ny = 1; ny <= maxN(Hp); ny++) {
    const th = tileFor(Hp, ny, overlap, d);
    if (ny > 1 && th <= overlap) break;
    for (let nx = 1; nx <= maxN(Wp); nx++) {
      const tw = tileFor(Wp, nx, overlap, d);
      if (nx > 1 && tw <= overlap) break;
      const fits = th * tw <= maxPixels;
      const ry = axisTiles(Hp, th, overlap).starts.length;
      const rx = axisTiles(Wp, tw, overlap).starts.length;
      const cost = ry * rx * th * tw;
      // Fitting tilings by cost, then fewer calls; if none fits, the smallest tiles.
      const better = !best || (fits && (best.cost > cost || (best.cost === cost && best.tiles > ry * rx)));
      if (fits && better) best = { th, tw, cost, tiles: ry * rx };
      if (fits) break; // more tiles along x only adds overlap
    }
  }
  if (!best) {
    // Not even the smallest useful tile fits the budget: take it anyway (the budget is advice).
    const t = Math.min(Math.max(Hp, Wp), roundUp(overlap + d, d));
    best = { th: Math.min(Hp, t), tw: Math.min(Wp, t), cost: 0, tiles: 0 };
  }
  const ty = axisTiles(Hp, best.th, overlap);
  const tx = axisTiles(Wp, best.tw, overlap);
  return { tile: Math.max(best.th, best.tw), overlap, margin, divisor: d, th: ty.size, tw: tx.size, ty, tx, batchTiles: batchFor(ty.size * tx.size) };
}

/** Tile origins along one axis of padded length len (tiles of size min(tile, len)). */
export function axisTiles(len: number, tile: number, overlap: number): { starts: number[]; size: number } {
  if (tile >= len) return { starts: [0], size: len };
  const stride = tile - overlap;
  const starts: number[] = [];
  for (let s = 0; s + tile < len; s += stride) starts.push(s);
  starts.push(len - tile);
  return { starts: [...new Set(starts)], size: tile };
}

/** 1-D blending weights of the tile at index ti of `starts` (see the module comment). */
export function axisWeights(starts: number[], size: number, ti: number, margin: number): Float32Array {
  const w = new Float32Array(size).fill(1);
  const ramp = (o: number, u: number) => {
    const m = Math.max(0, Math.min(margin, Math.floor(o / 2) - 1));
    if (u < m) return 0;
    if (u >= o - m) return 1;
    return (u - m + 0.5) / (o - 2 * m);
  };
  const s = starts[ti];
  if (ti > 0) {
    const o = starts[ti - 1] + size - s;
    for (let u = 0; u < Math.min(o, size); u++) w[u] *= ramp(o, u);
  }
  if (ti < starts.length - 1) {
    const o = s + size - starts[ti + 1];
    for (let u = 0; u < Math.min(o, size); u++) w[size - 1 - u] *= ramp(o, u);
  }
  return w;
}

const reflect = (i: number, n: number) => (n === 1 ? 0 : i < n ? i : Math.max(0, 2 * n - 2 - i));

export interface DenoiseOptions {
  spec: ArchSpec;
  layout: { mode: Mode; k: number };
  /** Normalisation fitted on this stack; the output is mapped back with its inverse. */
  normalisation: Normalisation;
  /** Square tile size; default: planTiles' choice within `tileMemory`. */
  tile?: number;
  overlap?: number;
  /** Tiles per predictBatch call; default: as many as fit `tileMemory`. */
  batchTiles?: number;
  /** Activation memory budget of one predictBatch call, bytes (default defaultTileMemory()). */
  tileMemory?: number;
  /**
   * Camera background pattern (one plane) subtracted from the input before normalisation; the
   * output stays background-free. `normalisation` must then be fitted on the subtracted stack.
   */
  background?: Float32Array | null;
  onEvent?: ProgressListener<PredictEvent>;
  signal?: AbortSignal;
  /**
   * Only planes [z0, z1) of `data` are predicted (their neighbours are still read from `data`); the
   * result then holds just those planes. Chunked/sharded denoising passes a window of planes with
   * k neighbours on each side and asks for the middle.
   */
  planes?: { z0: number; z1: number };
}

/** Denoises a ZYX stack (raw intensities); returns a new ZYX array of the same shape. */
export async function denoiseStack(
  predictor: Predictor,
  data: Float32Array,
  shape: { depth: number; height: number; width: number },
  o: DenoiseOptions,
): Promise<Float32Array> {
  const [out] = await denoiseVolumes(predictor, [{ data, normalisation: o.normalisation }], shape, o);
  return out!;
}

/** One input volume of denoiseVolumes: ZYX raw intensities and the normalisation fitted on them. */
export interface VolumeInput {
  data: Float32Array;
  normalisation: Normalisation;
}

/**
 * The tiled core, for one volume (a single-output network) or several (a joint hyperstack model:
 * every channel's volume, its neighbour planes stacked channel-major as input, one output per
 * channel): one output per input. Each input is normalised with its own normalisation and output
 * k is mapped back with input k's. `o.normalisation` is not read here: the inputs carry theirs.
 * Returns one ZYX array per output channel, planes [z0, z1) only.
 */
export async function denoiseVolumes(
  predictor: Predictor,
  inputs: VolumeInput[],
  shape: { depth: number; height: number; width: number },
  o: Omit<DenoiseOptions, 'normalisation'>,
): Promise<Float32Array[]> {
  const { depth, height: H, width: W } = shape;
  const Hp = roundUp(H, o.spec.divisor);
  const Wp = roundUp(W, o.spec.divisor);
  const ts = planTiles(o.spec, Hp, Wp, { tile: o.tile, overlap: o.overlap, memory: o.tileMemory, batchTiles: o.batchTiles });
  const { ty, tx, th, tw, batchTiles } = ts;
  const wy = ty.starts.map((_, i) => axisWeights(ty.starts, ty.size, i, ts.margin));
  const wx = tx.starts.map((_, i) => axisWeights(tx.starts, tx.size, i, ts.margin));
  const cin = o.spec.inChannels;
  const cout = outputChannels(o.spec);
  if (inputs.length === 0) throw new Error('no input volume to denoise');
  if (cout !== inputs.length) throw new Error(`the network has ${cout} outputs for ${inputs.length} input volumes`);
  const zFrom = o.planes?.z0 ?? 0;
  const zTo = o.planes?.z1 ?? depth;
  if (zFrom < 0 || zTo > depth || zTo <= zFrom) throw new Error(`planes ${zFrom}…${zTo - 1} are outside the stack of ${depth}`);
  const hw = H * W;
  const outs = Array.from({ length: cout }, () => new Float32Array((zTo - zFrom) * hw));
  const plane = new Float32Array(Hp * Wp * cin);
  const whole = ty.starts.length === 1 && tx.starts.length === 1 && th === Hp && tw === Wp;
  // Blend buffers only when there is something to blend.
  const acc = new Float32Array(whole ? 0 : Hp * Wp * cout);
  const wsum = new Float32Array(whole ? 0 : Hp * Wp);
  const tiles: [number, number][] = [];
  for (let a = 0; a < ty.starts.length; a++) for (let b = 0; b < tx.starts.length; b++) tiles.push([a, b]);
  const xb = new Float32Array(whole ? 0 : batchTiles * th * tw * cin);
  const bg = o.background ?? null;
  if (bg && bg.length !== hw) throw new Error(`the model's background pattern has ${bg.length} pixels, the planes ${H}×${W}`);
  // Each input's normalisation as an affine map, applied while the plane's channels are gathered.
  const maps = inputs.map((v) => {
    const m = normalise(v.normalisation, new Float32Array([0, 1]));
    return { scale: m[1]! - m[0]!, offset: m[0]! };
  });
  const chData: Float32Array[] = new Array(cin);
  const chOff = new Int32Array(cin);
  const chScale = new Float32Array(cin);
  const chShift = new Float32Array(cin);
  const t0 = Date.now();
  for (let z = zFrom; z < zTo; z++) {
    if (o.signal?.aborted) throw new Error('cancelled');
    const chans = channelPlanes(z, depth, o.layout.mode, o.layout.k);
    if (chans.length * inputs.length !== cin) throw new Error(`model expects ${cin} input planes, layout gives ${chans.length * inputs.length}`);
    // Input channel v·per + j is plane chans[j] of input v.
    inputs.forEach((v, vi) =>
      chans.forEach((p, j) => {
        const c = vi * chans.length + j;
        chData[c] = v.data;
        chOff[c] = p * hw;
        chScale[c] = maps[vi]!.scale;
        chShift[c] = maps[vi]!.offset;
      }),
    );
    for (let y = 0; y < Hp; y++) {
      const sy = reflect(y, H) * W;
      let d = y * Wp * cin;
      for (let x = 0; x < Wp; x++, d += cin) {
        const s = sy + (x < W ? x : reflect(x, W));
        const b = bg ? bg[s] : 0;
        for (let c = 0; c < cin; c++) plane[d + c] = (chData[c]![chOff[c]! + s]! - b) * chScale[c]! + chShift[c]!;
      }
    }
    const dsts = outs.map((out) => out.subarray((z - zFrom) * hw, (z - zFrom + 1) * hw));
    const finishPlane = () => {
      dsts.forEach((dst, k) => denormaliseInPlace(inputs[k]!.normalisation, dst));
      const secondsPerPlane = (Date.now() - t0) / 1000 / (z - zFrom + 1);
      o.onEvent?.({ type: 'plane', plane: z, planes: zTo - zFrom, secondsPerPlane, eta: secondsPerPlane * (zTo - z - 1) });
    };
    if (whole) {
      // One tile is the whole padded plane: its weights are all 1, so the blend is the prediction.
      const pred = await predictor.predictBatch(plane, 1, Hp, Wp, cin);
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let k = 0; k < cout; k++) dsts[k]![y * W + x] = pred[(y * Wp + x) * cout + k]!;
      finishPlane();
      continue;
    }
    acc.fill(0);
    wsum.fill(0);
    for (let t0i = 0; t0i < tiles.length; t0i += batchTiles) {
      const group = tiles.slice(t0i, t0i + batchTiles);
      for (let g = 0; g < group.length; g++) {
        const y0 = ty.starts[group[g][0]];
        const x0 = tx.starts[group[g][1]];
        for (let r = 0; r < th; r++) {
          const src = ((y0 + r) * Wp + x0) * cin;
          xb.set(plane.subarray(src, src + tw * cin), ((g * th + r) * tw) * cin);
        }
      }
      const n = group.length;
      const pred = await predictor.predictBatch(n === batchTiles ? xb : xb.subarray(0, n * th * tw * cin), n, th, tw, cin);
      for (let g = 0; g < n; g++) {
        const [a, b] = group[g];
        const y0 = ty.starts[a];
        const x0 = tx.starts[b];
        const wya = wy[a];
        const wxb = wx[b];
        for (let r = 0; r < th; r++) {
          const rowW = wya[r];
          if (rowW === 0) continue;
          for (let c = 0; c < tw; c++) {
            const wgt = rowW * wxb[c];
            if (wgt === 0) continue;
            const i = (y0 + r) * Wp + x0 + c;
            const pi = (g * th + r) * tw + c;
            for (let k = 0; k < cout; k++) acc[i * cout + k] += wgt * pred[pi * cout + k];
            wsum[i] += wgt;
          }
        }
      }
    }
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let k = 0; k < cout; k++) dsts[k]![y * W + x] = acc[(y * Wp + x) * cout + k] / wsum[y * Wp + x];
    finishPlane();
  }
  return outs;
}
