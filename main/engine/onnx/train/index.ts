/**
 * The ONNX Runtime training engine: each step runs ONE graph (forward + loss + backward + Adam,
 * training-graph.ts) in onnxruntime-node, on the CPU provider or a GPU provider (WebGPU, DirectML,
 * CUDA) without libtensorflow. main/engine/train.ts loads this module dynamically for engine 'onnx'.
 *
 * State between steps: the flat weight vector and the two Adam moments live in two sets of
 * onnxruntime Tensors used ping-pong: a step reads set A and ONNX Runtime writes its results
 * straight into set B's preallocated buffers (run()'s fetches), then the sets swap, so no
 * per-step allocation or copy happens in JavaScript. onnxruntime-node 1.30 has no device-resident
 * ("gpu-buffer") outputs in Node, so on a GPU provider the vectors cross to host memory once per
 * step (~2 MB for the CSBDeep U-Net).
 *
 * onnxruntime-node runs a session synchronously on the calling thread (inside a setImmediate), so
 * this class blocks its thread during a step; createOnnxTrainEngine() therefore wraps it in a worker
 * thread (worker-engine.ts), which lets the trainer sample the next batch while a step runs.
 */
import * as ort from 'onnxruntime-node';
import { type ArchSpec, outputChannels } from '../../../../shared/model/arch.ts';
import type { AdamOptions, Batch, EngineReport, NamedWeights, TrainEngine, TrainEngineOptions } from '../../types.ts';
import { DEFAULT_ADAM } from '../../types.ts';
import { Provider } from '../../../../shared/config/enums.ts';
import { defaultThreads, nchwcBlockSize, type OrtProvider, providerOrder, type ProviderChoice, tryCreateSession } from '../providers.ts';
import type { FilterGradLayout } from './grad-rules.ts';
import { packParams, type ParamLayout, paramLayout, unpackParams } from './params.ts';
import { adamCorrections, buildTrainingGraph, IO } from './training-graph.ts';

/** [n, pixels, c] → [n, c, pixels]: a joint model's targets, in the graph's layout. */
function nhwcToNchw(v: Float32Array, n: number, pixels: number, c: number): Float32Array {
  const out = new Float32Array(v.length);
  for (let b = 0; b < n; b++) {
    const base = b * pixels * c;
    for (let p = 0; p < pixels; p++) for (let k = 0; k < c; k++) out[base + k * pixels + p] = v[base + p * c + k];
  }
  return out;
}

interface ParamSet {
  params: ort.Tensor;
  m: ort.Tensor;
  v: ort.Tensor;
}

const PROVIDERS: readonly string[] = Provider.options;

function vectorTensor(data: Float32Array): ort.Tensor {
  return new ort.Tensor('float32', data, [data.length]);
}
const scalar = (v: number) => new ort.Tensor('float32', new Float32Array([v]), []);

export class OnnxTrainEngine implements TrainEngine {
  private spec: ArchSpec | null = null;
  private layout: ParamLayout | null = null;
  private adam: AdamOptions = DEFAULT_ADAM;
  private current: ParamSet | null = null;
  private spare: ParamSet | null = null;
  private t = 0;
  private provider: OrtProvider = 'cpu';
  private note: string | undefined;
  private threads = defaultThreads();
  private log: (line: string) => void = () => {};
  private readonly sessions = new Map<string, Promise<ort.InferenceSession>>();

  private readonly filterGrad: FilterGradLayout;
  private readonly blocked: boolean;
  /** NCHWc block size of the graphs built for the chosen provider (0: plain convolutions). */
  private nchwcBlock = 0;

  /**
   * `threads`: ONNX Runtime intra-op threads (default: all cores); `filterGrad`: see grad-rules.ts;
   * `nchwc: false` keeps plain Conv nodes on the CPU provider too (for measuring, nchwc.ts).
   */
  constructor(o: { filterGrad?: FilterGradLayout; threads?: number; nchwc?: boolean } = {}) {
    this.filterGrad = o.filterGrad ?? 'shift';
    this.blocked = o.nchwc ?? true;
    if (o.threads !== undefined) this.threads = Math.max(1, Math.floor(o.threads));
  }

  async init(spec: ArchSpec, weights: NamedWeights, opts: TrainEngineOptions): Promise<void> {
    this.spec = spec;
    this.layout = paramLayout(spec);
    this.adam = opts.adam;
    this.log = opts.log ?? (() => {});
    const flat = packParams(this.layout, weights);
    const zeros = () => new Float32Array(flat.length);
    this.current = { params: vectorTensor(flat), m: vectorTensor(zeros()), v: vectorTensor(zeros()) };
    this.spare = { params: vectorTensor(zeros()), m: vectorTensor(zeros()), v: vectorTensor(zeros()) };
    this.t = 0;
    const choice = opts.provider ?? 'auto';
    if (!PROVIDERS.includes(choice)) throw new Error(`unknown ONNX Runtime provider "${choice}" (use ${PROVIDERS.join(', ')})`);
    await this.chooseProvider(choice as ProviderChoice, opts.patch);
  }

  /**
   * 'auto' trains on the CPU provider: the GPU providers load on machines whose only "GPU" is a
   * software rasteriser (Mesa llvmpipe), where a step is ~30× slower than on the CPU provider, and
   * a wrong automatic choice would cost hours. A GPU provider is used when asked for by name; if it
   * does not load, training falls back to the CPU provider with a one-line notice.
   */
  private async chooseProvider(choice: ProviderChoice, patch: number): Promise<void> {
    const order = choice === 'auto' ? (['cpu'] as OrtProvider[]) : providerOrder(choice);
    const reasons: string[] = [];
    for (const p of order) {
      // The blocked operators are the CPU provider's own; a GPU provider gets plain convolutions.
      this.nchwcBlock = p === 'cpu' && this.blocked ? await nchwcBlockSize() : 0;
      const { session, attempt } = await tryCreateSession(this.graph('step', false, patch, patch), p, this.threads);
      if (session) {
        this.provider = p;
        this.sessions.set(this.key('step', false, patch, patch), Promise.resolve(session));
        if (reasons.length > 0) {
          this.note = `${reasons.join('; ')}; training on the ${p} provider`;
          this.log(`onnx: ${this.note}`);
        }
        return;
      }
      reasons.push(`${p} provider unavailable (${attempt.reason ?? 'unknown reason'})`);
    }
    throw new Error(`no ONNX Runtime provider could load the training graph: ${reasons.join('; ')}`);
  }

  private key(kind: 'step' | 'loss', masked: boolean, h: number, w: number): string {
    return `${kind}:${masked ? 'masked' : 'mse'}:${h}x${w}`;
  }

  private graph(kind: 'step' | 'loss', masked: boolean, h: number, w: number): Uint8Array {
    return buildTrainingGraph({ spec: this.need().spec, height: h, width: w, masked, output: kind, adam: this.adam, filterGrad: this.filterGrad, nchwcBlock: this.nchwcBlock });
  }

  /** One session per graph variant (step/evaluation × MSE/masked × patch size), built on first use. */
  private session(kind: 'step' | 'loss', masked: boolean, h: number, w: number): Promise<ort.InferenceSession> {
    const k = this.key(kind, masked, h, w);
    let s = this.sessions.get(k);
    if (!s) {
      s = (async () => {
        const { session, attempt } = await tryCreateSession(this.graph(kind, masked, h, w), this.provider, this.threads);
        if (!session) throw new Error(`onnx ${this.provider} provider could not load the ${kind} graph: ${attempt.reason ?? 'unknown reason'}`);
        return session;
      })();
      this.sessions.set(k, s);
    }
    return s;
  }

  private need(): { spec: ArchSpec; layout: ParamLayout; current: ParamSet; spare: ParamSet } {
    if (!this.spec || !this.layout || !this.current || !this.spare) throw new Error('training engine used before init()');
    return { spec: this.spec, layout: this.layout, current: this.current, spare: this.spare };
  }

  private batchFeeds(b: Batch): Record<string, ort.Tensor> {
    const { spec } = this.need();
    if (b.cin !== spec.inChannels) throw new Error(`batch has ${b.cin} input channels, the network takes ${spec.inChannels}`);
    if (b.h % spec.divisor !== 0 || b.w % spec.divisor !== 0) throw new Error(`batch patches ${b.h}×${b.w} are not multiples of ${spec.divisor}`);
    const plane = b.n * b.h * b.w;
    const cout = b.cout ?? 1;
    if (cout !== outputChannels(spec)) throw new Error(`batch has ${cout} target channels, the network gives ${outputChannels(spec)}`);
    if (b.x.length !== plane * b.cin || b.y.length !== plane * cout || (b.mask && b.mask.length !== plane)) {
      throw new Error(`batch arrays do not match n=${b.n}, ${b.h}×${b.w}, ${b.cin} channels`);
    }
    const feeds: Record<string, ort.Tensor> = {
      [IO.x]: new ort.Tensor('float32', b.x, [b.n, b.h, b.w, b.cin]),
      // NHWC [n,h,w,1] and NCHW [n,1,h,w] are the same bytes; several target channels are reordered.
      [IO.y]: new ort.Tensor('float32', cout === 1 ? b.y : nhwcToNchw(b.y, b.n, b.h * b.w, cout), [b.n, cout, b.h, b.w]),
    };
    if (b.mask) feeds[IO.mask] = new ort.Tensor('float32', b.mask, [b.n, 1, b.h, b.w]);
    return feeds;
  }

  async step(batch: Batch, lr: number): Promise<number> {
    const { current, spare } = this.need();
    if (!(lr >= 0) || !Number.isFinite(lr)) throw new Error(`learning rate must be a finite number ≥ 0, got ${lr}`);
    const session = await this.session('step', batch.mask !== undefined, batch.h, batch.w);
    const { c1, c2 } = adamCorrections(this.adam, this.t + 1);
    const feeds = {
      ...this.batchFeeds(batch),
      [IO.params]: current.params,
      [IO.m]: current.m,
      [IO.v]: current.v,
      [IO.c1]: scalar(c1),
      [IO.c2]: scalar(c2),
      [IO.lr]: scalar(lr),
    };
    const out = await session.run(feeds, { [IO.loss]: null, [IO.paramsOut]: spare.params, [IO.mOut]: spare.m, [IO.vOut]: spare.v });
    this.t += 1;
    this.current = spare;
    this.spare = current;
    return (out[IO.loss].data as Float32Array)[0];
  }

  async evaluate(batch: Batch): Promise<number> {
    const { current } = this.need();
    const session = await this.session('loss', batch.mask !== undefined, batch.h, batch.w);
    const out = await session.run({ ...this.batchFeeds(batch), [IO.params]: current.params });
    return (out[IO.loss].data as Float32Array)[0];
  }

  async getWeights(): Promise<NamedWeights> {
    const { layout, current } = this.need();
    return unpackParams(layout, current.params.data as Float32Array);
  }

  /** Steps taken since init (Adam's t). */
  get steps(): number {
    return this.t;
  }

  describe(): EngineReport {
    return { engine: 'onnx', backend: this.provider, provider: this.provider, threads: this.provider === 'cpu' ? this.threads : undefined, note: this.note };
  }

  dispose(): void {
    for (const s of this.sessions.values()) void s.then((x) => x.release()).catch(() => {});
    this.sessions.clear();
    this.current = null;
    this.spare = null;
  }
}

/**
 * Factory used by main/engine/train.ts when the engine is 'onnx': the engine in a worker thread
 * (in-process where no worker can start).
 */
export async function createOnnxTrainEngine(): Promise<TrainEngine> {
  const { OnnxWorkerTrainEngine } = await import('./worker-engine.ts');
  return new OnnxWorkerTrainEngine((init) => new OnnxTrainEngine(init));
}

export default createOnnxTrainEngine;
