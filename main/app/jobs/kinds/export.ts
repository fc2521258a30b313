/**
 * 'export' (issue 7): a stack to TIFF with an optional report folder, or a model folder copied to a
 * chosen place — the export workflows of main/workflows/export.ts.
 */
import type { ExportReport } from '../../../../shared/ipc/job-kinds/export.ts';
import type { Stack } from '../../../../shared/stack.ts';
import { defineJobKind } from '../kind.ts';
import { forwardEvents } from './workflow-progress.ts';

type Input =
  | { what: 'stack'; stack: Stack; path: string; format: 'imagej' | 'ome'; dtype: 'keep' | 'float32' | 'uint16' | 'uint8'; overwrite: boolean; protect: string[]; report?: ExportReport }
  | { what: 'model'; modelDir: string; path: string; overwrite: boolean };

export const job = defineJobKind('export', {
  prepare(params, main): Input {
    const path = main.paths.assertWritable(params.path);
    if (params.what === 'model') return { what: 'model', modelDir: main.paths.assertReadable(params.modelDir), path, overwrite: params.overwrite };
    const stack = main.stacks.get(params.stackId);
    // Every open stack's source file is an input of this session: none may be written over.
    const protect = main.stacks.list().map((s) => s.meta.sourcePath).filter((p): p is string => Boolean(p));
    return { what: 'stack', stack, path, format: params.format, dtype: params.dtype, overwrite: params.overwrite, protect, report: params.report };
  },

  async run(input, ctx) {
    const { copyModel, exportStack } = await import('../../../workflows/export.ts');
    if (input.what === 'model') return copyModel(input);
    return exportStack(input, { stack: input.stack, protect: input.protect, report: input.report }, { signal: ctx.signal, onEvent: forwardEvents(ctx) });
  },

  finish(out) {
    return out;
  },
});
