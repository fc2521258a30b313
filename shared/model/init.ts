import { createRng } from '../random.ts';
import { type ArchSpec, weightShapes } from './arch.ts';

export type NamedWeights = Map<string, { shape: number[]; data: Float32Array }>;

/**
 * Seeded Glorot-uniform kernels and zero biases (Keras' defaults, which CSBDeep and tfjs use), so
 * that every engine can start from the very same weights for a given seed.
 */
export function initWeights(spec: ArchSpec, seed: number): NamedWeights {
  const rng = createRng(seed);
  const out: NamedWeights = new Map();
  for (const { name, shape } of weightShapes(spec)) {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    if (name.endsWith('/kernel')) {
      const [kh, kw, cin, cout] = shape;
      const limit = Math.sqrt(6 / (kh * kw * cin + kh * kw * cout));
      for (let i = 0; i < size; i++) data[i] = (rng.next() * 2 - 1) * limit;
    }
    out.set(name, { shape, data });
  }
  return out;
}
