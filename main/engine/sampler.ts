/**
 * The Noise2Stack sampler (docs/method.md §2): which planes feed the network for target plane i, seeded
 * random crops with augmentation, and batches streamed one at a time (the augmented patch set is
 * never held in memory). Pure: no tfjs, no I/O.
 */
import type { Rng } from '../../shared/random.ts';
import { createRng } from '../../shared/random.ts';
import type { Mode } from '../../shared/config/training.ts';
import type { Batch } from './types.ts';

export { channelPlanes, minPlanes } from '../../shared/model/neighbours.ts';
import { channelPlanes, minPlanes } from '../../shared/model/neighbours.ts';

/**
 * Planes held out for validation when splitting by plane: round(fraction·depth) planes spread evenly
 * over the stack (not a contiguous block, so both marginal and middle planes are validated).
 */
export function validationPlanes(depth: number, fraction: number): number[] {
  const nVal = Math.min(depth - 1, Math.round(fraction * depth));
  if (nVal <= 0) return [];
  const out: number[] = [];
  for (let v = 0; v < nVal; v++) out.push(Math.min(depth - 1, Math.floor(((v + 0.5) * depth) / nVal)));
  return [...new Set(out)];
}

/** One training volume, already normalised; all present arrays are ZYX of the same shape. */
export interface Volume {
  depth: number;
  height: number;
  width: number;
  /** The noisy stack (copy A). */
  a: Float32Array;
  /** A second, independently noisy copy B (copy-supervised N2S, Noise2Noise). */
  b?: Float32Array;
  /** A clean reference (Noise2Clean target). */
  clean?: Float32Array;
}

/**
 * 'n2s-bs' (Noise2Stack with a blind spot): the copy layout's 1+2k planes of ONE stack, the middle
 * (target) plane blind-spot masked as in Noise2Void, loss on the masked pixels only — the network
 * sees plane i's surroundings and its neighbours without being able to copy the target pixel.
 */
export type SamplerMethod = 'n2s' | 'n2n' | 'n2c' | 'n2v' | 'n2s-bs';
export type Augment = 'rot-flip' | 'translate' | 'none';

export interface SamplerOptions {
  method: SamplerMethod;
  mode: Mode;
  k: number;
  patch: number;
  batch: number;
  augment: Augment;
  maxShift: number;
  n2vFraction: number;
  n2vRadius: number;
}

/** (volume, plane) pairs a sampler draws from. */
export interface PlaneRef {
  volume: number;
  plane: number;
}

/** Input channel count the sampler produces for a method/layout. */
export function samplerChannels(o: Pick<SamplerOptions, 'method' | 'mode' | 'k'>): number {
  if (o.method === 'n2v' || o.method === 'n2n') return 1;
  if (o.method === 'n2s-bs') return 1 + 2 * o.k;
  return o.mode === 'self' ? 2 * o.k : 1 + 2 * o.k;
}

/**
 * Maps patch coordinates (r, c) in [0,p)² to a dihedral transform of them (rot90·t plus optional
 * transpose-flip), so every one of the 8 symmetries of the square is reachable.
 */
function dihedral(t: number, p: number, r: number, c: number): [number, number] {
  const rr = r;
  let cc = c;
  if (t & 4) cc = p - 1 - cc; // horizontal flip
  switch (t & 3) {
    case 1:
      return [cc, p - 1 - rr];
    case 2:
      return [p - 1 - rr, p - 1 - cc];
    case 3:
      return [p - 1 - cc, rr];
    default:
      return [rr, cc];
  }
}

function checkVolumes(volumes: Volume[], o: SamplerOptions): void {
  for (const v of volumes) {
    if (o.patch > v.height || o.patch > v.width) {
      throw new Error(`patch ${o.patch} is larger than the image (${v.height}×${v.width})`);
    }
    if (v.depth < minPlanes(o.mode, o.k)) {
      throw new Error(`the stack has ${v.depth} planes; ${o.mode}-supervised K=${o.k} needs at least ${minPlanes(o.mode, o.k)}`);
    }
    if ((o.method === 'n2n' || (o.method === 'n2s' && o.mode === 'copy')) && !v.b) {
      throw new Error(`${o.method === 'n2n' ? 'Noise2Noise' : 'copy-supervised Noise2Stack'} needs a second noisy copy (--copy)`);
    }
    if (o.method === 'n2c' && !v.clean) throw new Error('Noise2Clean needs a clean stack (--clean)');
  }
}

/**
 * Writes one example at batch slot `slot`: random plane from `planes`, random crop, augmentation.
 * Exported for tests; `streamBatches` is the normal entry.
 */
export function writeExample(
  volumes: Volume[],
  planes: PlaneRef[],
  o: SamplerOptions,
  rng: Rng,
  batch: Batch,
  slot: number,
): void {
  const ref = planes[rng.int(planes.length)];
  const v = volumes[ref.volume];
  const { height: H, width: W } = v;
  const p = o.patch;
  const cin = batch.cin;
  const hw = H * W;
  // Which array is input and which target. Copy-based methods swap A and B at random: both are
  // equally noisy, so this doubles the examples for free (Noise2Noise does the same).
  let src = v.a;
  let tgt = v.a;
  let chans: number[];
  switch (o.method) {
    case 'n2v':
      chans = [ref.plane];
      break;
    case 'n2c':
      chans = channelPlanes(ref.plane, v.depth, 'copy', o.k);
      tgt = v.clean as Float32Array;
      break;
    case 'n2n':
      chans = [ref.plane];
      [src, tgt] = rng.next() < 0.5 ? [v.a, v.b as Float32Array] : [v.b as Float32Array, v.a];
      break;
    case 'n2s-bs':
      chans = channelPlanes(ref.plane, v.depth, 'copy', o.k);
      break;
    case 'n2s':
      if (o.mode === 'self') {
        chans = channelPlanes(ref.plane, v.depth, 'self', o.k);
      } else {
        chans = channelPlanes(ref.plane, v.depth, 'copy', o.k);
        [src, tgt] = rng.next() < 0.5 ? [v.a, v.b as Float32Array] : [v.b as Float32Array, v.a];
      }
      break;
  }
  // Crop origin; 'translate' lets the crop run up to maxShift pixels off the image (edge values
  // replicated), which is a random translation of the image as in the paper's MRI training.
  const shift = o.augment === 'translate' ? o.maxShift : 0;
  const y0 = rng.int(H - p + 1 + 2 * shift) - shift;
  const x0 = rng.int(W - p + 1 + 2 * shift) - shift;
  const t = o.augment === 'rot-flip' ? rng.int(8) : 0;
  const xOff = slot * p * p * cin;
  const yOff = slot * p * p;
  const tPlane = ref.plane * hw;
  for (let r = 0; r < p; r++) {
    for (let c = 0; c < p; c++) {
      const [rr, cc] = dihedral(t, p, r, c);
      const sy = Math.min(H - 1, Math.max(0, y0 + rr));
      const sx = Math.min(W - 1, Math.max(0, x0 + cc));
      const s = sy * W + sx;
      const q = r * p + c;
      for (let ch = 0; ch < cin; ch++) batch.x[xOff + q * cin + ch] = src[chans[ch] * hw + s];
      batch.y[yOff + q] = tgt[tPlane + s];
    }
  }
  // The blind spot goes into the channel that holds the target plane (the only one for n2v, the
  // middle one of the 1+2k for n2s-bs).
  if (o.method === 'n2v') applyBlindSpots(batch, slot, o, rng, 0);
  if (o.method === 'n2s-bs') applyBlindSpots(batch, slot, o, rng, o.k);
}

/**
 * Blind-spot pixel positions of one p×p patch, stratified as in the reference Noise2Void
 * implementations (docs/n2v.md): the patch is cut into boxes of side round(√(1/fraction)) and one
 * uniformly random pixel is drawn per box (dropped when it falls outside the patch), so masked
 * pixels cover the patch evenly at the requested fraction (0.198 % → one per 22×22 box).
 * Exported for tests.
 */
export function blindSpotPositions(p: number, fraction: number, rng: Rng): number[] {
  const box = Math.max(1, Math.round(Math.sqrt(1 / fraction)));
  const out: number[] = [];
  for (let by = 0; by < p; by += box) {
    for (let bx = 0; bx < p; bx += box) {
      const r = by + rng.int(box);
      const c = bx + rng.int(box);
      if (r < p && c < p) out.push(r * p + c);
    }
  }
  // A patch smaller than one box still gets one blind spot.
  if (out.length === 0) out.push(rng.int(p) * p + rng.int(p));
  return out;
}

/**
 * Noise2Void masking ("uniform pixel manipulation" without the centre, docs/n2v.md): each
 * blind-spot pixel of channel `ch` gets the value of a uniformly random OTHER pixel of its
 * (2r+1)² neighbourhood inside the patch (offsets that leave the patch or hit the centre are drawn
 * again, so the true value can never leak through clamping); the loss is computed on those pixels.
 */
function applyBlindSpots(batch: Batch, slot: number, o: SamplerOptions, rng: Rng, ch: number): void {
  const p = o.patch;
  const cin = batch.cin;
  const off = slot * p * p;
  const mask = batch.mask as Float32Array;
  const rad = Math.min(o.n2vRadius, p - 1);
  // The targets (batch.y) still hold the unmasked values of the target plane, which is the plane
  // in channel `ch`, so replacements read from there.
  for (const q of blindSpotPositions(p, o.n2vFraction, rng)) {
    const r = Math.floor(q / p);
    const c = q % p;
    let nr = r;
    let nc = c;
    while ((nr === r && nc === c) || nr < 0 || nr >= p || nc < 0 || nc >= p) {
      nr = r + rng.int(2 * rad + 1) - rad;
      nc = c + rng.int(2 * rad + 1) - rad;
    }
    batch.x[(off + q) * cin + ch] = batch.y[off + nr * p + nc];
    mask[off + q] = 1;
  }
}

function emptyBatch(o: SamplerOptions, cin: number): Batch {
  const n = o.batch;
  const p = o.patch;
  return {
    x: new Float32Array(n * p * p * cin),
    y: new Float32Array(n * p * p),
    mask: o.method === 'n2v' || o.method === 'n2s-bs' ? new Float32Array(n * p * p) : undefined,
    n,
    h: p,
    w: p,
    cin,
  };
}

/**
 * An endless stream of batches drawn from `planes`, each a fresh allocation (engines may keep a
 * batch while the next one is built). Deterministic for a seed.
 */
export function* streamBatches(volumes: Volume[], planes: PlaneRef[], o: SamplerOptions, seed: number): Generator<Batch> {
  checkVolumes(volumes, o);
  if (planes.length === 0) throw new Error('no planes to sample from');
  const rng = createRng(seed);
  const cin = samplerChannels(o);
  for (;;) {
    const b = emptyBatch(o, cin);
    for (let s = 0; s < o.batch; s++) writeExample(volumes, planes, o, rng, b, s);
    yield b;
  }
}

/**
 * Training/validation split. By plane: validationPlanes() of every volume; by stack: the last
 * round(fraction·volumes) volumes (at least one stays for training). With fraction 0 there is no
 * validation.
 */
export function splitPlanes(
  volumes: Volume[],
  fraction: number,
  by: 'plane' | 'stack',
): { train: PlaneRef[]; val: PlaneRef[] } {
  const train: PlaneRef[] = [];
  const val: PlaneRef[] = [];
  if (by === 'stack') {
    if (fraction > 0 && volumes.length < 2) throw new Error('splitting validation by stack needs at least 2 stacks');
    const nVal = fraction > 0 ? Math.min(volumes.length - 1, Math.max(1, Math.round(fraction * volumes.length))) : 0;
    volumes.forEach((v, vi) => {
      for (let z = 0; z < v.depth; z++) (vi >= volumes.length - nVal ? val : train).push({ volume: vi, plane: z });
    });
    return { train, val };
  }
  volumes.forEach((v, vi) => {
    const held = new Set(fraction > 0 ? validationPlanes(v.depth, fraction) : []);
    for (let z = 0; z < v.depth; z++) (held.has(z) ? val : train).push({ volume: vi, plane: z });
  });
  return { train, val };
}
