/**
 * The training-input checks, written once and pure: the CLI and the app's train job refuse with
 * them before any work, and the Train / Neighbours panels call the same function while the user
 * edits (a K, a patch size, a missing second copy). Each problem carries its numbers; its sentence
 * is in the words of the door that shows it (the app's form, or the CLI's flags).
 */
import { minPlanes } from '../model/neighbours.ts';
import type { Arch, Method, Mode } from './enums.ts';

/** What the checks need to know of the data (no pixels). */
export interface TrainingInputShape {
  /** Name for messages, e.g. the file or layer name. */
  name: string;
  depth: number;
  height: number;
  width: number;
  hasCopy: boolean;
  hasClean: boolean;
}

/** The settings the checks read (a parsed TrainingConfig has them all). */
export interface TrainingCheckSettings {
  method: Method;
  mode: Mode;
  /** Neighbours per side, K. */
  neighbours: number;
  patch: number;
  arch?: Arch;
}

export type TrainingInputProblem =
  | { field: 'copy'; message: string }
  | { field: 'clean'; message: string }
  /** Too few planes for K (maxK: the largest K these planes allow, 0 when none does). */
  | { field: 'planes'; k: number; need: number; depth: number; maxK: number; message: string }
  /** K above what the network takes. */
  | { field: 'neighbours'; k: number; maxK: number; message: string }
  /** The patch does not fit the image (fit: the largest allowed patch that does). */
  | { field: 'patch'; patch: number; height: number; width: number; fit: number; message: string };

/** The largest K the network takes (TrainingConfig's limit). */
export const MAX_K = 16;

/** Largest K a stack of `depth` planes supports in a mode (0 when none does). */
export function maxKFor(depth: number, mode: Mode): number {
  let k = 0;
  while (k < MAX_K && depth >= minPlanes(mode, k + 1)) k++;
  return mode === 'self' && depth < minPlanes('self', 1) ? 0 : k;
}

/** Whether a method trains on a second, independently noisy copy. */
export function needsSecondCopy(c: Pick<TrainingCheckSettings, 'method' | 'mode'>): boolean {
  return c.method === 'n2n' || (c.method === 'n2s' && c.mode === 'copy');
}

/** Whether a method uses K neighbours (Noise2Noise and Noise2Void use none). */
const usesK = (m: Method) => m === 'n2s' || m === 'n2c' || m === 'n2s-bs';

/** The sampler's mode for a method (only Noise2Stack has a self-supervised layout). */
const layoutMode = (c: TrainingCheckSettings): Mode => (c.method === 'n2s' ? c.mode : 'copy');

/** `app`: the Train and Neighbours panels' words. `cli`: n2s train's, naming the flags. */
export type TrainingCheckWording = 'app' | 'cli';

/**
 * Every problem that stops training on this data with these settings (empty when it can run):
 * a second copy or clean reference missing, too few planes for K, K above the network's limit,
 * a patch larger than the image.
 */
export function trainingInputProblems(c: TrainingCheckSettings, data: TrainingInputShape, wording: TrainingCheckWording = 'app'): TrainingInputProblem[] {
  const cli = wording === 'cli';
  const out: TrainingInputProblem[] = [];
  if (needsSecondCopy(c) && !data.hasCopy) {
    const what = c.method === 'n2n' ? 'Noise2Noise' : 'copy-supervised Noise2Stack';
    out.push({ field: 'copy', message: `${what} needs a second noisy copy (${cli ? '--copy FILE' : 'open one first'})` });
  }
  if (c.method === 'n2c' && !data.hasClean) {
    out.push({ field: 'clean', message: `Noise2Clean needs a reference (clean / high-exposure) stack (${cli ? '--clean FILE' : 'open one first'})` });
  }
  if (usesK(c.method)) {
    const mode = layoutMode(c);
    const k = c.neighbours;
    const need = minPlanes(mode, k);
    const maxK = maxKFor(data.depth, mode);
    if (data.depth < need) {
      const planes = `${data.depth} plane${data.depth === 1 ? '' : 's'}`;
      const message = cli
        ? `${data.name} has ${planes}; ${mode}-supervised training with K=${k} needs at least ${need}${maxK > 0 ? `; use --neighbours ${maxK} or less` : ''}`
        : maxK > 0
          ? `K = ${k} needs at least ${need} planes (K on each side of a plane), but this stack has ${data.depth}: choose K ≤ ${maxK}.`
          : `This stack has ${planes}; Noise2Stack needs at least ${minPlanes(mode, 1)}.`;
      out.push({ field: 'planes', k, need, depth: data.depth, maxK, message });
    } else if (k > MAX_K) {
      const fit = Math.min(MAX_K, maxK);
      out.push({ field: 'neighbours', k, maxK: fit, message: cli ? `--neighbours ${k} is more than the ${MAX_K} the network takes` : `K = ${k} neighbours per side is more than the ${MAX_K} the network takes: choose K ≤ ${fit}.` });
    }
  }
  if (c.patch > data.height || c.patch > data.width) {
    const multiple = c.arch === 'n2n' ? 32 : 4;
    const fit = Math.floor(Math.min(data.height, data.width) / multiple) * multiple;
    const message = cli
      ? `--patch ${c.patch} is larger than the image (${data.height}×${data.width}); use --patch ≤ ${fit}`
      : `Patch ${c.patch} is larger than the image (${data.height} × ${data.width} pixels): choose a patch of at most ${fit}.`;
    out.push({ field: 'patch', patch: c.patch, height: data.height, width: data.width, fit, message });
  }
  return out;
}
