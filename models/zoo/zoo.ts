/**
 * The zoo: small models shaped like real exports (PyTorch, sklearn-style trees), built here in
 * TypeScript with onnx-proto so each is reproducible from this file. Weights are seeded random (the
 * zoo exercises the compiler's op coverage, not a trained task). Tests compile, prove and match each
 * against onnxruntime (test/unit/ops-zoo.test.ts); bench/compile-prove measures them.
 *
 * Regenerate the .onnx files with `npx tsx models/zoo/build.ts` (they are only for inspection:
 * tests and benches build from here).
 */
import { buildOnnxModel, type OnnxModelSpec } from '../../src/compiler/onnx/index.ts'
import { rng } from '../lib/random.ts'

export type ZooModel = { name: string; spec: OnnxModelSpec; onnx: Uint8Array; samples: number[][] }

const size = (d: number[]) => d.reduce((a, b) => a * b, 1)
const i64 = (data: number[], dims = [data.length]) => ({ dims, data: Float64Array.from(data), int64: true })

function specs(): { spec: OnnxModelSpec; sample: (r: ReturnType<typeof rng>) => number[] }[] {
  const r = rng(2026)
  const w = (...dims: number[]) => ({ dims, data: Float64Array.from({ length: size(dims) }, () => r.normal(0, 1 / Math.sqrt(dims.slice(1).reduce((a, b) => a * b, 1) || 1))) })
  const pos = (n: number) => ({ dims: [n], data: Float64Array.from({ length: n }, () => r.between(0.5, 1.5)) })
  const uniform = (n: number, lo = -1, hi = 1) => (q: ReturnType<typeof rng>) => Array.from({ length: n }, () => q.between(lo, hi))
  return [
    {
      // torch.nn.Sequential(Flatten via x.view(x.size(0), -1), Linear, ReLU, Linear) as torch.onnx.export writes it
      spec: {
        name: 'torch-mlp', inputs: [{ name: 'x', shape: [1, 2, 4] }], outputs: [{ name: 'y', shape: [1, 2] }],
        initializers: { W1: w(8, 6), b1: w(6), W2: w(2, 6), b2: w(2), zero: i64([0], []), m1: i64([-1]), ax: i64([0]) },
        nodes: [
          { opType: 'Shape', inputs: ['x'], outputs: ['s'] },
          { opType: 'Gather', inputs: ['s', 'zero'], outputs: ['n'], attributes: { axis: 0 } },
          { opType: 'Unsqueeze', inputs: ['n', 'ax'], outputs: ['n1'] },
          { opType: 'Concat', inputs: ['n1', 'm1'], outputs: ['shape'], attributes: { axis: 0 } },
          { opType: 'Reshape', inputs: ['x', 'shape'], outputs: ['f'] },
          { opType: 'MatMul', inputs: ['f', 'W1'], outputs: ['h0'] },
          { opType: 'Add', inputs: ['h0', 'b1'], outputs: ['h1'] },
          { opType: 'Relu', inputs: ['h1'], outputs: ['h'] },
          { opType: 'Gemm', inputs: ['h', 'W2', 'b2'], outputs: ['y'], attributes: { transB: 1 } },
        ],
      },
      sample: uniform(8),
    },
    {
      spec: {
        name: 'cnn-bn-pool', inputs: [{ name: 'x', shape: [1, 1, 6, 6] }], outputs: [{ name: 'y', shape: [1, 2] }],
        initializers: { K: w(3, 1, 3, 3), g: pos(3), b: w(3), m: w(3), v: pos(3), W: w(3, 2), c: w(2) },
        nodes: [
          { opType: 'Conv', inputs: ['x', 'K'], outputs: ['c1'], attributes: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
          { opType: 'BatchNormalization', inputs: ['c1', 'g', 'b', 'm', 'v'], outputs: ['bn'] },
          { opType: 'Relu', inputs: ['bn'], outputs: ['r'] },
          { opType: 'MaxPool', inputs: ['r'], outputs: ['p'], attributes: { kernel_shape: [2, 2], strides: [2, 2] } },
          { opType: 'GlobalAveragePool', inputs: ['p'], outputs: ['gp'] },
          { opType: 'Flatten', inputs: ['gp'], outputs: ['f'] },
          { opType: 'Gemm', inputs: ['f', 'W', 'c'], outputs: ['y'] },
        ],
      },
      sample: uniform(36),
    },
    {
      // MobileNet-style: depthwise 3×3 (group = channels), pointwise 1×1, ReLU6 as Clip
      spec: {
        name: 'depthwise-separable', inputs: [{ name: 'x', shape: [1, 2, 5, 5] }], outputs: [{ name: 'y', shape: [1, 2] }],
        initializers: { D: w(2, 1, 3, 3), P: w(4, 2, 1, 1), pb: w(4), lo: { dims: [], data: Float64Array.of(0) }, hi: { dims: [], data: Float64Array.of(6) }, W: w(4, 2) },
        nodes: [
          { opType: 'Conv', inputs: ['x', 'D'], outputs: ['d'], attributes: { group: 2, kernel_shape: [3, 3], auto_pad: 'SAME_UPPER' } },
          { opType: 'Clip', inputs: ['d', 'lo', 'hi'], outputs: ['d6'] },
          { opType: 'Conv', inputs: ['d6', 'P', 'pb'], outputs: ['p'], attributes: { kernel_shape: [1, 1], strides: [2, 2] } },
          { opType: 'Relu', inputs: ['p'], outputs: ['pr'] },
          { opType: 'GlobalAveragePool', inputs: ['pr'], outputs: ['gp'] },
          { opType: 'Flatten', inputs: ['gp'], outputs: ['f'] },
          { opType: 'MatMul', inputs: ['f', 'W'], outputs: ['y'] },
        ],
      },
      sample: uniform(50),
    },
    {
      // 1-D conv over a 2-channel series: dilated, same-padded, then max-pooled over time
      spec: {
        name: 'conv1d-series', inputs: [{ name: 'x', shape: [1, 2, 12] }], outputs: [{ name: 'y', shape: [1, 1] }],
        initializers: { K: w(3, 2, 3), kb: w(3), W: w(9, 1) },
        nodes: [
          { opType: 'Conv', inputs: ['x', 'K', 'kb'], outputs: ['c'], attributes: { kernel_shape: [3], dilations: [2], pads: [2, 2] } },
          { opType: 'LeakyRelu', inputs: ['c'], outputs: ['a'], attributes: { alpha: 0.1 } },
          { opType: 'MaxPool', inputs: ['a'], outputs: ['p'], attributes: { kernel_shape: [4], strides: [4] } },
          { opType: 'Flatten', inputs: ['p'], outputs: ['f'] },
          { opType: 'MatMul', inputs: ['f', 'W'], outputs: ['y'] },
        ],
      },
      sample: uniform(24),
    },
    {
      // two depth-2 trees over 3 features, summed (gradient boosting as exported by hand: Less + Where)
      spec: {
        name: 'boosted-trees', inputs: [{ name: 'x', shape: [1, 3] }], outputs: [{ name: 'y', shape: [1, 1] }],
        initializers: {
          f0: i64([0]), f1: i64([1]), f2: i64([2]), t0: { dims: [], data: Float64Array.of(0.1) }, t1: { dims: [], data: Float64Array.of(-0.3) }, t2: { dims: [], data: Float64Array.of(0.45) },
          l0: { dims: [], data: Float64Array.of(0.8) }, l1: { dims: [], data: Float64Array.of(-0.4) }, l2: { dims: [], data: Float64Array.of(0.15) },
          l3: { dims: [], data: Float64Array.of(-0.9) }, l4: { dims: [], data: Float64Array.of(0.35) }, l5: { dims: [], data: Float64Array.of(0.05) },
        },
        nodes: [
          { opType: 'Gather', inputs: ['x', 'f0'], outputs: ['x0'], attributes: { axis: 1 } },
          { opType: 'Gather', inputs: ['x', 'f1'], outputs: ['x1'], attributes: { axis: 1 } },
          { opType: 'Gather', inputs: ['x', 'f2'], outputs: ['x2'], attributes: { axis: 1 } },
          { opType: 'Less', inputs: ['x0', 't0'], outputs: ['a'] },
          { opType: 'Less', inputs: ['x1', 't1'], outputs: ['b'] },
          { opType: 'GreaterOrEqual', inputs: ['x2', 't2'], outputs: ['c'] },
          { opType: 'Where', inputs: ['b', 'l0', 'l1'], outputs: ['left'] },
          { opType: 'Where', inputs: ['a', 'left', 'l2'], outputs: ['tree1'] },
          { opType: 'And', inputs: ['a', 'c'], outputs: ['ac'] },
          { opType: 'Where', inputs: ['ac', 'l3', 'l4'], outputs: ['t2a'] },
          { opType: 'Where', inputs: ['c', 't2a', 'l5'], outputs: ['tree2'] },
          { opType: 'Add', inputs: ['tree1', 'tree2'], outputs: ['y'] },
        ],
      },
      sample: (q) => uniform(3)(q).map((v) => Math.round(v * 16) / 16 + 1 / 32), // never on a threshold
    },
    {
      // a model with int64 and bool inputs: a count feature scaled in, masked by a flag
      spec: {
        name: 'int-bool-inputs',
        inputs: [{ name: 'x', shape: [1, 3] }, { name: 'count', shape: [1, 3], dtype: 'int64' }, { name: 'mask', shape: [1, 3], dtype: 'bool' }],
        outputs: [{ name: 'y', shape: [1, 1] }],
        initializers: { ten: { dims: [], data: Float64Array.of(10) }, zero: { dims: [], data: Float64Array.of(0) }, W: w(3, 1) },
        nodes: [
          { opType: 'Cast', inputs: ['count'], outputs: ['cf'], attributes: { to: 1 } },
          { opType: 'Div', inputs: ['cf', 'ten'], outputs: ['cs'] },
          { opType: 'Add', inputs: ['x', 'cs'], outputs: ['s'] },
          { opType: 'Where', inputs: ['mask', 's', 'zero'], outputs: ['m'] },
          { opType: 'MatMul', inputs: ['m', 'W'], outputs: ['y'] },
        ],
      },
      sample: (q) => [...uniform(3)(q), ...Array.from({ length: 3 }, () => Math.floor(q.between(0, 20))), ...Array.from({ length: 3 }, () => (q.uniform() < 0.5 ? 0 : 1))],
    },
  ]
}

/**
 * Every zoo model with its ONNX bytes and 16 calibration samples.
 *
 * @example
 * ```ts
 * import { zooModels } from './models/zoo/zoo.ts'
 * for (const m of zooModels()) console.log(m.name, m.onnx.length)
 * ```
 */
export function zooModels(): ZooModel[] {
  const r = rng(7)
  return specs().map(({ spec, sample }) => ({ name: spec.name, spec, onnx: buildOnnxModel(spec), samples: Array.from({ length: 16 }, () => sample(r)) }))
}
