/**
 * Every inference engine and provider this machine has, and the choice behind `--engine auto`.
 *
 * auto (issue 10): a GPU execution provider of ONNX Runtime when one loads (and beats the CPU
 * provider on a calibration tile, so a software Vulkan adapter is not mistaken for a GPU), else
 * tfjs-node-gpu when it loads, else ONNX Runtime on the CPU; tfjs on WASM and then pure-JS tfjs
 * are the last fallbacks (e.g. where onnxruntime-node's native binding cannot load).
 *
 * ONNX Runtime and tfjs are imported lazily, so a broken native binding of one never takes the
 * other down, and `n2s engines` reports it instead of crashing.
 */
import { buildArch, type ArchSpec } from '../../shared/model/arch.ts';
import { initWeights, type NamedWeights } from '../../shared/model/init.ts';
import type { Engine, Provider } from '../../shared/config/training.ts';
import { TFJS_BACKENDS as BACKENDS } from '../../shared/config/enums.ts';
import type { EngineReport, Predictor } from './types.ts';

export type TfjsBackendName = (typeof BACKENDS)[number];
const TFJS_BACKENDS: readonly TfjsBackendName[] = BACKENDS;

export interface EngineStatus {
  engine: 'onnx' | 'tfjs';
  /** ONNX Runtime execution provider or tfjs backend. */
  name: string;
  status: 'ok' | 'unavailable';
  reason?: string;
  /** With --bench: seconds for one size² plane through the CSBDeep U-Net (after warm-up). */
  seconds?: number;
  size?: number;
}

export const BENCH_SIZE = 128;
/** Pure-JS tfjs needs ~15 s for a 128² plane here, so it is timed on a smaller one. */
const SLOW_BENCH_SIZE = 64;

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const line = msg.split('\n').find((l) => l.trim() !== '')?.trim() ?? 'unknown error';
  // Node's wording for an absent optional dependency names our source file; say what it means.
  return line.replace(/Cannot find (?:package|module) '([^']+)'.*$/, '$1 is not installed (optional dependency)');
}

/** The network every probe and bench runs: the paper's CSBDeep U-Net on 2 neighbour planes. */
function benchNetwork(): { spec: ArchSpec; weights: NamedWeights } {
  const spec = buildArch({ arch: 'csbdeep', inChannels: 2, residualChannels: [0, 1] });
  return { spec, weights: initWeights(spec, 1) };
}

async function timePlane(p: Predictor, spec: ArchSpec, size: number): Promise<number> {
  const x = new Float32Array(size * size * spec.inChannels).fill(0.5);
  await p.predictBatch(x, 1, size, size, spec.inChannels); // warm-up: kernels, shaders, arenas
  const t0 = performance.now();
  await p.predictBatch(x, 1, size, size, spec.inChannels);
  return (performance.now() - t0) / 1000;
}

async function probeOnnx(bench: boolean, net: { spec: ArchSpec; weights: NamedWeights }): Promise<EngineStatus[]> {
  let providers: typeof import('./onnx/providers.ts');
  let forward: typeof import('./onnx/forward.ts');
  let predictor: typeof import('./onnx/predictor.ts');
  try {
    [providers, forward, predictor] = await Promise.all([import('./onnx/providers.ts'), import('./onnx/forward.ts'), import('./onnx/predictor.ts')]);
  } catch (e) {
    return [{ engine: 'onnx', name: 'cpu', status: 'unavailable', reason: `onnxruntime-node does not load: ${firstLine(e)}` }];
  }
  // A session on a one-conv graph proves the provider loads without paying for the whole U-Net.
  const tiny = buildArch({ arch: 'csbdeep', inChannels: 1, widthScale: 0.03 });
  const tinyModel = forward.buildForwardModel(tiny, initWeights(tiny, 0));
  const out: EngineStatus[] = [];
  for (const a of providers.providerAvailability()) {
    if (!a.available) {
      out.push({ engine: 'onnx', name: a.provider, status: 'unavailable', reason: a.reason });
      continue;
    }
    const r = await providers.tryCreateSession(tinyModel, a.provider);
    if (!r.session) {
      out.push({ engine: 'onnx', name: a.provider, status: 'unavailable', reason: r.attempt.reason });
      continue;
    }
    await r.session.release();
    const row: EngineStatus = { engine: 'onnx', name: a.provider, status: 'ok' };
    if (bench) {
      const p = await predictor.createOnnxPredictorFromWeights(net.spec, net.weights, { provider: a.provider });
      row.size = BENCH_SIZE;
      row.seconds = await timePlane(p, net.spec, BENCH_SIZE);
      p.dispose();
    }
    out.push(row);
  }
  return out;
}

async function probeTfjs(bench: boolean, net: { spec: ArchSpec; weights: NamedWeights }): Promise<EngineStatus[]> {
  let backend: typeof import('./tfjs/backend.ts');
  let engine: typeof import('./tfjs/engine.ts');
  try {
    [backend, engine] = await Promise.all([import('./tfjs/backend.ts'), import('./tfjs/engine.ts')]);
  } catch (e) {
    return TFJS_BACKENDS.map((name) => ({ engine: 'tfjs' as const, name, status: 'unavailable' as const, reason: `tfjs does not load: ${firstLine(e)}` }));
  }
  const out: EngineStatus[] = [];
  for (const name of TFJS_BACKENDS) {
    try {
      await backend.selectBackend(name);
    } catch (e) {
      // The backend module words its own reason ("tfjs backend X is not available: X: why").
      out.push({ engine: 'tfjs', name, status: 'unavailable', reason: firstLine(e).replace(/^.*?: [\w-]+: /, '') });
      continue;
    }
    const row: EngineStatus = { engine: 'tfjs', name, status: 'ok' };
    if (bench) {
      const p = await engine.TfjsPredictor.create(net.spec, net.weights, name);
      row.size = name === 'cpu' ? SLOW_BENCH_SIZE : BENCH_SIZE;
      row.seconds = await timePlane(p, net.spec, row.size);
      p.dispose();
    }
    out.push(row);
  }
  return out;
}

/** Status (and with `bench`, a short timing) of every engine and provider. */
export async function probeEngines(opts: { bench?: boolean } = {}): Promise<EngineStatus[]> {
  const net = benchNetwork();
  const bench = opts.bench ?? false;
  return [...(await probeOnnx(bench, net)), ...(await probeTfjs(bench, net))];
}

export interface PredictorChoice {
  engine?: Engine;
  /** ONNX Runtime execution provider (engine onnx or auto). */
  provider?: Provider;
  /** tfjs backend (engine tfjs). */
  backend?: string;
  /** One-line notices: what was tried and why it was not used. */
  log?: (line: string) => void;
}

export interface SelectedPredictor {
  predictor: Predictor;
  report: EngineReport;
  /** What was tried before the engine in use, with reasons (also in report.note). */
  tried: string[];
}

function withNote(report: EngineReport, tried: string[]): EngineReport {
  const own = report.note && report.note !== `using ${report.provider}` ? report.note : undefined;
  const note = [...tried, ...(own ? [own] : [])].join('; ');
  return note ? { ...report, note } : report;
}

/**
 * The Predictor for `n2s denoise --engine E --provider P` (and the app's denoise job). Never fails
 * because a faster engine is missing: each failure is recorded in `tried` and the next is used.
 */
export async function createPredictor(spec: ArchSpec, weights: NamedWeights, choice: PredictorChoice = {}): Promise<SelectedPredictor> {
  const engine = choice.engine ?? 'auto';
  const tried: string[] = [];
  const done = (predictor: Predictor): SelectedPredictor => {
    const report = withNote(predictor.describe(), tried);
    if (tried.length) choice.log?.(`engine: ${report.engine}/${report.provider ?? report.backend} (${tried.join('; ')})`);
    return { predictor, report, tried };
  };

  if (engine === 'tfjs') {
    const { TfjsPredictor } = await import('./tfjs/engine.ts');
    const backend = (choice.backend ?? 'auto') as 'auto' | TfjsBackendName;
    return done(await TfjsPredictor.create(spec, weights, backend, choice.log));
  }

  let onnx: Predictor | undefined;
  try {
    const { createOnnxPredictorFromWeights } = await import('./onnx/predictor.ts');
    onnx = await createOnnxPredictorFromWeights(spec, weights, { provider: choice.provider ?? 'auto', log: choice.log });
  } catch (e) {
    if (engine === 'onnx') throw e;
    tried.push(`onnx: ${firstLine(e)}`);
  }
  if (engine === 'onnx' && onnx) return done(onnx);

  // auto: a GPU provider won; otherwise tfjs-node-gpu comes before ONNX Runtime on the CPU.
  if (onnx && onnx.describe().provider !== 'cpu') return done(onnx);
  const { TfjsPredictor } = await import('./tfjs/engine.ts');
  try {
    const gpu = await TfjsPredictor.create(spec, weights, 'tensorflow-gpu');
    onnx?.dispose();
    return done(gpu);
  } catch (e) {
    tried.push(`tfjs tensorflow-gpu: ${firstLine(e).replace(/^.*?: [\w-]+: /, '')}`);
  }
  if (onnx) return done(onnx);
  for (const backend of ['wasm', 'cpu'] as const) {
    try {
      return done(await TfjsPredictor.create(spec, weights, backend));
    } catch (e) {
      tried.push(`tfjs ${backend}: ${firstLine(e)}`);
    }
  }
  throw new Error(`no inference engine could be loaded: ${tried.join('; ')}`);
}
