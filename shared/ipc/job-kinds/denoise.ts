/**
 * 'denoise': run a trained model over every plane of an open stack; the result is a new stack.
 * The model and engine settings are the denoise workflow's (shared/config/denoise.ts).
 */
import { z } from 'zod';
import { DenoiseStackRequest } from '../../config/denoise.ts';
import { StackInfo } from '../stacks.ts';

export const denoiseJob = {
  params: DenoiseStackRequest.extend({
    stackId: z.string(),
    /** Folder of a trained model (as written by training / `n2s train`). */
    modelDir: z.string().min(1),
    /** Copy-supervised models: the independent second noisy copy; the two predictions are averaged. */
    copyStackId: z.string().optional(),
  }),
  /** The new stack, and the engine that denoised it ("onnx/cpu", "tfjs/wasm", …). */
  result: StackInfo.extend({ engine: z.string() }),
  pausable: false,
};
