/**
 * 'autok': "Suggest K" — short self-supervised runs for each candidate K scored by a held-out
 * self-supervised loss (main/science/autok.ts); the panel pre-fills the best K.
 */
import { z } from 'zod';
import { TrainingConfig } from '../../config/training.ts';

export const autokJob = {
  params: z.object({
    stackId: z.string(),
    candidates: z.array(z.number().int().min(1).max(8)).min(1).default([1, 2, 3]),
    /** Short-run settings; method/mode/K are set per candidate. Defaults are a quick tiny network. */
    config: TrainingConfig.optional(),
  }),
  result: z.object({
    best: z.number().int(),
    curve: z.array(z.object({ k: z.number().int(), heldOutLoss: z.number(), trainerValLoss: z.number().nullable(), seconds: z.number() })),
  }),
  pausable: false,
};
