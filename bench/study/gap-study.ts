/**
 * The self-supervision gap study (issue 20) on CT-like data: a real, nearly noise-free volume with
 * synthetic Gaussian noise, two independent noisy copies. Every method gets the same training
 * budget; each is trained with several seeds, and every trained model is scored plain and with
 * test-time ensembling (main/engine/tta.ts). It also trains the PyTorch Noise2Void peer of the same
 * recipe (bench/pytorch_n2v.py) in the same run, ensembles the K = 1 and K = 2 self-supervised
 * models, and checks test-time ensembling on the synthetic microscopy pair.
 *
 *   node --import tsx bench/study/gap-study.ts bench/study/mri-gaussian.json
 *
 * Each finished run is cached in <out>/runs/ (scores) and /tmp (predictions, for the ensemble), and
 * report.md + results.json are rewritten after every run, so an interrupted study resumes and a
 * partial one is readable; `--report-only` rewrites them from the cached runs without training.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { confidenceBand } from '../../shared/metrics/index.ts';
import { evaluateStack } from '../../shared/metrics/index.ts';
import { createRng } from '../../shared/random.ts';
import { makeStack, type Stack } from '../../shared/stack.ts';
import { createPredictor } from '../../main/engine/engines.ts';
import { denoiseStack } from '../../main/engine/predict.ts';
import { archFor, trainModel, type RawVolume } from '../../main/engine/train.ts';
import { withTta } from '../../main/engine/tta.ts';
import { readStack } from '../../main/io/index.ts';
import { prepareMri } from '../../main/science/mri-prep.ts';
import { loadStudyData } from '../../main/science/study/data.ts';
import { StudyConfig, StudyTraining } from '../../main/science/study/config.ts';
import { trainingConfigFor } from '../../main/science/study/run-method.ts';
import { TrainingConfig, type TrainingConfigInput } from '../../shared/config/training.ts';
import type { ArchSpec } from '../../shared/model/arch.ts';
import type { NamedWeights } from '../../shared/model/init.ts';

const GapMethod = z.discriminatedUnion('id', [
  z.object({ id: z.literal('n2n') }),
  z.object({ id: z.literal('n2s-self'), k: z.number().int().min(1).max(4) }),
  z.object({ id: z.literal('n2v') }),
  /** The PyTorch Noise2Void of the same recipe. */
  z.object({ id: z.literal('n2v-torch') }),
  z.object({ id: z.literal('n2s-bs'), k: z.number().int().min(1).max(4) }),
]);
type GapMethod = z.infer<typeof GapMethod>;

const GapConfig = z.object({
  name: z.string(),
  out: z.string(),
  data: z.object({
    input: z.string(),
    middle: z.number().int().min(4),
    crop: z.tuple([z.number().int(), z.number().int()]),
    /** Gaussian noise standard deviation on intensities scaled to [−0.5, 0.5]. */
    sigma: z.number().positive(),
    seed: z.number().int().min(0).default(1),
  }),
  training: StudyTraining,
  seeds: z.array(z.number().int().min(0)).min(1),
  methods: z.array(GapMethod).min(1),
  /** Pairs of n2s-self K values whose predictions are averaged (no extra training). */
  ensembles: z.array(z.tuple([z.number().int(), z.number().int()])).default([]),
  /** A small run on the synthetic microscopy pair: N2S self-supervised, plain vs ensembled. */
  microscopy: z.object({ config: z.string(), k: z.number().int().min(1), epochs: z.number().int().min(1), stepsPerEpoch: z.number().int().min(1), seeds: z.array(z.number().int()) }).optional(),
});
type GapConfig = z.infer<typeof GapConfig>;

interface Variant {
  psnr: number;
  ssim: number;
  seconds: number;
}

interface Run {
  key: string;
  method: string;
  seed: number;
  trainSeconds: number | null;
  bestEpoch: number | null;
  engine: string;
  /** plain, tta8, tta16 (mirrored neighbour order too, multi-channel models only). */
  variants: Record<string, Variant>;
}

const methodKey = (m: GapMethod) => ('k' in m ? `${m.id}-k${m.k}` : m.id);
const LABEL: Record<string, string> = {
  n2n: 'Noise2Noise (1, second copy)',
  'n2s-self-k1': 'N2S self-sup. (2)',
  'n2s-self-k2': 'N2S self-sup. (4)',
  n2v: 'Noise2Void (1), ours',
  'n2v-torch': 'Noise2Void (1), PyTorch peer',
  'n2s-bs-k1': 'N2S blind-spot (1 masked+2)',
  'n2s-bs-k2': 'N2S blind-spot (1 masked+4)',
  'ens-k1-k2': 'ensemble N2S self-sup. K=1 + K=2',
  'micro-n2s-self': 'microscopy: N2S self-sup.',
};
const label = (k: string) => LABEL[k] ?? k;

async function readF32(path: string): Promise<Float32Array> {
  const b = await readFile(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

async function writeAtomic(path: string, content: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, content);
  await rename(tmp, path);
}

/** The clean CT-like volume and two independent Gaussian-noise copies of it. */
async function loadData(c: GapConfig): Promise<{ clean: Stack; a: Stack; b: Stack; notes: string[] }> {
  const vol = await readStack(c.data.input);
  const clean = prepareMri(vol, { middle: c.data.middle, crop: c.data.crop });
  const rng = createRng(c.data.seed);
  const noisy = () => Float32Array.from(clean.data, (v) => v + c.data.sigma * rng.normal());
  const a = makeStack(clean.depth, clean.height, clean.width, noisy(), { ...clean.meta, name: 'noisy A' });
  const b = makeStack(clean.depth, clean.height, clean.width, noisy(), { ...clean.meta, name: 'noisy B' });
  return {
    clean,
    a,
    b,
    notes: [
      `Volume: ${vol.meta.name} (${vol.depth}×${vol.height}×${vol.width}), the colin27 T1 MRI — a real, nearly noise-free volume; no CT volume is available offline, so it stands in for the issue's CT volume. ${clean.meta.description ?? ''}`,
      `Noise: additive Gaussian, σ = ${c.data.sigma} on intensities scaled to [−0.5, 0.5] (data range 1), two independent copies A and B (seed ${c.data.seed}).`,
      `Protocol: every method trains on the ${clean.depth} noisy planes it then denoises (copy A; Noise2Noise also sees copy B) and is scored against the clean planes (PSNR with data range 1, mean over planes).`,
    ],
  };
}

function trainingFor(m: GapMethod, t: StudyTraining, seed: number): TrainingConfigInput {
  const tt = { ...t, seed };
  switch (m.id) {
    case 'n2n':
      return trainingConfigFor({ id: 'n2n' }, tt, 'none') as TrainingConfigInput;
    case 'n2s-self':
      return trainingConfigFor({ id: 'n2s-self', k: m.k }, tt, 'none') as TrainingConfigInput;
    case 'n2v':
    case 'n2v-torch':
      return trainingConfigFor({ id: 'n2v' }, tt, 'none') as TrainingConfigInput;
    case 'n2s-bs':
      return trainingConfigFor({ id: 'n2s-bs', k: m.k }, tt, 'none') as TrainingConfigInput;
  }
}

async function predictVariants(
  spec: ArchSpec,
  weights: NamedWeights,
  layout: { mode: 'self' | 'copy'; k: number },
  input: Stack,
  score: (pred: Float32Array) => { psnr: number; ssim: number },
  log: (l: string) => void,
): Promise<{ variants: Record<string, Variant>; plain: Float32Array; tta8: Float32Array }> {
  const { predictor } = await createPredictor(spec, weights, { engine: 'onnx', provider: 'cpu', log });
  const variants: Record<string, Variant> = {};
  const out: Record<string, Float32Array> = {};
  try {
    const kinds: Array<[string, boolean, boolean]> = [
      ['plain', false, false],
      ['tta8', true, false],
    ];
    if (spec.inChannels > 1) kinds.push(['tta16', true, true]);
    for (const [name, tta, mirror] of kinds) {
      const p = tta ? withTta(predictor, { mirrorNeighbours: mirror }) : predictor;
      const t0 = Date.now();
      const pred = await denoiseStack(p, input.data, input, { spec, layout, normalisation: { kind: 'none' } });
      const s = score(pred);
      variants[name] = { ...s, seconds: (Date.now() - t0) / 1000 };
      out[name] = pred;
    }
  } finally {
    predictor.dispose();
  }
  return { variants, plain: out.plain, tta8: out.tta8 };
}

function runPython(job: object, jobPath: string): Promise<{ seconds: number; bestEpoch: number }> {
  return new Promise((res, rej) => {
    void writeFile(jobPath, JSON.stringify(job)).then(() => {
      const p = spawn('/usr/bin/python3', [join(import.meta.dirname, '..', 'pytorch_n2v.py'), jobPath], { stdio: ['ignore', 'pipe', 'inherit'] });
      let text = '';
      p.stdout.on('data', (d: Buffer) => (text += d.toString()));
      p.on('error', rej);
      p.on('close', (code) => {
        if (code !== 0) return rej(new Error(`pytorch_n2v.py exited with ${code}`));
        try {
          res(JSON.parse(text.trim().split('\n').pop() ?? '') as { seconds: number; bestEpoch: number });
        } catch (e) {
          rej(e as Error);
        }
      });
    }, rej);
  });
}

function fmtBand(vals: number[], d = 2): string {
  if (vals.length === 0) return '–';
  const b = confidenceBand(vals);
  return vals.length > 1 ? `${b.mean.toFixed(d)} ± ${((b.high - b.low) / 2).toFixed(d)}` : b.mean.toFixed(d);
}
const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
const signed = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(2)}`;

function buildReport(c: GapConfig, notes: string[], runs: Run[], command: string, inputPsnr: number): string {
  const keys = [...new Set(runs.map((r) => r.key))];
  const L: string[] = [];
  L.push(`# ${c.name}`, '', `Regenerate: \`${command}\``, '');
  for (const n of notes) L.push(`- ${n}`);
  const t = c.training;
  L.push(
    `- Budget, the same for every method: ${t.arch === 'csbdeep' ? 'CSBDeep' : 'Noise2Noise'} U-Net at width ×${t.widthScale}, ${t.epochs * t.stepsPerEpoch} steps (${t.epochs} epochs × ${t.stepsPerEpoch}) of batch ${t.batch} on ${t.patch}² patches, Adam lr ${t.lr} cosine-decayed per epoch, ${t.augment} augmentation, ${Math.round(t.valFraction * 100)} % of the planes held out for the best-by-validation checkpoint; seeds ${c.seeds.join(', ')} (initialisation and sampling).`,
    `- ± is the half-width of the 95 % confidence interval over seeds (Student t; with 2 seeds it is wide). "TTA ×8": test-time ensemble over the 8 rotations/flips (main/engine/tta.ts); "×16": also the mirrored neighbour order.`,
    `- Noisy input: ${inputPsnr.toFixed(2)} dB.`,
    '',
    '| method | seeds | PSNR plain (dB) | PSNR TTA ×8 | PSNR TTA ×16 | SSIM plain / TTA ×8 | training s (mean) | predict s plain / ×8 |',
    '|---|---|---|---|---|---|---|---|',
  );
  const pick = (rs: Run[], v: string, f: 'psnr' | 'ssim') => rs.map((r) => r.variants[v]?.[f]).filter((x): x is number => x !== undefined);
  for (const k of keys) {
    const rs = runs.filter((r) => r.key === k);
    const tr = rs.map((r) => r.trainSeconds).filter((x): x is number => x !== null);
    const pp = pick(rs, 'plain', 'psnr');
    L.push(
      `| ${label(k)} | ${rs.map((r) => r.seed).join(',')} | ${fmtBand(pp)} | ${fmtBand(pick(rs, 'tta8', 'psnr'))} | ${fmtBand(pick(rs, 'tta16', 'psnr'))} | ${fmtBand(pick(rs, 'plain', 'ssim'), 3)} / ${fmtBand(pick(rs, 'tta8', 'ssim'), 3)} | ${tr.length ? mean(tr).toFixed(0) : '–'} | ${mean(rs.map((r) => r.variants.plain?.seconds ?? 0)).toFixed(1)} / ${rs[0].variants.tta8 ? mean(rs.map((r) => r.variants.tta8?.seconds ?? 0)).toFixed(1) : '–'} |`,
    );
  }
  L.push('', '## Per seed (PSNR plain / TTA ×8 / TTA ×16)', '', '| method | ' + c.seeds.map((s) => `seed ${s}`).join(' | ') + ' |', '|---|' + c.seeds.map(() => '---|').join(''));
  for (const k of keys) {
    const cells = c.seeds.map((s) => {
      const r = runs.find((x) => x.key === k && x.seed === s);
      if (!r) return '–';
      return ['plain', 'tta8', 'tta16'].map((v) => r.variants[v]?.psnr.toFixed(2) ?? '–').join(' / ');
    });
    L.push(`| ${label(k)} | ${cells.join(' | ')} |`);
  }
  // The claims of issue 20, computed from the rows above (seed means).
  const best = (k: string, v: string) => {
    const x = pick(runs.filter((r) => r.key === k), v, 'psnr');
    return x.length ? mean(x) : null;
  };
  const n2n = best('n2n', 'plain');
  const n2nTta = best('n2n', 'tta8');
  L.push('', '## Issue 20: what the numbers say', '');
  if (n2n !== null) {
    const selfRows = keys.filter((k) => k.startsWith('n2s-self'));
    for (const k of selfRows) {
      for (const v of ['plain', 'tta8', 'tta16']) {
        const p = best(k, v);
        if (p !== null) L.push(`- ${label(k)} ${v === 'plain' ? 'plain' : `with TTA ×${v.slice(3)}`}: ${p.toFixed(2)} dB; minus Noise2Noise plain (${n2n.toFixed(2)} dB): ${signed(p - n2n)} dB${n2nTta !== null ? `; minus Noise2Noise with TTA ×8 (${n2nTta.toFixed(2)} dB): ${signed(p - n2nTta)} dB` : ''}.`);
      }
    }
    const self = keys.filter((k) => k !== 'n2n' && k !== 'n2v-torch' && !k.startsWith('micro'));
    let top: { k: string; v: string; p: number } | null = null;
    for (const k of self) for (const v of ['plain', 'tta8', 'tta16']) {
      const p = best(k, v);
      if (p !== null && (top === null || p > top.p)) top = { k, v, p };
    }
    if (top) L.push(`- Best self-supervised variant: ${label(top.k)} (${top.v}), ${top.p.toFixed(2)} dB; minus Noise2Noise plain: ${signed(top.p - n2n)} dB${n2nTta !== null ? `; minus Noise2Noise with TTA ×8: ${signed(top.p - n2nTta)} dB` : ''}.`);
  }
  const ours = best('n2v', 'plain');
  const peer = best('n2v-torch', 'plain');
  if (ours !== null && peer !== null) L.push(`- Noise2Void, same recipe, same run: ours ${ours.toFixed(2)} dB vs PyTorch peer ${peer.toFixed(2)} dB (difference ${(ours - peer).toFixed(2)} dB; target: within 0.3 dB).`);
  const micro = runs.filter((r) => r.key === 'micro-n2s-self');
  if (micro.length) {
    const pl = mean(pick(micro, 'plain', 'psnr'));
    const t8 = mean(pick(micro, 'tta8', 'psnr'));
    const t16 = pick(micro, 'tta16', 'psnr');
    L.push(`- Synthetic microscopy pair (low exposure in, high exposure reference, percentile-affine PSNR), N2S self-sup. K=${c.microscopy?.k}: plain ${pl.toFixed(2)} dB, TTA ×8 ${t8.toFixed(2)} dB${t16.length ? `, ×16 ${mean(t16).toFixed(2)} dB` : ''} (seeds ${micro.map((r) => r.seed).join(', ')}; ${c.microscopy?.epochs}×${c.microscopy?.stepsPerEpoch} steps, a small run).`);
  }
  L.push('');
  return L.join('\n');
}

async function main(): Promise<void> {
  const path = process.argv[2];
  if (!path) throw new Error('usage: node --import tsx bench/study/gap-study.ts CONFIG.json [--report-only]');
  // --report-only: rewrite report.md/results.json from the cached runs, train nothing.
  const reportOnly = process.argv.includes('--report-only');
  const c = GapConfig.parse(JSON.parse(await readFile(path, 'utf8')));
  const out = resolve(c.out);
  const runsDir = join(out, 'runs');
  const predDir = join('/tmp', `gap-study-${c.out.replace(/\W+/g, '_')}`);
  await mkdir(runsDir, { recursive: true });
  await mkdir(predDir, { recursive: true });
  const log = (l: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${l}\n`);
  const command = `node --import tsx bench/study/gap-study.ts ${path}`;
  const data = await loadData(c);
  const scoreMri = (pred: Float32Array) => {
    const m = evaluateStack(makeStack(data.a.depth, data.a.height, data.a.width, pred, { ...data.a.meta, name: 'prediction' }), data.clean, { normalization: 'none' });
    return { psnr: m.psnr, ssim: m.ssim };
  };
  const inputPsnr = scoreMri(data.a.data).psnr;
  const fp = (extra: object) => JSON.stringify({ data: c.data, training: c.training, ...extra, v: 2 });
  const runs: Run[] = [];
  const save = async () => {
    await writeAtomic(join(out, 'results.json'), JSON.stringify({ name: c.name, command, generatedAt: new Date().toISOString(), config: c, notes: data.notes, inputPsnr, runs }, null, 1) + '\n');
    await writeAtomic(join(out, 'report.md'), buildReport(c, data.notes, runs, command, inputPsnr));
  };
  const cached = async (key: string, seed: number, finger: string, run: () => Promise<Run>): Promise<Run | null> => {
    const file = join(runsDir, `${key}-s${seed}.json`);
    if (existsSync(file)) {
      const j = JSON.parse(await readFile(file, 'utf8')) as { fingerprint: string; run: Run };
      if (j.fingerprint === finger) {
        log(`${key} seed ${seed}: cached`);
        return j.run;
      }
    }
    if (reportOnly) return null;
    log(`${key} seed ${seed}: running`);
    const r = await run();
    await writeAtomic(file, JSON.stringify({ fingerprint: finger, run: r }) + '\n');
    log(`${key} seed ${seed}: ${Object.entries(r.variants).map(([v, x]) => `${v} ${x.psnr.toFixed(2)} dB`).join(', ')}${r.trainSeconds !== null ? `, trained in ${r.trainSeconds.toFixed(0)} s` : ''}`);
    return r;
  };
  const predFile = (key: string, seed: number, v: string) => join(predDir, `${key}-s${seed}-${v}.f32`);
  const vols = (m: GapMethod): RawVolume[] => [{ depth: data.a.depth, height: data.a.height, width: data.a.width, a: data.a.data, b: m.id === 'n2n' ? data.b.data : undefined }];

  /** Ensembles whose two members are done for this seed (and which are not yet), as soon as possible. */
  const ensembleReady = async (seed: number) => {
    for (const [k1, k2] of c.ensembles) {
      const a = `n2s-self-k${k1}`;
      const b = `n2s-self-k${k2}`;
      const key = `ens-k${k1}-k${k2}`;
      if (runs.some((r) => r.key === key && r.seed === seed)) continue;
      if (!runs.some((r) => r.key === a && r.seed === seed) || !runs.some((r) => r.key === b && r.seed === seed)) continue;
      const files = ['plain', 'tta8'].flatMap((v) => [predFile(a, seed, v), predFile(b, seed, v)]);
      if (!files.every((f) => existsSync(f))) {
        log(`${key} seed ${seed}: predictions of ${a}/${b} missing, skipped`);
        continue;
      }
      const variants: Record<string, Variant> = {};
      for (const v of ['plain', 'tta8']) {
        const pa = await readF32(predFile(a, seed, v));
        const pb = await readF32(predFile(b, seed, v));
        const avg = Float32Array.from(pa, (x, i) => 0.5 * (x + pb[i]));
        const ra = runs.find((r) => r.key === a && r.seed === seed);
        const rb = runs.find((r) => r.key === b && r.seed === seed);
        variants[v] = { ...scoreMri(avg), seconds: (ra?.variants[v]?.seconds ?? 0) + (rb?.variants[v]?.seconds ?? 0) };
      }
      const ra = runs.find((r) => r.key === a && r.seed === seed);
      const rb = runs.find((r) => r.key === b && r.seed === seed);
      runs.push({ key, method: 'ensemble', seed, trainSeconds: (ra?.trainSeconds ?? 0) + (rb?.trainSeconds ?? 0), bestEpoch: null, engine: ra?.engine ?? '', variants });
      log(`${key} seed ${seed}: plain ${variants.plain.psnr.toFixed(2)} dB, tta8 ${variants.tta8.psnr.toFixed(2)} dB`);
      await save();
    }
  };

  for (const seed of c.seeds) {
    for (const m of c.methods) {
      const key = methodKey(m);
      const cfgIn = trainingFor(m, c.training, seed);
      const r = await cached(key, seed, fp({ m, seed }), async () => {
        if (m.id === 'n2v-torch') {
          const cfg = TrainingConfig.parse(cfgIn);
          const spec = archFor(cfg);
          const dataFile = join(predDir, 'noisy-a.f32');
          await writeFile(dataFile, Buffer.from(data.a.data.buffer, data.a.data.byteOffset, data.a.data.byteLength));
          const outFile = predFile(key, seed, 'plain');
          const t0 = Date.now();
          const res = await runPython(
            {
              spec,
              data: dataFile,
              depth: data.a.depth,
              height: data.a.height,
              width: data.a.width,
              epochs: cfg.epochs,
              stepsPerEpoch: cfg.stepsPerEpoch,
              batch: cfg.batch,
              patch: cfg.patch,
              lr: cfg.lr,
              valFraction: cfg.valFraction,
              valBatches: cfg.valBatches,
              n2vFraction: cfg.n2vFraction,
              n2vRadius: cfg.n2vRadius,
              seed,
              // One thread: under a loaded CPU, PyTorch's second thread spin-waits (measured 10× slower per step).
              threads: 1,
              out: outFile,
            },
            join(predDir, `job-${seed}.json`),
          );
          const pred = await readF32(outFile);
          const s = scoreMri(pred);
          return { key, method: m.id, seed, trainSeconds: res.seconds, bestEpoch: res.bestEpoch, engine: 'pytorch/cpu', variants: { plain: { ...s, seconds: (Date.now() - t0) / 1000 - res.seconds } } };
        }
        const tr = await trainModel({
          config: cfgIn,
          volumes: vols(m),
          log,
          onEvent: (e) => {
            if (e.type === 'epoch' && e.epoch % 5 === 0) log(`${key} seed ${seed}: epoch ${e.epoch}/${e.epochs} loss ${e.loss.toExponential(3)} val ${e.valLoss?.toExponential(3) ?? '–'} ${e.secondsPerStep.toFixed(3)} s/step`);
          },
        });
        const pv = await predictVariants(tr.spec, tr.weights, tr.layout, data.a, scoreMri, log);
        await writeFile(predFile(key, seed, 'plain'), Buffer.from(pv.plain.buffer));
        await writeFile(predFile(key, seed, 'tta8'), Buffer.from(pv.tta8.buffer));
        return { key, method: m.id, seed, trainSeconds: tr.seconds, bestEpoch: tr.bestEpoch, engine: `${tr.engine.engine}/${tr.engine.provider ?? tr.engine.backend}`, variants: pv.variants };
      });
      if (!r) continue;
      runs.push(r);
      await save();
      await ensembleReady(seed);
    }
    if (c.microscopy && seed === c.seeds[0]) {
      const mc = c.microscopy;
      const sc = StudyConfig.parse(JSON.parse(await readFile(mc.config, 'utf8')));
      const md = await loadStudyData(sc);
      for (const ms of mc.seeds) {
        const r = await cached('micro-n2s-self', ms, JSON.stringify({ mc, data: sc.data, training: sc.training, v: 2 }), async () => {
          const cfg = trainingConfigFor({ id: 'n2s-self', k: mc.k }, { ...sc.training, epochs: mc.epochs, stepsPerEpoch: mc.stepsPerEpoch, seed: ms }, md.normalize) as TrainingConfigInput;
          const tr = await trainModel({ config: cfg, volumes: md.train, log });
          const { predictor } = await createPredictor(tr.spec, tr.weights, { engine: 'onnx', provider: 'cpu', log });
          const { fitNormalisation } = await import('../../main/engine/normalise.ts');
          const variants: Record<string, Variant> = {};
          try {
            for (const [name, tta, mirror] of [['plain', false, false], ['tta8', true, false], ['tta16', true, true]] as const) {
              const p = tta ? withTta(predictor, { mirrorNeighbours: mirror }) : predictor;
              const t0 = Date.now();
              const ps: number[] = [];
              const ss: number[] = [];
              for (const ts of md.test) {
                const pred = await denoiseStack(p, ts.a.data, ts.a, { spec: tr.spec, layout: tr.layout, normalisation: fitNormalisation(md.normalize, ts.a.data) });
                const m = evaluateStack(makeStack(ts.a.depth, ts.a.height, ts.a.width, pred, { ...ts.a.meta, name: 'prediction' }), ts.reference, { normalization: md.evalNormalization });
                ps.push(m.psnr);
                ss.push(m.ssim);
              }
              variants[name] = { psnr: mean(ps), ssim: mean(ss), seconds: (Date.now() - t0) / 1000 };
            }
          } finally {
            predictor.dispose();
          }
          return { key: 'micro-n2s-self', method: 'n2s-self', seed: ms, trainSeconds: tr.seconds, bestEpoch: tr.bestEpoch, engine: `${tr.engine.engine}`, variants };
        });
        if (!r) continue;
        runs.push(r);
        await save();
      }
    }
  }
  await save();
  log('done');
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
