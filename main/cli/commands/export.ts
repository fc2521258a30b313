import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadModel } from '../../engine/model-store.ts';
import { FORWARD_OPSET } from '../../engine/onnx/forward.ts';
import { BioimageioMeta, buildBioimageioPackage, sampleFromStack, type TestSample } from '../../engine/onnx/export/bioimageio.ts';
import { buildExportOnnx, type ExportSource } from '../../engine/onnx/export/onnx-file.ts';
import { OutputExistsError, writeFileAtomic, writePackage } from '../../engine/onnx/export/write-package.ts';
import { type Command, emitJson } from '../command.ts';
import { UserError } from '../../errors.ts';

const HELP = `Usage: n2s export --model DIR --format onnx|bioimageio --out PATH [flags]

Exports a trained model folder for use outside this app. The weights are the model's own; nothing
is retrained.

  --model DIR            model folder written by n2s train
  --format onnx          one standalone .onnx file: ONNX opset ${FORWARD_OPSET}, input "input"
                         [batch, planes, height, width], output "output" [batch, 1, height, width],
                         dynamic batch/height/width (height and width multiples of the U-Net's
                         divisor: 4 for csbdeep, 32 for n2n); runs in ONNX Runtime, deepImageJ, Python
  --format bioimageio    a bioimage.io model package (rdf.yaml, model description format 0.5):
                         ONNX weights, .npy test input/output, cover.png, documentation.md; written
                         as a folder, or as a zip archive when PATH ends in .zip
  --out PATH             FILE.onnx, or DIR / FILE.zip for bioimageio
  --sample STACK         cut the bioimage.io test input (and cover) from the middle planes of this
                         stack instead of a synthetic one (any stack file n2s reads)
  --name NAME            package name (bioimageio; letters, digits, spaces, _+-(); default from the model)
  --description TEXT     one-paragraph description (bioimageio)
  --author NAME          author (repeatable; default "Noise2Stack Studio user")
  --license SPDX         licence of the weights (default CC-BY-4.0)
  --force                replace PATH if it exists
  --json                 print one JSON result object
`;

const Flags = z.object({
  model: z.string({ error: '--model DIR is required' }).min(1),
  format: z.enum(['onnx', 'bioimageio'], { error: '--format must be onnx or bioimageio' }),
  out: z.string({ error: '--out PATH is required' }).min(1),
  name: z.string().optional(),
  sample: z.string().optional(),
  description: z.string().optional(),
  author: z.array(z.string()).optional(),
  license: z.string().default('CC-BY-4.0'),
  force: z.boolean().default(false),
  json: z.boolean().default(false),
});

function parse(argv: string[]): z.infer<typeof Flags> {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        model: { type: 'string' },
        format: { type: 'string' },
        out: { type: 'string' },
        name: { type: 'string' },
        sample: { type: 'string' },
        description: { type: 'string' },
        author: { type: 'string', multiple: true },
        license: { type: 'string' },
        force: { type: 'boolean' },
        json: { type: 'boolean' },
      },
    }));
  } catch (e) {
    throw new UserError(`${(e as Error).message}`);
  }
  const r = Flags.safeParse(values);
  if (!r.success) throw new UserError(`${r.error.issues[0]?.message ?? 'invalid flags'}`);
  return r.data;
}

async function loadSource(dir: string): Promise<ExportSource> {
  try {
    const { config, spec, weights } = await loadModel(dir);
    return { spec, weights, layout: { mode: config.layout.mode, k: config.layout.k }, normalisation: config.normalisation, method: config.training.method };
  } catch (e) {
    throw new UserError(`cannot load model: ${(e as Error).message}`);
  }
}

function defaultName(src: ExportSource, dir: string): string {
  const cleaned = basename(dir).replace(/[^A-Za-z0-9_+\- ()]/g, ' ').trim();
  const layout = src.layout ? ` k${src.layout.k} ${src.layout.mode}` : '';
  const name = `Noise2Stack ${src.spec.arch}${layout}${cleaned ? ` (${cleaned})` : ''}`;
  return name.slice(0, 128);
}

export const command: Command = {
  name: 'export',
  summary: 'export a model as ONNX or as a bioimage.io package',
  help: HELP,
  run: async (argv) => {
    const f = parse(argv);
    const src = await loadSource(f.model);
    const t0 = performance.now();
    try {
      if (f.format === 'onnx') {
        if (!f.out.toLowerCase().endsWith('.onnx')) throw new UserError('--format onnx needs --out FILE.onnx');
        const bytes = buildExportOnnx(src);
        await writeFileAtomic(f.out, bytes, f.force);
        const result = { format: 'onnx', out: f.out, bytes: bytes.length, opset: FORWARD_OPSET, input: 'input', output: 'output', seconds: (performance.now() - t0) / 1000 };
        if (f.json) emitJson({ type: 'result', ...result });
        else process.stdout.write(`wrote ${f.out} (${(bytes.length / 1e6).toFixed(2)} MB, ONNX opset ${FORWARD_OPSET}, input "input" [batch, ${src.spec.inChannels}, height, width], output "output")\n`);
        return 0;
      }
      const meta = BioimageioMeta.safeParse({
        name: f.name ?? defaultName(src, f.model),
        description:
          f.description ??
          `Noise2Stack denoiser (${src.method ?? 'n2s'}, ${src.layout?.mode ?? 'self'}-supervised, k = ${src.layout?.k ?? '?'}) for image stacks: predicts plane i from its neighbouring planes.`,
        authors: (f.author ?? ['Noise2Stack Studio user']).map((name) => ({ name })),
        license: f.license,
      });
      if (!meta.success) throw new UserError(`${meta.error.issues[0]?.path.join('.')}: ${meta.error.issues[0]?.message}`);
      let sample: TestSample | undefined;
      if (f.sample) {
        try {
          sample = await sampleFromStack(src, f.sample);
        } catch (e) {
          throw new UserError(`--sample: ${(e as Error).message}`);
        }
      }
      const pkg = await buildBioimageioPackage(src, meta.data, sample);
      const kind = await writePackage(pkg.files, f.out, f.force);
      const files = [...pkg.files.keys()];
      const result = { format: 'bioimageio', out: f.out, container: kind, files, opset: FORWARD_OPSET, seconds: (performance.now() - t0) / 1000 };
      if (f.json) emitJson({ type: 'result', ...result });
      else process.stdout.write(`wrote bioimage.io package ${f.out} (${kind}: ${files.join(', ')})\n`);
      return 0;
    } catch (e) {
      if (e instanceof OutputExistsError) throw new UserError(`${e.message}`);
      throw e;
    }
  },
};
