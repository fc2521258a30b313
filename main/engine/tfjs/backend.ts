/**
 * tfjs backend selection: tfjs-node-gpu, then tfjs-node (both optional dependencies that may be
 * absent), then WASM (the default where no native backend loads), then the pure-JS CPU backend.
 * `--backend NAME` forces one and fails clearly if it cannot load.
 */
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { registerWasmConvGradients } from './wasm-kernels.ts';
import { registerCpuKernelFixes } from './cpu-kernels.ts';
import { TFJS_BACKENDS, type Backend } from '../../../shared/config/enums.ts';

export type BackendChoice = Backend;
const ORDER: readonly Exclude<BackendChoice, 'auto'>[] = TFJS_BACKENDS;

export class BackendUnavailableError extends Error {}

async function tryBackend(name: Exclude<BackendChoice, 'auto'>): Promise<string | null> {
  try {
    if (name === 'tensorflow-gpu' || name === 'tensorflow') {
      // Both packages register the backend named 'tensorflow' on import.
      if (name === 'tensorflow-gpu') await import('@tensorflow/tfjs-node-gpu');
      else await import('@tensorflow/tfjs-node');
      return (await tf.setBackend('tensorflow')) ? null : 'did not initialise';
    }
    if (name === 'wasm') {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      const req = createRequire(import.meta.url);
      wasm.setWasmPaths(join(dirname(req.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/');
      registerWasmConvGradients();
      return (await tf.setBackend('wasm')) ? null : 'did not initialise';
    }
    registerCpuKernelFixes();
    return (await tf.setBackend('cpu')) ? null : 'did not initialise';
  } catch (e) {
    const msg = (e as Error).message ?? String(e);
    if (/Cannot find (package|module)/.test(msg)) return 'not installed';
    return msg.split('\n')[0];
  }
}

let current: { name: string; requested: BackendChoice } | null = null;

/**
 * Activates a backend and returns its tfjs name ('tensorflow', 'wasm', 'cpu'). Idempotent for the
 * same request. `log` receives one line with the choice (and why faster ones were skipped).
 */
export async function selectBackend(requested: BackendChoice = 'auto', log?: (line: string) => void): Promise<string> {
  if (current && (current.requested === requested || requested === 'auto')) return current.name;
  const candidates = requested === 'auto' ? ORDER : [requested];
  const skipped: string[] = [];
  for (const c of candidates) {
    const why = await tryBackend(c);
    if (why === null) {
      tf.env().set('PROD', true);
      current = { name: tf.getBackend(), requested };
      const note = skipped.length ? ` (unavailable: ${skipped.join('; ')})` : '';
      log?.(`tfjs backend: ${c}${note}`);
      return current.name;
    }
    skipped.push(`${c}: ${why}`);
  }
  throw new BackendUnavailableError(`tfjs backend ${requested} is not available: ${skipped.join('; ')}`);
}
