import { z } from 'zod';

/**
 * The "did it work?" verdict after training (main/engine/verdict.ts, docs/verdict.md): one schema
 * for the train workflow's result, the CLI's JSON line and the app's train job result.
 */
export const VerdictLevel = z.enum(['better', 'same', 'worse', 'unavailable']);
export type VerdictLevel = z.infer<typeof VerdictLevel>;

export const Verdict = z.object({
  level: VerdictLevel,
  /** One sentence in plain words, e.g. "The model predicts held-out planes 18 % better than averaging the neighbours." */
  sentence: z.string(),
  warnings: z.array(z.string()),
  /** Mean squared error, normalised units, of the model on the checked planes (vs the noisy plane). */
  modelLoss: z.number().nullable(),
  /** The same for the mean of the same neighbour planes. */
  neighbourMeanLoss: z.number().nullable(),
  /** The same for a flat prediction (each plane's own mean): the scale of the noisy input itself. */
  flatLoss: z.number().nullable(),
  /** 1 − modelLoss / neighbourMeanLoss (0.18 = 18 % better). */
  gain: z.number().nullable(),
  /** Gain per checked plane, to see whether it holds everywhere. */
  perPlane: z.array(z.object({ z: z.number().int(), gain: z.number() })),
  /** Planes the losses were measured on. */
  planes: z.array(z.number().int()),
  /** True when those planes were held out of training (false: measured on training planes). */
  heldOut: z.boolean(),
});
export type Verdict = z.infer<typeof Verdict>;
