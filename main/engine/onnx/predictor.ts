/**
 * Inference through ONNX Runtime: the model's named weights are written into the forward graph in
 * memory (forward.ts, NHWC in and out so tiles pass straight through) and run on the chosen
 * execution provider with one intra-op thread per core. The tiling and blending of whole stacks is
 * predict.ts's job; this is a Predictor for batches of tiles.
 */
import * as ort from 'onnxruntime-node';
import { type ArchSpec, outputChannels } from '../../../shared/model/arch.ts';
import { tilePixelBudget } from '../predict.ts';
import type { EngineReport, NamedWeights, Predictor } from '../types.ts';
import { buildForwardModel, INPUT_NAME, OUTPUT_NAME } from './forward.ts';
import {
  defaultThreads,
  GPU_PROVIDERS,
  type OrtProvider,
  type ProviderAttempt,
  type ProviderChoice,
  providerOrder,
  sessionOptions,
  tryCreateSession,
} from './providers.ts';

export interface OnnxEngineReport extends EngineReport {
  engine: 'onnx';
  provider: OrtProvider;
  /** Every provider tried, in order, with why it did or did not load / was not chosen. */
  attempts: ProviderAttempt[];
}

export interface OnnxPredictor extends Predictor {
  readonly report: OnnxEngineReport;
  describe(): OnnxEngineReport;
}

export interface OnnxPredictorOptions {
  provider?: ProviderChoice;
  threads?: number;
  /** One-line notices (fall-backs); printed once by the CLI. */
  log?: (line: string) => void;
  /**
   * Under provider 'auto', a GPU provider that loads is timed against the CPU provider on one tile
   * of this size and kept only if faster: a software Vulkan adapter (llvmpipe) loads fine but is
   * ~15× slower than the CPU provider. 0 disables the comparison.
   */
  calibrationTile?: number;
}

/** What the CPU provider needs to build a session for one tile shape. */
interface ShapedSource {
  spec: ArchSpec;
  weights: NamedWeights;
  threads: number;
  /**
   * Pixels (n·h·w) the cached sessions may hold together: their arenas keep their largest run. Two
   * tiles' worth, so a tile and its rotated test-time variant (h×w and w×h, alternating call by call)
   * keep their sessions; measured, an arena holds about 2/3 of activationBytesPerPixel's estimate.
   */
  maxPixels: number;
}

/** Sessions kept per tile shape: a run's tiles, a smaller last batch, a rotated TTA variant. */
const MAX_SHAPED_SESSIONS = 3;

class OrtPredictor implements OnnxPredictor {
  private readonly shaped = new Map<string, { session: Promise<ort.InferenceSession>; pixels: number }>();

  constructor(
    private readonly session: ort.InferenceSession,
    readonly report: OnnxEngineReport,
    private readonly cout: number,
    /** CPU provider: one session per tile shape (fixedShapeSession); otherwise the symbolic session. */
    private readonly shapedSource: ShapedSource | null = null,
  ) {}

  /**
   * On the CPU provider a tile runs on a session built for its exact shape, with the skip
   * concatenations split (forward.ts fixedShape): ONNX Runtime then fuses them, 3–5 % faster per
   * plane (bench/onnx-fixed-shape.ts) — same outputs to float32 rounding. Tiles of one run share one
   * shape, so this costs one session creation per run.
   */
  private sessionFor(n: number, h: number, w: number): Promise<ort.InferenceSession> {
    const src = this.shapedSource;
    if (!src) return Promise.resolve(this.session);
    const key = `${n}x${h}x${w}`;
    const hit = this.shaped.get(key);
    if (hit) {
      this.shaped.delete(key);
      this.shaped.set(key, hit); // most recently used last
      return hit.session;
    }
    const pixels = n * h * w;
    const held = () => [...this.shaped.values()].reduce((a, e) => a + e.pixels, 0);
    for (const [k, e] of this.shaped) {
      if (this.shaped.size < MAX_SHAPED_SESSIONS && held() + pixels <= src.maxPixels) break;
      this.shaped.delete(k);
      void e.session.then((s) => (s === this.session ? undefined : s.release())).catch(() => undefined);
    }
    const model = buildForwardModel(src.spec, src.weights, { layout: 'nhwc', fixedShape: { batch: n, height: h, width: w } });
    const session = ort.InferenceSession.create(model, sessionOptions('cpu', src.threads, INFERENCE_OPTIONS)).catch(() => this.session);
    this.shaped.set(key, { session, pixels });
    return session;
  }

  async predictBatch(x: Float32Array, n: number, h: number, w: number, cin: number): Promise<Float32Array> {
    if (x.length !== n * h * w * cin) throw new Error(`predictBatch: ${x.length} values for [${n},${h},${w},${cin}]`);
    const input = new ort.Tensor('float32', x, [n, h, w, cin]);
    const session = await this.sessionFor(n, h, w);
    const out = await session.run({ [INPUT_NAME]: input });
    const y = out[OUTPUT_NAME];
    const data = y.data;
    if (!(data instanceof Float32Array) || data.length !== n * h * w * this.cout) {
      throw new Error(`ONNX Runtime returned ${y.type} [${y.dims}] for [${n},${h},${w},${this.cout}]`);
    }
    return data;
  }

  describe(): OnnxEngineReport {
    return this.report;
  }

  dispose(): void {
    for (const e of this.shaped.values()) void e.session.then((s) => (s === this.session ? undefined : s.release())).catch(() => undefined);
    this.shaped.clear();
    void this.session.release();
  }
}

/** Inference tiles vary in shape, so ONNX Runtime's memory pattern would only keep peak memory high (providers.ts). */
const INFERENCE_OPTIONS = { enableMemPattern: false } as const;

async function timeOneTile(session: ort.InferenceSession, cin: number, size: number): Promise<number> {
  const x = new ort.Tensor('float32', new Float32Array(size * size * cin).fill(0.5), [1, size, size, cin]);
  await session.run({ [INPUT_NAME]: x }); // the first run compiles kernels/shaders
  const t0 = performance.now();
  await session.run({ [INPUT_NAME]: x });
  return (performance.now() - t0) / 1000;
}

/** Creates the session on the first provider that loads (and, under 'auto', is faster than CPU). */
async function openSession(
  model: Uint8Array,
  spec: ArchSpec,
  opts: OnnxPredictorOptions,
): Promise<{ session: ort.InferenceSession; provider: OrtProvider; attempts: ProviderAttempt[] }> {
  const choice = opts.provider ?? 'auto';
  const threads = opts.threads ?? defaultThreads();
  const attempts: ProviderAttempt[] = [];
  let cpu: { session: ort.InferenceSession; attempt: ProviderAttempt } | undefined;
  const cpuSession = async (): Promise<{ session: ort.InferenceSession; attempt: ProviderAttempt }> => {
    if (cpu) return cpu;
    const r = await tryCreateSession(model, 'cpu', threads, INFERENCE_OPTIONS);
    if (!r.session) throw new Error(`ONNX Runtime could not load the model on the CPU provider: ${r.attempt.reason}`);
    cpu = { session: r.session, attempt: r.attempt };
    return cpu;
  };
  for (const p of providerOrder(choice)) {
    if (p === 'cpu') {
      const c = await cpuSession();
      attempts.push(c.attempt);
      return { session: c.session, provider: 'cpu', attempts };
    }
    const r = await tryCreateSession(model, p, threads, INFERENCE_OPTIONS);
    if (!r.session) {
      attempts.push(r.attempt);
      continue;
    }
    const size = opts.calibrationTile ?? 2 * 64;
    if (choice === 'auto' && GPU_PROVIDERS.includes(p) && size > 0) {
      const tile = Math.ceil(size / spec.divisor) * spec.divisor;
      const tGpu = await timeOneTile(r.session, spec.inChannels, tile);
      const tCpu = await timeOneTile((await cpuSession()).session, spec.inChannels, tile);
      if (tGpu >= tCpu) {
        attempts.push({
          ...r.attempt,
          reason: `loaded, but slower than the CPU provider on a ${tile}² tile (${tGpu.toFixed(3)} s vs ${tCpu.toFixed(3)} s; a software adapter?)`,
        });
        await r.session.release();
        continue;
      }
      attempts.push({ ...r.attempt, reason: `faster than the CPU provider on a ${tile}² tile (${tGpu.toFixed(3)} s vs ${tCpu.toFixed(3)} s)` });
      await cpu?.session.release();
      return { session: r.session, provider: p, attempts };
    }
    attempts.push(r.attempt);
    return { session: r.session, provider: p, attempts };
  }
  throw new Error('unreachable: the provider order always ends with cpu');
}

/** A one-line summary of what was tried, e.g. "webgpu: No supported adapters; using cpu". */
export function describeAttempts(provider: OrtProvider, attempts: ProviderAttempt[]): string {
  const others = attempts.filter((a) => a.provider !== provider);
  const tried = others.map((a) => `${a.provider}: ${a.reason ?? (a.ok ? 'loaded' : 'failed')}`);
  return tried.length ? `${tried.join('; ')} -> using ${provider}` : `using ${provider}`;
}

/** A Predictor on ONNX Runtime for the given architecture and its named weights. */
export async function createOnnxPredictorFromWeights(
  spec: ArchSpec,
  weights: NamedWeights,
  opts: OnnxPredictorOptions = {},
): Promise<OnnxPredictor> {
  const known: ProviderChoice[] = ['auto', 'cpu', ...GPU_PROVIDERS];
  if (opts.provider !== undefined && !known.includes(opts.provider)) {
    throw new Error(`unknown ONNX Runtime execution provider "${opts.provider}" (${known.join('|')})`);
  }
  const model = buildForwardModel(spec, weights, { layout: 'nhwc' });
  const { session, provider, attempts } = await openSession(model, spec, opts);
  const threads = opts.threads ?? defaultThreads();
  const requested = opts.provider ?? 'auto';
  const fellBack = requested !== 'auto' && requested !== provider;
  const note = describeAttempts(provider, attempts);
  if (fellBack) opts.log?.(`onnx: provider ${requested} did not load, falling back to ${provider} (${note})`);
  else if (requested === 'auto' && attempts.length > 1) opts.log?.(`onnx: ${note}`);
  const report: OnnxEngineReport = { engine: 'onnx', backend: provider, provider, threads, note, attempts };
  const shaped = provider === 'cpu' ? { spec, weights, threads, maxPixels: 2 * tilePixelBudget(spec) } : null;
  return new OrtPredictor(session, report, outputChannels(spec), shaped);
}

/**
 * A Predictor on ONNX Runtime for a model folder (model.json + weights.bin + config.json of
 * model-store.ts): the same weights the tfjs engine loads, read without tfjs.
 */
export async function createOnnxPredictor(modelDir: string, opts: OnnxPredictorOptions = {}): Promise<OnnxPredictor> {
  const { loadModel } = await import('../model-store.ts');
  const { spec, weights } = await loadModel(modelDir);
  return createOnnxPredictorFromWeights(spec, weights, opts);
}
