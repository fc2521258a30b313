/**
 * The WHOLE `n2s denoise` command, from process start to exit, against PyTorch denoising the same
 * stack with the same network over non-overlapping 256² tiles (bench/pytorch_denoise.py, its
 * fastest tiling here; a lower bound for any real tiled PyTorch run), interleaved round by round so
 * both see the same machine load. Peak resident memory of n2s from /usr/bin/time.
 * Cases (issue 19): 16×1024×1024 float32 and 10×2160×2160 uint16, default flags; 3×64×64 (the fixed
 * cost of one command). Prints a table and writes bench/results/denoise-command.json.
 *
 *   node --import tsx bench/denoise-command.ts [--rounds 2] [--cases big,huge,tiny] [--depth-scale 1]
 *                                              [--flags "--tile 1024"] [--threads 2]
 * `--depth-scale 0.25` runs quarter-depth stacks (a short check on a busy machine; ratios only).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildArch } from '../shared/model/arch.ts';
import { initWeights } from '../shared/model/init.ts';
import { TrainingConfig } from '../shared/config/training.ts';
import { saveModel } from '../main/engine/model-store.ts';

const { values: f } = parseArgs({
  options: {
    rounds: { type: 'string', default: '2' },
    cases: { type: 'string', default: 'big,huge,tiny' },
    'depth-scale': { type: 'string', default: '1' },
    flags: { type: 'string', default: '' },
    threads: { type: 'string', default: '2' },
    keep: { type: 'boolean', default: false },
  },
});
const ROUNDS = Number(f.rounds);
const SCALE = Number(f['depth-scale']);
const THREADS = Number(f.threads);
const EXTRA = f.flags ? f.flags.split(/\s+/).filter(Boolean) : [];

interface Case {
  id: string;
  label: string;
  depth: number;
  size: number;
  dtype: 'float32' | 'uint16';
  torch: boolean;
}
const CASES: Case[] = [
  { id: 'big', label: '16×1024×1024 float32', depth: 16, size: 1024, dtype: 'float32', torch: true },
  { id: 'huge', label: '10×2160×2160 uint16', depth: 10, size: 2160, dtype: 'uint16', torch: true },
  { id: 'tiny', label: '3×64×64 float32', depth: 3, size: 64, dtype: 'float32', torch: false },
];

interface Timed {
  seconds: number;
  peakRssMiB: number | null;
  stdout: string;
}

/** Runs a command; wall time from spawn to exit, peak RSS (KiB) from GNU time's %M. */
/**
 * What ships: the precompiled CLI (dist/cli, built by `npm ci`'s prepare script), rebuilt here from
 * the current sources and forced, so the timing never silently falls back to tsx (which
 * bin/n2s.mjs does, on purpose, whenever a source is newer than the bundle).
 */
const built = spawnSync(process.execPath, ['scripts/build.mjs', '--cli-only'], { stdio: 'inherit' });
if (built.status !== 0) throw new Error('scripts/build.mjs --cli-only failed');
const SHIPPED_CLI: NodeJS.ProcessEnv = { ...process.env, N2S_CLI: 'bundle' };

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('/usr/bin/time', ['-f', 'N2S_MAXRSS_KB %M', cmd, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = (performance.now() - t0) / 1000;
      if (code !== 0) return reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}:\n${err.slice(-2000)}`));
      const m = /N2S_MAXRSS_KB (\d+)/.exec(err);
      resolve({ seconds, peakRssMiB: m ? Number(m[1]) / 1024 : null, stdout: out });
    });
  });
}

const median = (a: number[]) => {
  const s = [...a].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'n2s-denoise-bench-'));
  try {
    // The model: the full-width CSBDeep U-Net, self-supervised N2S with k = 1, seeded weights
    // (speed and memory do not depend on the values).
    const spec = buildArch({ arch: 'csbdeep', inChannels: 2, residualChannels: [0, 1] });
    const modelDir = join(dir, 'model');
    await saveModel(modelDir, {
      spec,
      weights: initWeights(spec, 0),
      config: {
        training: TrainingConfig.parse({}),
        layout: { mode: 'self', k: 1, inChannels: 2 },
        normalisation: { kind: 'percentile', pLow: 3, pHigh: 99.8, low: 0, high: 1 },
        losses: { finalLoss: null, bestValLoss: null, bestEpoch: 0 },
        history: [],
        engine: { engine: 'onnx', backend: 'cpu' },
      },
    });
    const specFile = join(dir, 'spec.json');
    writeFileSync(specFile, JSON.stringify(spec));
    const want = new Set(f.cases.split(','));
    const rows = [];
    for (const c of CASES.filter((q) => want.has(q.id))) {
      const depth = Math.max(3, Math.round(c.depth * SCALE));
      const input = join(dir, `${c.id}.tif`);
      // Seeded noise written by tifffile (the values do not matter for speed).
      await run('/usr/bin/python3', ['-c', `import numpy as np, tifffile; r=np.random.default_rng(0); a=r.random((${depth},${c.size},${c.size}),dtype=np.float32); tifffile.imwrite('${input}', (a*4000).astype(np.uint16) if '${c.dtype}'=='uint16' else a, imagej=True, metadata={'axes': 'ZYX'})`]);
      const samples = { n2s: [] as number[], n2sRss: [] as number[], torch: [] as number[], torchInference: [] as number[] };
      for (let r = 0; r < ROUNDS; r++) {
        const out = join(dir, `${c.id}-n2s-${r}.tif`);
        const t = await run(process.execPath, ['bin/n2s.mjs', 'denoise', '--model', modelDir, '--input', input, '--output', out, ...EXTRA], SHIPPED_CLI);
        samples.n2s.push(t.seconds);
        if (t.peakRssMiB !== null) samples.n2sRss.push(t.peakRssMiB);
        rmSync(out, { force: true });
        if (c.torch) {
          const tout = join(dir, `${c.id}-torch.tif`);
          const tt = await run('/usr/bin/python3', ['bench/pytorch_denoise.py', specFile, input, tout, '256', String(THREADS)], { ...process.env, OMP_NUM_THREADS: String(THREADS) });
          const j = JSON.parse(tt.stdout.trim().split('\n').at(-1) ?? '{}') as { inference_s: number; total_s: number };
          samples.torch.push(tt.seconds);
          samples.torchInference.push(j.inference_s);
          rmSync(tout, { force: true });
        }
        process.stderr.write(`  ${c.label} (depth ${depth}): round ${r + 1}/${ROUNDS}: n2s ${t.seconds.toFixed(1)} s${c.torch ? `, PyTorch ${samples.torch.at(-1)?.toFixed(1)} s (inference ${samples.torchInference.at(-1)?.toFixed(1)} s)` : ''}\n`);
      }
      const n2s = median(samples.n2s);
      const torchInf = c.torch ? median(samples.torchInference) : null;
      rows.push({
        case: c.label,
        depth,
        n2sSeconds: n2s,
        n2sPeakRssMiB: samples.n2sRss.length ? Math.max(...samples.n2sRss) : null,
        pytorchSeconds: c.torch ? median(samples.torch) : null,
        pytorchInferenceSeconds: torchInf,
        /** The issue's ratio: the whole n2s command against PyTorch's inference over 256² tiles alone. */
        ratio: torchInf === null ? null : n2s / torchInf,
        samples,
      });
    }
    const fmt = (v: number | null, d = 1) => (v === null ? '—' : v.toFixed(d));
    console.log(`\nn2s denoise, whole command${EXTRA.length ? ` (${EXTRA.join(' ')})` : ', default flags'}, vs PyTorch over 256² tiles; medians of ${ROUNDS} interleaved rounds`);
    console.log('| stack | n2s whole command | n2s peak RSS | PyTorch inference (256² tiles) | PyTorch whole script | n2s / PyTorch inference |');
    console.log('|---|---|---|---|---|---|');
    for (const r of rows) {
      console.log(`| ${r.case}${r.depth !== CASES.find((q) => q.label === r.case)?.depth ? ` (depth ${r.depth})` : ''} | ${fmt(r.n2sSeconds, 2)} s | ${fmt(r.n2sPeakRssMiB, 0)} MiB | ${fmt(r.pytorchInferenceSeconds)} s | ${fmt(r.pytorchSeconds)} s | ${r.ratio === null ? '—' : `${r.ratio.toFixed(2)}×`} |`);
    }
    const result = { date: new Date().toISOString(), threads: THREADS, rounds: ROUNDS, depthScale: SCALE, flags: EXTRA, targets: 'whole command ≤ 0.5× PyTorch 256² tiles; 10×2160² peak RSS < 1.5 GB; 3×64² ≤ 1 s', rows, loadAverage: loadavg() };
    mkdirSync('bench/results', { recursive: true });
    const file = SCALE === 1 && EXTRA.length === 0 ? 'bench/results/denoise-command.json' : 'bench/results/denoise-command-short.json';
    writeFileSync(`${file}.tmp`, `${JSON.stringify(result, null, 2)}\n`);
    renameSync(`${file}.tmp`, file);
    console.log(`written ${file} (load average ${loadavg().map((v) => v.toFixed(1)).join(' ')}: compare ratios)`);
  } finally {
    if (!f.keep) rmSync(dir, { recursive: true, force: true });
    else console.log(`kept ${dir}`);
  }
}

await main();
