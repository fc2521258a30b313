/**
 * 'export': write an open stack to TIFF (ImageJ or OME, dtype choice, metadata kept), optionally
 * with a report folder next to it; or copy a model folder to a chosen place. Never writes over an
 * open stack's source file.
 */
import { z } from 'zod';
import { OutputDtype } from '../../config/enums.ts';

export const ReportPlot = z.object({
  /** File name without extension: letters, digits, - and _. */
  name: z.string().regex(/^[\w-]{1,64}$/),
  /** PNG as a data URL (from plotly's toImage in the renderer). */
  png: z.string().startsWith('data:image/png;base64,').optional(),
  svg: z.string().optional(),
});

export const ExportReport = z.object({
  title: z.string().default('Noise2Stack denoising report'),
  parameters: z.record(z.string(), z.unknown()).default({}),
  backend: z.string().optional(),
  timings: z.record(z.string(), z.number()).default({}),
  metrics: z.unknown().optional(),
  plots: z.array(ReportPlot).default([]),
});
export type ExportReport = z.infer<typeof ExportReport>;

export const exportJob = {
  params: z.discriminatedUnion('what', [
    z.object({
      what: z.literal('stack'),
      stackId: z.string(),
      path: z.string().min(1),
      format: z.enum(['imagej', 'ome']).default('imagej'),
      dtype: OutputDtype.default('keep'),
      overwrite: z.boolean().default(false),
      report: ExportReport.optional(),
    }),
    z.object({ what: z.literal('model'), modelDir: z.string().min(1), path: z.string().min(1), overwrite: z.boolean().default(false) }),
  ]),
  result: z.object({
    path: z.string(),
    format: z.string(),
    dtype: z.string().optional(),
    bytes: z.number(),
    notes: z.array(z.string()),
    reportDir: z.string().optional(),
    files: z.array(z.string()),
  }),
  pausable: false,
};
