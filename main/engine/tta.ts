/**
 * Test-time ensembling (docs/tta.md): a Predictor that runs the network on the 8 rotations/flips
 * of every tile (the symmetries of the square) and, optionally, on the mirrored neighbour order
 * (planes i−d and i+d swapped, i.e. the stack read backwards), maps each prediction back and
 * averages them. The noise of the 8 (16) predictions is partly independent, so the average is
 * cleaner; a network that is already symmetric gives back its plain prediction.
 *
 * It wraps predictBatch only, so the tiled predictor (predict.ts) and the sharded/chunked
 * denoising keep their identical-output guarantees: every tile is still predicted from the same
 * pixels (a flipped/rotated tile has the same size — transposed for the odd rotations — so its
 * pooling grid stays aligned with the whole plane's), and the average is taken in a fixed order.
 */
import { inferenceVoxelsPerSecond, TTA_AUTO_SECONDS } from '../../shared/config/denoise.ts';
import type { EngineReport, Predictor } from './types.ts';

/**
 * Whether the automatic/explicit ensemble also mirrors the neighbour order. The training sampler
 * never reverses the planes, so this is only a good idea where the study measured it to help
 * (docs/results/mri-gaussian: TTA ×16 vs ×8).
 */
export const MIRROR_NEIGHBOURS_BY_DEFAULT = false;

export interface TtaOptions {
  /**
   * Also average over the mirrored neighbour order (reverses the input channels). Meaningful for
   * layouts whose channels are planes in stack order (self-supervised i−k…i−1, i+1…i+k and the
   * copy layout i−k…i+k); a one-channel network ignores it, and a joint model's (channel-major
   * groups of planes) must not use it: reversing would swap the acquisition channels.
   */
  mirrorNeighbours?: boolean;
}

/** Number of network evaluations per tile for a layout (8 symmetries × neighbour order). */
export function ttaFactor(cin: number, o: TtaOptions = {}): number {
  return o.mirrorNeighbours && cin > 1 ? 16 : 8;
}

/**
 * Source pixel (row, column) in the original h×w tile of pixel (r, c) of transform t, t in 0…7:
 * a horizontal flip when t & 4, then t & 3 quarter turns (numpy's rot90). Odd turns give a w×h
 * tile. Every transform is a bijection, so accumulating a prediction at its source pixel maps it
 * back.
 */
export function dihedralSource(t: number, h: number, w: number, r: number, c: number): [number, number] {
  let sr: number;
  let sc: number;
  switch (t & 3) {
    case 1:
      [sr, sc] = [c, w - 1 - r];
      break;
    case 2:
      [sr, sc] = [h - 1 - r, w - 1 - c];
      break;
    case 3:
      [sr, sc] = [h - 1 - c, r];
      break;
    default:
      [sr, sc] = [r, c];
  }
  return t & 4 ? [sr, w - 1 - sc] : [sr, sc];
}

class TtaPredictor implements Predictor {
  constructor(
    private readonly inner: Predictor,
    private readonly o: TtaOptions,
  ) {}

  async predictBatch(x: Float32Array, n: number, h: number, w: number, cin: number): Promise<Float32Array> {
    if (x.length !== n * h * w * cin) throw new Error(`predictBatch: ${x.length} values for [${n},${h},${w},${cin}]`);
    const plane = h * w;
    // Output channels (one, or one per acquisition channel for a joint model), read off the first prediction.
    let cout = 0;
    let acc = new Float64Array(0);
    const xt = new Float32Array(x.length);
    // src[j] = pixel index in the original tile of pixel j of the transformed tile.
    const src = new Int32Array(plane);
    const mirrors = this.o.mirrorNeighbours && cin > 1 ? [false, true] : [false];
    for (let t = 0; t < 8; t++) {
      const odd = (t & 1) === 1;
      const th = odd ? w : h;
      const tw = odd ? h : w;
      for (let r = 0; r < th; r++) {
        for (let c = 0; c < tw; c++) {
          const [sr, sc] = dihedralSource(t, h, w, r, c);
          src[r * tw + c] = sr * w + sc;
        }
      }
      for (const mirror of mirrors) {
        for (let b = 0; b < n; b++) {
          const base = b * plane;
          for (let j = 0; j < plane; j++) {
            const from = (base + src[j]) * cin;
            const to = (base + j) * cin;
            if (mirror) for (let ch = 0; ch < cin; ch++) xt[to + ch] = x[from + cin - 1 - ch];
            else for (let ch = 0; ch < cin; ch++) xt[to + ch] = x[from + ch];
          }
        }
        const y = await this.inner.predictBatch(xt, n, th, tw, cin);
        if (cout === 0) {
          cout = y.length / (n * plane);
          if (!Number.isInteger(cout) || cout < 1) throw new Error(`predictBatch returned ${y.length} values for ${n}×${th}×${tw} pixels`);
          acc = new Float64Array(n * plane * cout);
        }
        for (let b = 0; b < n; b++) {
          const base = b * plane;
          for (let j = 0; j < plane; j++) for (let k = 0; k < cout; k++) acc[(base + src[j]) * cout + k] += y[(base + j) * cout + k];
        }
      }
    }
    const k = 8 * mirrors.length;
    return Float32Array.from(acc, (v) => v / k);
  }

  describe(): EngineReport {
    const r = this.inner.describe();
    const what = `test-time ensemble ×${8 * (this.o.mirrorNeighbours ? 2 : 1)}`;
    return { ...r, note: r.note ? `${r.note}; ${what}` : what };
  }

  dispose(): void {
    this.inner.dispose();
  }
}

/** Wraps a Predictor so every tile is predicted as the average over its 8 (or 16) variants, per output channel. */
export function withTta(inner: Predictor, o: TtaOptions = {}): Predictor {
  return new TtaPredictor(inner, o);
}

/**
 * Whether to use the ensemble for a volume: the user's explicit choice, else the automatic rule
 * (shared/config/denoise.ts) on the WHOLE volume's size — never a shard's or chunk's, so all shards
 * decide alike — and the engine in use. `why` is the one line reported to the user.
 */
export function ttaFor(
  setting: boolean | undefined,
  volumeVoxels: number,
  cin: number,
  engine: Pick<EngineReport, 'engine' | 'backend'>,
): { use: boolean; options: TtaOptions; why: string } {
  const options: TtaOptions = { mirrorNeighbours: MIRROR_NEIGHBOURS_BY_DEFAULT };
  const factor = ttaFactor(cin, options);
  if (setting !== undefined) {
    return { use: setting, options, why: setting ? `test-time ensembling on (×${factor}, asked for)` : 'test-time ensembling off (asked for)' };
  }
  const seconds = (factor * volumeVoxels) / inferenceVoxelsPerSecond(engine.engine, engine.backend);
  const est = `≈ ${seconds < 10 ? seconds.toFixed(1) : seconds.toFixed(0)} s estimated for ${(volumeVoxels / 1e6).toFixed(2)} M voxels on ${engine.engine}/${engine.backend}`;
  return seconds <= TTA_AUTO_SECONDS
    ? { use: true, options, why: `test-time ensembling on (×${factor}, automatic: ${est}; --no-tta to skip)` }
    : { use: false, options, why: `test-time ensembling off (automatic: ×${factor} would take ${est}, over ${TTA_AUTO_SECONDS} s; --tta to force it)` };
}
