/**
 * The predictor's session against the symbolic-shape graph it replaced: one plane (or tile) through
 * ONNX Runtime's CPU provider, interleaved round by round, and the largest difference of the outputs.
 *   symbolic: the literal forward graph, symbolic batch/height/width, no memory pattern (before)
 *   fixed:    fixed input dimensions, skip concatenations split into summed convolutions (fused by
 *             ONNX Runtime), memory pattern off as before (main/engine/onnx/predictor.ts)
 *   node --import tsx bench/onnx-fixed-shape.ts [csbdeep|n2n] [N,H,W] [rounds]
 * ARENA=0 turns ONNX Runtime's CPU memory arena off for the fixed session (measured: 25 % slower).
 */
import * as ort from 'onnxruntime-node';
import { buildArch } from '../shared/model/arch.ts';
import { initWeights } from '../shared/model/init.ts';
import { buildForwardModel, INPUT_NAME, OUTPUT_NAME } from '../main/engine/onnx/forward.ts';

const arch = (process.argv[2] ?? 'csbdeep') as 'csbdeep' | 'n2n';
const [n, h, w] = (process.argv[3] ?? '1,1024,1024').split(',').map(Number);
const rounds = Number(process.argv[4] ?? '7');
const cin = 2;
const spec = buildArch({ arch, inChannels: cin, residualChannels: arch === 'csbdeep' ? [0, 1] : [] });
const weights = initWeights(spec, 3);
const x = new ort.Tensor('float32', new Float32Array(n * h * w * cin).map(() => Math.random()), [n, h, w, cin]);
const base = { graphOptimizationLevel: 'all', intraOpNumThreads: 2 } as const;
const sessions = {
  symbolic: await ort.InferenceSession.create(buildForwardModel(spec, weights, { layout: 'nhwc' }), { ...base, enableMemPattern: false }),
  fixed: await ort.InferenceSession.create(buildForwardModel(spec, weights, { layout: 'nhwc', fixedShape: { batch: n, height: h, width: w } }), { ...base, enableMemPattern: false, enableCpuMemArena: process.env.ARENA !== '0' }),
};
const outs: Record<string, Float32Array> = {};
const times: Record<string, number[]> = { symbolic: [], fixed: [] };
for (const [k, s] of Object.entries(sessions)) outs[k] = (await s.run({ [INPUT_NAME]: x }))[OUTPUT_NAME].data as Float32Array;
for (let r = 0; r < rounds; r++)
  for (const [k, s] of r % 2 ? Object.entries(sessions).reverse() : Object.entries(sessions)) {
    const t0 = performance.now();
    await s.run({ [INPUT_NAME]: x });
    times[k].push(performance.now() - t0);
  }
let maxDiff = 0;
for (let i = 0; i < outs.symbolic.length; i++) maxDiff = Math.max(maxDiff, Math.abs(outs.symbolic[i] - outs.fixed[i]));
const med = (a: number[]) => [...a].sort((p, q) => p - q)[a.length >> 1];
console.log(`${arch} ${n}×${h}×${w}: symbolic ${med(times.symbolic).toFixed(0)} ms, fixed ${med(times.fixed).toFixed(0)} ms, ratio ${(med(times.fixed) / med(times.symbolic)).toFixed(3)}; max |difference| ${maxDiff.toExponential(2)}`);
