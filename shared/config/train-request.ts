import { z } from 'zod';
import { TrainingConfig } from './training.ts';

/**
 * What the train workflow (main/workflows/train.ts) takes from each door. The training settings are
 * TrainingConfig; these add where the data and the model are, and the time budget.
 */

/** '5m', '90s', '1h30m', '2.5m' or plain seconds (main/engine/budget.ts reads it). */
const Duration = z.union([
  z.number().positive('the time budget must be positive'),
  z.string().regex(/^\s*(?:\d+(?:\.\d+)?\s*(?:h|min|m|sec|s)\s*)+$|^\s*\d+(?:\.\d+)?\s*$/, 'write the time budget as e.g. 5m, 90s or 1h30m'),
]);

/** Train on stacks in memory (the app's open stacks, the demo, hyperstack loops). */
export const TrainStacksRequest = z.object({
  config: TrainingConfig,
  /** Model folder to write (the best-by-validation model). */
  out: z.string().min(1, 'a model folder is required'),
  /** Replace an existing model folder at `out`; refused otherwise, before training starts. */
  overwrite: z.boolean().default(false),
  /** Write a checkpoint model to `checkpointDir` every N steps (the live preview); 0 = never. */
  checkpointEvery: z.number().int().min(0).default(0),
  checkpointDir: z.string().min(1).optional(),
  /**
   * Time budget of the training loop (main/engine/budget.ts): the steps, and the batch and patch the
   * config leaves unset, are chosen from the step time measured on this machine. Absent: a CPU run
   * whose config sets neither epochs nor steps per epoch gets the default CPU budget (a few
   * minutes); a GPU run the paper's numbers.
   */
  time: Duration.optional(),
});
export type TrainStacksRequest = z.infer<typeof TrainStacksRequest>;
export type TrainStacksRequestInput = z.input<typeof TrainStacksRequest>;

/** Train from files (n2s train): the stacks are read, the background pattern estimated. */
export const TrainFilesRequest = TrainStacksRequest.extend({
  input: z.string().min(1, 'an input stack is required'),
  /** Second, independently noisy copy (copy-supervised N2S, Noise2Noise). */
  copy: z.string().min(1).optional(),
  /** Clean reference (Noise2Clean). */
  clean: z.string().min(1).optional(),
  /**
   * Camera background pattern: a background/dark image or stack (per-pixel median of its planes),
   * or 'median' (per-pixel median of the input's own planes). Stored with the model.
   */
  background: z.string().min(1).optional(),
});
export type TrainFilesRequest = z.infer<typeof TrainFilesRequest>;
export type TrainFilesRequestInput = z.input<typeof TrainFilesRequest>;
