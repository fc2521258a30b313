/**
 * What a job kind is made of. A kind module (kinds/NAME.ts) exports `job`, built with
 * defineJobKind; its three parts run in different places:
 *   prepare (main thread): turn validated params into the worker's input — resolve stack ids to
 *     shared-memory stacks, check paths against the allow-list. Throwing here fails the start call.
 *   run (worker thread): the long work; report progress, call checkpoint() between units of work.
 *   finish (main thread): turn the worker's output into the kind's result — e.g. register a
 *     produced stack in the store and return its StackInfo.
 * Keep a kind module's top-level imports light (types, zod): heavy engines are imported inside
 * run(), so main never loads TensorFlow.js or ONNX Runtime just to start a job.
 */
import type { JobKind, JobParamsParsed, JobResult } from '../../../shared/ipc/job-kinds/index.ts';
import type { WorkflowEvent } from '../../../shared/workflow-events.ts';
import type { RecentFiles } from '../files/recent-files.ts';
import type { PathPolicy } from '../files/path-policy.ts';
import type { StackStore } from '../stacks/stack-store.ts';
import type { Samples } from '../stacks/samples.ts';

export interface JobContext {
  readonly jobId: string;
  /**
   * fraction in 0…1 or null when unknown; values are numbers the UI may plot (loss, eta, …); event
   * is the workflow's typed event behind this update (shared/workflow-events.ts).
   */
  progress(fraction: number | null, message?: string, values?: Record<string, number>, event?: WorkflowEvent): void;
  /** Aborted when the job is cancelled. */
  readonly signal: AbortSignal;
  /**
   * Call between units of work: lets cancel/pause messages in, waits while paused, and throws
   * CancelledError once cancelled. A job that never calls it is still cancelled (its worker is
   * terminated after a grace period), just not cleanly.
   */
  checkpoint(): Promise<void>;
  log(line: string): void;
}

/** Main-thread services a kind's prepare/finish may use. */
export interface MainServices {
  stacks: StackStore;
  paths: PathPolicy;
  recent: RecentFiles;
  samples: Samples;
  /** Folder for files the app writes on its own (always readable afterwards). */
  outputDir: string;
}

export interface JobKindModule<P = unknown, I = unknown, O = unknown, R = unknown> {
  prepare?(params: P, main: MainServices, jobId: string): Promise<I> | I;
  run(input: I, ctx: JobContext): Promise<O>;
  finish?(output: O, main: MainServices, jobId: string): Promise<R> | R;
}

/** Typed helper for the kinds listed in shared/ipc/job-kinds/index.ts. */
export function defineJobKind<K extends JobKind, I, O>(
  _kind: K,
  module: {
    prepare(params: JobParamsParsed<K>, main: MainServices, jobId: string): Promise<I> | I;
    run(input: I, ctx: JobContext): Promise<O>;
    finish(output: O, main: MainServices, jobId: string): Promise<JobResult<K>> | JobResult<K>;
  },
): JobKindModule {
  return module as JobKindModule;
}
