/**
 * ONNX Runtime execution providers: which exist for this platform, which the installed
 * onnxruntime-node carries, and creating a session on the first one that actually loads. A
 * provider that fails is recorded with its reason and the next one is tried; the CPU provider is
 * always last, so session creation only fails if the model itself is bad.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from './graph-builder.ts';
import { NCHWC_DOMAIN } from './nchwc.ts';

export type OrtProvider = 'cpu' | 'webgpu' | 'dml' | 'cuda' | 'coreml';
export type ProviderChoice = OrtProvider | 'auto';
export const GPU_PROVIDERS: readonly OrtProvider[] = ['cuda', 'dml', 'coreml', 'webgpu'];

export interface ProviderAttempt {
  provider: OrtProvider;
  ok: boolean;
  /** Why it did not load (or, for a loaded provider, why it was not chosen). */
  reason?: string;
  /** Seconds to create the session (and, under 'auto', to run the calibration tile). */
  seconds?: number;
}

/** Platforms whose onnxruntime-node build can carry each provider at all. */
const PLATFORMS: Record<OrtProvider, readonly NodeJS.Platform[]> = {
  cpu: ['linux', 'win32', 'darwin'],
  webgpu: ['linux', 'win32', 'darwin'],
  cuda: ['linux', 'win32'],
  dml: ['win32'],
  coreml: ['darwin'],
};

export interface ProviderAvailability {
  provider: OrtProvider;
  /** Present in this onnxruntime-node build (listSupportedBackends) for this platform. */
  available: boolean;
  reason?: string;
}

/** What this build of onnxruntime-node says it carries, per provider, without loading any. */
export function providerAvailability(): ProviderAvailability[] {
  let listed: { name: string; bundled: boolean }[] = [];
  try {
    listed = ort.listSupportedBackends();
  } catch (e) {
    return (['cpu', ...GPU_PROVIDERS] as OrtProvider[]).map((p) => ({
      provider: p,
      available: p === 'cpu',
      reason: p === 'cpu' ? undefined : `listSupportedBackends failed: ${errorLine(e)}`,
    }));
  }
  return (['cpu', ...GPU_PROVIDERS] as OrtProvider[]).map((p) => {
    if (!PLATFORMS[p].includes(process.platform)) {
      return { provider: p, available: false, reason: `not available on ${process.platform}` };
    }
    const entry = listed.find((b) => b.name === p);
    if (!entry) return { provider: p, available: false, reason: 'not in this onnxruntime-node build' };
    if (!entry.bundled && !providerLibraryPresent(p)) {
      // CUDA/TensorRT come as a separate download (skipped by .npmrc); see README.
      return { provider: p, available: false, reason: 'not bundled and its provider library is not installed (see README: CUDA 12)' };
    }
    return { provider: p, available: true };
  });
}

/** Whether a non-bundled provider's shared library was installed next to the binding. */
function providerLibraryPresent(p: OrtProvider): boolean {
  try {
    const dir = join(dirname(createRequire(import.meta.url).resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', process.platform, process.arch);
    const file = process.platform === 'win32' ? `onnxruntime_providers_${p}.dll` : `libonnxruntime_providers_${p}.so`;
    return existsSync(join(dir, file));
  } catch {
    return false;
  }
}

export function defaultThreads(): number {
  return Math.max(1, availableParallelism());
}

/**
 * Session options; `extra` overrides them per use (the predictor turns ONNX Runtime's memory
 * pattern off: its tiles change shape, and measured on a 1024² CSBDeep plane it halved peak memory,
 * 1.6 → 0.9 GB resident, at the same speed).
 */
export function sessionOptions(provider: OrtProvider, threads = defaultThreads(), extra: ort.InferenceSession.SessionOptions = {}): ort.InferenceSession.SessionOptions {
  return {
    ...extra,
    executionProviders: [provider],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // Warnings from the provider layers (e.g. Dawn's limit notices) are not actionable for users.
    logSeverityLevel: 3,
  };
}

/**
 * The first line of an error, for one-line reasons, without ONNX Runtime's source location and
 * failed-check expression (e.g. "…webgpu_context.cc:136 <lambda> … was false. Failed to get a
 * WebGPU adapter: No supported adapters" becomes "Failed to get a WebGPU adapter: …").
 */
export function errorLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  let line = msg.split('\n').find((l) => l.trim() !== '')?.trim() ?? 'unknown error';
  line = line.replace(/^\S*onnxruntime_src\S*\s+/, '');
  const check = /\bwas false\.\s*(.+)$/.exec(line);
  return check ? check[1] : line;
}

/** Try to create a session on exactly one provider. */
export async function tryCreateSession(
  model: Uint8Array,
  provider: OrtProvider,
  threads?: number,
  extra?: ort.InferenceSession.SessionOptions,
): Promise<{ session?: ort.InferenceSession; attempt: ProviderAttempt }> {
  const avail = providerAvailability().find((a) => a.provider === provider);
  if (avail && !avail.available) return { attempt: { provider, ok: false, reason: avail.reason } };
  const t0 = performance.now();
  try {
    const session = await ort.InferenceSession.create(model, sessionOptions(provider, threads, extra));
    return { session, attempt: { provider, ok: true, seconds: (performance.now() - t0) / 1000 } };
  } catch (e) {
    return { attempt: { provider, ok: false, reason: errorLine(e), seconds: (performance.now() - t0) / 1000 } };
  }
}

/** The order in which providers are tried for a choice; CPU always ends the list. */
export function providerOrder(choice: ProviderChoice): OrtProvider[] {
  if (choice === 'auto') return [...GPU_PROVIDERS, 'cpu'];
  return choice === 'cpu' ? ['cpu'] : [choice, 'cpu'];
}

let detected: Promise<number> | null = null;

/**
 * ONNX Runtime's NCHWc block size on this CPU (nchwc.ts), or 0 when the blocked operators are
 * unavailable: read once per process from the channel padding of a 4-channel ReorderInput.
 */
export function nchwcBlockSize(): Promise<number> {
  detected ??= (async () => {
    try {
      const g = new GraphBuilder('nchwc_probe');
      g.addInput('x', [1, 4, 1, 1]);
      g.addNode('ReorderInput', ['x'], ['y'], {}, NCHWC_DOMAIN);
      g.addOutput('y', [1, 'c', 1, 1]);
      const bytes = g.toBytes([{ domain: '', version: 13 }, { domain: NCHWC_DOMAIN, version: 1 }]);
      const s = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1 });
      try {
        const y = (await s.run({ x: new ort.Tensor('float32', new Float32Array(4), [1, 4, 1, 1]) })).y;
        const b = y.dims[1];
        // A block is a power of two of at least 4 floats (MLAS: 8 or 16); anything else is not trusted.
        return b >= 4 && (b & (b - 1)) === 0 ? b : 0;
      } finally {
        await s.release();
      }
    } catch {
      return 0;
    }
  })();
  return detected;
}
