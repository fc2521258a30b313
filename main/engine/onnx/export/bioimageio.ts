/**
 * A bioimage.io model package (model description format 0.5, `rdf.yaml`), as bioimageio.spec
 * 0.5.7 defines it (src/bioimageio/spec/model/v0_5.py of bioimage-io/spec-bioimage-io): ONNX
 * weights with their opset, (batch, channel, y, x) axes with parameterised sizes, preprocessing that
 * reproduces this app's normalisation, .npy test tensors that the ONNX weights reproduce, a 2:1
 * cover image and documentation with a "Validation" section.
 *
 * The output is left in the normalised intensity units: the spec has no postprocessing step that
 * inverts scale_range with the input's percentiles (this app does that after prediction).
 */
import { createHash } from 'node:crypto';
import * as ort from 'onnxruntime-node';
import { z } from 'zod';
import { createRng } from '../../../../shared/random.ts';
import { percentiles } from '../../normalise.ts';
import { FORWARD_OPSET } from '../forward.ts';
import { encodeNpyFloat32 } from './npy.ts';
import { buildExportOnnx, channelNames, describeInput, type ExportSource } from './onnx-file.ts';
import { encodePng } from '../../../io/png.ts';
import { toYaml, type YamlValue } from './yaml.ts';

export const BIOIMAGEIO_FORMAT_VERSION = '0.5.7';
/** Cited by every package (the method). The arXiv DOI is the one registered by DataCite for it. */
export const NOISE2STACK_CITATION = {
  text: 'Papkov M, Roberts K, Madissoon LA, Bayraktar O, Fishman D, Palo K, Parts L. Noise2Stack: Improving Image Restoration by Learning from Volumetric Data. 2021. arXiv:2011.05105',
  doi: '10.48550/arXiv.2011.05105',
  url: 'https://arxiv.org/abs/2011.05105',
};
/** Added to every output axis: context the network sees beyond a tile, for consumers that tile. */
const HALO = 16;
const DEFAULT_TEST_SIZE = 128;
/** Largest test tensor cut from a user's sample stack (the cover shows it at this size). */
const MAX_SAMPLE_SIZE = 256;
const EPS = 1e-6;

export const BioimageioMeta = z.object({
  // v0_5.ModelDescr.name: letters, digits, "_+- ()", 5–128 characters.
  name: z
    .string()
    .min(5, 'name needs at least 5 characters')
    .max(128)
    .regex(/^[A-Za-z0-9_+\- ()]+$/, 'name may contain only letters, digits, spaces and _+-()'),
  description: z.string().min(1).max(1024),
  authors: z.array(z.object({ name: z.string().min(1), affiliation: z.string().optional(), orcid: z.string().optional() })).min(1),
  /** SPDX identifier. */
  license: z.string().regex(/^[A-Za-z0-9.+-]+$/, 'licence must be an SPDX identifier such as CC-BY-4.0 or MIT'),
  tags: z.array(z.string()).default([]),
});
export type BioimageioMeta = z.infer<typeof BioimageioMeta>;

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/**
 * A seeded synthetic test input in raw intensity units: smooth blobs that drift slightly from plane
 * to plane (what neighbouring planes of a stack look like) plus Gaussian noise, ~100–1500 counts.
 */
export function syntheticTestInput(channels: number, size: number, seed = 2021): Float32Array {
  const rng = createRng(seed);
  const blobs = Array.from({ length: 12 }, () => ({
    x: rng.next() * size,
    y: rng.next() * size,
    r: size * (0.04 + 0.08 * rng.next()),
    a: 300 + 900 * rng.next(),
    dx: (rng.next() - 0.5) * 2,
    dy: (rng.next() - 0.5) * 2,
  }));
  const out = new Float32Array(channels * size * size);
  for (let c = 0; c < channels; c++) {
    const t = c - (channels - 1) / 2;
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        let v = 100;
        for (const b of blobs) {
          const d2 = (x - b.x - b.dx * t) ** 2 + (y - b.y - b.dy * t) ** 2;
          v += b.a * Math.exp(-d2 / (2 * b.r * b.r));
        }
        // Box–Muller Gaussian noise with a Poisson-like, signal-dependent width.
        const g = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
        out[(c * size + y) * size + x] = v + g * Math.sqrt(v) * 2;
      }
  }
  return out;
}

/** bioimage.io preprocessing steps equivalent to the model's normalisation. */
function preprocessingSteps(src: ExportSource): YamlValue[] {
  const n = src.normalisation ?? { kind: 'percentile', pLow: 3, pHigh: 99.8, low: 0, high: 1 };
  const ensure = { id: 'ensure_dtype', kwargs: { dtype: 'float32' } };
  if (n.kind === 'none') return [ensure];
  const axes = ['channel', 'y', 'x'];
  if (n.kind === 'percentile') {
    return [ensure, { id: 'scale_range', kwargs: { axes, min_percentile: n.pLow, max_percentile: n.pHigh, eps: EPS } }, ensure];
  }
  return [
    ensure,
    { id: 'scale_range', kwargs: { axes, min_percentile: 0, max_percentile: 100, eps: EPS } },
    { id: 'scale_linear', kwargs: { gain: 1, offset: -0.5 } },
    ensure,
  ];
}

/** Applies preprocessingSteps() to one sample, as bioimageio.core computes it. */
export function preprocess(src: ExportSource, raw: Float32Array): Float32Array {
  const n = src.normalisation ?? { kind: 'percentile', pLow: 3, pHigh: 99.8, low: 0, high: 1 };
  if (n.kind === 'none') return Float32Array.from(raw);
  const [pl, ph] = n.kind === 'percentile' ? [n.pLow, n.pHigh] : [0, 100];
  const [lo, hi] = percentiles(raw, [pl, ph]);
  const shift = n.kind === 'mri' ? -0.5 : 0;
  return raw.map((v) => (v - lo) / (hi - lo + EPS) + shift);
}

function toGrey(plane: Float32Array): Uint8Array {
  const [lo, hi] = percentiles(plane, [0.5, 99.5]);
  const px = new Uint8Array(plane.length);
  for (let i = 0; i < plane.length; i++) px[i] = Math.max(0, Math.min(255, Math.round(((plane[i] - lo) / (hi - lo || 1)) * 255)));
  return px;
}

/** A 2:1 cover: the input's mean plane on the left, the prediction on the right. */
function coverImage(input: Float32Array, output: Float32Array, channels: number, size: number): Uint8Array {
  const mean = new Float32Array(size * size);
  for (let c = 0; c < channels; c++) for (let i = 0; i < mean.length; i++) mean[i] += input[c * mean.length + i] / channels;
  const left = toGrey(mean);
  const right = toGrey(output);
  const px = new Uint8Array(2 * size * size);
  for (let y = 0; y < size; y++) {
    px.set(left.subarray(y * size, (y + 1) * size), y * 2 * size);
    px.set(right.subarray(y * size, (y + 1) * size), y * 2 * size + size);
  }
  return encodePng(px, 2 * size, size, 1);
}

function pythonPreprocess(src: ExportSource): string {
  const n = src.normalisation ?? { kind: 'percentile', pLow: 3, pHigh: 99.8, low: 0, high: 1 };
  if (n.kind === 'none') return '# no preprocessing';
  if (n.kind === 'mri') return 'lo, hi = np.percentile(x, [0, 100]); x = (x - lo) / (hi - lo + 1e-6) - 0.5';
  return `lo, hi = np.percentile(x, [${n.pLow}, ${n.pHigh}]); x = (x - lo) / (hi - lo + 1e-6)`;
}

function documentation(src: ExportSource, meta: BioimageioMeta, preprocessing: YamlValue[], testSize: number, origin: string): string {
  const names = channelNames(src);
  const n = src.normalisation;
  const norm =
    !n || n.kind === 'percentile'
      ? `scale_range over (channel, y, x): (v − p${n?.pLow ?? 3}) / (p${n?.pHigh ?? 99.8} − p${n?.pLow ?? 3} + 1e-6), percentiles of the input tensor (CSBDeep's convention)` +
        (n?.kind === 'percentile' && n.background ? '. The model was trained after subtracting a per-pixel background pattern, which this package cannot express; subtract it before prediction.' : '')
      : n.kind === 'mri'
        ? 'scale_range 0–100 % over (channel, y, x) then − 0.5: intensities to [−0.5, 0.5]'
        : 'none';
  return `# ${meta.name}

${meta.description}

A Noise2Stack model (Papkov et al., 2021): a ${src.spec.arch === 'csbdeep' ? 'CSBDeep-style U-Net with a residual connection' : 'Noise2Noise-style U-Net'}
that predicts plane *i* of an image stack from its neighbouring planes, trained on one noisy stack
without clean targets. Exported by Noise2Stack Studio.

## Input
\`input\`, float32, axes (batch, channel, y, x); channels in this order: ${names.join(', ')}
(${describeInput(src)}). Height and width: at least 64 and multiples of ${src.spec.divisor}.

Preprocessing: ${norm}.

## Output
\`output\`, float32, axes (batch, channel, y, x) with one channel: the denoised plane *i*, in the
normalised intensities of the input (invert the preprocessing to get back to input units). To
denoise a whole stack, slide the window of planes along z; at the first and last planes use the
nearest existing plane in place of a missing neighbour.

Test-time ensembling (what \`n2s denoise --tta\` does, on by default for small volumes): predict
the input's 8 rotations/flips in y and x (rotate/flip all channels alike), turn each prediction
back and average them; slightly cleaner than one prediction, at 8× the inference time.

## Weights
\`model.onnx\`: ONNX opset ${FORWARD_OPSET}, input \`input\`, output \`output\`, dynamic batch, height and
width. Runs in ONNX Runtime (any language), deepImageJ and Python:

\`\`\`python
import numpy as np, onnxruntime as ort
x = np.load("test_input.npy")
${pythonPreprocess(src)}
y = ort.InferenceSession("model.onnx").run(["output"], {"input": x.astype(np.float32)})[0]
print(np.abs(y - np.load("test_output.npy")).max())
\`\`\`

## Validation
\`test_input.npy\` (raw intensities, shape [1, ${src.spec.inChannels}, ${testSize}, ${testSize}]) preprocessed as above
and run through \`model.onnx\` gives \`test_output.npy\` (shape [1, 1, ${testSize}, ${testSize}]); Noise2Stack Studio
checks this reproduction (and the graph with \`onnx.checker\`) in its test suite. Test input:
${origin}. To judge denoising quality on your data, compare against a second noisy acquisition or
a clean reference (PSNR/SSIM), as in the paper.

## Citation
${NOISE2STACK_CITATION.text}. https://doi.org/${NOISE2STACK_CITATION.doi}

Preprocessing as written in rdf.yaml: \`${JSON.stringify(preprocessing)}\`
`;
}

/** A test input cut from a real stack: C planes of size×size in raw intensities, CHW. */
export interface TestSample {
  data: Float32Array;
  size: number;
  /** Where it came from, for the documentation. */
  origin: string;
}

/**
 * The network's input planes for the middle plane of `stackPath`, centre-cropped to the largest
 * square ≤ 256 px that the model accepts (a multiple of its divisor, at least 64 px).
 */
export async function sampleFromStack(src: ExportSource, stackPath: string): Promise<TestSample> {
  const { openStack } = await import('../../../io/index.ts');
  const { channelPlanes } = await import('../../../../shared/model/neighbours.ts');
  const stack = await openStack(stackPath);
  try {
    const d = src.spec.divisor;
    const size = Math.floor(Math.min(MAX_SAMPLE_SIZE, stack.height, stack.width) / d) * d;
    if (size < Math.ceil(64 / d) * d) throw new Error(`${stackPath}: planes of ${stack.height}×${stack.width} are too small for a test tensor (at least 64×64)`);
    const z = Math.floor(stack.depth / 2);
    const layout = src.layout ?? { mode: 'self' as const, k: Math.max(1, src.spec.inChannels / 2) };
    const planes = channelPlanes(z, stack.depth, layout.mode, layout.k);
    if (planes.length !== src.spec.inChannels) throw new Error(`the model takes ${src.spec.inChannels} planes, its layout gives ${planes.length}`);
    const y0 = Math.floor((stack.height - size) / 2);
    const x0 = Math.floor((stack.width - size) / 2);
    const data = new Float32Array(planes.length * size * size);
    for (let c = 0; c < planes.length; c++) {
      const p = await stack.readPlane(planes[c]);
      for (let y = 0; y < size; y++) data.set(p.subarray((y0 + y) * stack.width + x0, (y0 + y) * stack.width + x0 + size), (c * size + y) * size);
    }
    return { data, size, origin: `planes ${planes.join(', ')} (target plane ${z}) of ${stackPath.split(/[\\/]/).pop()}, centre ${size}×${size} crop` };
  } finally {
    await stack.close();
  }
}

export interface BioimageioPackage {
  /** File name -> contents; rdf.yaml references every other file. */
  files: Map<string, Uint8Array>;
  /** The test tensors, for callers that want to check them. */
  testInput: Float32Array;
  testOutput: Float32Array;
}

export async function buildBioimageioPackage(
  src: ExportSource,
  metaIn: z.input<typeof BioimageioMeta>,
  sample?: TestSample,
): Promise<BioimageioPackage> {
  const meta = BioimageioMeta.parse(metaIn);
  const onnx = buildExportOnnx(src);
  const c = src.spec.inChannels;
  const testSize = sample?.size ?? DEFAULT_TEST_SIZE;
  if (sample && sample.data.length !== c * testSize * testSize) throw new Error('test sample has the wrong size');
  const testInput = sample?.data ?? syntheticTestInput(c, testSize);
  const session = await ort.InferenceSession.create(onnx, { executionProviders: ['cpu'] });
  let testOutput: Float32Array;
  try {
    const x = new ort.Tensor('float32', preprocess(src, testInput), [1, c, testSize, testSize]);
    const y = (await session.run({ input: x })).output.data;
    if (!(y instanceof Float32Array)) throw new Error('ONNX Runtime returned a non-float32 output');
    testOutput = Float32Array.from(y);
  } finally {
    await session.release();
  }
  const files = new Map<string, Uint8Array>();
  files.set('model.onnx', onnx);
  files.set('test_input.npy', encodeNpyFloat32(testInput, [1, c, testSize, testSize]));
  files.set('test_output.npy', encodeNpyFloat32(testOutput, [1, 1, testSize, testSize]));
  files.set('cover.png', coverImage(testInput, testOutput, c, testSize));
  const preprocessing = preprocessingSteps(src);
  const origin = sample?.origin ?? 'synthetic (seeded blobs with signal-dependent noise)';
  files.set('documentation.md', new TextEncoder().encode(documentation(src, meta, preprocessing, testSize, origin)));

  const d = src.spec.divisor;
  const minSize = Math.ceil(64 / d) * d;
  const rdf: YamlValue = {
    type: 'model',
    format_version: BIOIMAGEIO_FORMAT_VERSION,
    name: meta.name,
    description: meta.description,
    authors: meta.authors.map((a) => ({ name: a.name, affiliation: a.affiliation, orcid: a.orcid })),
    cite: [NOISE2STACK_CITATION],
    license: meta.license,
    tags: [...new Set(['denoising', 'noise2stack', 'self-supervised', 'unet', '2d', 'onnx', ...meta.tags])],
    documentation: 'documentation.md',
    covers: ['cover.png'],
    timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    inputs: [
      {
        id: 'input',
        description: describeInput(src).slice(0, 128),
        axes: [
          { type: 'batch' },
          { type: 'channel', channel_names: channelNames(src) },
          { type: 'space', id: 'y', size: { min: minSize, step: d } },
          { type: 'space', id: 'x', size: { min: minSize, step: d } },
        ],
        test_tensor: { source: 'test_input.npy', sha256: sha256(files.get('test_input.npy') as Uint8Array) },
        data: { type: 'float32' },
        preprocessing,
      },
    ],
    outputs: [
      {
        id: 'output',
        description: 'denoised plane i, in the normalised intensities of the input',
        axes: [
          { type: 'batch' },
          { type: 'channel', channel_names: ['denoised'] },
          { type: 'space', id: 'y', halo: HALO, size: { tensor_id: 'input', axis_id: 'y' } },
          { type: 'space', id: 'x', halo: HALO, size: { tensor_id: 'input', axis_id: 'x' } },
        ],
        test_tensor: { source: 'test_output.npy', sha256: sha256(files.get('test_output.npy') as Uint8Array) },
        data: { type: 'float32' },
      },
    ],
    weights: {
      onnx: {
        source: 'model.onnx',
        sha256: sha256(onnx),
        opset_version: FORWARD_OPSET,
        authors: meta.authors.map((a) => ({ name: a.name })),
      },
    },
    config: {
      bioimageio: {
        architecture_type: src.spec.arch === 'csbdeep' ? 'U-Net (CSBDeep, residual)' : 'U-Net (Noise2Noise)',
        architecture_description: `2D U-Net with ${src.spec.nodes.filter((n) => n.op === 'conv').length} 3x3 convolutions, 2x2 max-pooling, nearest upsampling, skip concatenations`,
      },
      noise2stack: {
        arch: src.spec.arch,
        in_channels: c,
        layout: src.layout ? { mode: src.layout.mode, k: src.layout.k } : null,
        method: src.method ?? null,
        normalisation: src.normalisation ? (JSON.parse(JSON.stringify(src.normalisation)) as YamlValue) : null,
      },
    },
  };
  files.set('rdf.yaml', new TextEncoder().encode(toYaml(rdf)));
  return { files, testInput, testOutput };
}
