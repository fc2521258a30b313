/**
 * The export use cases: a model as ONNX / bioimage.io (n2s export), a stack as TIFF with an
 * optional report folder, a model folder copied elsewhere (the app's export job).
 * Emits: stage, progress (planes written).
 */
import { cp, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ModelCopyRequest, ModelExportRequest, StackExportRequest, type ModelExportRequestInput } from '../../shared/config/export.ts';
import type { ExportReport } from '../../shared/ipc/job-kinds/export.ts';
import type { Stack } from '../../shared/stack.ts';
import { InvalidRequestError, ModelFolderError, OutputExistsError } from '../errors.ts';
import { parseRequest, type WorkflowOptions } from './common.ts';

const exists = (p: string) => stat(p).then(() => true, () => false);
const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0];

export type ModelExportResult =
  | { format: 'onnx'; out: string; bytes: number; opset: number; input: 'input'; output: 'output'; inChannels: number; seconds: number }
  | { format: 'bioimageio'; out: string; container: string; files: string[]; opset: number; seconds: number };

/** A trained model as one standalone ONNX file or a bioimage.io package. */
export async function exportModel(request: ModelExportRequestInput, o: WorkflowOptions = {}): Promise<ModelExportResult> {
  const req = parseRequest(ModelExportRequest, request);
  const t0 = performance.now();
  const { loadModel } = await import('../engine/model-store.ts');
  const { FORWARD_OPSET } = await import('../engine/onnx/forward.ts');
  const { buildExportOnnx } = await import('../engine/onnx/export/onnx-file.ts');
  const { OutputExistsError: PackageExists, writeFileAtomic, writePackage } = await import('../engine/onnx/export/write-package.ts');
  let src;
  try {
    const { config, spec, weights } = await loadModel(req.modelDir);
    src = { spec, weights, layout: { mode: config.layout.mode, k: config.layout.k }, normalisation: config.normalisation, method: config.training.method };
  } catch (e) {
    throw new ModelFolderError(`cannot load model: ${firstLine(e)}`);
  }
  o.onEvent?.({ type: 'stage', stage: 'export', message: `exporting ${basename(req.modelDir)} as ${req.format}` });
  try {
    if (req.format === 'onnx') {
      if (!req.out.toLowerCase().endsWith('.onnx')) throw new InvalidRequestError('out', 'format onnx needs FILE.onnx');
      const bytes = buildExportOnnx(src);
      await writeFileAtomic(req.out, bytes, req.overwrite);
      return { format: 'onnx', out: req.out, bytes: bytes.length, opset: FORWARD_OPSET, input: 'input', output: 'output', inChannels: src.spec.inChannels, seconds: (performance.now() - t0) / 1000 };
    }
    const { BioimageioMeta, buildBioimageioPackage, sampleFromStack } = await import('../engine/onnx/export/bioimageio.ts');
    const cleaned = basename(req.modelDir).replace(/[^A-Za-z0-9_+\- ()]/g, ' ').trim();
    const defaultName = `Noise2Stack ${src.spec.arch} k${src.layout.k} ${src.layout.mode}${cleaned ? ` (${cleaned})` : ''}`.slice(0, 128);
    const meta = BioimageioMeta.safeParse({
      name: req.name ?? defaultName,
      description:
        req.description ??
        `Noise2Stack denoiser (${src.method ?? 'n2s'}, ${src.layout.mode}-supervised, k = ${src.layout.k}) for image stacks: predicts plane i from its neighbouring planes.`,
      authors: (req.authors ?? ['Noise2Stack Studio user']).map((name) => ({ name })),
      license: req.license,
    });
    if (!meta.success) throw new InvalidRequestError(meta.error.issues[0]?.path.join('.') ?? '', meta.error.issues[0]?.message ?? 'invalid package metadata');
    let sample;
    if (req.sample) {
      try {
        sample = await sampleFromStack(src, req.sample);
      } catch (e) {
        throw new InvalidRequestError('sample', firstLine(e));
      }
    }
    const pkg = await buildBioimageioPackage(src, meta.data, sample);
    const container = await writePackage(pkg.files, req.out, req.overwrite);
    return { format: 'bioimageio', out: req.out, container, files: [...pkg.files.keys()], opset: FORWARD_OPSET, seconds: (performance.now() - t0) / 1000 };
  } catch (e) {
    if (e instanceof PackageExists) throw new OutputExistsError(e.message);
    throw e;
  }
}

export function reportDirFor(path: string): string {
  return path.replace(/(\.ome)?\.tiff?$/i, '') + '-report';
}

function markdown(r: ExportReport, stackPath: string, files: string[]): string {
  const lines = [`# ${r.title}`, '', `Output: \`${basename(stackPath)}\``, ''];
  if (r.backend) lines.push(`Backend: ${r.backend}`, '');
  lines.push('## Parameters', '', '| parameter | value |', '|---|---|');
  for (const [k, v] of Object.entries(r.parameters)) lines.push(`| ${k} | ${typeof v === 'object' ? JSON.stringify(v) : String(v)} |`);
  if (Object.keys(r.timings).length) {
    lines.push('', '## Timings', '', '| what | seconds |', '|---|---|');
    for (const [k, v] of Object.entries(r.timings)) lines.push(`| ${k} | ${v.toFixed(2)} |`);
  }
  if (r.metrics !== undefined) lines.push('', '## Metrics', '', '```json', JSON.stringify(r.metrics, null, 2), '```');
  const plots = files.filter((f) => /\.(png|svg)$/.test(f));
  if (plots.length) lines.push('', '## Plots', '', ...plots.map((f) => `![${f}](${f})`));
  return lines.join('\n') + '\n';
}

async function writeReport(dir: string, r: ExportReport, stackPath: string, overwrite: boolean): Promise<string[]> {
  if ((await exists(dir)) && !overwrite) throw new OutputExistsError(`${basename(dir)} already exists; choose another name or allow overwriting`);
  // Built in a temporary folder and renamed, so a failed export leaves no half-written report.
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(tmp, { recursive: true });
  const files: string[] = [];
  for (const p of r.plots) {
    if (p.png) {
      await writeFile(join(tmp, `${p.name}.png`), Buffer.from(p.png.slice('data:image/png;base64,'.length), 'base64'));
      files.push(`${p.name}.png`);
    }
    if (p.svg) {
      await writeFile(join(tmp, `${p.name}.svg`), p.svg);
      files.push(`${p.name}.svg`);
    }
  }
  const json = { title: r.title, output: stackPath, backend: r.backend, parameters: r.parameters, timings: r.timings, metrics: r.metrics, plots: files, createdAt: new Date().toISOString() };
  await writeFile(join(tmp, 'report.json'), JSON.stringify(json, null, 2));
  await writeFile(join(tmp, 'report.md'), markdown(r, stackPath, files));
  files.push('report.json', 'report.md');
  if (await exists(dir)) await rm(dir, { recursive: true });
  await rename(tmp, dir);
  return files;
}

export interface StackExportResult {
  path: string;
  format: string;
  dtype?: string;
  bytes: number;
  notes: string[];
  reportDir?: string;
  files: string[];
}

/** A stack to TIFF (never over a protected input), with an optional report folder next to it. */
export async function exportStack(
  request: { path: string; format?: 'imagej' | 'ome'; dtype?: StackExportRequest['dtype']; overwrite?: boolean },
  input: { stack: Stack; protect: string[]; report?: ExportReport },
  o: WorkflowOptions = {},
): Promise<StackExportResult> {
  const req = parseRequest(StackExportRequest, request);
  const { writeStack } = await import('../io/index.ts');
  o.onEvent?.({ type: 'stage', stage: 'write', message: `writing ${basename(req.path)}` });
  const rep = await writeStack(req.path, input.stack, {
    format: req.format,
    dtype: req.dtype,
    overwrite: req.overwrite,
    protect: input.protect,
    onProgress: (done, total) => o.onEvent?.({ type: 'progress', stage: 'writing plane', done, total }),
  });
  let reportDir: string | undefined;
  let files = [basename(rep.path)];
  if (input.report) {
    o.onEvent?.({ type: 'stage', stage: 'report', message: 'writing the report' });
    reportDir = reportDirFor(rep.path);
    const dir = reportDir;
    files = [...files, ...(await writeReport(dir, input.report, rep.path, req.overwrite)).map((f) => `${basename(dir)}/${f}`)];
  }
  return { path: rep.path, format: rep.format, dtype: rep.dtype, bytes: rep.bytes, notes: rep.notes, reportDir, files };
}

/** A model folder copied to `path` (built under a temporary name, then renamed). */
export async function copyModel(request: { modelDir: string; path: string; overwrite?: boolean }): Promise<StackExportResult> {
  const req = parseRequest(ModelCopyRequest, request);
  if (await exists(req.path)) {
    if (!req.overwrite) throw new OutputExistsError(`${basename(req.path)} already exists; choose another folder name`);
    // Only a model folder is ever replaced: never a recursive delete of a folder of the user's.
    const there = await readdir(req.path).catch(() => null);
    if (!there || !there.includes('config.json')) throw new OutputExistsError(`${basename(req.path)} exists and is not a model folder; choose another folder name`);
  }
  const names = await readdir(req.modelDir);
  if (!names.includes('config.json')) throw new ModelFolderError(`${req.modelDir} is not a model folder (no config.json)`);
  const tmp = `${req.path}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(dirname(req.path), { recursive: true });
  // The live-preview checkpoint is not part of the model.
  await cp(req.modelDir, tmp, { recursive: true, filter: (src) => basename(src) !== 'checkpoint' });
  if (await exists(req.path)) await rm(req.path, { recursive: true });
  await rename(tmp, req.path);
  return { path: req.path, format: 'model', bytes: 0, notes: [], files: names.filter((n) => n !== 'checkpoint') };
}
