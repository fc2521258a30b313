/**
 * `n2s train --input STACK --out MODEL` with no budget flags on a 40×256×256 stack (issue 19): whole
 * command wall time and peak resident memory, the estimate printed before training against the time
 * training really took (from that line to the last epoch line), and the denoised PSNR against the
 * same recipe (batch, patch) run for 1000 steps. The stack is seeded synthetic blobs with Gaussian
 * noise (clean reference known). Writes bench/results/train-budget.json.
 *
 *   node --import tsx bench/train-budget.ts [--time 4m] [--reference-steps 1000] [--no-reference]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: f } = parseArgs({
  options: {
    time: { type: 'string' },
    'reference-steps': { type: 'string', default: '1000' },
    'no-reference': { type: 'boolean', default: false },
    depth: { type: 'string', default: '40' },
    size: { type: 'string', default: '256' },
  },
});

interface Run {
  seconds: number;
  peakRssMiB: number | null;
  lines: { t: number; line: string }[];
}

/** Runs a command under GNU time; every output line with its arrival time (s after spawn). */
function run(cmd: string, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('/usr/bin/time', ['-f', 'N2S_MAXRSS_KB %M', cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: { t: number; line: string }[] = [];
    const collect = (stream: NodeJS.ReadableStream) => {
      let buf = '';
      stream.on('data', (d: Buffer) => {
        buf += d;
        const parts = buf.split('\n');
        buf = parts.pop() ?? '';
        for (const line of parts) {
          lines.push({ t: (performance.now() - t0) / 1000, line });
          if (process.env.BENCH_VERBOSE) process.stderr.write(`${line}\n`);
        }
      });
    };
    collect(child.stdout);
    collect(child.stderr);
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = (performance.now() - t0) / 1000;
      const all = lines.map((l) => l.line).join('\n');
      if (code !== 0) return reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}:\n${all.slice(-2000)}`));
      const m = /N2S_MAXRSS_KB (\d+)/.exec(all);
      resolve({ seconds, peakRssMiB: m ? Number(m[1]) / 1024 : null, lines });
    });
  });
}

/** "3m 58s" / "42s" (budget.ts' formatSeconds) → seconds. */
function readSeconds(s: string): number {
  const m = /(?:(\d+)m\s*)?(\d+)s/.exec(s);
  if (!m) throw new Error(`cannot read a duration in "${s}"`);
  return Number(m[1] ?? 0) * 60 + Number(m[2]);
}

const py = (code: string) => run('/usr/bin/python3', ['-c', code]);

async function psnrOf(model: string, noisy: string, clean: string, dir: string, tag: string): Promise<number> {
  const out = join(dir, `${tag}-denoised.tif`);
  await run(process.execPath, ['bin/n2s.mjs', 'denoise', '--model', model, '--input', noisy, '--output', out, '--no-tta']);
  const r = await py(`import numpy as np, tifffile; c=tifffile.imread('${clean}').astype(np.float64); d=tifffile.imread('${out}').astype(np.float64); r=c.max()-c.min(); print('PSNR', 10*np.log10(r*r/np.mean((c-d)**2)))`);
  const line = r.lines.find((l) => l.line.startsWith('PSNR'));
  if (!line) throw new Error('no PSNR printed');
  return Number(line.line.split(' ')[1]);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'n2s-train-budget-'));
  try {
    const depth = Number(f.depth);
    const size = Number(f.size);
    const noisy = join(dir, 'noisy.tif');
    const clean = join(dir, 'clean.tif');
    await py(
      `import numpy as np, tifffile
r=np.random.default_rng(0); z,h,w=${depth},${size},${size}
yy,xx=np.mgrid[0:h,0:w]; c=np.zeros((z,h,w),np.float32)
for i in range(int(h*w/1100)):
    cy,cx,cz,rad=r.random()*h,r.random()*w,r.random()*z,3+r.random()*8
    c+=(np.exp(-((yy-cy)**2+(xx-cx)**2)/(2*rad**2))[None]*np.exp(-((np.arange(z)-cz)**2)/(2*4**2))[:,None,None]).astype(np.float32)
n=c+0.15*r.standard_normal(c.shape).astype(np.float32)
tifffile.imwrite('${noisy}', n, imagej=True, metadata={'axes':'ZYX'}); tifffile.imwrite('${clean}', c, imagej=True, metadata={'axes':'ZYX'})`,
    );
    const model = join(dir, 'model');
    const budgetArgs = f.time ? ['--time', f.time] : [];
    const t = await run(process.execPath, ['bin/n2s.mjs', 'train', '--input', noisy, '--out', model, ...budgetArgs]);
    const plan = t.lines.find((l) => l.line.startsWith('budget '));
    if (!plan) throw new Error(`n2s train printed no budget line:\n${t.lines.map((l) => l.line).join('\n')}`);
    const epochs = t.lines.filter((l) => /^epoch\s/.test(l.line));
    const estimate = readSeconds(/estimated ([^;]+) more/.exec(plan.line)?.[1] ?? '');
    const actual = (epochs.at(-1)?.t ?? plan.t) - plan.t;
    const shape = /batch (\d+) at (\d+)²/.exec(plan.line);
    const steps = /(\d+) epochs? × (\d+) steps/.exec(plan.line);
    const psnrBudget = await psnrOf(model, noisy, clean, dir, 'budget');
    let reference: { steps: number; seconds: number; psnr: number } | null = null;
    if (!f['no-reference'] && shape) {
      const refSteps = Number(f['reference-steps']);
      const refModel = join(dir, 'reference');
      const tr = await run(process.execPath, ['bin/n2s.mjs', 'train', '--input', noisy, '--out', refModel, '--epochs', '10', '--steps-per-epoch', String(refSteps / 10), '--batch', shape[1], '--patch', shape[2]]);
      reference = { steps: refSteps, seconds: tr.seconds, psnr: await psnrOf(refModel, noisy, clean, dir, 'reference') };
    }
    const noisyPsnr = Number((await py(`import numpy as np, tifffile; c=tifffile.imread('${clean}').astype(np.float64); d=tifffile.imread('${noisy}').astype(np.float64); r=c.max()-c.min(); print('PSNR', 10*np.log10(r*r/np.mean((c-d)**2)))`)).lines.find((l) => l.line.startsWith('PSNR'))?.line.split(' ')[1]);
    const result = {
      date: new Date().toISOString(),
      stack: [depth, size, size],
      flags: budgetArgs,
      plan: plan.line,
      planned: steps ? { epochs: Number(steps[1]), stepsPerEpoch: Number(steps[2]) } : null,
      wholeCommandSeconds: t.seconds,
      peakRssMiB: t.peakRssMiB,
      estimateSeconds: estimate,
      actualTrainingSeconds: actual,
      estimateError: (estimate - actual) / actual,
      psnr: { noisy: noisyPsnr, budget: psnrBudget, reference: reference?.psnr ?? null, gapDb: reference ? reference.psnr - psnrBudget : null },
      reference,
      targets: 'whole command ≤ 300 s, peak RSS < 2 GB, PSNR within 1 dB of the 1000-step run, estimate within 25 %',
      loadAverage: loadavg(),
    };
    console.log('\n| what | value | target |\n|---|---|---|');
    console.log(`| whole command (${budgetArgs.length ? budgetArgs.join(' ') : 'no budget flags'}) | ${t.seconds.toFixed(1)} s | ≤ 300 s |`);
    console.log(`| peak resident memory | ${t.peakRssMiB?.toFixed(0)} MiB | < 2048 MiB |`);
    console.log(`| estimate before the first planned step / real | ${estimate.toFixed(0)} s / ${actual.toFixed(0)} s (${(100 * result.estimateError).toFixed(0)} %) | within 25 % |`);
    console.log(`| PSNR noisy / budget run / ${reference?.steps ?? '—'}-step run | ${noisyPsnr.toFixed(2)} / ${psnrBudget.toFixed(2)} / ${reference ? reference.psnr.toFixed(2) : '—'} dB | gap ≤ 1 dB |`);
    mkdirSync('bench/results', { recursive: true });
    const file = 'bench/results/train-budget.json';
    writeFileSync(`${file}.tmp`, `${JSON.stringify(result, null, 2)}\n`);
    renameSync(`${file}.tmp`, file);
    console.log(`written ${file} (load average ${loadavg().map((v) => v.toFixed(1)).join(' ')})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
