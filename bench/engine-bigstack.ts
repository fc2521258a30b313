/**
 * Whole-stack denoising of a 10×2160×2160 stack (the paper's microscopy size) through the tiled
 * predictor (main/engine/predict.ts): time and peak resident memory. The network is the full-width
 * CSBDeep U-Net (2 input planes) with seeded weights; the data are seeded noise (speed and memory
 * do not depend on the values).
 *
 *   node --import tsx bench/engine-bigstack.ts [--engine onnx|tfjs|fake] [--depth 10] [--size 2160]
 *
 * `fake` replaces the network by the mean of the input channels: it measures the tiling, blending
 * and buffers alone.
 */
import { parseArgs } from 'node:util';
import { buildArch } from '../shared/model/arch.ts';
import { initWeights } from '../shared/model/init.ts';
import { createRng } from '../shared/random.ts';
import { denoiseStack } from '../main/engine/predict.ts';
import type { Predictor } from '../main/engine/types.ts';

const { values: f } = parseArgs({
  options: { engine: { type: 'string', default: 'onnx' }, depth: { type: 'string', default: '10' }, size: { type: 'string', default: '2160' } },
});
const depth = Number(f.depth);
const size = Number(f.size);
const spec = buildArch({ arch: 'csbdeep', inChannels: 2, residualChannels: [0, 1] });
const weights = initWeights(spec, 0);

let peak = process.memoryUsage().rss;
const sample = () => (peak = Math.max(peak, process.memoryUsage().rss));
// Timers only fire when the event loop is free; planes and batches also sample (see onEvent).
const sampler = setInterval(sample, 50);

const fake: Predictor = {
  predictBatch: async (x, n, h, w, cin) => {
    const out = new Float32Array(n * h * w);
    for (let i = 0; i < out.length; i++) {
      let s = 0;
      for (let c = 0; c < cin; c++) s += x[i * cin + c];
      out[i] = s / cin;
    }
    return out;
  },
  describe: () => ({ engine: 'tfjs', backend: 'fake (mean of channels)' }),
  dispose: () => {},
};

async function predictor(): Promise<Predictor> {
  if (f.engine === 'fake') return fake;
  if (f.engine === 'tfjs') {
    const { TfjsPredictor } = await import('../main/engine/tfjs/engine.ts');
    return TfjsPredictor.create(spec, weights, 'auto', (l) => process.stderr.write(`${l}\n`));
  }
  const specifier = '../main/engine/onnx/predictor.ts';
  const mod = (await import(specifier)) as { createOnnxPredictorFromWeights: (s: typeof spec, w: typeof weights, o: object) => Promise<Predictor> };
  return mod.createOnnxPredictorFromWeights(spec, weights, { provider: 'cpu' });
}

const rng = createRng(1);
const data = new Float32Array(depth * size * size);
for (let i = 0; i < data.length; i++) data[i] = rng.next();
const baseline = process.memoryUsage().rss;
const inner = await predictor();
// Sample memory at every batch too, while the predictor's buffers are alive.
const p: Predictor = {
  predictBatch: async (x, n, h, w, cin) => {
    const y = await inner.predictBatch(x, n, h, w, cin);
    sample();
    return y;
  },
  describe: () => inner.describe(),
  dispose: () => inner.dispose(),
};
const t0 = performance.now();
const out = await denoiseStack(p, data, { depth, height: size, width: size }, {
  spec,
  layout: { mode: 'self', k: 1 },
  normalisation: { kind: 'none' },
  onEvent: (e) => {
    sample();
    process.stderr.write(`\rplane ${e.plane + 1}/${e.planes}`);
  },
});
sample();
const seconds = (performance.now() - t0) / 1000;
clearInterval(sampler);
p.dispose();
process.stderr.write('\n');
const mb = (b: number) => (b / 2 ** 20).toFixed(0);
console.log(
  JSON.stringify({
    engine: p.describe(),
    stack: [depth, size, size],
    seconds,
    planesPerSecond: depth / seconds,
    peakRssMiB: Number(mb(peak)),
    rssWithInputMiB: Number(mb(baseline)),
    inputMiB: Number(mb(data.byteLength)),
    outputMiB: Number(mb(out.byteLength)),
  }),
);
