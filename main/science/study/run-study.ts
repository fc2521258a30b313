/**
 * Runs a study end to end: data, every method (cached per method, so an interrupted study resumes
 * and a finished one re-renders its report without retraining), report files written atomically
 * after each method so a long run always has an up-to-date partial report.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { methodKey, type StudyConfig } from './config.ts';
import { loadStudyData, type StudyData } from './data.ts';
import { encodeGreyPng } from '../../io/png.ts';
import { buildReport, previewRange, type StudyResults } from './report.ts';
import { runMethod, trainingConfigFor, type MethodResult } from './run-method.ts';
import { chooseNeighbours, type AutoKResult } from '../autok.ts';

export interface StudyRunOptions {
  /** The command line that regenerates this study (printed in the report). */
  command: string;
  /** Ignore cached method results. */
  fresh?: boolean;
  /** Run (or re-use) only these method keys; others are left out of this report. */
  only?: string[];
  log?: (line: string) => void;
}

async function writeAtomic(path: string, content: string | Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, content);
  await rename(tmp, path);
}

export function fingerprint(config: StudyConfig, m: StudyConfig['methods'][number]): string {
  // Training settings do not affect methods that do not train.
  const training = m.id === 'input' || m.id === 'classical' ? null : config.training;
  return createHash('sha256').update(JSON.stringify({ data: config.data, training, m, v: 1 })).digest('hex').slice(0, 16);
}

async function readCache(path: string, fp: string): Promise<MethodResult | null> {
  try {
    const c = JSON.parse(await readFile(path, 'utf8')) as { fingerprint: string; result: MethodResult };
    return c.fingerprint === fp ? c.result : null;
  } catch {
    return null;
  }
}

function planeNumbers(config: StudyConfig, data: StudyData): number[] {
  const depth = data.test[0].a.depth;
  const first = config.data.kind === 'mri' ? config.data.testPlanes[0] : 0;
  return Array.from({ length: depth }, (_, z) => first + z);
}

async function writePreviews(out: string, data: StudyData, methods: MethodResult[]): Promise<Array<{ file: string; label: string }>> {
  await mkdir(join(out, 'previews'), { recursive: true });
  const t = data.test[0];
  const z = Math.floor(t.a.depth / 2);
  const n = t.a.height * t.a.width;
  const images: Array<{ key: string; label: string; values: ArrayLike<number> }> = [
    { key: 'reference', label: data.kind === 'mri' ? 'clean' : 'high exposure', values: t.reference.data.subarray(z * n, (z + 1) * n) },
    ...methods.filter((m) => m.preview).map((m) => ({ key: m.key, label: m.label, values: (m.preview as NonNullable<MethodResult['preview']>).data })),
  ];
  const files: Array<{ file: string; label: string }> = [];
  for (const im of images) {
    const [lo, hi] = previewRange(data.kind, im.values);
    const file = `previews/${im.key}.png`;
    await writeAtomic(join(out, file), encodeGreyPng(im.values, t.a.height, t.a.width, lo, hi));
    files.push({ file, label: im.label });
  }
  return files;
}

export async function runStudy(config: StudyConfig, o: StudyRunOptions): Promise<StudyResults> {
  const log = o.log ?? (() => {});
  const out = resolve(config.out);
  await mkdir(join(out, 'runs'), { recursive: true });
  log(`study "${config.name}": preparing data`);
  const data = await loadStudyData(config);
  const methods = o.only ? config.methods.filter((m) => o.only?.includes(methodKey(m))) : config.methods;
  if (methods.length === 0) throw new Error(`no method matches --only ${o.only?.join(',')}`);
  const done: MethodResult[] = [];
  let autoK: AutoKResult | undefined;
  const render = async () => {
    const results: StudyResults = {
      name: config.name,
      command: o.command,
      generatedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      kind: data.kind,
      config,
      notes: data.notes,
      methods: done,
      planeNumbers: planeNumbers(config, data),
      autoK: autoK && config.autoK ? { ...autoK, epochs: config.autoK.epochs, stepsPerEpoch: config.autoK.stepsPerEpoch } : undefined,
    };
    const previews = await writePreviews(out, data, done);
    const files = buildReport(results, previews);
    for (const [name, content] of Object.entries(files)) if (content !== undefined) await writeAtomic(join(out, name), content);
    const raw = { ...results, methods: done.map(({ preview: _p, ...rest }) => rest) };
    await writeAtomic(join(out, 'results.json'), JSON.stringify(raw, null, 1) + '\n');
    return results;
  };
  let results: StudyResults | null = null;
  for (const m of methods) {
    const key = methodKey(m);
    const cachePath = join(out, 'runs', `${key}.json`);
    const fp = fingerprint(config, m);
    let r = o.fresh ? null : await readCache(cachePath, fp);
    if (r) log(`${key}: using cached result (${cachePath})`);
    else {
      log(`${key}: running`);
      r = await runMethod(m, config.training, data, log);
      await writeAtomic(cachePath, JSON.stringify({ fingerprint: fp, result: r }) + '\n');
      const p = r.scores.map((s) => s.metrics.psnr.toFixed(2)).join(', ');
      log(`${key}: PSNR ${p}${r.scores[0].post ? ` (after post-processing ${r.scores.map((s) => s.post?.psnr.toFixed(2)).join(', ')})` : ''}`);
    }
    done.push(r);
    results = await render();
  }
  if (config.autoK && !o.only) {
    const a = config.autoK;
    const cachePath = join(out, 'runs', 'autok.json');
    const fp = createHash('sha256').update(JSON.stringify({ data: config.data, training: config.training, a, v: 1 })).digest('hex').slice(0, 16);
    let cached: AutoKResult | null = null;
    if (!o.fresh) {
      try {
        const c = JSON.parse(await readFile(cachePath, 'utf8')) as { fingerprint: string; result: AutoKResult };
        if (c.fingerprint === fp) cached = c.result;
      } catch {
        cached = null;
      }
    }
    if (cached) log(`automatic K: using cached result (${cachePath})`);
    else {
      log(`automatic K: short runs for K = ${a.candidates.join(', ')}`);
      const base = trainingConfigFor({ id: 'n2s-self', k: a.candidates[0] }, config.training, data.normalize);
      cached = await chooseNeighbours({
        config: { ...base, epochs: a.epochs, stepsPerEpoch: a.stepsPerEpoch },
        volumes: data.train,
        candidates: a.candidates,
        log,
      });
      await writeAtomic(cachePath, JSON.stringify({ fingerprint: fp, result: cached }) + '\n');
    }
    autoK = cached;
    results = await render();
  }
  return results as StudyResults;
}
