/**
 * The training step with plain Conv nodes against the blocked (NCHWc) convolutions the CPU provider
 * trains with (main/engine/onnx/nchwc.ts): both U-Nets at full width, batch 4, 128², the same
 * batch and weights, steps interleaved. Prints a table and writes bench/results/onnx-train-nchwc.json.
 *   node --import tsx bench/onnx-train-nchwc.ts [rounds]
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { type ArchOptions, buildArch } from '../shared/model/arch.ts';
import { initWeights } from '../shared/model/init.ts';
import { createRng } from '../shared/random.ts';
import { nchwcBlockSize } from '../main/engine/onnx/providers.ts';
import { OnnxTrainEngine } from '../main/engine/onnx/train/index.ts';
import { DEFAULT_ADAM } from '../main/engine/types.ts';

const ROUNDS = Number(process.argv[2] ?? '10');
const NETS: { label: string; arch: ArchOptions }[] = [
  { label: 'CSBDeep U-Net (2 planes, 32/64/128)', arch: { arch: 'csbdeep', inChannels: 2, residualChannels: [0, 1] } },
  { label: 'Noise2Noise U-Net (4 planes, 48/96, 5 pools)', arch: { arch: 'n2n', inChannels: 4 } },
];
const median = (a: number[]) => [...a].sort((p, q) => p - q)[a.length >> 1];
const rows = [];
for (const net of NETS) {
  const spec = buildArch(net.arch);
  const weights = initWeights(spec, 0);
  const rng = createRng(1);
  const b = { x: new Float32Array(4 * 128 * 128 * spec.inChannels).map(() => rng.normal()), y: new Float32Array(4 * 128 * 128).map(() => rng.normal()), n: 4, h: 128, w: 128, cin: spec.inChannels };
  const engines = { plain: new OnnxTrainEngine({ nchwc: false }), blocked: new OnnxTrainEngine({ nchwc: true }) };
  const ms: Record<'plain' | 'blocked', number[]> = { plain: [], blocked: [] };
  const losses: Record<'plain' | 'blocked', number[]> = { plain: [], blocked: [] };
  for (const k of ['plain', 'blocked'] as const) {
    await engines[k].init(spec, weights, { adam: DEFAULT_ADAM, provider: 'cpu', maxBatch: 4, patch: 128 });
    await engines[k].step(b, 1e-3);
  }
  for (let r = 0; r < ROUNDS; r++) {
    const order: ('plain' | 'blocked')[] = r % 2 ? ['plain', 'blocked'] : ['blocked', 'plain'];
    for (const k of order) {
      const t0 = performance.now();
      losses[k].push(await engines[k].step(b, 1e-3));
      ms[k].push(performance.now() - t0);
    }
  }
  for (const e of Object.values(engines)) e.dispose();
  const lossDiff = Math.max(...losses.plain.map((l, i) => Math.abs(l - losses.blocked[i]) / Math.abs(l)));
  rows.push({ net: net.label, plainMs: median(ms.plain), blockedMs: median(ms.blocked), ratio: median(ms.blocked) / median(ms.plain), maxRelLossDifference: lossDiff, samples: ms });
}
const block = await nchwcBlockSize();
console.log(`\nTraining step, batch 4, 128², NCHWc block ${block}; medians of ${ROUNDS} interleaved steps`);
console.log('| network | plain Conv | blocked (NCHWc) | blocked / plain | loss difference over the run |');
console.log('|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.net} | ${r.plainMs.toFixed(0)} ms | ${r.blockedMs.toFixed(0)} ms | ${r.ratio.toFixed(3)} | ${r.maxRelLossDifference.toExponential(1)} |`);
mkdirSync('bench/results', { recursive: true });
const file = 'bench/results/onnx-train-nchwc.json';
writeFileSync(`${file}.tmp`, `${JSON.stringify({ date: new Date().toISOString(), block, rounds: ROUNDS, rows, loadAverage: loadavg() }, null, 2)}\n`);
renameSync(`${file}.tmp`, file);
console.log(`written ${file}`);
