/**
 * Where the time of one ONNX inference goes: ONNX Runtime's own profiler, kernel time summed per
 * operator type over 3 runs, for tuning the forward graph and the predictor's session options.
 *   node --import tsx bench/onnx-infer-profile.ts [csbdeep|n2n] [N,H,W] [threads]
 */
import * as ort from 'onnxruntime-node';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildArch } from '../shared/model/arch.ts';
import { initWeights } from '../shared/model/init.ts';
import { buildForwardModel, INPUT_NAME } from '../main/engine/onnx/forward.ts';

const arch = (process.argv[2] ?? 'csbdeep') as 'csbdeep' | 'n2n';
const [n, h, w] = (process.argv[3] ?? '1,1024,1024').split(',').map(Number);
const threads = Number(process.argv[4] ?? '2');
const dir = mkdtempSync(join(tmpdir(), 'n2s-ortprof-'));
const spec = buildArch({ arch, inChannels: 2, residualChannels: arch === 'csbdeep' ? [0, 1] : [] });
const model = buildForwardModel(spec, initWeights(spec, 0), { layout: 'nhwc' });
const sess = await ort.InferenceSession.create(model, { graphOptimizationLevel: 'all', intraOpNumThreads: threads, enableProfiling: true, profileFilePrefix: join(dir, 'ortprof') });
const x = new ort.Tensor('float32', new Float32Array(n * h * w * 2).map(Math.random), [n, h, w, 2]);
const runs = 3;
for (let i = 0; i < runs; i++) await sess.run({ [INPUT_NAME]: x });
sess.endProfiling();
await sess.release();
const file = join(dir, readdirSync(dir).filter((f) => f.startsWith('ortprof')).sort().at(-1) ?? '');
const ev = JSON.parse(readFileSync(file, 'utf8')) as { cat: string; name: string; dur: number; args?: { op_name?: string } }[];
const by = new Map<string, number>();
for (const e of ev.filter((q) => q.cat === 'Node' && q.name.endsWith('_kernel_time'))) by.set(e.args?.op_name ?? '?', (by.get(e.args?.op_name ?? '?') ?? 0) + e.dur / runs / 1000);
const total = [...by.values()].reduce((a, b) => a + b, 0);
console.log(arch, `${n}×${h}×${w}`, 'kernel ms per run', total.toFixed(0));
for (const [k, v] of [...by].sort((a, b) => b[1] - a[1]).slice(0, 14)) console.log(k.padEnd(16), v.toFixed(1));
rmSync(dir, { recursive: true });
