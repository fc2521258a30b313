/**
 * The study configuration (`n2s study --config study.json`): which data, which methods, how long
 * to train. Validated with zod so a mistyped method or a missing file is one clear error before
 * any training starts.
 */
import { z } from 'zod';

const Range = z
  .tuple([z.number().int().min(0), z.number().int().min(1)])
  .refine(([a, b]) => b > a, 'a plane range is [first, end) with end > first');

export const MriData = z.object({
  kind: z.literal('mri'),
  /** Clean volume (NIfTI/TIFF) to corrupt with k-space undersampling noise. */
  input: z.string(),
  /** Keep the middle N planes (docs/method.md §5: the middle 100). */
  middle: z.number().int().min(4).optional(),
  downsample: z.number().int().min(1).max(8).default(1),
  /** Centred in-plane crop [height, width] (after downsampling). */
  crop: z.tuple([z.number().int().min(16), z.number().int().min(16)]).optional(),
  /** Planes (of the prepared stack) used for training (and validation), [first, end). */
  trainPlanes: Range,
  /** Planes scored, [first, end); must not overlap the training planes. */
  testPlanes: Range,
  keepFraction: z.number().gt(0).lt(1).default(0.1),
  /** Independent noise realisations of the test block (the per-plane band is over these). */
  testRealisations: z.number().int().min(1).max(16).default(3),
  seed: z.number().int().min(0).default(1),
});

export const MicroscopyData = z.object({
  kind: z.literal('microscopy'),
  /** One synthetic stack per seed; training and test stacks never share a seed. */
  trainSeeds: z.array(z.number().int().min(0)).min(1),
  testSeeds: z.array(z.number().int().min(0)).min(1),
  depth: z.number().int().min(3).max(64).default(10),
  height: z.number().int().min(16).max(2048).default(128),
  width: z.number().int().min(16).max(2048).default(128),
  /** Defocus blur growth of the generator (px per µm); absent = the generator's default. */
  defocusPerMicron: z.number().min(0).max(5).optional(),
});

export const StudyMethod = z.discriminatedUnion('id', [
  /** The noisy input itself. */
  z.object({ id: z.literal('input') }),
  /** Training-free non-local means. */
  z.object({ id: z.literal('classical') }),
  z.object({ id: z.literal('n2s-self'), k: z.number().int().min(1).max(8) }),
  z.object({ id: z.literal('n2s-copy'), k: z.number().int().min(1).max(8) }),
  z.object({ id: z.literal('n2n') }),
  /** Noise2Clean: noisy (low exposure) in, clean (high exposure) target; k neighbours per side. */
  z.object({ id: z.literal('n2c'), k: z.number().int().min(0).max(8).default(0) }),
  z.object({ id: z.literal('n2v') }),
  /** Noise2Stack with a blind spot: planes i−k…i+k of one stack, plane i masked as in Noise2Void. */
  z.object({ id: z.literal('n2s-bs'), k: z.number().int().min(1).max(8) }),
]);
export type StudyMethod = z.infer<typeof StudyMethod>;

export const StudyTraining = z.object({
  engine: z.enum(['auto', 'onnx', 'tfjs']).default('onnx'),
  arch: z.enum(['csbdeep', 'n2n']),
  widthScale: z.number().positive().max(4).default(1),
  epochs: z.number().int().min(1).default(40),
  stepsPerEpoch: z.number().int().min(1).default(30),
  batch: z.number().int().min(1).default(8),
  patch: z.number().int().min(8).default(64),
  lr: z.number().positive().default(1e-3),
  valFraction: z.number().min(0).max(0.9).default(0.1),
  valBatches: z.number().int().min(1).default(4),
  augment: z.enum(['rot-flip', 'translate', 'none']).default('none'),
  seed: z.number().int().min(0).default(0),
});
export type StudyTraining = z.infer<typeof StudyTraining>;

export const StudyConfig = z.object({
  name: z.string().min(1),
  /** Output folder for report.md, report.html, results.json, plots and the per-method cache. */
  out: z.string().min(1),
  data: z.discriminatedUnion('kind', [MriData, MicroscopyData]),
  training: StudyTraining,
  methods: z.array(StudyMethod).min(1),
  /**
   * Optional automatic neighbour selection (main/science/autok.ts) on the training data: short
   * self-supervised runs per candidate K, reported next to the full runs' test scores.
   */
  autoK: z
    .object({
      candidates: z.array(z.number().int().min(1).max(8)).min(2).default([1, 2, 3]),
      epochs: z.number().int().min(1).default(6),
      stepsPerEpoch: z.number().int().min(1).default(25),
    })
    .optional(),
});
export type StudyConfig = z.infer<typeof StudyConfig>;
export type StudyConfigInput = z.input<typeof StudyConfig>;

/** A short stable id of a method, used for cache files and table rows. */
export function methodKey(m: StudyMethod): string {
  return 'k' in m ? `${m.id}-k${m.k}` : m.id;
}

/** The paper's naming (docs/method.md §8): planes given to the network. */
export function methodLabel(m: StudyMethod): string {
  switch (m.id) {
    case 'input':
      return 'noisy input';
    case 'classical':
      return 'non-local means (no training)';
    case 'n2s-self':
      return `N2S self-sup. (${2 * m.k})`;
    case 'n2s-copy':
      return `N2S copy-sup. (1+${2 * m.k})`;
    case 'n2n':
      return 'Noise2Noise (1)';
    case 'n2c':
      return `Noise2Clean (${m.k === 0 ? 1 : `1+${2 * m.k}`})`;
    case 'n2v':
      return 'Noise2Void (1)';
    case 'n2s-bs':
      return `N2S blind-spot (1 masked+${2 * m.k})`;
  }
}
