/**
 * Every job kind's parameter and result schemas, by kind name. Adding a kind: write
 * shared/ipc/job-kinds/NAME.ts (params, result, pausable) and add one line here, then the
 * worker side in main/app/jobs/kinds/NAME.ts and one line in main/app/jobs/registry.ts.
 */
import type { z } from 'zod';
import { denoiseJob } from './denoise.ts';
import { openStackJob } from './open-stack.ts';
import { segmentJob } from './segment.ts';
import { trainJob } from './train.ts';
import { trainEstimateJob } from './train-estimate.ts';
import { previewJob } from './preview.ts';
import { exportJob } from './export.ts';
import { similarityJob } from './similarity.ts';
import { evaluateJob } from './evaluate.ts';
import { autokJob } from './autok.ts';
import { enginesJob } from './engines.ts';
import { modelInfoJob } from './model-info.ts';
import { denoiseHyperstackJob, evaluateHyperstackJob, exportHyperstackJob, trainHyperstackJob } from './hyperstack.ts';

export interface JobKindSpec {
  params: z.ZodType;
  result: z.ZodType;
  pausable: boolean;
  /**
   * Which concurrency limit the job counts against: 'compute' (default: training, denoising —
   * about one per core), 'io' (reading files — should not wait behind an hour of training) or
   * 'preview' (one plane of a training checkpoint: it must arrive while the run is still going, not
   * after the engine probe or other compute jobs have freed a slot).
   */
  lane?: 'io' | 'compute' | 'preview';
}

export const jobKinds = {
  'open-stack': openStackJob,
  denoise: denoiseJob,
  segment: segmentJob,
  train: trainJob,
  'train-estimate': trainEstimateJob,
  preview: previewJob,
  export: exportJob,
  similarity: similarityJob,
  evaluate: evaluateJob,
  autok: autokJob,
  engines: enginesJob,
  'model-info': modelInfoJob,
  'denoise-hyperstack': denoiseHyperstackJob,
  'export-hyperstack': exportHyperstackJob,
  'evaluate-hyperstack': evaluateHyperstackJob,
  'train-hyperstack': trainHyperstackJob,
} satisfies Record<string, JobKindSpec>;

export type JobKind = keyof typeof jobKinds;
/** What the caller passes (defaults may be omitted). */
export type JobParams<K extends JobKind> = z.input<(typeof jobKinds)[K]['params']>;
/** What the worker receives after validation (defaults filled in). */
export type JobParamsParsed<K extends JobKind> = z.output<(typeof jobKinds)[K]['params']>;
export type JobResult<K extends JobKind> = z.output<(typeof jobKinds)[K]['result']>;

export function isJobKind(kind: string): kind is JobKind {
  return Object.prototype.hasOwnProperty.call(jobKinds, kind);
}
