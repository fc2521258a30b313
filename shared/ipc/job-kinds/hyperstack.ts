/**
 * Whole-hyperstack jobs of the app (issue 18). A hyperstack opened in the app is a group of stacks,
 * one per channel (StackInfo.hyperstack); these jobs take any member's stack id and work on every
 * channel and time point of its group:
 *   'train-hyperstack'    one model per channel (or one joint network for all channels) on every
 *                         time point of the group (the time points are more training data), or
 *                         along t for a time-lapse; one model folder with an entry per channel or
 *                         one joint entry (the hyperstack train workflow).
 *   'denoise-hyperstack'  every (time, channel) with the model (one entry per channel for a
 *                         hyperstack model folder, else the one model for every channel); the
 *                         result is a new group with the same channels, names, colours and timing.
 *   'export-hyperstack'   one file holding every channel and time point with their names, colours,
 *                         voxel size and time increment (ImageJ hyperstack, OME-TIFF or OME-Zarr).
 *   'evaluate-hyperstack' PSNR/SSIM of every channel of each group against the same channel of a
 *                         reference group, per time point and as means (one row per channel).
 */
import { z } from 'zod';
import { InferenceSettings } from '../../config/denoise.ts';
import { ChannelsMode, NeighbourAxis } from '../../config/hyperstack-request.ts';
import { TrainingConfig } from '../../config/training.ts';
import { EvalNormalisation, OutputDtype } from '../../config/enums.ts';
import { StackInfo } from '../stacks.ts';

export const denoiseHyperstackJob = {
  params: InferenceSettings.extend({
    /** Any channel's stack of the group. */
    stackId: z.string(),
    /** A model folder (one model for every channel) or a hyperstack model folder (one per channel). */
    modelDir: z.string().min(1),
  }),
  result: z.object({
    /** The result group's stacks, one per channel in channel order. */
    stacks: z.array(StackInfo).min(1),
    engine: z.string(),
    /** How the model served the channels, in words ("one model per channel", "one model for 2 channels"). */
    models: z.string(),
    seconds: z.number(),
  }),
  pausable: false,
};

export const HyperstackExportFormat = z.enum(['imagej', 'ome', 'zarr']);

export const exportHyperstackJob = {
  params: z.object({
    stackId: z.string(),
    path: z.string().min(1),
    format: HyperstackExportFormat.default('imagej'),
    dtype: OutputDtype.default('keep'),
    overwrite: z.boolean().default(false),
  }),
  result: z.object({
    path: z.string(),
    format: z.string(),
    dtype: z.string(),
    bytes: z.number(),
    notes: z.array(z.string()),
    times: z.number().int(),
    channels: z.number().int(),
  }),
  pausable: false,
  lane: 'io' as const,
};

/** One channel of one scored hyperstack against the same channel of the reference. */
export const ChannelScores = z.object({
  /** The scored group's stack of this channel. */
  stackId: z.string(),
  /** The scored hyperstack's name (without the channel). */
  name: z.string(),
  channel: z.number().int().min(0),
  channelName: z.string().optional(),
  /** Means over every time point and plane. */
  psnr: z.number(),
  ssim: z.number(),
  /** Per time point (mean over its planes). */
  perTimePsnr: z.array(z.number()),
  perTimeSsim: z.array(z.number()),
});
export type ChannelScores = z.infer<typeof ChannelScores>;

export const evaluateHyperstackJob = {
  params: z.object({
    /** Any channel's stack of the reference group (e.g. the high exposure). */
    referenceStackId: z.string(),
    /** Any channel's stack of each group to score (the noisy input, each denoised result). */
    stackIds: z.array(z.string()).min(1),
    normalization: EvalNormalisation.default('percentile-affine'),
  }),
  result: z.object({ normalization: z.string(), rows: z.array(ChannelScores) }),
  pausable: false,
};

export const trainHyperstackJob = {
  params: z.object({
    /** Any channel's stack of the group. */
    stackId: z.string(),
    config: TrainingConfig,
    /** Neighbours along z (planes, default) or t (frames of a time-lapse). */
    neighbourAxis: NeighbourAxis.default('z'),
    /** One model per channel (default: no bleed-through) or one joint network for all channels. */
    channels: ChannelsMode.default('per-channel'),
    /** Time budget of the whole run in seconds, shared by the channels' models (as the train job's). */
    time: z.number().positive().max(7 * 24 * 3600).optional(),
  }),
  result: z.object({
    /** The model folder (hyperstack.json + one sub-folder per channel), in the app's output folder. */
    modelDir: z.string(),
    name: z.string(),
    entries: z.array(z.object({ channels: z.array(z.number().int()), names: z.array(z.string()).optional(), finalLoss: z.number().nullable(), verdict: z.string().optional() })),
    seconds: z.number(),
  }),
  pausable: false,
};
