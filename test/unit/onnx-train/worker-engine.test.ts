/**
 * createOnnxTrainEngine() (what the trainer loads) runs the steps in a worker thread: same losses and
 * weights as the in-process engine, and the main thread stays free while a step runs (where the
 * in-process engine blocks it), so the next batch can be sampled meanwhile.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { buildArch } from '../../../shared/model/arch.ts';
import { initWeights } from '../../../shared/model/init.ts';
import { createOnnxTrainEngine, OnnxTrainEngine } from '../../../main/engine/onnx/train/index.ts';
import { type Batch, DEFAULT_ADAM, type TrainEngine } from '../../../main/engine/types.ts';
import { randomArray, relErr } from './reference.ts';

const spec = buildArch({ arch: 'csbdeep', inChannels: 2, residualChannels: [0, 1], widthScale: 0.25 });
const size = 64;
const batch = (seed: number): Batch => ({ x: randomArray(4 * size * size * 2, seed), y: randomArray(4 * size * size, seed + 1), n: 4, h: size, w: size, cin: 2 });

/** setImmediate turns the main thread gets while `p` is pending. */
async function ticksDuring<T>(p: Promise<T>): Promise<{ value: T; ticks: number }> {
  let ticks = 0;
  let done = false;
  const spin = () => {
    if (done) return;
    ticks++;
    setImmediate(spin);
  };
  setImmediate(spin);
  const value = await p;
  done = true;
  return { value, ticks };
}

async function started(e: TrainEngine): Promise<TrainEngine> {
  await e.init(spec, initWeights(spec, 2), { adam: DEFAULT_ADAM, provider: 'cpu', maxBatch: 4, patch: size });
  return e;
}

test('worker-thread engine: same training as in-process, main thread free during a step', async () => {
  const worker = await started(await createOnnxTrainEngine());
  const local = await started(new OnnxTrainEngine());
  assert.match(worker.describe().note ?? '', /worker thread/);
  let workerTicks = 0;
  let localTicks = 0;
  for (let i = 0; i < 3; i++) {
    const b = batch(10 * i);
    const w = await ticksDuring(worker.step(b, 1e-3));
    const l = await ticksDuring(local.step(b, 1e-3));
    assert.ok(Math.abs(w.value - l.value) <= 1e-6 * Math.abs(l.value), `loss ${w.value} vs ${l.value}`);
    workerTicks += w.ticks;
    localTicks += l.ticks;
  }
  assert.ok(Math.abs((await worker.evaluate(batch(99))) - (await local.evaluate(batch(99)))) < 1e-6);
  const ww = await worker.getWeights();
  for (const [k, v] of await local.getWeights()) assert.ok(relErr((ww.get(k) as { data: Float32Array }).data, v.data) < 1e-6, k);
  // In-process, onnxruntime-node's run() holds the thread: a handful of turns at most.
  console.log(`# event-loop turns during 3 steps: worker ${workerTicks}, in-process ${localTicks}`);
  assert.ok(workerTicks > 10 * Math.max(1, localTicks), `worker ${workerTicks} vs in-process ${localTicks} turns`);
  await assert.rejects(worker.step({ ...batch(1), cin: 3, x: new Float32Array(4 * size * size * 3) }, 1e-3), /3 input channels/);
  worker.dispose();
  local.dispose();
  await assert.rejects(worker.step(batch(1), 1e-3), /after dispose/);
});

test('dispose while a step runs: the step finishes, then the worker ends itself (never terminated inside a session run)', async () => {
  // Terminated from outside while onnxruntime-node ran a session, the thread's return into JS threw
  // an uncaught Napi::Error that aborted the whole process (a clean-clone CI run died of it).
  const terminate = Worker.prototype.terminate;
  let terminated = 0;
  Worker.prototype.terminate = function (this: Worker) {
    terminated++;
    return terminate.call(this);
  };
  const exited = new Promise<number>((resolve) => {
    const on = Worker.prototype.on;
    // The engine's own worker: the first Worker to register an 'exit' listener after this point.
    Worker.prototype.on = function (this: Worker, ev: string | symbol, fn: (...a: unknown[]) => void) {
      if (ev === 'exit') {
        Worker.prototype.on = on;
        on.call(this, 'exit', (code: number) => resolve(code));
      }
      return on.call(this, ev, fn);
    } as typeof on;
  });
  try {
    const engine = await started(await createOnnxTrainEngine());
    const step = engine.step(batch(5), 1e-3);
    engine.dispose();
    await assert.rejects(step, /disposed/);
    assert.equal(await exited, 0, 'the worker ended itself (exit code 0; a terminated one exits with 1)');
    assert.equal(terminated, 0);
  } finally {
    Worker.prototype.terminate = terminate;
  }
});
