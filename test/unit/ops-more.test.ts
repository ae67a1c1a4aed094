// The remaining modes of compiler breadth 1/2: Pad reflect/edge/wrap, Einsum with "...", ConvTranspose
// with auto_pad and output_shape, TopK sorted = 0, each against onnxruntime.
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { buildModelCircuit } from '../../src/compiler/buildModelCircuit.ts'
import { parseOnnx, buildOnnxModel, type OnnxModelSpec } from '../../src/compiler/onnx/index.ts'
import { terminateSnark } from '../../src/compiler/snark/index.ts'
import { lowerGraph, referenceAlgebra } from '../../src/compiler/lower/index.ts'
import { coherentForgeries, modelCircuit } from './gadget-suites.ts'
import { conform, rand, rng } from './ops-harness.ts'

after(terminateSnark)

const r = rng(71)
const i64 = (data: number[], dims = [data.length]) => ({ dims, data: Float64Array.from(data), int64: true })
type Attrs = OnnxModelSpec['nodes'][0]['attributes']
const unary = (opType: string, x: number[], y: number[], attributes?: Attrs, inputs: string[] = [], inits: OnnxModelSpec['initializers'] = {}, opset = 13): OnnxModelSpec => ({
  name: opType, opset, inputs: [{ name: 'x', shape: x }], outputs: [{ name: 'y', shape: y }], initializers: inits,
  nodes: [{ opType, inputs: ['x', ...inputs], outputs: ['y'], ...(attributes ? { attributes } : {}) }],
})
const params = { scaleBits: 8, activationBits: 16, sigmoid: 'proved' as const }
const B = params.activationBits
const count = (spec: OnnxModelSpec) => buildModelCircuit(parseOnnx(buildOnnxModel(spec)), params).circuit.r1cs.constraints.length

describe('Pad reflect, edge and wrap: zero constraints', () => {
  for (const [mode, opset] of [['reflect', 13], ['edge', 13], ['wrap', 19]] as const)
    test(mode, async () => {
      const spec = unary('Pad', [1, 3, 4], [1, 5, 7], { mode }, ['p'], { p: i64([0, 1, 2, 0, 1, 1]) }, opset)
      const { graph } = await conform(spec)
      assert.deepEqual(graph.outputs[0]!.shape, [1, 5, 7])
      assert.equal(count(spec), 12 * (B + 1) + 35 + 2, 'input range checks, outputs and context only')
    })

  test('reflect pads as large as the input allows nothing more', () => {
    assert.throws(() => parseOnnx(buildOnnxModel(unary('Pad', [1, 3], [1, 7], { mode: 'reflect' }, ['p'], { p: i64([0, 3, 0, 1]) }))), { code: 'ONNX_UNSUPPORTED_ATTRIBUTE' })
  })
})

describe('Einsum with an ellipsis', () => {
  test('explicit and implicit "...", broadcast batch dimensions, one or two computed operands', async () => {
    const cases: [string, number[], number[], number[]][] = [
      ['...ij,...jk->...ik', [2, 2, 3], [2, 3, 2], [2, 2, 2]],
      ['...ij,jk', [2, 2, 3], [3, 2], [2, 2, 2]],
      ['b...i,b...i->b...', [2, 3, 2], [2, 1, 2], [2, 3]],
      ['...i,...i->...', [3, 4], [1, 4], [3]],
    ]
    for (const [equation, a, b, y] of cases)
      await conform({
        name: 'einsum', inputs: [{ name: 'a', shape: a }, { name: 'b', shape: b }], outputs: [{ name: 'y', shape: y }], initializers: {},
        nodes: [{ opType: 'Einsum', inputs: ['a', 'b'], outputs: ['y'], attributes: { equation } }],
      }, { range: 1, tolerance: 0.03 })
    await conform(unary('Einsum', [2, 3, 4], [2, 3], { equation: '...i->...' }, [], {}, 13), { tolerance: 0.03 })
    const W = rand(r, [4, 2])
    await conform({
      name: 'einsum-w', inputs: [{ name: 'x', shape: [2, 3, 4] }], outputs: [{ name: 'y', shape: [2, 3, 2] }], initializers: { W },
      nodes: [{ opType: 'Einsum', inputs: ['x', 'W'], outputs: ['y'], attributes: { equation: '...i,io->...o' } }],
    }, { tolerance: 0.05 })
  })

  test('a malformed ellipsis is refused with the equation named', () => {
    const bad = unary('Einsum', [2, 3], [2], { equation: '....i->i' })
    assert.throws(() => parseOnnx(buildOnnxModel(bad)), (e: Error & { code?: string }) => e.code === 'ONNX_UNSUPPORTED_ATTRIBUTE' && /ellipsis/.test(e.message))
  })
})

describe('ConvTranspose with auto_pad and output_shape', () => {
  const ct = (x: number[], k: number[], y: number[], attributes: Attrs) =>
    unary('ConvTranspose', x, y, attributes, ['K', 'b'], { K: rand(r, k), b: rand(r, [k[1]!]) })
  test('SAME_UPPER, SAME_LOWER (odd total padding), VALID, output_shape (with and without SAME_UPPER, odd total padding)', async () => {
    await conform(ct([1, 2, 3, 3], [2, 2, 3, 3], [1, 2, 6, 6], { strides: [2, 2], auto_pad: 'SAME_UPPER' }), { tolerance: 0.05 })
    await conform(ct([1, 2, 3, 3], [2, 2, 3, 3], [1, 2, 6, 6], { strides: [2, 2], auto_pad: 'SAME_LOWER' }), { tolerance: 0.05 })
    await conform(ct([1, 1, 3, 3], [1, 2, 2, 2], [1, 2, 4, 4], { auto_pad: 'VALID' }), { tolerance: 0.05 })
    await conform(ct([1, 1, 3, 3], [1, 2, 3, 3], [1, 2, 6, 6], { strides: [2, 2], output_shape: [6, 6] }), { tolerance: 0.05 })
    await conform(ct([1, 1, 3, 3], [1, 2, 3, 3], [1, 2, 5, 6], { strides: [2, 2], output_shape: [5, 6], auto_pad: 'SAME_UPPER' }), { tolerance: 0.05 })
    await conform(ct([1, 1, 4], [1, 1, 3], [1, 1, 8], { strides: [2], output_shape: [8] }), { tolerance: 0.05 })
  })
})

describe('TopK sorted = 0', () => {
  test('the k best in some order: the sorted order, checked order-free against onnxruntime', async () => {
    const k = i64([3])
    const spec: OnnxModelSpec = {
      name: 'topk-unsorted', inputs: [{ name: 'x', shape: [2, 6] }],
      outputs: [{ name: 'sv', shape: [2, 1] }, { name: 'si', shape: [2, 1], dtype: 'int64' }, { name: 'mx', shape: [2, 1] }], initializers: { k },
      nodes: [
        { opType: 'TopK', inputs: ['x', 'k'], outputs: ['v', 'i'], attributes: { sorted: 0, axis: 1 } },
        // sums and the extreme are the same in any order: what onnxruntime's order-free answer must agree on
        { opType: 'ReduceSum', inputs: ['v', 'ax'], outputs: ['sv'] },
        { opType: 'ReduceSum', inputs: ['i', 'ax'], outputs: ['si'] },
        { opType: 'ReduceMin', inputs: ['v'], outputs: ['mx'], attributes: { axes: [1] } },
      ],
    }
    spec.initializers.ax = i64([1])
    await conform(spec, { grid: 4, range: 2, samples: 6 })
  })
})

describe('QuantizeLinear, DequantizeLinear and Cast of computed values', () => {
  const u8 = (data: number[], dims = [data.length]) => ({ dims, data: Float64Array.from(data), uint8: true })
  const s8 = (data: number[], dims = [data.length]) => ({ dims, data: Float64Array.from(data), int8: true })
  const f32 = (data: number[], dims = [data.length]) => ({ dims, data: Float64Array.from(data) })

  test('QuantizeLinear uint8: round half to even on ties, saturation at 0, exact', async () => {
    const spec: OnnxModelSpec = {
      name: 'q', inputs: [{ name: 'x', shape: [2, 8] }], outputs: [{ name: 'y', shape: [2, 8], dtype: 'uint8' }], initializers: { sc: f32([0.25], []), zp: u8([3], []) },
      nodes: [{ opType: 'QuantizeLinear', inputs: ['x', 'sc', 'zp'], outputs: ['y'] }],
    }
    // x on a 1/8 grid: x / 0.25 lands on every half, so ties round both ways
    const { maxErr } = await conform(spec, { grid: 8, range: 2, samples: 6, scales: [8], tolerance: 0 })
    assert.equal(maxErr, 0)
    const g = parseOnnx(buildOnnxModel(spec))
    assert.deepEqual(Array.from(g.nodes, (n) => n.opType), ['QuantizeLinear'])
  })

  test('QuantizeLinear int8 per axis (scale 0.1 and 0.01, zero points 0 and -5): saturation at 127', async () => {
    const spec: OnnxModelSpec = {
      name: 'q8', inputs: [{ name: 'x', shape: [3, 2] }], outputs: [{ name: 'y', shape: [3, 2], dtype: 'int8' }], initializers: { sc: f32([0.1, 0.01]), zp: s8([0, -5]) },
      nodes: [{ opType: 'QuantizeLinear', inputs: ['x', 'sc', 'zp'], outputs: ['y'], attributes: { axis: 1 } }],
    }
    // float32 x / 0.1 can land a hair off a tie where the exact quotient sits on it: one step at most
    await conform(spec, { grid: 16, range: 2, samples: 8, scales: [8], tolerance: 1 })
  })

  test('QDQ: x → QuantizeLinear → DequantizeLinear → Gemm, proves with Groth16', async () => {
    const spec: OnnxModelSpec = {
      name: 'qdq', inputs: [{ name: 'x', shape: [1, 4] }], outputs: [{ name: 'y', shape: [1, 2] }],
      initializers: { sc: f32([0.05], []), zp: u8([128], []), W: rand(r, [4, 2]) },
      nodes: [
        { opType: 'QuantizeLinear', inputs: ['x', 'sc', 'zp'], outputs: ['q'] },
        { opType: 'DequantizeLinear', inputs: ['q', 'sc', 'zp'], outputs: ['d'] },
        { opType: 'Gemm', inputs: ['d', 'W'], outputs: ['y'] },
      ],
    }
    await conform(spec, { range: 2, samples: 4, tolerance: 0.1, prove: true })
  })

  test('Cast float → int64 truncates toward zero (proved), float → bool is x ≠ 0; s + B + 1 per element', async () => {
    const toInt = unary('Cast', [2, 4], [2, 4], { to: 7 })
    toInt.outputs[0]!.dtype = 'int64'
    await conform(toInt, { grid: 4, range: 3, samples: 6, scales: [8], tolerance: 0 })
    assert.equal(count(toInt), 8 * (B + 1) + 8 * (params.scaleBits + B + 1) + 8 + 2)
    const toBool = unary('Cast', [2, 4], [2, 4], { to: 9 })
    toBool.outputs[0]!.dtype = 'bool'
    await conform(toBool, { grid: 2, range: 1, samples: 6, scales: [8], tolerance: 0 })
  })
})

describe('BatchNormalization folded into a preceding Gemm or MatMul', () => {
  const f32 = (data: number[], dims = [data.length]) => ({ dims, data: Float64Array.from(data) })
  const bn = () => ({ g: rand(r, [3]), bb: rand(r, [3]), m: rand(r, [3]), v: f32([0.5, 1, 2]) })
  test('Gemm (transB, alpha, beta, broadcast C) → BatchNorm and MatMul → BatchNorm cost what the Gemm/MatMul alone costs', async () => {
    const gemm: OnnxModelSpec = {
      name: 'gemm', inputs: [{ name: 'x', shape: [2, 4] }], outputs: [{ name: 'y', shape: [2, 3] }], initializers: { W: rand(r, [3, 4]), C: rand(r, [3]) },
      nodes: [{ opType: 'Gemm', inputs: ['x', 'W', 'C'], outputs: ['y'], attributes: { transB: 1, alpha: 0.5, beta: 2 } }],
    }
    const gemmBn: OnnxModelSpec = {
      ...gemm, initializers: { ...gemm.initializers, ...bn() },
      nodes: [{ ...gemm.nodes[0]!, outputs: ['h'] }, { opType: 'BatchNormalization', inputs: ['h', 'g', 'bb', 'm', 'v'], outputs: ['y'], attributes: { epsilon: 1e-3 } }],
    }
    assert.deepEqual(parseOnnx(buildOnnxModel(gemmBn)).nodes.map((n) => n.opType), ['Gemm'])
    assert.equal(count(gemmBn), count(gemm))
    await conform(gemmBn, { tolerance: 0.05 })
    const mm: OnnxModelSpec = {
      name: 'mm', inputs: [{ name: 'x', shape: [1, 4] }], outputs: [{ name: 'y', shape: [1, 3] }], initializers: { W: rand(r, [4, 3]), ...bn() },
      nodes: [{ opType: 'MatMul', inputs: ['x', 'W'], outputs: ['h'] }, { opType: 'BatchNormalization', inputs: ['h', 'g', 'bb', 'm', 'v'], outputs: ['y'] }],
    }
    assert.deepEqual(parseOnnx(buildOnnxModel(mm)).nodes.map((n) => n.opType), ['Gemm'])
    assert.equal(count(mm), 4 * (B + 1) + 3 * (params.scaleBits + B + 1) + 3 + 2)
    await conform(mm, { tolerance: 0.05 })
  })
})

describe('Resize linear and cubic: a constant linear map, s + B + 1 per output', () => {
  const f32 = (data: number[], dims = [data.length]) => ({ dims, data: Float64Array.from(data) })
  const rs = (x: number[], y: number[], attributes: Attrs, how: 'scales' | 'sizes', v: number[]) =>
    unary('Resize', x, y, attributes, how === 'scales' ? ['', 'sc'] : ['', '', 'sz'], how === 'scales' ? { sc: f32(v) } : { sz: i64(v) })
  test('linear: half_pixel, align_corners, pytorch_half_pixel (downscale), asymmetric', async () => {
    await conform(rs([1, 1, 3, 3], [1, 1, 6, 6], { mode: 'linear' }, 'scales', [1, 1, 2, 2]), { tolerance: 0.02 })
    await conform(rs([1, 2, 3, 4], [1, 2, 5, 7], { mode: 'linear', coordinate_transformation_mode: 'align_corners' }, 'sizes', [1, 2, 5, 7]), { tolerance: 0.02 })
    await conform(rs([1, 1, 4, 6], [1, 1, 2, 3], { mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' }, 'sizes', [1, 1, 2, 3]), { tolerance: 0.02 })
    const asym = rs([1, 1, 2, 3], [1, 1, 4, 6], { mode: 'linear', coordinate_transformation_mode: 'asymmetric' }, 'scales', [1, 1, 2, 2])
    await conform(asym, { tolerance: 0.02 })
    assert.equal(count(asym), 6 * (B + 1) + 24 * (params.scaleBits + B + 1) + 24 + 2)
  })
  test('cubic: default a = -0.75, and a = -0.5 with exclude_outside; Upsample linear (opset 9)', async () => {
    await conform(rs([1, 1, 4, 4], [1, 1, 8, 8], { mode: 'cubic' }, 'scales', [1, 1, 2, 2]), { tolerance: 0.03 })
    await conform(rs([1, 1, 3, 4], [1, 1, 5, 6], { mode: 'cubic', cubic_coeff_a: -0.5, exclude_outside: 1 }, 'sizes', [1, 1, 5, 6]), { tolerance: 0.03 })
    await conform(unary('Upsample', [1, 1, 2, 3], [1, 1, 4, 6], { mode: 'linear' }, ['sc'], { sc: f32([1, 1, 2, 2]) }, 9), { tolerance: 0.02 })
  })
})

describe('PLONK conformance', () => {
  test('a multi-op model (Conv → Relu → MaxPool → Flatten → Gemm → LeakyRelu → Where of a comparison) proves and verifies with --backend plonk', async () => {
    const f32 = (data: number[], dims = [data.length]) => ({ dims, data: Float64Array.from(data) })
    await conform({
      name: 'plonk-mix', inputs: [{ name: 'x', shape: [1, 1, 3, 3] }], outputs: [{ name: 'y', shape: [1, 2] }],
      initializers: { K: rand(r, [1, 1, 2, 2]), W: rand(r, [1, 2]), c: rand(r, [2]), t: f32([0.25]), alt: f32([-1, 1]) },
      nodes: [
        { opType: 'Conv', inputs: ['x', 'K'], outputs: ['c1'], attributes: { kernel_shape: [2, 2] } },
        { opType: 'Relu', inputs: ['c1'], outputs: ['r'] },
        { opType: 'MaxPool', inputs: ['r'], outputs: ['p'], attributes: { kernel_shape: [2, 2] } },
        { opType: 'Flatten', inputs: ['p'], outputs: ['f'] },
        { opType: 'Gemm', inputs: ['f', 'W', 'c'], outputs: ['g'] },
        { opType: 'LeakyRelu', inputs: ['g'], outputs: ['l'], attributes: { alpha: 0.1 } },
        { opType: 'Greater', inputs: ['l', 't'], outputs: ['big'] },
        { opType: 'Where', inputs: ['big', 'l', 'alt'], outputs: ['y'] },
      ],
    }, { prove: true, backend: 'plonk', samples: 3, grid: 16, tolerance: 0.05 })
  })
})

describe('MaxPool with its Indices output', () => {
  test('flat int64 indices of the first maximum (ties on a coarse grid), pads and strides, 1-D; B + 4 per compared element', async () => {
    const cases: [number[], number[], Attrs][] = [
      [[1, 2, 4, 4], [1, 2, 2, 2], { kernel_shape: [2, 2], strides: [2, 2] }],
      [[1, 1, 5, 5], [1, 1, 3, 3], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }],
      [[1, 2, 6], [1, 2, 3], { kernel_shape: [2], strides: [2] }],
    ]
    for (const [x, y, attributes] of cases) {
      const spec: OnnxModelSpec = {
        name: 'maxpool-idx', inputs: [{ name: 'x', shape: [...x] }], outputs: [{ name: 'y', shape: [...y] }, { name: 'i', shape: [...y], dtype: 'int64' }], initializers: {},
        nodes: [{ opType: 'MaxPool', inputs: ['x'], outputs: ['y', 'i'], ...(attributes ? { attributes } : {}) }],
      }
      await conform(spec, { grid: 1, range: 2, samples: 8, tolerance: 0 })
    }
    const spec: OnnxModelSpec = {
      name: 'mp', inputs: [{ name: 'x', shape: [1, 1, 2, 2] }], outputs: [{ name: 'y', shape: [1, 1, 1, 1] }, { name: 'i', shape: [1, 1, 1, 1], dtype: 'int64' }], initializers: {},
      nodes: [{ opType: 'MaxPool', inputs: ['x'], outputs: ['y', 'i'], attributes: { kernel_shape: [2, 2] } }],
    }
    // the first index select multiplies by a constant difference: free
    assert.equal(count(spec), 4 * (B + 1) + 3 * (B + 4) - 1 + 2 + 2)
  })
})

describe('soundness of the new lowerings: no coherent lie is accepted', () => {
  const model = (opType: string, attributes: Attrs, inits: OnnxModelSpec['initializers'], inputs: string[], dtype: 'uint8' | 'int64') =>
    parseOnnx(buildOnnxModel({
      name: opType, inputs: [{ name: 'x', shape: [1, 1] }], outputs: [{ name: 'y', shape: [1, 1], dtype }], initializers: inits,
      nodes: [{ opType, inputs: ['x', ...inputs], outputs: ['y'], ...(attributes ? { attributes } : {}) }],
    }))
  const p = { scaleBits: 3, activationBits: 8, sigmoid: 'proved' as const }
  const cases: [string, ReturnType<typeof model>][] = [
    ['QuantizeLinear (scale 0.5, uint8 zero point 2)', model('QuantizeLinear', undefined, { sc: { dims: [], data: Float64Array.of(0.5) }, zp: { dims: [], data: Float64Array.of(2), uint8: true } as never }, ['sc', 'zp'], 'uint8')],
    ['Cast to int64 (truncation)', model('Cast', { to: 7 }, {}, [], 'int64')],
  ]
  for (const [name, graph] of cases)
    test(name, () => {
      const fin = modelCircuit(graph, p)
      const reference = (xs: readonly bigint[]) => {
        try {
          return lowerGraph(graph, referenceAlgebra, [{ dims: [1, 1], data: xs.slice(0, 1), scale: p.scaleBits }], p).flatMap((o) => o.data)
        } catch {
          return undefined
        }
      }
      // ties (x/0.5 = k + 1/2 at scale 2^3: X = 2, 6, -2), saturation (X ≤ -9), both signs, the range edges
      const xs = [-128n, -20n, -9n, -6n, -2n, -1n, 0n, 1n, 2n, 5n, 6n, 7n, 8n, 127n, 128n]
      const { accepted, forgeries } = coherentForgeries(fin, reference, xs.map((x) => [x, 5n, 9n]))
      assert.deepEqual(accepted.map((f) => f.name), [], 'no lie with a false output satisfies every constraint')
      assert.ok(forgeries.size > 0)
    })
})
