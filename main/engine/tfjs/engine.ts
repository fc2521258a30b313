/**
 * The tfjs implementations of TrainEngine and Predictor. Adam is written out here (PyTorch's form:
 * w −= lr·m̂/(√v̂ + ε), bias-corrected moments) rather than taken from tf.train.adam, so the learning
 * rate can change every epoch and the ONNX engine can implement the identical update.
 */
import * as tf from '@tensorflow/tfjs';
import type { ArchSpec } from '../../../shared/model/arch.ts';
import type { NamedWeights } from '../../../shared/model/init.ts';
import type { AdamOptions, Batch, EngineReport, Predictor, TrainEngine, TrainEngineOptions } from '../types.ts';
import { selectBackend, type BackendChoice } from './backend.ts';
import { buildUnet, getNamedWeights, namedVariables, setNamedWeights } from './unet.ts';

/** Mean squared error, or the mean over mask = 1 pixels when a mask is given (Noise2Void). */
export function mseLoss(pred: tf.Tensor, y: tf.Tensor, mask?: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const d2 = tf.squaredDifference(pred, y);
    if (!mask) return tf.mean(d2) as tf.Scalar;
    return tf.div(tf.sum(tf.mul(d2, mask)), tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
  });
}

function batchTensors(b: Batch): { x: tf.Tensor4D; y: tf.Tensor4D; mask?: tf.Tensor4D } {
  return {
    x: tf.tensor4d(b.x, [b.n, b.h, b.w, b.cin]),
    y: tf.tensor4d(b.y, [b.n, b.h, b.w, b.cout ?? 1]),
    mask: b.mask ? tf.tensor4d(b.mask, [b.n, b.h, b.w, b.cout ?? 1]) : undefined,
  };
}

export class TfjsTrainEngine implements TrainEngine {
  private model: tf.LayersModel | null = null;
  private vars: Map<string, tf.Variable> = new Map();
  private moments: Map<string, { m: tf.Variable; v: tf.Variable }> = new Map();
  private t = 0;
  private adam: AdamOptions = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
  private backend = 'unknown';

  async init(spec: ArchSpec, weights: NamedWeights, opts: TrainEngineOptions): Promise<void> {
    this.backend = await selectBackend((opts.backend ?? 'auto') as BackendChoice, opts.log);
    this.adam = opts.adam;
    this.model = buildUnet(spec);
    setNamedWeights(this.model, weights);
    this.vars = namedVariables(this.model);
    for (const [name, v] of this.vars) {
      // tf.variable shares its initial tensor's data; dispose the initialiser so it is not counted.
      const zeros = () => {
        const z = tf.zerosLike(v);
        const variable = tf.variable(z, false);
        z.dispose();
        return variable;
      };
      this.moments.set(name, { m: zeros(), v: zeros() });
    }
  }

  private need(): tf.LayersModel {
    if (!this.model) throw new Error('training engine used before init()');
    return this.model;
  }

  async step(batch: Batch, lr: number): Promise<number> {
    const model = this.need();
    const { x, y, mask } = batchTensors(batch);
    const names = [...this.vars.keys()];
    const varList = names.map((n) => this.vars.get(n) as tf.Variable);
    const { value, grads } = tf.variableGrads(() => mseLoss(model.apply(x, { training: true }) as tf.Tensor, y, mask), varList);
    this.t += 1;
    const { beta1: b1, beta2: b2, epsilon: eps } = this.adam;
    const c1 = 1 - Math.pow(b1, this.t);
    const c2 = 1 - Math.pow(b2, this.t);
    tf.tidy(() => {
      for (const n of names) {
        const w = this.vars.get(n) as tf.Variable;
        const g = grads[w.name];
        const mv = this.moments.get(n) as { m: tf.Variable; v: tf.Variable };
        mv.m.assign(tf.add(tf.mul(mv.m, b1), tf.mul(g, 1 - b1)));
        mv.v.assign(tf.add(tf.mul(mv.v, b2), tf.mul(tf.square(g), 1 - b2)));
        const denom = tf.add(tf.sqrt(tf.div(mv.v, c2)), eps);
        w.assign(tf.sub(w, tf.mul(tf.div(tf.div(mv.m, c1), denom), lr)));
      }
    });
    const loss = (await value.data())[0];
    tf.dispose([x, y, mask, value, ...Object.values(grads)].filter((t): t is tf.Tensor => t !== undefined));
    return loss;
  }

  async evaluate(batch: Batch): Promise<number> {
    const model = this.need();
    const { x, y, mask } = batchTensors(batch);
    const l = tf.tidy(() => mseLoss(model.apply(x, { training: false }) as tf.Tensor, y, mask));
    const v = (await l.data())[0];
    tf.dispose([x, y, l, ...(mask ? [mask] : [])]);
    return v;
  }

  getWeights(): Promise<NamedWeights> {
    return getNamedWeights(this.need());
  }

  /** The underlying model (for saving in tfjs layers format). */
  layersModel(): tf.LayersModel {
    return this.need();
  }

  describe(): EngineReport {
    return { engine: 'tfjs', backend: this.backend };
  }

  dispose(): void {
    for (const { m, v } of this.moments.values()) tf.dispose([m, v]);
    this.moments.clear();
    this.model?.dispose();
    this.model = null;
    this.vars.clear();
  }
}

export class TfjsPredictor implements Predictor {
  private constructor(
    private readonly model: tf.LayersModel,
    private readonly backend: string,
  ) {}

  static async create(spec: ArchSpec, weights: NamedWeights, backend: BackendChoice = 'auto', log?: (l: string) => void): Promise<TfjsPredictor> {
    const name = await selectBackend(backend, log);
    const model = buildUnet(spec);
    setNamedWeights(model, weights);
    return new TfjsPredictor(model, name);
  }

  async predictBatch(x: Float32Array, n: number, h: number, w: number, cin: number): Promise<Float32Array> {
    const out = tf.tidy(() => this.model.apply(tf.tensor4d(x, [n, h, w, cin]), { training: false }) as tf.Tensor);
    const data = (await out.data()) as Float32Array;
    out.dispose();
    return data;
  }

  describe(): EngineReport {
    return { engine: 'tfjs', backend: this.backend };
  }

  dispose(): void {
    this.model.dispose();
  }
}
