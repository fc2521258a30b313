/**
 * Long work runs as jobs in worker threads of main. The renderer starts a job by kind with its
 * parameters (validated in main against the kind's schema, see job-kinds/), then follows
 * 'job:update' events until the job is done, failed or cancelled.
 */
import { z } from 'zod';
import { Empty, IpcError, event, invoke } from './define.ts';
import type { WorkflowEvent } from '../workflow-events.ts';

export const JobState = z.enum(['queued', 'running', 'paused', 'done', 'error', 'cancelled']);
export type JobState = z.infer<typeof JobState>;

export const JobInfo = z.object({
  jobId: z.string(),
  kind: z.string(),
  state: JobState,
  /** 0…1, or null while the amount of work is unknown. */
  fraction: z.number().nullable(),
  /** What the job is doing now, one line for the UI. */
  message: z.string(),
  /** Latest numbers the job reported (e.g. loss, valLoss, eta seconds). */
  values: z.record(z.string(), z.number()),
  /**
   * The latest typed progress event of the job's workflow (shared/workflow-events.ts); updates are
   * throttled, so read `values` for numbers that must not be missed (e.g. the last epoch's loss).
   */
  event: z.custom<WorkflowEvent>((v) => typeof v === 'object' && v !== null && typeof (v as { type?: unknown }).type === 'string').optional(),
  /** Whether pause/resume is meaningful for this kind (training). */
  pausable: z.boolean(),
  startedAt: z.number(),
  endedAt: z.number().optional(),
  /** Kind-specific result (see job-kinds/), present when state is 'done'. */
  result: z.unknown().optional(),
  error: IpcError.optional(),
});
export type JobInfo = z.infer<typeof JobInfo>;

const JobRef = z.object({ jobId: z.string() });

export const jobsInvokes = {
  'jobs:start': invoke(
    z.object({ kind: z.string(), params: z.unknown() }),
    z.object({ jobId: z.string() }),
    'start a job of a registered kind',
  ),
  'jobs:cancel': invoke(JobRef, z.object({ accepted: z.boolean() }), 'cancel a job (it stops at its next checkpoint)'),
  'jobs:pause': invoke(JobRef, z.object({ accepted: z.boolean() }), 'pause a pausable job at its next checkpoint'),
  'jobs:resume': invoke(JobRef, z.object({ accepted: z.boolean() }), 'resume a paused job'),
  'jobs:list': invoke(Empty, z.array(JobInfo), 'all jobs of this session'),
};

export const jobsEvents = {
  'job:update': event(JobInfo, 'a job changed state or reported progress'),
};
