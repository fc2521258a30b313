import { z } from 'zod';
import { TrainStacksRequest } from './train-request.ts';
import { DenoiseRequest } from './denoise.ts';

/**
 * Whole-hyperstack training and denoising requests (docs/hyperstacks.md): what the hyperstack
 * workflows (main/workflows/hyperstack-*.ts) take from the CLI and the app.
 */
export const ChannelsMode = z.enum(['per-channel', 'joint']);
export const NeighbourAxis = z.enum(['z', 't']);

export const HyperstackTrainRequest = TrainStacksRequest.extend({
  input: z.string().min(1, 'an input stack is required'),
  /** One model per channel (default: no bleed-through) or one joint network for all channels. */
  channels: ChannelsMode.default('per-channel'),
  /** Neighbours along z (planes, default) or t (frames of a time-lapse). */
  neighbourAxis: NeighbourAxis.default('z'),
});
export type HyperstackTrainRequest = z.infer<typeof HyperstackTrainRequest>;
export type HyperstackTrainRequestInput = z.input<typeof HyperstackTrainRequest>;

/** Denoise every channel and time point of a hyperstack into one output. */
export const HyperstackDenoiseRequest = DenoiseRequest.omit({ copy: true }).extend({
  /**
   * For an ordinary (single-stack) model only: the axis its neighbours are taken along; a hyperstack
   * model says its own.
   */
  neighbourAxis: NeighbourAxis.optional(),
});
export type HyperstackDenoiseRequest = z.infer<typeof HyperstackDenoiseRequest>;
export type HyperstackDenoiseRequestInput = z.input<typeof HyperstackDenoiseRequest>;
