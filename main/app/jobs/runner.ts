/**
 * Runs jobs in worker threads so main's event loop never blocks: each job gets its own Worker,
 * progress arrives as messages, cancellation asks the worker to stop and terminates it after a
 * grace period, and a worker that throws, exits or crashes becomes a job error — never an app
 * crash. At most `maxConcurrent` compute jobs run at once (about one per core: tfjs-wasm is
 * single-threaded in Node, see docs/engines.md) and at most `maxIo` io jobs (file reading, which
 * must not wait behind a long training run) and at most `maxPreview` preview jobs (one plane of a
 * training checkpoint, wanted while the run is still going); the rest wait in a queue.
 */
import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { JobKindSpec } from '../../../shared/ipc/job-kinds/index.ts';
import { jobKinds } from '../../../shared/ipc/job-kinds/index.ts';
import type { IpcError } from '../../../shared/ipc/define.ts';
import type { JobInfo } from '../../../shared/ipc/jobs.ts';
import { UserError } from '../../errors.ts';
import type { EventHub } from '../events.ts';
import { BadRequestError, describeZodError, errorToIpc } from '../ipc/dispatcher.ts';
import type { Logger } from '../log.ts';
import type { JobKindModule, MainServices } from './kind.ts';
import type { FromWorker, ToWorker, WorkerInit } from './protocol.ts';
import { jobKindModules } from './registry.ts';

/** A kind as the runner needs it: schemas, module, and where the worker loads it from. */
export interface ResolvedKind {
  spec: JobKindSpec;
  module: JobKindModule;
  /** Set for kinds outside the registry (tests); the worker imports this URL. */
  moduleUrl?: string;
}

export type KindResolver = (kind: string) => Promise<ResolvedKind | null>;

const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

export const registryResolver: KindResolver = async (kind) => {
  // Own properties only: "constructor" or "__proto__" are not job kinds.
  if (!own(jobKindModules, kind) || !own(jobKinds, kind)) return null;
  const load = jobKindModules[kind];
  const spec = (jobKinds as Record<string, JobKindSpec>)[kind];
  return { spec, module: (await load()).job };
};

export interface JobRunnerOptions {
  services: MainServices;
  events?: EventHub;
  log: Logger;
  resolve?: KindResolver;
  maxConcurrent?: number;
  /** Limit for jobs whose kind is in the 'io' lane. */
  maxIo?: number;
  /** Limit for jobs whose kind is in the 'preview' lane (one: a newer preview replaces the last). */
  maxPreview?: number;
  /**
   * How long a cancelled (or finished) worker may take to end itself before it is terminated. Long
   * by default: a thread terminated inside an ONNX Runtime call aborts the whole process
   * (main/engine/threads.ts), so only a worker that reached no checkpoint for this long is.
   */
  cancelGraceMs?: number;
  /** The worker script (defaults to worker-entry.ts via worker-bootstrap.mjs, or job-worker.js when bundled). */
  worker?: { url: URL; entry?: string };
  /** Minimum interval between progress events of one job, ms. */
  progressIntervalMs?: number;
}

interface Job {
  info: JobInfo;
  resolved: ResolvedKind;
  input?: unknown;
  worker?: Worker;
  cancelRequested: boolean;
  killTimer?: NodeJS.Timeout;
  lastEmit: number;
  settled: boolean;
  waiters: ((info: JobInfo) => void)[];
}

/**
 * Run from source (.ts), the worker starts in worker-bootstrap.mjs, which registers tsx and then
 * imports worker-entry.ts; bundled, job-worker.js sits next to the main bundle.
 */
function defaultWorker(): { url: URL; entry?: string } {
  const here = import.meta.url;
  if (here.endsWith('.ts')) return { url: new URL('./worker-bootstrap.mjs', here), entry: new URL('./worker-entry.ts', here).href };
  return { url: new URL('./job-worker.js', here) };
}

type Lane = 'io' | 'compute' | 'preview';
const laneOf = (job: Job): Lane => job.resolved.spec.lane ?? 'compute';

export class JobRunner {
  private jobs = new Map<string, Job>();
  private queue: Job[] = [];
  private running: Record<Lane, number> = { io: 0, compute: 0, preview: 0 };
  private readonly limits: Record<Lane, number>;
  private readonly graceMs: number;
  private readonly resolve: KindResolver;
  private readonly worker: { url: URL; entry?: string };
  private readonly progressMs: number;

  constructor(private readonly opts: JobRunnerOptions) {
    this.limits = { compute: opts.maxConcurrent ?? 2, io: opts.maxIo ?? 4, preview: opts.maxPreview ?? 1 };
    this.graceMs = opts.cancelGraceMs ?? 30_000;
    this.resolve = opts.resolve ?? registryResolver;
    this.worker = opts.worker ?? defaultWorker();
    this.progressMs = opts.progressIntervalMs ?? 100;
  }

  /** Validates the params, runs the kind's prepare step, queues the job and returns its id. */
  async start(kind: string, rawParams: unknown): Promise<string> {
    const resolved = await this.resolve(kind);
    if (!resolved) throw new BadRequestError(`unknown job kind "${kind}"`);
    const parsed = resolved.spec.params.safeParse(rawParams ?? {});
    if (!parsed.success) throw new BadRequestError(`${kind}: bad parameters: ${describeZodError(parsed.error)}`);
    const jobId = `job-${randomUUID().slice(0, 8)}`;
    const input = resolved.module.prepare ? await resolved.module.prepare(parsed.data, this.opts.services, jobId) : parsed.data;
    const job: Job = {
      info: {
        jobId,
        kind,
        state: 'queued',
        fraction: null,
        message: 'waiting for a free worker',
        values: {},
        pausable: resolved.spec.pausable,
        startedAt: Date.now(),
      },
      resolved,
      input,
      cancelRequested: false,
      lastEmit: 0,
      settled: false,
      waiters: [],
    };
    this.jobs.set(jobId, job);
    this.queue.push(job);
    this.emit(job, true);
    this.pump();
    return jobId;
  }

  cancel(jobId: string): boolean {
    const job = this.jobs.get(jobId);
    if (!job || job.settled) return false;
    job.cancelRequested = true;
    if (!job.worker) {
      this.queue = this.queue.filter((j) => j !== job);
      this.settle(job, 'cancelled', undefined, { code: 'cancelled', message: 'cancelled before it started' });
      return true;
    }
    this.send(job, { t: 'cancel' });
    job.info.message = 'cancelling…';
    this.emit(job, true);
    job.killTimer = setTimeout(() => void job.worker?.terminate(), this.graceMs);
    return true;
  }

  pause(jobId: string): boolean {
    const job = this.jobs.get(jobId);
    if (!job || job.settled || !job.info.pausable || !job.worker) return false;
    this.send(job, { t: 'pause' });
    return true;
  }

  resume(jobId: string): boolean {
    const job = this.jobs.get(jobId);
    if (!job || job.settled || !job.info.pausable || !job.worker) return false;
    this.send(job, { t: 'resume' });
    return true;
  }

  list(): JobInfo[] {
    return [...this.jobs.values()].map((j) => ({ ...j.info }));
  }

  get(jobId: string): JobInfo | undefined {
    const j = this.jobs.get(jobId);
    return j ? { ...j.info } : undefined;
  }

  /** Resolves once the job is done, failed or cancelled. */
  wait(jobId: string): Promise<JobInfo> {
    const job = this.jobs.get(jobId);
    if (!job) return Promise.reject(new UserError(`no job ${jobId}`));
    if (job.settled) return Promise.resolve({ ...job.info });
    return new Promise((r) => job.waiters.push(r));
  }

  /** Workers alive right now (tests check cancelled jobs leave none behind). */
  activeWorkers(): number {
    return [...this.jobs.values()].filter((j) => j.worker).length;
  }

  /**
   * Stops every job: asked to cancel first, so a worker inside native engine code (ONNX Runtime)
   * leaves it at its next checkpoint and exits on its own; terminated only after the grace period.
   */
  async dispose(): Promise<void> {
    this.queue = [];
    const alive = [...this.jobs.values()].filter((j) => j.worker);
    const exited = alive.map((j) => new Promise<void>((r) => j.worker?.once('exit', () => r())));
    for (const j of alive) {
      j.cancelRequested = true;
      this.send(j, { t: 'cancel' });
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(exited), new Promise<void>((r) => (timer = setTimeout(r, this.graceMs)))]);
    clearTimeout(timer);
    await Promise.all(alive.map((j) => j.worker?.terminate()));
  }

  private pump(): void {
    for (const job of [...this.queue]) {
      const lane = laneOf(job);
      if (this.running[lane] >= this.limits[lane]) continue;
      this.queue = this.queue.filter((j) => j !== job);
      this.launch(job);
    }
  }

  private launch(job: Job): void {
    const init: WorkerInit = {
      jobId: job.info.jobId,
      kind: job.info.kind,
      moduleUrl: job.resolved.moduleUrl,
      input: job.input,
    };
    let worker: Worker;
    try {
      worker = new Worker(this.worker.url, { workerData: { ...init, entry: this.worker.entry }, name: `n2s-${job.info.kind}` });
    } catch (e) {
      this.settle(job, 'error', undefined, errorToIpc(e));
      return;
    }
    job.input = undefined; // the worker has its own copy (or a view of shared memory)
    job.worker = worker;
    this.running[laneOf(job)]++;
    job.info.state = 'running';
    job.info.message = 'starting';
    this.emit(job, true);

    let outcome: { state: 'done'; value: unknown } | { state: 'error'; error: IpcError } | null = null;
    worker.on('message', (m: FromWorker) => {
      switch (m.t) {
        case 'progress':
          job.info.fraction = m.fraction;
          if (m.message !== undefined) job.info.message = m.message;
          if (m.values) job.info.values = { ...job.info.values, ...m.values };
          if (m.event) job.info.event = m.event;
          this.emit(job, m.fraction === 1);
          break;
        case 'log':
          this.opts.log.info(`${job.info.kind} ${job.info.jobId}: ${m.line}`);
          break;
        case 'paused':
          job.info.state = 'paused';
          this.emit(job, true);
          break;
        case 'resumed':
          job.info.state = 'running';
          this.emit(job, true);
          break;
        case 'result':
          outcome = { state: 'done', value: m.value };
          this.awaitExit(job, worker);
          break;
        case 'error':
          outcome = { state: 'error', error: m.error };
          this.awaitExit(job, worker);
          break;
      }
    });
    worker.on('error', (e) => {
      // An uncaught exception in the worker: the thread is gone, the app is not.
      outcome ??= { state: 'error', error: { code: 'internal', message: `the job crashed: ${e.message}` } };
    });
    worker.on('exit', (code) => {
      clearTimeout(job.killTimer);
      job.worker = undefined;
      this.running[laneOf(job)]--;
      void this.finishJob(job, outcome, code).finally(() => this.pump());
    });
  }

  private async finishJob(
    job: Job,
    outcome: { state: 'done'; value: unknown } | { state: 'error'; error: IpcError } | null,
    exitCode: number,
  ): Promise<void> {
    if (job.cancelRequested && outcome?.state !== 'done') {
      this.settle(job, 'cancelled', undefined, { code: 'cancelled', message: 'cancelled' });
      return;
    }
    if (!outcome) {
      this.settle(job, 'error', undefined, {
        code: 'internal',
        message: `the job's worker stopped unexpectedly (exit code ${exitCode})`,
      });
      return;
    }
    if (outcome.state === 'error') {
      if (outcome.error.code === 'internal') this.opts.log.error(`${job.info.kind} ${job.info.jobId}: ${outcome.error.message}`);
      this.settle(job, outcome.error.code === 'cancelled' ? 'cancelled' : 'error', undefined, outcome.error);
      return;
    }
    try {
      const fin = job.resolved.module.finish;
      const result = fin ? await fin(outcome.value, this.opts.services, job.info.jobId) : outcome.value;
      this.settle(job, 'done', result);
    } catch (e) {
      this.settle(job, 'error', undefined, errorToIpc(e));
    }
  }

  private settle(job: Job, state: 'done' | 'error' | 'cancelled', result?: unknown, error?: IpcError): void {
    if (job.settled) return; // e.g. cancelled while its finish step was still running
    job.settled = true;
    job.info.state = state;
    job.info.endedAt = Date.now();
    if (state === 'done') {
      job.info.fraction = 1;
      job.info.message = 'done';
      job.info.result = result;
    } else {
      job.info.error = error;
      job.info.message = error?.message ?? state;
    }
    this.emit(job, true);
    for (const w of job.waiters.splice(0)) w({ ...job.info });
  }

  /**
   * After its outcome the worker ends itself (worker-entry.ts), never inside a native call; it is
   * terminated only if it has not ended within the grace period.
   */
  private awaitExit(job: Job, worker: Worker): void {
    clearTimeout(job.killTimer);
    job.killTimer = setTimeout(() => void worker.terminate(), this.graceMs);
  }

  private send(job: Job, m: ToWorker): void {
    job.worker?.postMessage(m);
  }

  private emit(job: Job, force: boolean): void {
    const now = Date.now();
    if (!force && now - job.lastEmit < this.progressMs) return;
    job.lastEmit = now;
    this.opts.events?.emit('job:update', { ...job.info });
  }
}
