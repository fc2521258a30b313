import { z } from 'zod';
import { FORWARD_OPSET } from '../../engine/onnx/forward.ts';
import { type Command, emitJson } from '../command.ts';
import { parseSchemaFlags, withFlagNames } from '../flags.ts';

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
  return parseSchemaFlags(
    argv,
    {
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
    Flags,
  ).flags;
}

export const command: Command = {
  name: 'export',
  summary: 'export a model as ONNX or as a bioimage.io package',
  help: HELP,
  run: async (argv) => {
    const f = parse(argv);
    const { exportModel } = await import('../../workflows/export.ts');
    const r = await withFlagNames(
      () => exportModel({ modelDir: f.model, format: f.format, out: f.out, name: f.name, description: f.description, authors: f.author, license: f.license, sample: f.sample, overwrite: f.force }),
      { modelDir: 'model', authors: 'author', overwrite: 'force' },
    );
    if (f.json) emitJson({ type: 'result', ...r });
    else if (r.format === 'onnx') process.stdout.write(`wrote ${r.out} (${(r.bytes / 1e6).toFixed(2)} MB, ONNX opset ${r.opset}, input "input" [batch, ${r.inChannels}, height, width], output "output")\n`);
    else process.stdout.write(`wrote bioimage.io package ${r.out} (${r.container}: ${r.files.join(', ')})\n`);
    return 0;
  },
};
