/**
 * A/B of training-graph variants on one thread, interleaved step by step in ONE process, timed in
 * process CPU seconds (robust to other processes on a shared machine, unlike wall time):
 *   node --import tsx bench/onnx-train-ab.ts [csbdeep|n2n] [layoutA] [layoutB] [rounds] [--opt-b basic|extended|all]
 * Layouts are grad-rules.ts' FilterGradLayout values (default shift-slices against shift); --opt-b
 * gives session B another graph optimisation level (A keeps the product's 'all').
 */
import * as ort from 'onnxruntime-node';
import { buildArch } from '../shared/model/arch.ts';
import { initWeights } from '../shared/model/init.ts';
import type { FilterGradLayout } from '../main/engine/onnx/train/grad-rules.ts';
import { buildTrainingGraph } from '../main/engine/onnx/train/training-graph.ts';
import { packParams, paramLayout } from '../main/engine/onnx/train/params.ts';
import { sessionOptions } from '../main/engine/onnx/providers.ts';

const arch = (process.argv[2] ?? 'csbdeep') as 'csbdeep' | 'n2n';
const layouts = [(process.argv[3] ?? 'shift-slices') as FilterGradLayout, (process.argv[4] ?? 'shift') as FilterGradLayout];
const rounds = Number(process.argv[5] && !process.argv[5].startsWith('--') ? process.argv[5] : '8');
const spec = buildArch(arch === 'csbdeep' ? { arch, inChannels: 2, residualChannels: [0, 1] } : { arch, inChannels: 4 });
const s = 128, n = 4;
const L = paramLayout(spec);
const p = packParams(L, initWeights(spec, 0));
const T = (d: Float32Array, dims: number[]) => new ort.Tensor('float32', d, dims);
const feeds = {
  x: T(new Float32Array(n * s * s * spec.inChannels).map(Math.random), [n, s, s, spec.inChannels]),
  y: T(new Float32Array(n * s * s).map(Math.random), [n, 1, s, s]),
  params: T(p, [L.total]),
  adam_m: T(new Float32Array(L.total), [L.total]),
  adam_v: T(new Float32Array(L.total), [L.total]),
  adam_c1: T(new Float32Array([0.1]), []),
  adam_c2: T(new Float32Array([0.001]), []),
  lr: T(new Float32Array([1e-3]), []),
};
const optAt = process.argv.indexOf('--opt-b');
const optB = optAt > 0 ? (process.argv[optAt + 1] as 'basic' | 'extended' | 'all') : 'all';
const sessions = await Promise.all(
  layouts.map((fg, i) =>
    ort.InferenceSession.create(buildTrainingGraph({ spec, height: s, width: s, masked: false, output: 'step', filterGrad: fg }), { ...sessionOptions('cpu', 1), graphOptimizationLevel: i === 1 ? optB : 'all' }),
  ),
);
const cpu: number[][] = layouts.map(() => []);
for (const ss of sessions) await ss.run(feeds);
for (let r = 0; r < rounds; r++) {
  for (let i = 0; i < sessions.length; i++) {
    const c0 = process.cpuUsage();
    await sessions[i].run(feeds);
    const c = process.cpuUsage(c0);
    cpu[i].push((c.user + c.system) / 1e6);
  }
}
const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];
for (let i = 0; i < layouts.length; i++) console.log(`${arch} ${layouts[i].padEnd(13)} CPU s/step median ${median(cpu[i]).toFixed(3)} min ${Math.min(...cpu[i]).toFixed(3)}`);
console.log(`ratio B/A (median) ${(median(cpu[1]) / median(cpu[0])).toFixed(3)}`);
for (const ss of sessions) await ss.release();
