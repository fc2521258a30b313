/** 'model-info': read a model folder's config.json, so a loaded model is listed like a trained one. */
import { z } from 'zod';
import { TrainedModelSummary } from './train.ts';

export const modelInfoJob = {
  params: z.object({ modelDir: z.string().min(1) }),
  result: TrainedModelSummary,
  pausable: false,
};
