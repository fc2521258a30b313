/**
 * Worker-thread side of OnnxWorkerTrainEngine (worker-engine.ts): owns an in-process
 * OnnxTrainEngine and answers one request at a time. onnxruntime-node runs a session synchronously
 * on its calling thread, so only here, off the main thread, can a training step run while the
 * trainer samples the next batch.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { OnnxTrainEngine } from './index.ts';
import type { WorkerInit, WorkerReply, WorkerRequest } from './worker-protocol.ts';

const port = parentPort;
if (!port) throw new Error('step-worker.ts must run in a worker thread');
const engine = new OnnxTrainEngine(workerData as WorkerInit);

async function handle(req: WorkerRequest): Promise<WorkerReply> {
  switch (req.method) {
    case 'init':
      await engine.init(req.spec, req.weights, { ...req.opts, log: (line) => port?.postMessage({ log: line }) });
      return { id: req.id, ok: true, report: engine.describe() };
    case 'step':
      return { id: req.id, ok: true, value: await engine.step(req.batch, req.lr) };
    case 'evaluate':
      return { id: req.id, ok: true, value: await engine.evaluate(req.batch) };
    case 'weights':
      return { id: req.id, ok: true, weights: await engine.getWeights() };
    case 'dispose':
      engine.dispose();
      return { id: req.id, ok: true };
  }
}

/**
 * The thread ends itself once a dispose is answered: in order after any request still running, so
 * never inside a native ONNX Runtime call. (Terminated from outside while a session ran, the call
 * returned into a stopping thread and onnxruntime-node's uncaught Napi::Error aborted the whole
 * process: main/engine/threads.ts.)
 */

// Requests are answered strictly in order: a step must finish before the next one reads the weights.
let queue: Promise<void> = Promise.resolve();
port.on('message', (req: WorkerRequest) => {
  queue = queue.then(async () => {
    try {
      port.postMessage(await handle(req));
    } catch (e) {
      port.postMessage({ id: req.id, ok: false, error: e instanceof Error ? e.message : String(e) } satisfies WorkerReply);
    }
    if (req.method === 'dispose') process.exit(0);
  });
});
// Tells the engine that this module (and onnxruntime-node) loaded in the worker.
port.postMessage({ ready: true });
