/**
 * One test per gradient rule of main/engine/onnx/train/grad-rules.ts: the rule's ONNX nodes, run in
 * ONNX Runtime, against tfjs autodiff (tf.grads on the CPU backend) and against central finite
 * differences of the ONNX forward op along random directions.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type * as tfType from '@tensorflow/tfjs';
import { GraphBuilder } from '../../../main/engine/onnx/graph-builder.ts';
import { type FilterGradLayout, GRAD_RULES, type GradContext, emitLoss, gradContext, type TapeEntry } from '../../../main/engine/onnx/train/grad-rules.ts';
import { TRAIN_OPSET } from '../../../main/engine/onnx/train/training-graph.ts';
import { dot, type Feed, onnxSession, randomArray, relErr, runOnnx, tf, tfCpu, tfLoss, upsample2 } from './reference.ts';

interface Operand {
  name: string;
  dims: number[];
  data: Float32Array;
  grad: boolean;
}

interface RuleCase {
  title: string;
  operands: Operand[];
  outDims: number[];
  /** Emits the forward op; returns the tape entry whose rule is under test. */
  forward(c: GradContext, names: string[]): TapeEntry;
  /** The same op in tfjs on NCHW tensors. */
  reference(...xs: tfType.Tensor[]): tfType.Tensor;
}

const nhwc = (t: tfType.Tensor) => tf.transpose(t, [0, 2, 3, 1]) as tfType.Tensor4D;
const nchw = (t: tfType.Tensor) => tf.transpose(t, [0, 3, 1, 2]);
const size = (d: number[]) => d.reduce((a, b) => a * b, 1);

/** Values at least `gap` apart (no ties, no kinks crossed by the finite-difference step). */
function distinct(n: number, seed: number, gap = 0.01): Float32Array {
  const idx = Array.from({ length: n }, (_, i) => i);
  const r = randomArray(n, seed);
  idx.sort((a, b) => r[a] - r[b]);
  const out = new Float32Array(n);
  idx.forEach((k, rank) => (out[k] = (rank - n / 2) * gap + gap / 2));
  return out;
}

/** cin < cout windows the input, cin > cout the output gradient (grad-rules.ts filterGrad). */
function convCase(layout: FilterGradLayout, cin: number, cout: number): RuleCase {
  return {
    title: `Conv 3×3 with bias, ${cin}→${cout} channels (filter gradient: ${layout})`,
    operands: [
      { name: 'x', dims: [2, cin, 6, 5], data: randomArray(60 * cin, 1), grad: true },
      { name: 'w', dims: [cout, cin, 3, 3], data: randomArray(9 * cin * cout, 2, 0.5), grad: true },
      { name: 'b', dims: [cout], data: randomArray(cout, 3), grad: true },
    ],
    outDims: [2, cout, 6, 5],
    forward: (c, [x, w, b]) => ({
      op: 'Conv',
      inputs: [x, w, b],
      output: c.g.op('Conv', [x, w, b], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1] }, 'out_op'),
      kernel: 3,
      channels: [cin, cout],
    }),
    reference: (x, w, b) => nchw(tf.add(tf.conv2d(nhwc(x), tf.transpose(w, [2, 3, 1, 0]) as tfType.Tensor4D, 1, 'same'), b)),
  };
}

const CASES: (RuleCase & { layout?: FilterGradLayout })[] = [
  { ...convCase('shift', 3, 4), layout: 'shift' },
  { ...convCase('shift', 5, 2), layout: 'shift' },
  { ...convCase('shift', 12, 1), layout: 'shift' },
  { ...convCase('shift', 1, 12), layout: 'shift' },
  // Equal widths take the row/column split (rows of X by one Gather); 'shift-slices' is the previous form.
  { ...convCase('shift', 4, 4), layout: 'shift' },
  { ...convCase('shift-slices', 3, 4), layout: 'shift-slices' },
  { ...convCase('im2col', 3, 4), layout: 'im2col' },
  { ...convCase('im2col', 5, 2), layout: 'im2col' },
  // 9·Cw < Cf: the unwindowed operand goes first into the Gemm (the output conv's case).
  { ...convCase('im2col', 12, 1), layout: 'im2col' },
  { ...convCase('im2col', 1, 12), layout: 'im2col' },
  { ...convCase('windows', 3, 4), layout: 'windows' },
  { ...convCase('windows', 5, 2), layout: 'windows' },
  { ...convCase('windows', 12, 1), layout: 'windows' },
  { ...convCase('conv', 3, 4), layout: 'conv' },
  {
    title: 'ReLU',
    operands: [{ name: 'x', dims: [2, 3, 4, 4], data: distinct(96, 4), grad: true }],
    outDims: [2, 3, 4, 4],
    forward: (c, [x]) => ({ op: 'Relu', inputs: [x], output: c.g.op('Relu', [x], {}, 'out_op') }),
    reference: (x) => tf.relu(x),
  },
  {
    title: 'LeakyReLU 0.1',
    operands: [{ name: 'x', dims: [2, 3, 4, 4], data: distinct(96, 5), grad: true }],
    outDims: [2, 3, 4, 4],
    forward: (c, [x]) => ({ op: 'LeakyRelu', inputs: [x], output: c.g.op('LeakyRelu', [x], { alpha: { float: 0.1 } }, 'out_op'), alpha: 0.1 }),
    reference: (x) => tf.leakyRelu(x, 0.1),
  },
  {
    title: 'MaxPool 2×2',
    operands: [{ name: 'x', dims: [2, 3, 4, 6], data: distinct(144, 6), grad: true }],
    outDims: [2, 3, 2, 3],
    forward: (c, [x]) => ({ op: 'MaxPool', inputs: [x], output: c.g.op('MaxPool', [x], { kernel_shape: [2, 2], strides: [2, 2] }, 'out_op') }),
    reference: (x) => nchw(tf.maxPool(nhwc(x), 2, 2, 'valid')),
  },
  {
    title: 'nearest upsampling ×2',
    operands: [{ name: 'x', dims: [2, 3, 3, 4], data: randomArray(72, 7), grad: true }],
    outDims: [2, 3, 6, 8],
    forward: (c, [x]) => {
      const scales = c.g.addInitializer('scales', [4], new Float32Array([1, 1, 2, 2]));
      const out = c.g.op('Resize', [x, '', scales], { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }, 'out_op');
      return { op: 'Upsample', inputs: [x], output: out };
    },
    // tfjs' own resizeNearestNeighbor gradient is wrong for batch > 1 (see reference.ts upsample2).
    reference: (x) => nchw(upsample2(nhwc(x))),
  },
  {
    title: 'concatenation',
    operands: [
      { name: 'a', dims: [2, 3, 4, 4], data: randomArray(96, 8), grad: true },
      { name: 'b', dims: [2, 2, 4, 4], data: randomArray(64, 9), grad: true },
    ],
    outDims: [2, 5, 4, 4],
    forward: (c, [a, b]) => ({ op: 'Concat', inputs: [a, b], output: c.g.op('Concat', [a, b], { axis: 1 }, 'out_op'), channels: [3, 2] }),
    reference: (a, b) => tf.concat([a, b], 1),
  },
  {
    title: 'residual addition (plane mean of the data has no gradient)',
    operands: [
      { name: 'a', dims: [2, 1, 4, 4], data: randomArray(32, 10), grad: true },
      { name: 'planes', dims: [2, 2, 4, 4], data: randomArray(64, 11), grad: false },
    ],
    outDims: [2, 1, 4, 4],
    forward: (c, [a, planes]) => {
      const mean = c.g.op('ReduceMean', [planes], { axes: [1], keepdims: 1 }, 'mean');
      return { op: 'Residual', inputs: [a, ''], output: c.g.op('Add', [a, mean], {}, 'out_op') };
    },
    reference: (a, planes) => tf.add(a, tf.mean(planes, 1, true)),
  },
  {
    title: 'mean squared error',
    operands: [
      { name: 'pred', dims: [2, 1, 4, 6], data: randomArray(48, 12), grad: true },
      { name: 'y', dims: [2, 1, 4, 6], data: randomArray(48, 13), grad: false },
    ],
    outDims: [],
    forward: (c, [p, y]) => emitLoss(c, p, y, null),
    reference: (p, y) => tf.mean(tf.square(tf.sub(p, y))),
  },
  {
    title: 'masked mean squared error (Noise2Void)',
    operands: [
      { name: 'pred', dims: [2, 1, 4, 6], data: randomArray(48, 14), grad: true },
      { name: 'y', dims: [2, 1, 4, 6], data: randomArray(48, 15), grad: false },
      { name: 'mask', dims: [2, 1, 4, 6], data: randomArray(48, 16).map((v) => (v > 0.4 ? 1 : 0)), grad: false },
    ],
    outDims: [],
    forward: (c, [p, y, m]) => emitLoss(c, p, y, m),
    reference: (p, y, m) => tfLoss(p, y, m),
  },
];

/** The op plus its rule as one graph: inputs operands + dy; outputs out and d_<operand>. */
function ruleGraph(rc: RuleCase, layout: FilterGradLayout): Uint8Array {
  const g = new GraphBuilder('rule');
  const c = gradContext(g, layout);
  for (const o of rc.operands) g.addInput(o.name, o.dims);
  g.addInput('dy', rc.outDims);
  const e = rc.forward(c, rc.operands.map((o) => o.name));
  g.addNode('Identity', [e.output], ['out']);
  g.addOutput('out', rc.outDims);
  const needs = e.inputs.map((name) => rc.operands.some((o) => o.name === name && o.grad));
  const grads = GRAD_RULES[e.op](c, e, 'dy', needs);
  rc.operands.forEach((o, i) => {
    if (!o.grad) return;
    const gr = grads[i];
    assert.ok(gr, `${rc.title}: no gradient for ${o.name}`);
    g.addNode('Identity', [gr], [`d_${o.name}`]);
    g.addOutput(`d_${o.name}`, o.dims);
  });
  return g.toBytes(TRAIN_OPSET);
}

describe('gradient rules (ONNX Runtime vs tfjs autodiff and finite differences)', () => {
  before(tfCpu);
  for (const rc of CASES) {
    test(rc.title, async () => {
      const s = await onnxSession(ruleGraph(rc, rc.layout ?? 'im2col'));
      const dy = rc.outDims.length === 0 ? new Float32Array([1.3]) : randomArray(size(rc.outDims), 99);
      const feeds: Record<string, Feed> = { dy: { data: dy, dims: rc.outDims } };
      for (const o of rc.operands) feeds[o.name] = { data: o.data, dims: o.dims };
      const got = await runOnnx(s, feeds);

      // tfjs autodiff of the same op with the same upstream gradient.
      const xs = rc.operands.map((o) => tf.tensor(o.data, o.dims));
      const f = (...args: tfType.Tensor[]) => rc.reference(...args);
      const ref = tf.grads(f)(xs, tf.tensor(dy, rc.outDims));
      const fwd = rc.reference(...xs);
      assert.ok(relErr(got.out, fwd.dataSync()) < 1e-6, `${rc.title}: forward differs`);
      for (let i = 0; i < rc.operands.length; i++) {
        const o = rc.operands[i];
        if (!o.grad) continue;
        const e = relErr(got[`d_${o.name}`], ref[i].dataSync());
        assert.ok(e < 1e-5, `${rc.title}: d${o.name} vs tf.grads rel. error ${e}`);
      }
      tf.dispose([...xs, ...ref, fwd]);

      // Central differences of L = Σ dy·f along random directions, through the ONNX forward op.
      const h = 1e-3;
      for (const [k, o] of rc.operands.entries()) {
        if (!o.grad) continue;
        const dir = randomArray(o.data.length, 200 + k);
        const at = async (sign: number) => {
          const moved = o.data.map((v, i) => v + sign * h * dir[i]);
          const r = await runOnnx(s, { ...feeds, [o.name]: { data: moved, dims: o.dims } });
          return dot(dy, r.out);
        };
        const fd = ((await at(1)) - (await at(-1))) / (2 * h);
        const analytic = dot(got[`d_${o.name}`], dir);
        assert.ok(Math.abs(fd - analytic) <= 2e-3 * Math.max(1, Math.abs(analytic)), `${rc.title}: d${o.name}·v = ${analytic}, finite differences ${fd}`);
      }
      await s.release();
    });
  }
});
