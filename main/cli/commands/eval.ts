import { z } from 'zod';
import { emitJson, type Command } from '../command.ts';
import { UserError } from '../../errors.ts';
import type { StackMetrics } from '../../../shared/metrics/index.ts';
import { EvalNormalisation } from '../../../shared/config/enums.ts';
import { readStack } from '../../io/index.ts';
import { parseSchemaFlags as parseFlags, numeric } from '../flags.ts';

const HELP = `Usage: n2s eval --prediction P.tif --reference R.tif [--normalise percentile-affine|none] [--data-range R] [--json]

Scores a denoised stack against a reference, plane by plane (PSNR, SSIM, NRMSE as scikit-image
defines them: SSIM with a Gaussian window, sigma 1.5; NRMSE normalised by the reference's RMS).
The whole-stack value is the mean over planes.

  --prediction FILE   the stack to score (TIFF, NIfTI, OME-Zarr, folder)
  --reference FILE    the reference (clean MRI, or the high-exposure microscopy stack)
  --normalise MODE    percentile-affine (default): scale the reference by its 0.1/99.9 percentiles
                      and fit the prediction to it by least squares (microscopy, docs/method.md §7);
                      none: compare raw values (MRI scaled to [-0.5, 0.5]); --normalize is
                      accepted as an alias
  --data-range R      data range for PSNR/SSIM (default 1)
  --json              print one JSON object with whole-stack and per-plane values`;

const Flags = z.object({
  prediction: z.string({ error: 'missing --prediction FILE' }),
  reference: z.string({ error: 'missing --reference FILE' }),
  normalise: z.enum(EvalNormalisation.options, { error: 'must be percentile-affine or none' }).optional(),
  normalize: z.enum(EvalNormalisation.options, { error: 'must be percentile-affine or none' }).optional(),
  'data-range': z.string().optional().transform(numeric).pipe(z.number({ error: 'must be a number' }).positive().optional()),
  json: z.boolean().default(false),
});

function formatTable(m: StackMetrics): string {
  const row = (a: string, p: number, s: number, n: number) =>
    `${a.padEnd(7)} ${p.toFixed(2).padStart(7)} ${s.toFixed(4).padStart(7)} ${n.toFixed(4).padStart(7)}`;
  return [
    `normalisation: ${m.normalization}, data range ${m.dataRange}`,
    `${'plane'.padEnd(7)} ${'PSNR'.padStart(7)} ${'SSIM'.padStart(7)} ${'NRMSE'.padStart(7)}`,
    ...m.planes.map((p) => row(String(p.plane), p.psnr, p.ssim, p.nrmse)),
    row('mean', m.psnr, m.ssim, m.nrmse),
    '',
  ].join('\n');
}

export const command: Command = {
  name: 'eval',
  summary: 'PSNR/SSIM/NRMSE of a prediction against a reference',
  help: HELP,
  run: async (argv) => {
    const { flags } = parseFlags(
      argv,
      {
        prediction: { type: 'string' },
        reference: { type: 'string' },
        normalise: { type: 'string' },
        normalize: { type: 'string' },
        'data-range': { type: 'string' },
        json: { type: 'boolean' },
      },
      Flags,
    );
    if (flags.normalise && flags.normalize) throw new UserError('give --normalise or --normalize, not both');
    const [pred, ref] = await Promise.all([readStack(flags.prediction), readStack(flags.reference)]);
    const { evaluate } = await import('../../workflows/evaluate.ts');
    const [m] = await evaluate({ normalisation: flags.normalise ?? flags.normalize, dataRange: flags['data-range'] }, { reference: ref, stacks: [pred] });
    if (flags.json) emitJson({ type: 'result', prediction: flags.prediction, reference: flags.reference, ...m });
    else process.stdout.write(formatTable(m));
    return 0;
  },
};
