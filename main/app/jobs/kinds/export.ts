/**
 * 'export' (issue 7): a stack to TIFF through main/io's writeStack (ImageJ or OME, dtype choice,
 * voxel size / axes / description kept, atomic, never over an input), plus an optional report
 * folder next to it (parameters, backend, timings, metrics as JSON and Markdown, plots as PNG/SVG);
 * or a model folder copied to a chosen place.
 */
import { cp, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { ExportReport } from '../../../../shared/ipc/job-kinds/export.ts';
import type { Stack } from '../../../../shared/stack.ts';
import { UserError } from '../../../errors.ts';
import { defineJobKind } from '../kind.ts';

type Input =
  | { what: 'stack'; stack: Stack; path: string; format: 'imagej' | 'ome'; dtype: 'keep' | 'float32' | 'uint16' | 'uint8'; overwrite: boolean; protect: string[]; report?: ExportReport }
  | { what: 'model'; modelDir: string; path: string; overwrite: boolean };

interface Output {
  path: string;
  format: string;
  dtype?: string;
  bytes: number;
  notes: string[];
  reportDir?: string;
  files: string[];
}

const exists = (p: string) => stat(p).then(() => true, () => false);

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
  if ((await exists(dir)) && !overwrite) throw new UserError(`${basename(dir)} already exists; choose another name or allow overwriting`);
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

export const job = defineJobKind('export', {
  prepare(params, main): Input {
    const path = main.paths.assertWritable(params.path);
    if (params.what === 'model') return { what: 'model', modelDir: main.paths.assertReadable(params.modelDir), path, overwrite: params.overwrite };
    if (!/\.tiff?$/i.test(path)) throw new UserError(`export to .tif / .ome.tif (got ${basename(path)})`);
    const stack = main.stacks.get(params.stackId);
    // Every open stack's source file is an input of this session: none may be written over.
    const protect = main.stacks.list().map((s) => s.meta.sourcePath).filter((p): p is string => Boolean(p));
    return { what: 'stack', stack, path, format: params.format, dtype: params.dtype, overwrite: params.overwrite, protect, report: params.report };
  },

  async run(input, ctx): Promise<Output> {
    if (input.what === 'model') {
      if ((await exists(input.path)) && !input.overwrite) throw new UserError(`${basename(input.path)} already exists; choose another folder name`);
      const names = await readdir(input.modelDir);
      if (!names.includes('config.json')) throw new UserError(`${input.modelDir} is not a model folder (no config.json)`);
      const tmp = `${input.path}.tmp-${process.pid}-${Date.now()}`;
      await mkdir(dirname(input.path), { recursive: true });
      // The live-preview checkpoint is not part of the model.
      await cp(input.modelDir, tmp, { recursive: true, filter: (src) => basename(src) !== 'checkpoint' });
      if (await exists(input.path)) await rm(input.path, { recursive: true });
      await rename(tmp, input.path);
      return { path: input.path, format: 'model', bytes: 0, notes: [], files: names.filter((n) => n !== 'checkpoint') };
    }
    const { writeStack } = await import('../../../io/index.ts');
    ctx.progress(0, `writing ${basename(input.path)}`);
    const rep = await writeStack(input.path, input.stack, {
      format: input.format,
      dtype: input.dtype,
      overwrite: input.overwrite,
      protect: input.protect,
      onProgress: (done, total) => ctx.progress((0.9 * done) / total, `writing plane ${done} of ${total}`),
    });
    let reportDir: string | undefined;
    let files = [basename(rep.path)];
    if (input.report) {
      ctx.progress(0.95, 'writing the report');
      reportDir = reportDirFor(rep.path);
      files = [...files, ...(await writeReport(reportDir, input.report, rep.path, input.overwrite)).map((f) => `${basename(reportDir!)}/${f}`)];
    }
    return { path: rep.path, format: rep.format, dtype: rep.dtype, bytes: rep.bytes, notes: rep.notes, reportDir, files };
  },

  finish(out) {
    return out;
  },
});
