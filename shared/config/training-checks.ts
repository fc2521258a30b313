/**
 * The training-input checks, written once and pure: the CLI and the app's train job refuse with
 * them before any work, and the Train / Neighbours panels call the same function for up-front
 * validation while the user edits (a K, a patch size, a missing second copy).
 */
import { minPlanes } from '../model/neighbours.ts';
import type { Method, Mode } from './enums.ts';
import { samplerLayout, type TrainingConfig } from './training.ts';

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

export type TrainingInputField = 'copy' | 'clean' | 'planes' | 'neighbours' | 'patch';

export interface TrainingInputProblem {
  /** The setting or input to change. */
  field: TrainingInputField;
  /** One line in the user's words. */
  message: string;
}

/** How settings are named in the messages: the CLI says "--patch", the app "patch". */
export interface TrainingCheckWording {
  patch: string;
  neighbours: string;
  copy: string;
  clean: string;
}

export const APP_WORDING: TrainingCheckWording = { patch: 'patch', neighbours: 'K', copy: 'open one first', clean: 'open one first' };

/** The settings the checks read (a parsed TrainingConfig has them all). */
export type TrainingCheckSettings = Pick<TrainingConfig, 'method' | 'mode' | 'neighbors' | 'patch'> & { method: Method; mode: Mode };

/** Whether a method trains on a second, independently noisy copy. */
export function needsSecondCopy(c: Pick<TrainingConfig, 'method' | 'mode'>): boolean {
  return c.method === 'n2n' || (c.method === 'n2s' && c.mode === 'copy');
}

/** The largest K that `depth` planes allow (2K+1 planes, in either mode). */
const largestK = (depth: number) => Math.floor((depth - 1) / 2);

/**
 * Every problem that stops training on this data with these settings (empty when it can run):
 * a second copy or clean reference missing, too few planes for K, a patch larger than the image.
 */
export function trainingInputProblems(c: TrainingCheckSettings, data: TrainingInputShape, wording: TrainingCheckWording = APP_WORDING): TrainingInputProblem[] {
  const problems: TrainingInputProblem[] = [];
  if (needsSecondCopy(c) && !data.hasCopy) {
    const what = c.method === 'n2n' ? 'Noise2Noise' : 'copy-supervised Noise2Stack';
    problems.push({ field: 'copy', message: `${what} needs a second noisy copy (${wording.copy})` });
  }
  if (c.method === 'n2c' && !data.hasClean) {
    problems.push({ field: 'clean', message: `Noise2Clean needs a reference (clean / high-exposure) stack (${wording.clean})` });
  }
  const layout = samplerLayout({ ...c } as TrainingConfig);
  const need = minPlanes(layout.mode, layout.k);
  if (data.depth < need) {
    const kMax = largestK(data.depth);
    const advice = layout.k > 1 && kMax >= 1 && c.method !== 'n2n' ? `; use ${wording.neighbours} ≤ ${kMax}` : '';
    problems.push({
      field: layout.k > 1 ? 'neighbours' : 'planes',
      message: `${data.name} has ${data.depth} plane${data.depth === 1 ? '' : 's'}; ${layout.mode}-supervised training with K=${layout.k} needs at least ${need}${advice}`,
    });
  }
  if (c.patch > data.height || c.patch > data.width) {
    const fit = Math.floor(Math.min(data.height, data.width) / 4) * 4;
    problems.push({ field: 'patch', message: `${wording.patch} ${c.patch} is larger than the image (${data.height}×${data.width}); use ${wording.patch} ≤ ${fit}` });
  }
  return problems;
}
