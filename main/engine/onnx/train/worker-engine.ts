/**
 * The ONNX training engine in a worker thread. onnxruntime-node runs a session synchronously on the
 * thread that calls run(), so an in-process step blocks the main thread for its whole duration;
 * here the main thread stays free, and a trainer that asks for the next batch before awaiting the
 * current step (main/engine/train.ts) samples it while the step runs. Where the worker cannot start
 * (e.g. a bundle without step-worker), the same engine runs in-process, with a one-line notice.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ArchSpec } from '../../../../shared/model/arch.ts';
import { trackThread } from '../../threads.ts';
import type { Batch, EngineReport, NamedWeights, TrainEngine, TrainEngineOptions } from '../../types.ts';
import type { WorkerInit, WorkerLog, WorkerReply, WorkerRequest } from './worker-protocol.ts';

type Pending = { resolve: (r: WorkerReply & { ok: true }) => void; reject: (e: Error) => void };
type Request = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/**
 * step-worker.js next to a built module; otherwise (dev, tests) step-worker.ts, loaded through
 * tsx's loader registered inside the worker: `node --import tsx` does not carry into workers.
 */
function createWorker(init: WorkerInit): Worker {
  const js = new URL('./step-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return new Worker(js, { workerData: init });
  const ts = new URL('./step-worker.ts', import.meta.url).href;
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(ts)}); })`;
  return new Worker(boot, { eval: true, workerData: init });
}

function startWorker(init: WorkerInit): Promise<Worker> {
  return new Promise((resolve, reject) => {
    let worker: Worker;
    try {
      worker = createWorker(init);
    } catch (e) {
      reject(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    // Remove only our own listeners: Worker keeps internal ones (removeAllListeners() breaks it).
    const cleanup = () => {
      worker.off('error', fail);
      worker.off('exit', onExit);
      worker.off('message', onMessage);
    };
    const fail = (e: unknown) => {
      cleanup();
      void worker.terminate();
      reject(e instanceof Error ? e : new Error(String(e)));
    };
    const onExit = (code: number) => fail(new Error(`worker exited with code ${code}`));
    const onMessage = (m: unknown) => {
      if (m && typeof m === 'object' && 'ready' in m) {
        cleanup();
        resolve(worker);
      } else fail(new Error('worker did not start'));
    };
    worker.on('error', fail);
    worker.on('exit', onExit);
    worker.on('message', onMessage);
  });
}

export class OnnxWorkerTrainEngine implements TrainEngine {
  private worker: Worker | null = null;
  private inProcess: TrainEngine | null = null;
  private report: EngineReport = { engine: 'onnx', backend: 'cpu', provider: 'cpu' };
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private log: (line: string) => void = () => {};

  /**
   * `inProcessEngine` makes the engine used where no worker thread can start (index.ts passes its
   * OnnxTrainEngine; injected so that this module and index.ts do not import each other).
   */
  constructor(
    private readonly inProcessEngine: (init: WorkerInit) => TrainEngine,
    private readonly init0: WorkerInit = {},
  ) {}

  async init(spec: ArchSpec, weights: NamedWeights, opts: TrainEngineOptions): Promise<void> {
    this.log = opts.log ?? (() => {});
    try {
      this.worker = await startWorker(this.init0);
    } catch (e) {
      this.log(`onnx: training in the main thread (worker thread unavailable: ${(e as Error).message.split('\n')[0]})`);
      this.inProcess = this.inProcessEngine(this.init0);
      await this.inProcess.init(spec, weights, opts);
      this.report = this.inProcess.describe();
      return;
    }
    const worker = this.worker;
    // Whoever exits next (a job's thread, the CLI) asks it to end first (threads.ts).
    trackThread(worker, () => {
      if (this.worker === worker) this.dispose();
    });
    this.worker.on('message', (m: WorkerReply | WorkerLog) => this.onMessage(m));
    this.worker.on('error', (e) => this.failAll(e));
    this.worker.on('exit', (code) => this.failAll(new Error(`onnx training worker exited (code ${code})`)));
    this.worker.unref();
    const { log: _log, ...plain } = opts;
    const r = await this.call({ method: 'init', spec, weights, opts: plain });
    if (r.report) this.report = r.report;
  }

  private onMessage(m: WorkerReply | WorkerLog): void {
    if ('log' in m) {
      this.log(m.log);
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (this.pending.size === 0) this.worker?.unref();
    if (m.ok) p.resolve(m);
    else p.reject(new Error(m.error));
  }

  private failAll(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
    this.worker = null;
  }

  private call(req: Request): Promise<WorkerReply & { ok: true }> {
    const worker = this.worker;
    if (!worker) return Promise.reject(new Error('onnx training engine used before init() or after dispose()'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Keep the process alive only while a request is in flight (an idle engine must not).
      worker.ref();
      worker.postMessage({ ...req, id });
    });
  }

  async step(batch: Batch, lr: number): Promise<number> {
    if (this.inProcess) return this.inProcess.step(batch, lr);
    return (await this.call({ method: 'step', batch, lr })).value ?? NaN;
  }

  async evaluate(batch: Batch): Promise<number> {
    if (this.inProcess) return this.inProcess.evaluate(batch);
    return (await this.call({ method: 'evaluate', batch })).value ?? NaN;
  }

  async getWeights(): Promise<NamedWeights> {
    if (this.inProcess) return this.inProcess.getWeights();
    const r = await this.call({ method: 'weights' });
    if (!r.weights) throw new Error('onnx training worker returned no weights');
    return r.weights;
  }

  describe(): EngineReport {
    if (this.inProcess) return this.report;
    return { ...this.report, note: [this.report.note, 'steps run in a worker thread'].filter(Boolean).join('; ') };
  }

  /**
   * The worker ends itself after its queued requests (step-worker.ts), never inside a native call;
   * it is never terminated from outside (threads.ts says why), and a thread that exits waits for it.
   */
  dispose(): void {
    this.inProcess?.dispose();
    this.inProcess = null;
    const w = this.worker;
    this.worker = null;
    this.failAll(new Error('onnx training engine disposed'));
    w?.postMessage({ id: 0, method: 'dispose' } satisfies WorkerRequest);
  }
}
