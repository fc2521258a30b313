/**
 * Builds a tfjs LayersModel from an ArchSpec (shared/model/arch.ts). Layer names are the spec's node
 * names, so the saved weight names are exactly `${conv}/kernel` and `${conv}/bias` — the names every
 * engine and the model store use.
 */
import * as tf from '@tensorflow/tfjs';
import type { ArchSpec } from '../../../shared/model/arch.ts';
import type { NamedWeights } from '../../../shared/model/init.ts';

type Shape = (number | null)[];

/** Adds the mean of some network-input channels to the output (the spec's 'residual' node). */
export class ResidualMean extends tf.layers.Layer {
  static className = 'N2SResidualMean';
  readonly channels: number[];

  constructor(config: { name: string; channels: number[] }) {
    super({ name: config.name });
    this.channels = config.channels;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return (inputShape as Shape[])[0];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [out, input] = inputs as tf.Tensor[];
      const parts = this.channels.map((c) => tf.slice(input, [0, 0, 0, c], [-1, -1, -1, 1]));
      const mean = parts.length === 1 ? parts[0] : tf.div(tf.addN(parts), parts.length);
      return tf.add(out, mean);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), channels: this.channels };
  }
}
tf.serialization.registerClass(ResidualMean);

export function buildUnet(spec: ArchSpec): tf.LayersModel {
  const input = tf.input({ shape: [null, null, spec.inChannels], name: spec.inputName });
  const out = new Map<string, tf.SymbolicTensor>([[spec.inputName, input]]);
  const get = (n: string) => {
    const t = out.get(n);
    if (!t) throw new Error(`arch node input ${n} not defined before use`);
    return t;
  };
  for (const n of spec.nodes) {
    let y: tf.SymbolicTensor;
    switch (n.op) {
      case 'conv': {
        const leaky = n.activation === 'leaky0.1';
        y = tf.layers
          .conv2d({
            name: n.name,
            filters: n.filters,
            kernelSize: n.kernel,
            padding: 'same',
            activation: n.activation === 'relu' ? 'relu' : 'linear',
          })
          .apply(get(n.input)) as tf.SymbolicTensor;
        if (leaky) y = tf.layers.leakyReLU({ name: `${n.name}_leaky`, alpha: 0.1 }).apply(y) as tf.SymbolicTensor;
        break;
      }
      case 'maxpool':
        y = tf.layers.maxPooling2d({ name: n.name, poolSize: 2, strides: 2 }).apply(get(n.input)) as tf.SymbolicTensor;
        break;
      case 'upsample':
        y = tf.layers.upSampling2d({ name: n.name, size: [2, 2] }).apply(get(n.input)) as tf.SymbolicTensor;
        break;
      case 'concat':
        y = tf.layers.concatenate({ name: n.name, axis: -1 }).apply(n.inputs.map(get)) as tf.SymbolicTensor;
        break;
      case 'residual':
        y = new ResidualMean({ name: n.name, channels: n.channels }).apply([get(n.input), input]) as tf.SymbolicTensor;
        break;
    }
    out.set(n.name, y);
  }
  return tf.model({ inputs: input, outputs: get(spec.output), name: `n2s_${spec.arch}` });
}

/** The model's trainable variables keyed by their stored name (`${layer}/kernel`, `${layer}/bias`). */
export function namedVariables(model: tf.LayersModel): Map<string, tf.Variable> {
  const m = new Map<string, tf.Variable>();
  for (const w of model.trainableWeights) m.set(w.originalName, w.read() as tf.Variable);
  return m;
}

/** Loads named weights into the model; every model weight must be present with the same shape. */
export function setNamedWeights(model: tf.LayersModel, weights: NamedWeights): void {
  for (const [name, v] of namedVariables(model)) {
    const w = weights.get(name);
    if (!w) throw new Error(`weights lack ${name}`);
    if (w.shape.join('x') !== v.shape.join('x')) {
      throw new Error(`weight ${name} has shape ${w.shape.join('×')}, the model needs ${v.shape.join('×')}`);
    }
    tf.tidy(() => v.assign(tf.tensor(w.data, w.shape)));
  }
}

export async function getNamedWeights(model: tf.LayersModel): Promise<NamedWeights> {
  const out: NamedWeights = new Map();
  for (const [name, v] of namedVariables(model)) {
    out.set(name, { shape: v.shape.slice(), data: (await v.data()) as Float32Array });
  }
  return out;
}
