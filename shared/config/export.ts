import { z } from 'zod';
import { OutputDtype } from './enums.ts';

/** Requests of the export workflows (main/workflows/export.ts). */

/** A trained model as one ONNX file or a bioimage.io package. */
export const ModelExportRequest = z.object({
  modelDir: z.string().min(1, 'a model folder is required'),
  format: z.enum(['onnx', 'bioimageio'], { error: 'format must be onnx or bioimageio' }),
  /** FILE.onnx, or a folder / FILE.zip for bioimageio. */
  out: z.string().min(1, 'an output path is required'),
  name: z.string().optional(),
  description: z.string().optional(),
  authors: z.array(z.string()).optional(),
  license: z.string().default('CC-BY-4.0'),
  /** A stack whose middle planes become the bioimage.io test input and cover. */
  sample: z.string().optional(),
  /** Replace `out` if it exists. */
  overwrite: z.boolean().default(false),
});
export type ModelExportRequest = z.infer<typeof ModelExportRequest>;
export type ModelExportRequestInput = z.input<typeof ModelExportRequest>;

/** A stack written as TIFF (ImageJ or OME), optionally with a report folder next to it. */
export const StackExportRequest = z.object({
  path: z.string().min(1).regex(/\.tiff?$/i, 'export to .tif / .ome.tif'),
  format: z.enum(['imagej', 'ome']).default('imagej'),
  dtype: OutputDtype.default('keep'),
  overwrite: z.boolean().default(false),
});
export type StackExportRequest = z.infer<typeof StackExportRequest>;

/** A model folder copied elsewhere (without its live-preview checkpoint). */
export const ModelCopyRequest = z.object({
  modelDir: z.string().min(1),
  path: z.string().min(1),
  overwrite: z.boolean().default(false),
});
export type ModelCopyRequest = z.infer<typeof ModelCopyRequest>;
