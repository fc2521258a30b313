/**
 * The worker threads this thread started to run ONNX Runtime (the training engine's step worker),
 * and a safe end for them. A thread stopped from outside while one of its ONNX Runtime calls runs
 * takes the whole process down: the call returns into a stopping JavaScript environment, and
 * onnxruntime-node's Napi::Error, which nothing can catch there, aborts the process ("terminate
 * called after throwing an instance of 'Napi::Error'"). A thread that exits — a job's worker, the
 * CLI, the app — stops its child threads the same way, so before it exits it asks each child to
 * end itself (after its running call) and waits for it: endThreads().
 */
import type { Worker } from 'node:worker_threads';

/** Live child threads, each with how to ask it to end itself. */
const live = new Map<Worker, () => void>();

/** Registers a child thread; `stop` asks it to end itself (it may be called more than once). */
export function trackThread(worker: Worker, stop: () => void): void {
  live.set(worker, stop);
  worker.once('exit', () => live.delete(worker));
}

/**
 * Asks every child thread to end itself and waits until all have, at most `timeoutMs` (a thread
 * stuck in a native call longer than that is left to whoever exits next). Each is ref'd while
 * waited for: an unref'd thread would not keep this thread's event loop alive until its exit.
 */
export async function endThreads(timeoutMs = 60_000): Promise<void> {
  const threads = [...live];
  if (threads.length === 0) return;
  const exited = threads.map(([w]) => new Promise<void>((r) => (live.has(w) ? w.once('exit', () => r()) : r())));
  for (const [w, stop] of threads) {
    w.ref();
    stop();
  }
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((r) => {
    timer = setTimeout(r, timeoutMs);
    timer.unref();
  });
  await Promise.race([Promise.all(exited), late]);
  clearTimeout(timer);
}
