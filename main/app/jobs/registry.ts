/**
 * Job kind name → its module, loaded lazily (both in main and in the worker). Adding a kind: one
 * line here plus its schema line in shared/ipc/job-kinds/index.ts. The literal import() calls let
 * esbuild bundle the kinds into the worker for the packaged app.
 */
import type { JobKindModule } from './kind.ts';

export type KindLoader = () => Promise<{ job: JobKindModule }>;

export const jobKindModules: Record<string, KindLoader> = {
  'open-stack': () => import('./kinds/open-stack.ts'),
  denoise: () => import('./kinds/denoise.ts'),
  segment: () => import('./kinds/segment.ts'),
  train: () => import('./kinds/train.ts'),
  'train-estimate': () => import('./kinds/train-estimate.ts'),
  preview: () => import('./kinds/preview.ts'),
  export: () => import('./kinds/export.ts'),
  similarity: () => import('./kinds/similarity.ts'),
  evaluate: () => import('./kinds/evaluate.ts'),
  autok: () => import('./kinds/autok.ts'),
  engines: () => import('./kinds/engines.ts'),
  'model-info': () => import('./kinds/model-info.ts'),
  'denoise-hyperstack': () => import('./kinds/denoise-hyperstack.ts'),
  'export-hyperstack': () => import('./kinds/export-hyperstack.ts'),
  'evaluate-hyperstack': () => import('./kinds/evaluate-hyperstack.ts'),
  'train-hyperstack': () => import('./kinds/train-hyperstack.ts'),
};
