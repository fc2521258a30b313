/**
 * Where the time of one ONNX training step goes: ONNX Runtime's own profiler, kernel time summed
 * per operator type over 4 steps (batch 4, 128², full width), for tuning grad-rules.ts layouts.
 *   node --import tsx bench/onnx-train-profile.ts [csbdeep|n2n] [im2col|windows|conv] [threads] [--plain] [--nodes]
 * --plain: plain Conv nodes instead of the blocked (NCHWc) convolutions the trainer uses on the CPU.
 */
import * as ort from 'onnxruntime-node';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildArch } from '../shared/model/arch.ts';
import { initWeights } from '../shared/model/init.ts';
import type { FilterGradLayout } from '../main/engine/onnx/train/grad-rules.ts';
import { buildTrainingGraph } from '../main/engine/onnx/train/training-graph.ts';
import { packParams, paramLayout } from '../main/engine/onnx/train/params.ts';
import { nchwcBlockSize } from '../main/engine/onnx/providers.ts';
const arch = (process.argv[2] ?? 'csbdeep') as 'csbdeep' | 'n2n';
const fg = (process.argv[3] ?? 'shift') as FilterGradLayout;
const threads = Number(process.argv[4] ?? '2');
const dir = mkdtempSync(join(tmpdir(), 'n2s-ortprof-'));
const spec = buildArch({ arch, inChannels: 2, residualChannels: arch === 'csbdeep' ? [0, 1] : [] });
const s = 128, n = 4;
const nchwcBlock = process.argv.includes('--plain') ? 0 : await nchwcBlockSize();
const bytes = buildTrainingGraph({ spec, height: s, width: s, masked: false, output: 'step', filterGrad: fg, nchwcBlock });
const sess = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all', intraOpNumThreads: threads, enableProfiling: true, profileFilePrefix: join(dir, 'ortprof') });
const L = paramLayout(spec);
const p = packParams(L, initWeights(spec, 0));
const T = (d: Float32Array, dims: number[]) => new ort.Tensor('float32', d, dims);
const feeds = { x: T(new Float32Array(n * s * s * 2).map(Math.random), [n, s, s, 2]), y: T(new Float32Array(n * s * s).map(Math.random), [n, 1, s, s]), params: T(p, [L.total]), adam_m: T(new Float32Array(L.total), [L.total]), adam_v: T(new Float32Array(L.total), [L.total]), adam_c1: T(new Float32Array([0.1]), []), adam_c2: T(new Float32Array([0.001]), []), lr: T(new Float32Array([1e-3]), []) };
for (let i = 0; i < 4; i++) await sess.run(feeds);
sess.endProfiling(); await sess.release();
const file = join(dir, readdirSync(dir).filter((f) => f.startsWith('ortprof')).sort().at(-1) ?? '');
const ev = JSON.parse(readFileSync(file, 'utf8')) as { cat: string; name: string; dur: number; args?: { op_name?: string; output_type_shape?: unknown } }[];
const nodeEv = ev.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'));
const by = new Map<string, number>();
for (const e of nodeEv) by.set(e.args?.op_name ?? '?', (by.get(e.args?.op_name ?? '?') ?? 0) + e.dur / 4 / 1000);
const total = [...by.values()].reduce((a, b) => a + b, 0);
console.log(arch, fg, nchwcBlock ? `NCHWc block ${nchwcBlock}` : 'plain convolutions', 'total ms per step', total.toFixed(0));
for (const [k, v] of [...by].sort((a, b) => b[1] - a[1]).slice(0, 14)) console.log(k.padEnd(16), v.toFixed(1));

if (process.argv.includes('--nodes')) {
  // Per node with its output shape: which layers' rules cost most.
  const byNode = new Map<string, number>();
  for (const e of nodeEv) {
    const k = `${e.args?.op_name ?? '?'} ${e.name.replace(/_kernel_time$/, '')} → ${JSON.stringify(e.args?.output_type_shape ?? '')}`;
    byNode.set(k, (byNode.get(k) ?? 0) + e.dur / 4 / 1000);
  }
  for (const [k, v] of [...byNode].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(v.toFixed(1).padStart(7), k);
}
rmSync(dir, { recursive: true });
