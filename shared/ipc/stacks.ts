/**
 * Stacks held by main. The renderer never receives a whole stack as one message unless it asks
 * for a range of planes: it gets StackInfo (shape, metadata, intensity range) and then fetches
 * planes, along any axis, as Float32Array.
 */
import { z } from 'zod';
import { Empty, F32, event, invoke } from './define.ts';

export const VoxelSizeSchema = z.object({ z: z.number(), y: z.number(), x: z.number(), unit: z.string() });

export const StackMetaSchema = z.object({
  name: z.string(),
  sourcePath: z.string().optional(),
  dtype: z.enum(['uint8', 'uint16', 'int16', 'uint32', 'int32', 'float32', 'float64']),
  voxelSize: VoxelSizeSchema,
  flavour: z.enum(['imagej', 'ome', 'plain', 'nifti', 'zarr', 'folder', 'synthetic']),
  sourceAxes: z.string(),
  sourceShape: z.array(z.number()),
  channel: z.number().optional(),
  time: z.number().optional(),
  channelName: z.string().optional(),
  description: z.string().optional(),
  /** Segmentation labels (integer object ids), drawn as a labels overlay. */
  labels: z.boolean().optional(),
});

/** Why a stack was opened: the noisy input, an independent second noisy copy, or a clean reference. */
export const StackRole = z.enum(['primary', 'second-copy', 'reference', 'result']);
export type StackRole = z.infer<typeof StackRole>;

/**
 * A stack that is one channel of a hyperstack (issue 18): the app opens a multi-channel and/or
 * time-lapse file as one stack per channel, grouped, showing one time point at a time.
 */
export const HyperstackMember = z.object({
  groupId: z.string(),
  /** The hyperstack's name (the acquisition's, or its result's); the stack's own name leads with the channel. */
  name: z.string(),
  channel: z.number().int().min(0),
  channels: z.number().int().min(1),
  times: z.number().int().min(1),
  /** The time point main currently serves for this stack's planes and jobs. */
  time: z.number().int().min(0),
  channelName: z.string().optional(),
  /** The file's display colour for the channel, "RRGGBB" (absent: the viewer's default palette). */
  color: z.string().regex(/^[0-9A-Fa-f]{6}$/).optional(),
  timeIncrement: z.object({ value: z.number(), unit: z.string() }).optional(),
});
export type HyperstackMember = z.infer<typeof HyperstackMember>;

export const StackInfo = z.object({
  stackId: z.string(),
  name: z.string(),
  depth: z.number().int(),
  height: z.number().int(),
  width: z.number().int(),
  meta: StackMetaSchema,
  role: StackRole,
  /** Intensity range over the whole stack (for default contrast limits). */
  min: z.number(),
  max: z.number(),
  /** The job that produced it (denoise, segment, …), if any. */
  jobId: z.string().optional(),
  /** Set when the stack is one channel of a hyperstack group. */
  hyperstack: HyperstackMember.optional(),
});
export type StackInfo = z.infer<typeof StackInfo>;

export const Axis = z.enum(['z', 'y', 'x']);
export type Axis = z.infer<typeof Axis>;

export const PlanesRequest = z.object({
  stackId: z.string(),
  /** 'z' gives XY planes (height×width), 'y' gives XZ planes (depth×width), 'x' gives YZ planes (depth×height). */
  axis: Axis,
  start: z.number().int().min(0),
  count: z.number().int().min(1).default(1),
});

export const Planes = z.object({
  axis: Axis,
  start: z.number().int(),
  count: z.number().int(),
  /** Rows and columns of each returned plane. */
  rows: z.number().int(),
  cols: z.number().int(),
  /** count·rows·cols values, plane after plane, row-major. */
  data: F32,
});
export type Planes = z.infer<typeof Planes>;

export const SampleInfo = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
});
export type SampleInfo = z.infer<typeof SampleInfo>;

export const stackInvokes = {
  'stack:list': invoke(Empty, z.array(StackInfo), 'stacks currently open in main'),
  'stack:planes': invoke(PlanesRequest, Planes, 'a run of planes of an open stack along an axis'),
  'stack:close': invoke(z.object({ stackId: z.string() }), z.object({ closed: z.boolean() }), 'forget a stack'),
  'stack:samples': invoke(Empty, z.array(SampleInfo), 'sample stacks shipped with the app'),
  'stack:set-time': invoke(
    z.object({ groupId: z.string(), time: z.number().int().min(0) }),
    z.array(StackInfo),
    'show time point t of every channel of a hyperstack group (planes and jobs then use it)',
  ),
};

export const stackEvents = {
  'stack:added': event(StackInfo, 'a stack was opened or produced by a job'),
  'stack:removed': event(z.object({ stackId: z.string() }), 'a stack was closed'),
};
