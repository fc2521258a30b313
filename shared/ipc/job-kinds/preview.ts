/**
 * 'preview': denoise one plane of a stack with a (checkpoint) model folder, for the live preview
 * during training. The result is a stack of the source's size holding only that plane (the other
 * planes are 0); the previous preview stack, if named, is closed so previews do not pile up.
 */
import { z } from 'zod';
import { StackInfo } from '../stacks.ts';

export const previewJob = {
  params: z.object({
    stackId: z.string(),
    copyStackId: z.string().optional(),
    modelDir: z.string().min(1),
    plane: z.number().int().min(0),
    /** Shown in the layer name, e.g. "step 40". */
    label: z.string().default(''),
    replaceStackId: z.string().optional(),
  }),
  result: StackInfo,
  pausable: false,
  // Its own lane: a preview never waits for a compute slot (the engine probe, a denoise) — on a
  // short run it would otherwise arrive after training ended.
  lane: 'preview' as const,
};
