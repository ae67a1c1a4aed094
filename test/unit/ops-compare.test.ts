// Comparisons, selection, piecewise-linear functions, pooling and batch norm against onnxruntime.
// Inputs sit on a 1/16 grid so a comparison's float and quantized answers can't differ.
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { buildModelCircuit } from '../../src/compiler/buildModelCircuit.ts'
import { parseOnnx, buildOnnxModel, type OnnxModelSpec } from '../../src/compiler/onnx/index.ts'
import { terminateSnark } from '../../src/compiler/snark/index.ts'
import { conform, rand, rng } from './ops-harness.ts'

after(terminateSnark)

const r = rng(33)
const f32 = (data: number[], dims = [data.length]) => ({ dims, data: Float64Array.from(data) })
const unary = (opType: string, x: number[], y: number[], attributes?: OnnxModelSpec['nodes'][0]['attributes'], inputs: string[] = [], inits: OnnxModelSpec['initializers'] = {}, opset = 13): OnnxModelSpec => ({
  name: opType, opset, inputs: [{ name: 'x', shape: x }], outputs: [{ name: 'y', shape: y }], initializers: inits,
  nodes: [{ opType, inputs: ['x', ...inputs], outputs: ['y'], ...(attributes ? { attributes } : {}) }],
})
const params = { scaleBits: 8, activationBits: 16, sigmoid: 'proved' as const }
const B = params.activationBits
const count = (spec: OnnxModelSpec) => buildModelCircuit(parseOnnx(buildOnnxModel(spec)), params).circuit.r1cs.constraints.length

describe('comparisons and selection', () => {
  test('Less, LessOrEqual, Greater, GreaterOrEqual, Equal (broadcast): B + 2 per comparison, 2 per Equal', async () => {
    for (const op of ['Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual', 'Equal']) {
      const spec: OnnxModelSpec = {
        name: op, inputs: [{ name: 'a', shape: [2, 3] }, { name: 'b', shape: [3] }], outputs: [{ name: 'y', shape: [2, 3], dtype: 'bool' }], initializers: {},
        nodes: [{ opType: op, inputs: ['a', 'b'], outputs: ['y'] }],
      }
      await conform(spec, { grid: 2, range: 1, samples: 8 })
      assert.equal(count(spec), 9 * (B + 1) + 6 * (op === 'Equal' ? 2 : B + 2) + 6 + 2, op)
    }
  })

  test('Where on a comparison, Not/And/Or/Xor of comparisons (a tree-model pattern), proves with Groth16', async () => {
    const spec: OnnxModelSpec = {
      name: 'tree', inputs: [{ name: 'x', shape: [1, 3] }], outputs: [{ name: 'y', shape: [1, 3] }],
      initializers: { t1: f32([0.25, -0.5, 0]), t2: f32([0.5]), leafA: f32([1.5, -2, 0.75]), leafB: f32([-1]) },
      nodes: [
        { opType: 'Less', inputs: ['x', 't1'], outputs: ['c1'] },
        { opType: 'GreaterOrEqual', inputs: ['x', 't2'], outputs: ['c2'] },
        { opType: 'And', inputs: ['c1', 'c2'], outputs: ['both'] },
        { opType: 'Or', inputs: ['c1', 'c2'], outputs: ['either'] },
        { opType: 'Xor', inputs: ['both', 'either'], outputs: ['one'] },
        { opType: 'Not', inputs: ['one'], outputs: ['cond'] },
        { opType: 'Where', inputs: ['cond', 'leafA', 'x'], outputs: ['w'] },
        { opType: 'Where', inputs: ['c1', 'w', 'leafB'], outputs: ['y'] },
      ],
    }
    await conform(spec, { grid: 4, range: 1, samples: 10, prove: true })
  })

  test('Max, Min (n-ary, broadcast) and Clip (inputs, and opset-6 attributes)', async () => {
    const spec: OnnxModelSpec = {
      name: 'maxmin', inputs: [{ name: 'a', shape: [2, 2] }, { name: 'b', shape: [2] }, { name: 'c', shape: [1, 1] }],
      outputs: [{ name: 'mx', shape: [2, 2] }, { name: 'mn', shape: [2, 2] }], initializers: {},
      nodes: [{ opType: 'Max', inputs: ['a', 'b', 'c'], outputs: ['mx'] }, { opType: 'Min', inputs: ['a', 'b', 'c'], outputs: ['mn'] }],
    }
    await conform(spec, { samples: 8 })
    await conform(unary('Clip', [2, 3], [2, 3], undefined, ['lo', 'hi'], { lo: f32([-0.5], []), hi: f32([0.75], []) }))
    await conform(unary('Clip', [2, 3], [2, 3], { min: 0, max: 1 }, [], {}, 6))
    // Max of two: one comparison (B + 2) and one select per element
    assert.equal(count({ ...spec, outputs: [{ name: 'mx', shape: [2, 2] }], nodes: [{ opType: 'Max', inputs: ['a', 'b'], outputs: ['mx'] }] }), 7 * (B + 1) + 4 * (B + 3) + 4 + 2)
  })

  test('Abs, LeakyRelu, PRelu (broadcast slope), HardSigmoid, HardSwish', async () => {
    await conform(unary('Abs', [2, 3], [2, 3]))
    await conform(unary('Sign', [2, 3], [2, 3]), { grid: 1, range: 1, samples: 8 })
    await conform(unary('LeakyRelu', [2, 3], [2, 3], { alpha: 0.1 }))
    await conform(unary('PRelu', [1, 3, 2], [1, 3, 2], undefined, ['slope'], { slope: f32([0.1, 0.2, 0.3], [3, 1]) }))
    await conform(unary('HardSigmoid', [2, 3], [2, 3], { alpha: 0.3, beta: 0.4 }), { range: 4 })
    await conform(unary('HardSwish', [2, 3], [2, 3], undefined, [], {}, 14), { range: 4, tolerance: 0.03 })
  })

  test('ArgMax, ArgMin (axis, keepdims, select_last_index), ReduceMax, ReduceMin', async () => {
    const spec: OnnxModelSpec = {
      name: 'arg', inputs: [{ name: 'x', shape: [2, 4] }],
      outputs: [
        { name: 'am', shape: [2, 1], dtype: 'int64' }, { name: 'an', shape: [4], dtype: 'int64' }, { name: 'al', shape: [2], dtype: 'int64' },
        { name: 'rx', shape: [2, 1] }, { name: 'rn', shape: [4] },
      ],
      initializers: {},
      nodes: [
        { opType: 'ArgMax', inputs: ['x'], outputs: ['am'], attributes: { axis: 1 } },
        { opType: 'ArgMin', inputs: ['x'], outputs: ['an'], attributes: { axis: 0, keepdims: 0 } },
        { opType: 'ArgMax', inputs: ['x'], outputs: ['al'], attributes: { axis: -1, keepdims: 0, select_last_index: 1 } },
        { opType: 'ReduceMax', inputs: ['x'], outputs: ['rx'], attributes: { axes: [1] } },
        { opType: 'ReduceMin', inputs: ['x'], outputs: ['rn'], attributes: { axes: [0], keepdims: 0 } },
      ],
    }
    // a coarse grid makes ties common, so the tie-breaking rule is exercised
    await conform(spec, { grid: 1, range: 2, samples: 12 })
  })

  test('TopK (largest and smallest, any axis): values and int64 indices, ties lower index first', async () => {
    const k = { dims: [1], data: Float64Array.of(2), int64: true }
    for (const [attributes, x, y] of [[{ axis: -1 }, [2, 5], [2, 2]], [{ axis: 0, largest: 0 }, [4, 3], [2, 3]]] as const) {
      const spec: OnnxModelSpec = {
        name: 'topk', inputs: [{ name: 'x', shape: [...x] }], outputs: [{ name: 'v', shape: [...y] }, { name: 'i', shape: [...y], dtype: 'int64' }], initializers: { k },
        nodes: [{ opType: 'TopK', inputs: ['x', 'k'], outputs: ['v', 'i'], attributes: { ...attributes } }],
      }
      await conform(spec, { grid: 1, range: 2, samples: 10 })
    }
  })
})

describe('CNN layers', () => {
  test('MaxPool (pads, strides, dilations, ceil_mode), AveragePool (count_include_pad both ways), GlobalMax/AveragePool', async () => {
    const x = [1, 2, 5, 5]
    await conform(unary('MaxPool', x, [1, 2, 3, 3], { kernel_shape: [2, 2], strides: [2, 2], pads: [0, 0, 1, 1] }))
    await conform(unary('MaxPool', x, [1, 2, 2, 2], { kernel_shape: [2, 2], strides: [2, 2], dilations: [2, 2], ceil_mode: 1 }))
    await conform(unary('MaxPool', x, [1, 2, 5, 5], { kernel_shape: [3, 3], auto_pad: 'SAME_UPPER' }))
    await conform(unary('AveragePool', x, [1, 2, 3, 3], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }))
    await conform(unary('AveragePool', x, [1, 2, 3, 3], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1 }))
    await conform(unary('GlobalMaxPool', x, [1, 2, 1, 1]))
    await conform(unary('GlobalAveragePool', x, [1, 2, 1, 1]))
    await conform(unary('MaxPool', [1, 2, 6], [1, 2, 3], { kernel_shape: [2], strides: [2] }))
  })

  test('Conv in general: groups, dilations, auto_pad SAME_LOWER/VALID, 1-D and 3-D kernels; s + B + 1 per output', async () => {
    const conv = (x: number[], k: number[], y: number[], attributes: OnnxModelSpec['nodes'][0]['attributes']) =>
      unary('Conv', x, y, attributes, ['K', 'b'], { K: rand(r, k), b: rand(r, [k[0]!]) })
    await conform(conv([1, 4, 5, 5], [4, 2, 3, 3], [1, 4, 5, 5], { group: 2, auto_pad: 'SAME_LOWER', kernel_shape: [3, 3] }), { tolerance: 0.05 })
    await conform(conv([1, 2, 7, 7], [3, 2, 3, 3], [1, 3, 3, 3], { dilations: [2, 2], auto_pad: 'VALID', strides: [1, 1] }), { tolerance: 0.05 })
    await conform(conv([1, 3, 9], [3, 1, 2], [1, 3, 4], { group: 3, strides: [2], pads: [0, 0] }), { tolerance: 0.05 })
    const c3 = conv([1, 1, 3, 3, 3], [2, 1, 2, 2, 2], [1, 2, 2, 2, 2], { kernel_shape: [2, 2, 2] })
    await conform(c3, { tolerance: 0.05 })
    assert.equal(count(c3), 27 * (B + 1) + 16 * (params.scaleBits + B + 1) + 16 + 2)
  })

  test('ConvTranspose: strides, pads, output_padding, dilations, groups, 1-D', async () => {
    const ct = (x: number[], k: number[], y: number[], attributes: OnnxModelSpec['nodes'][0]['attributes']) =>
      unary('ConvTranspose', x, y, attributes, ['K', 'b'], { K: rand(r, k), b: rand(r, [k[1]! * ((attributes as { group?: number }).group ?? 1)]) })
    await conform(ct([1, 2, 3, 3], [2, 3, 3, 3], [1, 3, 6, 6], { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] }), { tolerance: 0.05 })
    await conform(ct([1, 2, 3, 3], [2, 1, 2, 2], [1, 2, 5, 5], { dilations: [2, 2], group: 2 }), { tolerance: 0.05 })
    await conform(ct([1, 1, 4], [1, 2, 3], [1, 2, 9], { strides: [2] }), { tolerance: 0.05 })
  })

  test('BatchNormalization as a per-channel affine map: one rescale per element', async () => {
    const spec = unary('BatchNormalization', [1, 3, 2, 2], [1, 3, 2, 2], { epsilon: 1e-3 }, ['g', 'b', 'm', 'v'], {
      g: rand(r, [3]), b: rand(r, [3]), m: rand(r, [3]), v: f32([0.5, 1, 2]),
    })
    await conform(spec, { tolerance: 0.03 })
    assert.equal(count(spec), 12 * (B + 1) + 12 * (params.scaleBits + B + 1) + 12 + 2)
  })

  test('BatchNormalization after a Conv folds into its kernel and bias: the Conv alone costs as much', async () => {
    const K = rand(r, [2, 1, 3, 3])
    const conv: OnnxModelSpec = {
      name: 'conv', inputs: [{ name: 'x', shape: [1, 1, 4, 4] }], outputs: [{ name: 'y', shape: [1, 2, 2, 2] }], initializers: { K, kb: rand(r, [2]) },
      nodes: [{ opType: 'Conv', inputs: ['x', 'K', 'kb'], outputs: ['y'], attributes: { kernel_shape: [3, 3] } }],
    }
    const convBn: OnnxModelSpec = {
      ...conv,
      initializers: { ...conv.initializers, g: rand(r, [2]), b: rand(r, [2]), m: rand(r, [2]), v: f32([0.5, 2]) },
      nodes: [{ opType: 'Conv', inputs: ['x', 'K', 'kb'], outputs: ['c'], attributes: { kernel_shape: [3, 3] } }, { opType: 'BatchNormalization', inputs: ['c', 'g', 'b', 'm', 'v'], outputs: ['y'] }],
    }
    assert.deepEqual(parseOnnx(buildOnnxModel(convBn)).nodes.map((n) => n.opType), ['Conv'])
    assert.equal(count(convBn), count(conv))
    await conform(convBn, { tolerance: 0.05 })
  })

  test('a small CNN (Conv → BatchNorm → Relu → MaxPool → GlobalAveragePool → Gemm) proves with Groth16', async () => {
    await conform({
      name: 'cnn', inputs: [{ name: 'x', shape: [1, 1, 6, 6] }], outputs: [{ name: 'y', shape: [1, 2] }],
      initializers: { K: rand(r, [2, 1, 3, 3]), g: rand(r, [2]), b: rand(r, [2]), m: rand(r, [2]), v: f32([0.5, 2]), W: rand(r, [2, 2]) },
      nodes: [
        { opType: 'Conv', inputs: ['x', 'K'], outputs: ['c'], attributes: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
        { opType: 'BatchNormalization', inputs: ['c', 'g', 'b', 'm', 'v'], outputs: ['bn'] },
        { opType: 'Relu', inputs: ['bn'], outputs: ['r'] },
        { opType: 'MaxPool', inputs: ['r'], outputs: ['p'], attributes: { kernel_shape: [2, 2], strides: [2, 2] } },
        { opType: 'GlobalAveragePool', inputs: ['p'], outputs: ['gp'] },
        { opType: 'Flatten', inputs: ['gp'], outputs: ['f'] },
        { opType: 'Gemm', inputs: ['f', 'W'], outputs: ['y'] },
      ],
    }, { prove: true, tolerance: 0.05 })
  })
})
