/**
 * Test-time ensembling (main/engine/tta.ts): exact for a symmetric predictor, a real ensemble for
 * one that is not, and still tile- and shard-independent inside the tiled predictor.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../../shared/random.ts';
import { buildArch } from '../../../shared/model/arch.ts';
import { initWeights } from '../../../shared/model/init.ts';
import { createPredictor } from '../../../main/engine/engines.ts';
import { denoiseStack } from '../../../main/engine/predict.ts';
import { dihedralSource, withTta } from '../../../main/engine/tta.ts';
import type { EngineReport, Predictor } from '../../../main/engine/types.ts';

const report: EngineReport = { engine: 'onnx', backend: 'toy' };

/** A per-pixel function of the channels, symmetric in their order: commutes with every transform. */
const symmetric: Predictor = {
  async predictBatch(x, n, h, w, cin) {
    const y = new Float32Array(n * h * w);
    for (let i = 0; i < y.length; i++) {
      let s = 0;
      for (let c = 0; c < cin; c++) s += x[i * cin + c];
      y[i] = s / cin + 0.1 * x[i * cin] * x[i * cin + cin - 1];
    }
    return y;
  },
  describe: () => report,
  dispose: () => {},
};

/** Predicts every pixel by its right-hand neighbour (clamped): not rotation-invariant. */
const rightNeighbour: Predictor = {
  async predictBatch(x, n, h, w, cin) {
    const y = new Float32Array(n * h * w);
    for (let b = 0; b < n; b++) for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) y[(b * h + r) * w + c] = x[((b * h + r) * w + Math.min(w - 1, c + 1)) * cin];
    return y;
  },
  describe: () => report,
  dispose: () => {},
};

test('the 8 transforms are bijections of a non-square tile, and all 8 are different', () => {
  const h = 3;
  const w = 5;
  const seen = new Set<string>();
  for (let t = 0; t < 8; t++) {
    const [th, tw] = t & 1 ? [w, h] : [h, w];
    const src: number[] = [];
    for (let r = 0; r < th; r++) for (let c = 0; c < tw; c++) {
      const [sr, sc] = dihedralSource(t, h, w, r, c);
      assert.ok(sr >= 0 && sr < h && sc >= 0 && sc < w);
      src.push(sr * w + sc);
    }
    assert.equal(new Set(src).size, h * w, `t=${t} is a bijection`);
    seen.add(src.join(','));
  }
  assert.equal(seen.size, 8);
});

test('a symmetric predictor gives back its plain prediction (×8 and ×16)', async () => {
  const rng = createRng(1);
  const [n, h, w, cin] = [2, 8, 12, 4];
  const x = Float32Array.from({ length: n * h * w * cin }, () => rng.next());
  const plain = await symmetric.predictBatch(x, n, h, w, cin);
  for (const mirrorNeighbours of [false, true]) {
    const y = await withTta(symmetric, { mirrorNeighbours }).predictBatch(x, n, h, w, cin);
    for (let i = 0; i < plain.length; i++) assert.ok(Math.abs(y[i] - plain[i]) < 1e-6, `pixel ${i}`);
  }
});

test('a predictor that is not symmetric is ensembled: on noise the error drops ~4×', async () => {
  const rng = createRng(2);
  const [n, h, w] = [1, 48, 48];
  const x = Float32Array.from({ length: n * h * w }, () => 0.5 + 0.1 * rng.normal());
  const mse = (y: Float32Array) => y.reduce((s, v) => s + (v - 0.5) ** 2, 0) / y.length;
  const plain = mse(await rightNeighbour.predictBatch(x, n, h, w, 1));
  const tta = mse(await withTta(rightNeighbour).predictBatch(x, n, h, w, 1));
  // The 8 transforms turn "right neighbour" into the 4 axis neighbours (twice each): their mean.
  assert.ok(tta < 0.35 * plain, `MSE plain ${plain.toExponential(3)}, TTA ${tta.toExponential(3)}`);
});

test('with TTA the tiled predictor still gives the untiled result, and 1, 2, 3 plane shards give identical output', async () => {
  const spec = buildArch({ arch: 'csbdeep', inChannels: 2, residualChannels: [0, 1], widthScale: 0.125 });
  const { predictor } = await createPredictor(spec, initWeights(spec, 5), { engine: 'onnx', provider: 'cpu' });
  const tta = withTta(predictor, { mirrorNeighbours: true });
  const rng = createRng(3);
  const [D, H, W] = [5, 84, 76];
  const data = Float32Array.from({ length: D * H * W }, () => rng.next());
  const layout = { mode: 'self' as const, k: 1 };
  const o = { spec, layout, normalisation: { kind: 'none' as const } };
  const whole = await denoiseStack(tta, data, { depth: D, height: H, width: W }, o);
  const plain = await denoiseStack(predictor, data, { depth: D, height: H, width: W }, o);
  assert.ok(whole.some((v, i) => Math.abs(v - plain[i]) > 1e-4), 'TTA changes the prediction of an untrained network');
  // 72² tiles with the default overlap (60 px for this network): 2×2 tiles per plane.
  const tiled = await denoiseStack(tta, data, { depth: D, height: H, width: W }, { ...o, tile: 72 });
  let worst = 0;
  for (let i = 0; i < whole.length; i++) worst = Math.max(worst, Math.abs(tiled[i] - whole[i]));
  assert.ok(worst < 1e-4, `tiled vs whole: ${worst}`);
  // Shards as the sharded denoiser cuts them: a window of planes with k neighbours either side.
  const hw = H * W;
  for (const shards of [1, 2, 3]) {
    const out = new Float32Array(D * hw);
    for (let s = 0; s < shards; s++) {
      const z0 = Math.floor((s * D) / shards);
      const z1 = Math.floor(((s + 1) * D) / shards);
      const w0 = Math.max(0, z0 - layout.k);
      const w1 = Math.min(D, z1 + layout.k);
      const win = data.subarray(w0 * hw, w1 * hw);
      const part = await denoiseStack(tta, win, { depth: w1 - w0, height: H, width: W }, { ...o, planes: { z0: z0 - w0, z1: z1 - w0 } });
      out.set(part, z0 * hw);
    }
    assert.deepEqual(out, whole, `${shards} shards`);
  }
  tta.dispose();
});

test('several output channels (a joint model) are ensembled each on its own', async () => {
  const rng = createRng(3);
  const [n, h, w, cin] = [2, 10, 14, 2];
  const x = Float32Array.from({ length: n * h * w * cin }, () => rng.next());
  /** Output 0: symmetric in the channels; output 1: the right-hand neighbour of channel 1. */
  const twoOut: Predictor = {
    async predictBatch(v, nb, th, tw, c) {
      const y = new Float32Array(nb * th * tw * 2);
      for (let b = 0; b < nb; b++) {
        for (let r = 0; r < th; r++) {
          for (let col = 0; col < tw; col++) {
            const i = (b * th + r) * tw + col;
            y[2 * i] = v[i * c] + v[i * c + 1];
            y[2 * i + 1] = v[((b * th + r) * tw + Math.min(tw - 1, col + 1)) * c + 1];
          }
        }
      }
      return y;
    },
    describe: () => report,
    dispose: () => {},
  };
  const y = await withTta(twoOut).predictBatch(x, n, h, w, cin);
  assert.equal(y.length, n * h * w * 2);
  const at = (b: number, r: number, c: number, ch: number) => x[((b * h + r) * w + c) * cin + ch];
  for (let b = 0; b < n; b++) {
    for (let r = 1; r < h - 1; r++) {
      for (let c = 1; c < w - 1; c++) {
        const i = (b * h + r) * w + c;
        assert.ok(Math.abs(y[2 * i] - (at(b, r, c, 0) + at(b, r, c, 1))) < 1e-6, 'the symmetric output comes back as it was');
        // The 8 transforms turn "right neighbour" into each axis neighbour twice: their mean.
        const mean4 = (at(b, r - 1, c, 1) + at(b, r + 1, c, 1) + at(b, r, c - 1, 1) + at(b, r, c + 1, 1)) / 4;
        assert.ok(Math.abs(y[2 * i + 1] - mean4) < 1e-6, `output 1 at ${b},${r},${c}: ${y[2 * i + 1]} vs ${mean4}`);
      }
    }
  }
});
