import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeStack } from '../../../shared/stack.ts';
import { writeStack } from '../../../main/io/index.ts';
import { StudyConfig, type StudyConfigInput } from '../../../main/science/study/config.ts';
import { runStudy } from '../../../main/science/study/run-study.ts';

// Plumbing only (tiny networks, a few steps): the claims come from the committed reports.
const tinyTraining = { engine: 'onnx', widthScale: 0.125, epochs: 1, stepsPerEpoch: 2, batch: 2, patch: 32, valBatches: 1 } as const;

test('microscopy study writes a Table-1 report, plots, previews and raw JSON, and reuses its cache', { timeout: 180_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'n2s-study-'));
  try {
    const input: StudyConfigInput = {
      name: 'tiny microscopy',
      out,
      data: { kind: 'microscopy', trainSeeds: [1], testSeeds: [7, 8], depth: 5, height: 32, width: 32 },
      training: { ...tinyTraining, arch: 'csbdeep', augment: 'rot-flip' },
      methods: [{ id: 'input' }, { id: 'classical' }, { id: 'n2s-self', k: 1 }, { id: 'n2v' }, { id: 'n2c', k: 0 }],
      autoK: { candidates: [1, 2], epochs: 1, stepsPerEpoch: 2 },
    };
    const config = StudyConfig.parse(input);
    const logs: string[] = [];
    const res = await runStudy(config, { command: 'n2s study --config tiny.json', log: (l) => logs.push(l) });
    assert.deepEqual(res.methods.map((m) => m.key), ['input', 'classical', 'n2s-self-k1', 'n2v', 'n2c-k0']);
    for (const f of ['report.md', 'report.html', 'per-plane-psnr.svg', 'validation-loss.svg', 'results.json', 'previews/reference.png', 'previews/n2v.png']) {
      assert.ok(existsSync(join(out, f)), `${f} written`);
    }
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    assert.match(md, /n2s study --config tiny\.json/);
    assert.match(md, /\| N2S self-sup\. \(2\) \| 2 \|/);
    assert.match(md, /Against the noiseless synthetic signal/);
    assert.match(md, /## Automatic neighbour selection/);
    assert.ok(res.autoK && [1, 2].includes(res.autoK.best) && res.autoK.curve.length === 2);
    const raw = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { methods: Array<{ scores: Array<{ metrics: { planes: unknown[] } }> }> };
    assert.equal(raw.methods[0].scores.length, 2, 'one score per test stack');
    assert.equal(raw.methods[0].scores[0].metrics.planes.length, 5, 'per-plane values');
    assert.ok(readFileSync(join(out, 'per-plane-psnr.svg'), 'utf8').includes('<polygon'), 'band over test stacks drawn');
    // PNG signature.
    assert.deepEqual([...readFileSync(join(out, 'previews/n2v.png')).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    // Classical denoising must beat the noisy input even here (no training involved).
    const psnr = (k: string) => res.methods.find((m) => m.key === k)!.scores.reduce((s, x) => s + x.metrics.psnr, 0) / 2;
    assert.ok(psnr('classical') > psnr('input'));
    // A second run re-uses every cached method without training.
    const again: string[] = [];
    await runStudy(config, { command: 'x', log: (l) => again.push(l) });
    assert.equal(again.filter((l) => l.includes('using cached result')).length, 6);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('MRI study scores before/after k-space post-processing and states the paper claims', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'n2s-study-mri-'));
  try {
    // A synthetic "head": ellipses that drift slowly through 16 planes of 64×64.
    const D = 16;
    const H = 64;
    const W = 64;
    const data = new Float32Array(D * H * W);
    for (let z = 0; z < D; z++) {
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const u = (x - 32) / (24 - z * 0.3);
          const v = (y - 32) / 28;
          const r = u * u + v * v;
          data[(z * H + y) * W + x] = r < 1 ? 100 + 60 * Math.cos(3 * u + 0.2 * z) * (r < 0.5 ? 1 : 0.3) : 0;
        }
      }
    }
    const input = join(dir, 'head.tif');
    await writeStack(input, makeStack(D, H, W, data, { name: 'head' }));
    const config = StudyConfig.parse({
      name: 'tiny mri',
      out: join(dir, 'out'),
      data: { kind: 'mri', input, trainPlanes: [0, 10], testPlanes: [11, 16], testRealisations: 2, seed: 3 },
      training: { ...tinyTraining, arch: 'n2n' },
      methods: [{ id: 'input' }, { id: 'n2n' }, { id: 'n2s-copy', k: 2 }, { id: 'n2s-self', k: 2 }, { id: 'n2v' }],
    });
    const res = await runStudy(config, { command: 'n2s study --config tiny-mri.json' });
    const inp = res.methods[0].scores[0];
    assert.ok(inp.post, 'post-processed metrics present');
    // Re-imposing measured frequencies on the (re-weighted) input is the zero-filled reconstruction,
    // which is closer to the clean plane than the re-weighted one.
    assert.ok(inp.post.psnr > inp.metrics.psnr);
    assert.deepEqual(res.planeNumbers, [11, 12, 13, 14, 15]);
    const md = readFileSync(join(dir, 'out', 'report.md'), 'utf8');
    assert.match(md, /PSNR before \/ after post-proc\./);
    assert.match(md, /N2S copy-supervised \(1\+4\) beats Noise2Noise/);
    assert.match(md, /Noise2Void is below N2S self-supervised \(4\)/);
    assert.ok(existsSync(join(dir, 'out', 'per-plane-psnr-post.svg')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('study config errors are caught before any work', () => {
  const bad = StudyConfig.safeParse({ name: 'x', out: 'y', data: { kind: 'microscopy', trainSeeds: [], testSeeds: [1] }, training: { arch: 'csbdeep' }, methods: [{ id: 'n2s-self' }] });
  assert.equal(bad.success, false);
});
