import { z } from 'zod';
import { Arch, Augment, Backend, Engine, Method, Mode, NormaliseKind, Provider, ValSplit } from './enums.ts';

export { Arch, Augment, Backend, Engine, Method, Mode, NormaliseKind, Provider, ValSplit };

/**
 * The training configuration: one schema shared by CLI flags, IPC payloads and the UI forms, and
 * saved next to the model (config.json). Cross-field rules live here so errors appear, in words,
 * before training starts.
 */
const K = z.number().int().min(0, 'K must be ≥ 0').max(16, 'K must be ≤ 16');

export const TrainingConfig = z
  .object({
    method: Method.default('n2s'),
    mode: Mode.default('self'),
    /** Neighbours per side, K (default 1). */
    neighbours: K.optional(),
    /** Older spelling of `neighbours`, still read (model folders saved before the rename). */
    neighbors: K.optional(),
    arch: Arch.default('csbdeep'),
    /** Width multiplier of the U-Net (1 = paper); small values make tiny test networks. */
    widthScale: z.number().positive().max(4).default(1),
    epochs: z.number().int().min(1).max(100000).default(100),
    stepsPerEpoch: z.number().int().min(1).max(1000000).default(100),
    batch: z.number().int().min(1).max(1024).default(16),
    patch: z.number().int().min(8).max(4096).default(256),
    lr: z.number().positive().max(1).default(1e-3),
    valFraction: z.number().min(0).max(0.9).default(0.1),
    valSplit: ValSplit.default('plane'),
    /** Number of validation batches evaluated at the end of each epoch. */
    valBatches: z.number().int().min(1).max(10000).default(4),
    augment: Augment.default('rot-flip'),
    /** Maximum random translation (pixels) for the MRI augmentation. */
    maxShift: z.number().int().min(0).max(1024).default(64),
    /** Noise2Void: fraction of pixels masked per patch and neighbourhood radius (N2V defaults). */
    n2vFraction: z.number().positive().max(0.5).default(0.00198),
    n2vRadius: z.number().int().min(1).max(16).default(2),
    /** Background subtraction + percentile normalisation (docs/method.md §5) for microscopy. */
    normalise: NormaliseKind.optional(),
    /** Older spelling of `normalise`, still read. */
    normalize: NormaliseKind.optional(),
    seed: z.number().int().min(0).default(0),
    backend: Backend.default('auto'),
    engine: Engine.default('auto'),
    provider: Provider.default('auto'),
  })
  // One spelling from here on: the older keys fill the new ones and are dropped.
  .transform(({ neighbors, normalize, ...c }) => ({ ...c, neighbours: c.neighbours ?? neighbors ?? 1, normalise: c.normalise ?? normalize ?? 'percentile' }))
  .superRefine((c, ctx) => {
    if (c.method === 'n2n' && c.neighbours !== 0) {
      // Noise2Noise is copy-supervised N2S with k = 0 (docs/method.md §2).
      ctx.addIssue({ code: 'custom', path: ['neighbours'], message: 'Noise2Noise uses K = 0 (use --method n2s --mode copy for K > 0)' });
    }
    if (c.method === 'n2s-bs' && c.neighbours < 1) {
      ctx.addIssue({ code: 'custom', path: ['neighbours'], message: 'Noise2Stack with a blind spot needs K ≥ 1 neighbour per side (K = 0 is Noise2Void)' });
    }
    if (c.method === 'n2s' && c.mode === 'self' && c.neighbours < 1) {
      ctx.addIssue({ code: 'custom', path: ['neighbours'], message: 'self-supervised Noise2Stack needs K ≥ 1 neighbour per side' });
    }
    if (c.patch % (c.arch === 'n2n' ? 32 : 4) !== 0) {
      ctx.addIssue({ code: 'custom', path: ['patch'], message: `patch must be a multiple of ${c.arch === 'n2n' ? 32 : 4} for the ${c.arch} U-Net` });
    }
  });
export type TrainingConfig = z.infer<typeof TrainingConfig>;
export type TrainingConfigInput = z.input<typeof TrainingConfig>;

/** The effective sampler layout of a method: mode and k actually used. */
export function samplerLayout(c: TrainingConfig): { mode: Mode; k: number; inChannels: number } {
  switch (c.method) {
    case 'n2n':
      return { mode: 'copy', k: 0, inChannels: 1 };
    case 'n2v':
      return { mode: 'copy', k: 0, inChannels: 1 };
    case 'n2c':
    case 'n2s-bs':
      // n2s-bs reads all 1+2k planes from the one noisy stack (plane i blind-spot masked in training).
      return { mode: 'copy', k: c.neighbours, inChannels: 1 + 2 * c.neighbours };
    case 'n2s':
      return c.mode === 'self'
        ? { mode: 'self', k: c.neighbours, inChannels: 2 * c.neighbours }
        : { mode: 'copy', k: c.neighbours, inChannels: 1 + 2 * c.neighbours };
  }
}
