/** 'denoise': run a trained model over every plane of an open stack; the result is a new stack. */
import { z } from 'zod';
import { StackInfo } from '../stacks.ts';

export const denoiseJob = {
  params: z.object({
    stackId: z.string(),
    /** Folder of a trained model (as written by training / `n2s train`). */
    modelDir: z.string().min(1),
    /** Copy-supervised models: the independent second noisy copy; the two predictions are averaged. */
    copyStackId: z.string().optional(),
    engine: z.enum(['auto', 'tfjs', 'onnx']).default('auto'),
  }),
  result: StackInfo,
  pausable: false,
};
