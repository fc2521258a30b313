/**
 * Entry of every job's worker thread: load the kind, run it with a JobContext wired to the
 * runner's messages, post the result (transferring its buffers) or the error, and end the thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { endThreads } from '../../engine/threads.ts';
import { CancelledError } from '../../errors.ts';
import { errorToIpc } from '../ipc/dispatcher.ts';
import type { JobContext, JobKindModule } from './kind.ts';
import type { FromWorker, ToWorker, WorkerInit } from './protocol.ts';
import { jobKindModules } from './registry.ts';
import { transferables } from './transfer.ts';

const port = parentPort;
if (!port) throw new Error('worker-entry.ts must run in a worker thread');
const init = workerData as WorkerInit;
const post = (m: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);

const abort = new AbortController();
let paused = false;
let wake: (() => void) | null = null;

port.on('message', (m: ToWorker) => {
  if (m.t === 'cancel') {
    abort.abort();
    wake?.();
  } else if (m.t === 'pause') {
    paused = true;
  } else if (m.t === 'resume') {
    paused = false;
    wake?.();
  }
});

const ctx: JobContext = {
  jobId: init.jobId,
  signal: abort.signal,
  progress: (fraction, message, values, event) => post({ t: 'progress', fraction, message, values, event }),
  log: (line) => post({ t: 'log', line }),
  async checkpoint() {
    // One macrotask turn so queued cancel/pause messages are delivered.
    await new Promise<void>((r) => setImmediate(r));
    if (paused && !abort.signal.aborted) {
      post({ t: 'paused' });
      while (paused && !abort.signal.aborted) await new Promise<void>((r) => (wake = r));
      wake = null;
      if (!abort.signal.aborted) post({ t: 'resumed' });
    }
    if (abort.signal.aborted) throw new CancelledError();
  },
};

async function load(): Promise<JobKindModule> {
  if (init.moduleUrl) return ((await import(init.moduleUrl)) as { job: JobKindModule }).job;
  const loader = Object.prototype.hasOwnProperty.call(jobKindModules, init.kind) ? jobKindModules[init.kind] : undefined;
  if (!loader) throw new Error(`unknown job kind ${init.kind}`);
  return (await loader()).job;
}

try {
  const kind = await load();
  const value = await kind.run(init.input, ctx);
  post({ t: 'result', value }, transferables(value));
} catch (e) {
  post({ t: 'error', error: abort.signal.aborted ? { code: 'cancelled', message: 'cancelled' } : errorToIpc(e) });
}
// The thread ends itself here, at a point where no native call can be running on it: terminated
// from outside during an ONNX Runtime call, onnxruntime-node's uncaught Napi::Error aborts the whole
// process. Its exit stops its own child threads (a training engine's step worker) the same way, so
// they end first, each after its running call (main/engine/threads.ts). A handle a library left
// open does not keep the thread; the runner terminates it only if this exit does not come.
// Messages posted above are delivered before the 'exit' event.
await endThreads();
process.exit(0);
