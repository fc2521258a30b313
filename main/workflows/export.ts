/**
 * The export use cases: a model as ONNX / bioimage.io (n2s export), a stack as TIFF with an
 * optional report folder, a model folder copied elsewhere (the app's export job).
 * Emits: stage, progress (planes written).
 */
import { cp, lstat, mkdir, readdir, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ModelCopyRequest, ModelExportRequest, StackExportRequest, type ModelExportRequestInput } from '../../shared/config/export.ts';
import type { ExportReport } from '../../shared/ipc/job-kinds/export.ts';
import type { Stack } from '../../shared/stack.ts';
import { InvalidRequestError, ModelFolderError, OutputExistsError, UserError } from '../errors.ts';
import { OWNER_MARKER, canonicalPath, checkOutputPath, isOwnedFolder, isWithin, ownerMarkerText, removeDeadPartialFolders, type OutputPathState } from '../io/output-path.ts';
import { registerTemp, tempNameFor } from '../io/atomic.ts';
import { parseRequest, type WorkflowOptions } from './common.ts';

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

/**
 * The output rules of main/io (README "Safety") for a folder this workflow writes: an existing
 * folder is replaced only with overwrite and only when n2s wrote it (OWNER_MARKER), never when it
 * is, holds or lies inside an input; an empty folder holds nothing to lose and is taken as new.
 * Refusals are one line (OutputExistsError).
 */
async function checkFolderOut(dir: string, inputs: readonly string[], overwrite: boolean): Promise<OutputPathState> {
  try {
    const here = await lstat(dir).catch(() => null);
    if (here?.isDirectory() && (await readdir(dir)).length === 0) {
      const target = await canonicalPath(dir);
      for (const input of inputs) {
        if (isWithin(target, await canonicalPath(input))) throw new OutputExistsError(`${basename(dir)} lies inside the input ${basename(input)}; choose another output name`);
      }
      return { path: resolve(dir), existing: 'none' };
    }
    return await checkOutputPath(dir, { inputs, overwrite });
  } catch (e) {
    if (e instanceof OutputExistsError) throw e;
    if (e instanceof UserError) throw new OutputExistsError(e.message);
    throw new OutputExistsError(`${basename(dir)}: ${firstLine(e)}`);
  }
}

/**
 * Writes a folder atomically: `fill` builds it in a hidden temporary sibling that carries
 * OWNER_MARKER, which is then renamed to `dir`. A replaced folder (ours, checked again just
 * before) is moved aside first and removed only once the new one is in place; a new name is never
 * taken from anything that appeared meanwhile (rename() fails on a non-empty folder or a file).
 */
async function publishOwnedFolder(dir: string, kind: string, inputs: readonly string[], overwrite: boolean, fill: (tmp: string) => Promise<void>): Promise<void> {
  const root = resolve(dir);
  await checkFolderOut(root, inputs, overwrite);
  await removeDeadPartialFolders(root);
  const tmp = tempNameFor(root, 'n2s-partial');
  const releaseTmp = registerTemp(tmp);
  let published = false;
  try {
    // The marker goes in first, so a folder left by a killed export is known as ours (and removed
    // by the next export of the same name, removeDeadPartialFolders).
    await mkdir(tmp);
    await writeFile(join(tmp, OWNER_MARKER), ownerMarkerText(kind));
    await fill(tmp);
    // Again after the fill: a copied folder may have brought a marker of its own.
    await writeFile(join(tmp, OWNER_MARKER), ownerMarkerText(kind));
    const state = await checkFolderOut(root, inputs, overwrite);
    if (state.existing === 'none') {
      try {
        await rename(tmp, root);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOTDIR' || code === 'EISDIR') {
          throw new OutputExistsError(`${basename(dir)} appeared while it was being written (another job?); refusing to replace it`);
        }
        throw e;
      }
    } else {
      const aside = tempNameFor(root, 'n2s-old');
      const releaseAside = registerTemp(aside);
      try {
        await rename(root, aside);
        await rename(tmp, root);
        // Only what checkFolderOut allowed is removed: a folder n2s wrote, or a file.
        if (state.existing === 'owned-folder' && (await isOwnedFolder(aside))) await rm(aside, { recursive: true, force: true });
        else if (state.existing === 'file') await unlink(aside);
      } finally {
        releaseAside();
      }
    }
    published = true;
  } finally {
    // The temporary folder is this process's own (a fresh random name): removing it loses nothing.
    if (!published) await rm(tmp, { recursive: true, force: true }).catch(() => {});
    releaseTmp();
  }
}

async function writeReport(dir: string, r: ExportReport, stackPath: string, overwrite: boolean, inputs: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  await publishOwnedFolder(dir, 'export report', inputs, overwrite, async (tmp) => {
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
  });
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
  const inputs = [...input.protect, ...(input.stack.meta.sourcePath ? [input.stack.meta.sourcePath] : [])];
  // The report folder is checked before the stack is written, so a refusal comes before the work.
  if (input.report) await checkFolderOut(reportDirFor(resolve(req.path)), inputs, req.overwrite);
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
    files = [...files, ...(await writeReport(dir, input.report, rep.path, req.overwrite, inputs)).map((f) => `${basename(dir)}/${f}`)];
  }
  return { path: rep.path, format: rep.format, dtype: rep.dtype, bytes: rep.bytes, notes: rep.notes, reportDir, files };
}

/**
 * A model folder copied to `path`: built under a hidden temporary name that carries the owner
 * marker, then renamed. An existing folder is replaced only with overwrite and only when n2s wrote
 * it (an earlier copy); never a folder of the user's, never one that holds or is the model.
 */
export async function copyModel(request: { modelDir: string; path: string; overwrite?: boolean }): Promise<StackExportResult> {
  const req = parseRequest(ModelCopyRequest, request);
  const names = await readdir(req.modelDir).catch(() => [] as string[]);
  if (!names.includes('config.json')) throw new ModelFolderError(`${req.modelDir} is not a model folder (no config.json)`);
  await mkdir(dirname(resolve(req.path)), { recursive: true });
  // The live-preview checkpoint is not part of the model.
  await publishOwnedFolder(req.path, 'model copy', [req.modelDir], req.overwrite, (tmp) =>
    cp(req.modelDir, tmp, { recursive: true, filter: (src) => basename(src) !== 'checkpoint' }),
  );
  return { path: req.path, format: 'model', bytes: 0, notes: [], files: names.filter((n) => n !== 'checkpoint') };
}
