/**
 * Runs the benchmarks one after another (each prints its own table with ratios to PyTorch measured
 * in the same run and writes JSON to bench/results/):
 *   engine-train  CSBDeep U-Net train step + 512² inference: tfjs wasm (/cpu/node) vs PyTorch
 *   onnx-infer    512² plane: ONNX Runtime vs tfjs-wasm vs PyTorch; 10×2160×2160 stack time + RSS
 *   onnx-train    training step, both U-Nets: ONNX Runtime vs tfjs-wasm vs PyTorch
 *   denoise-command  the whole `n2s denoise` command (16×1024² float32, 10×2160² uint16, 3×64²) vs
 *                 PyTorch over 256² tiles, peak RSS
 *   train-budget  `n2s train` with no budget flags on 40×256²: wall, RSS, estimate vs real, PSNR vs
 *                 a 1000-step run of the same recipe
 * `npm run bench -- onnx-infer` runs only the named ones. Needs Debian's python3-torch
 * (scripts/setup-system.sh). Run on a quiet machine: ratios are what count.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ALL: Record<string, string[]> = {
  'engine-train': ['--skip-cpu'],
  'onnx-infer': [],
  'onnx-train': [],
  'denoise-command': [],
  'train-budget': [],
};
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = wanted.length ? wanted : Object.keys(ALL);
let failed = 0;
for (const name of names) {
  const args = ALL[name];
  if (!args) {
    console.error(`unknown benchmark "${name}" (have: ${Object.keys(ALL).join(', ')})`);
    process.exit(2);
  }
  console.log(`\n=== bench/${name}.ts ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, `${name}.ts`), ...args], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`bench/${name}.ts failed (exit ${r.status})`);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
