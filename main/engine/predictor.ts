/**
 * Opens a model folder as a Predictor on the engine the user asked for (issue 10):
 *   tfjs  — the tfjs model on the chosen backend (tensorflow-gpu, tensorflow, wasm, cpu);
 *   onnx  — ONNX Runtime (main/engine/onnx/predictor.ts, loaded on demand), falling back to tfjs
 *           with a message when it cannot load;
 *   auto  — a GPU provider of ONNX Runtime when one loads and is faster, else tfjs-node-gpu when it
 *           loads, else ONNX Runtime on the CPU; tfjs WASM / pure JS remain the last fall-backs.
 */
import type { ArchSpec } from '../../shared/model/arch.ts';
import type { NamedWeights } from '../../shared/model/init.ts';
import { choiceOf, readEngineChoice, readOnnxProvider, writeEngineChoice, writeOnnxProvider } from './engine-cache.ts';
import { loadModel, type ModelConfig } from './model-store.ts';
import type { EngineReport, Predictor } from './types.ts';
import { type Backend, type Engine, GPU_PROVIDERS as GPU_PROVIDER_LIST } from '../../shared/config/enums.ts';

export interface LoadPredictorOptions {
  engine?: Engine;
  provider?: string;
  backend?: Backend;
  log?: (line: string) => void;
}

export interface LoadedPredictor {
  predictor: Predictor;
  report: EngineReport;
  config: ModelConfig;
  spec: ArchSpec;
}

type OnnxModule = {
  createOnnxPredictor?: (modelDir: string, o: { provider?: string; log?: (l: string) => void }) => Promise<Predictor>;
  createOnnxPredictorFromWeights?: (spec: ArchSpec, w: NamedWeights, o: { provider?: string; log?: (l: string) => void }) => Promise<Predictor>;
};

const GPU_PROVIDERS = new Set<string>(GPU_PROVIDER_LIST);

async function openOnnx(dir: string, spec: ArchSpec, weights: NamedWeights, provider: string, log?: (l: string) => void): Promise<Predictor> {
  const mod = (await import('./onnx/predictor.ts')) as OnnxModule;
  if (typeof mod.createOnnxPredictor === 'function') return mod.createOnnxPredictor(dir, { provider, log });
  if (typeof mod.createOnnxPredictorFromWeights === 'function') return mod.createOnnxPredictorFromWeights(spec, weights, { provider, log });
  throw new Error('main/engine/onnx/predictor.ts exports no predictor factory');
}

async function openTfjs(spec: ArchSpec, weights: NamedWeights, backend: LoadPredictorOptions['backend'], log?: (l: string) => void): Promise<Predictor> {
  const { TfjsPredictor } = await import('./tfjs/engine.ts');
  return TfjsPredictor.create(spec, weights, backend ?? 'auto', log);
}

const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0];

/**
 * `auto` with no provider or backend forced is answered from this machine's engine cache
 * (engine-cache.ts) when it holds an answer; otherwise the choice below is made and remembered.
 * `onnx` with the provider left to `auto` takes the cached ONNX provider (its own verdict, or that
 * of an ONNX answer to auto: the calibration tile it skips is the same measurement), and keeps the
 * verdict when it had to calibrate.
 */
export async function loadPredictor(modelDir: string, o: LoadPredictorOptions = {}): Promise<LoadedPredictor> {
  const autoProvider = (o.provider ?? 'auto') === 'auto';
  if (o.engine === 'onnx' && autoProvider) {
    const cached = readOnnxProvider();
    if (cached) return choosePredictor(modelDir, { ...o, provider: cached });
    const loaded = await choosePredictor(modelDir, o);
    const choice = choiceOf(loaded.report);
    if (choice?.engine === 'onnx' && choice.provider) writeOnnxProvider(choice.provider);
    return loaded;
  }
  if ((o.engine ?? 'auto') !== 'auto' || !autoProvider || (o.backend ?? 'auto') !== 'auto') return choosePredictor(modelDir, o);
  const cached = readEngineChoice();
  if (cached) return choosePredictor(modelDir, { ...o, ...cached });
  const loaded = await choosePredictor(modelDir, o);
  const choice = choiceOf(loaded.report);
  if (choice) writeEngineChoice(choice, 'auto');
  return loaded;
}

async function choosePredictor(modelDir: string, o: LoadPredictorOptions): Promise<LoadedPredictor> {
  const { config, spec, weights } = await loadModel(modelDir);
  const engine = o.engine ?? 'auto';
  const done = (predictor: Predictor): LoadedPredictor => ({ predictor, report: predictor.describe(), config, spec });
  if (engine === 'tfjs') return done(await openTfjs(spec, weights, o.backend, o.log));
  let onnx: Predictor | null = null;
  let onnxWhy = '';
  try {
    onnx = await openOnnx(modelDir, spec, weights, o.provider ?? 'auto', o.log);
  } catch (e) {
    onnxWhy = firstLine(e);
  }
  if (engine === 'onnx') {
    if (onnx) return done(onnx);
    o.log?.(`onnx engine unavailable (${onnxWhy}); falling back to tfjs`);
    return done(await openTfjs(spec, weights, o.backend, o.log));
  }
  // auto
  const onnxProvider = onnx?.describe().provider ?? onnx?.describe().backend ?? '';
  if (onnx && GPU_PROVIDERS.has(onnxProvider)) return done(onnx);
  if (o.backend === undefined || o.backend === 'auto' || o.backend === 'tensorflow-gpu') {
    try {
      const { selectBackend } = await import('./tfjs/backend.ts');
      await selectBackend('tensorflow-gpu');
      onnx?.dispose();
      return done(await openTfjs(spec, weights, 'tensorflow-gpu', o.log));
    } catch {
      // tfjs-node-gpu is an optional dependency; its absence is the normal case.
    }
  }
  if (onnx) return done(onnx);
  o.log?.(`onnx engine unavailable (${onnxWhy}); using tfjs`);
  return done(await openTfjs(spec, weights, o.backend, o.log));
}
