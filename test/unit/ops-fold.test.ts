// Constant folding at load time: constant subgraphs become initializers, exactly, at no cost.
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { buildModelCircuit } from '../../src/compiler/buildModelCircuit.ts'
import { buildOnnxModel, parseOnnx, type OnnxModelSpec } from '../../src/compiler/onnx/index.ts'
import { terminateSnark } from '../../src/compiler/snark/index.ts'
import { BaseError } from '../../src/errors/index.ts'
import { conform, rand, rng } from './ops-harness.ts'

after(terminateSnark)

const r = rng(3)
const W = rand(r, [12, 3])
const i64 = (data: number[], dims = [data.length]) => ({ dims, data: Float64Array.from(data), int64: true })

/** PyTorch's `x.view(x.size(0), -1)`: Shape → Gather → Unsqueeze → Concat → Reshape, then a Linear. */
const torchFlatten: OnnxModelSpec = {
  name: 'torch-flatten',
  inputs: [{ name: 'x', shape: [1, 2, 3, 2] }],
  outputs: [{ name: 'y', shape: [1, 3] }],
  initializers: { W, zero: i64([0], []), minus1: i64([-1]) },
  nodes: [
    { opType: 'Shape', inputs: ['x'], outputs: ['shp'] },
    { opType: 'Gather', inputs: ['shp', 'zero'], outputs: ['batch'], attributes: { axis: 0 } },
    { opType: 'Constant', inputs: [], outputs: ['ax0'], attributes: { value: i64([0]) } },
    { opType: 'Unsqueeze', inputs: ['batch', 'ax0'], outputs: ['batch1'] },
    { opType: 'Concat', inputs: ['batch1', 'minus1'], outputs: ['newshape'], attributes: { axis: 0 } },
    { opType: 'Reshape', inputs: ['x', 'newshape'], outputs: ['flat'] },
    { opType: 'Dropout', inputs: ['flat'], outputs: ['dropped'] },
    { opType: 'MatMul', inputs: ['dropped', 'W'], outputs: ['y'] },
  ],
}

describe('constant folding', () => {
  test('the PyTorch flatten pattern folds to a constant Reshape: same constraints as a plain Reshape, matches onnxruntime, proves', async () => {
    const g = parseOnnx(buildOnnxModel(torchFlatten))
    assert.deepEqual(g.nodes.map((n) => n.opType), ['Reshape', 'Identity', 'MatMul'])
    assert.deepEqual(Array.from(g.initializers.get('newshape')!.data), [1, -1])
    const plain = parseOnnx(buildOnnxModel({
      ...torchFlatten,
      initializers: { W, s: i64([1, 12]) },
      nodes: [{ opType: 'Reshape', inputs: ['x', 's'], outputs: ['flat'] }, { opType: 'MatMul', inputs: ['flat', 'W'], outputs: ['y'] }],
    }))
    const params = { scaleBits: 8, activationBits: 16, sigmoid: 'proved' as const }
    assert.equal(buildModelCircuit(g, params).circuit.r1cs.constraints.length, buildModelCircuit(plain, params).circuit.r1cs.constraints.length)
    await conform(torchFlatten, { prove: true })
  })

  test('Constant, ConstantOfShape, Range, Cast, Size, Slice, Squeeze, Expand and integer Div fold exactly; the folded bias costs nothing', async () => {
    const spec: OnnxModelSpec = {
      name: 'fold-zoo',
      inputs: [{ name: 'x', shape: [1, 4] }],
      outputs: [{ name: 'y', shape: [1, 4] }],
      initializers: { four: i64([4]), two: i64([2], []), one: i64([1]), start: i64([1]), end: i64([2 ** 63]), sq: i64([0]), z: i64([0], []), n4: i64([4], []), d1: i64([1], []) },
      nodes: [
        { opType: 'ConstantOfShape', inputs: ['four'], outputs: ['ones'], attributes: { value: { dims: [1], data: Float64Array.of(0.5) } } },
        { opType: 'Range', inputs: ['z', 'n4', 'd1'], outputs: ['rng'] },
        { opType: 'Div', inputs: ['rng', 'two'], outputs: ['half'] }, // int64 division truncates: 0 0 1 1
        { opType: 'Cast', inputs: ['half'], outputs: ['halfF'], attributes: { to: 1 } },
        { opType: 'Size', inputs: ['x'], outputs: ['n'] },
        { opType: 'Cast', inputs: ['n'], outputs: ['nF'], attributes: { to: 1 } },
        { opType: 'Mul', inputs: ['halfF', 'nF'], outputs: ['scaled'] },
        { opType: 'Add', inputs: ['scaled', 'ones'], outputs: ['bias4'] },
        { opType: 'Unsqueeze', inputs: ['bias4', 'sq'], outputs: ['bias14'] },
        { opType: 'Slice', inputs: ['bias14', 'start', 'end', 'one'], outputs: ['tail'] }, // int64-max "to the end"
        { opType: 'Squeeze', inputs: ['tail', 'sq'], outputs: ['tail3'] },
        { opType: 'Concat', inputs: ['tail3', 'ones'], outputs: ['cat'], attributes: { axis: 0 } },
        { opType: 'Slice', inputs: ['cat', 'sq', 'four', 'sq'], outputs: ['first4'] },
        { opType: 'Expand', inputs: ['first4', 'four'], outputs: ['bias'] },
        { opType: 'Add', inputs: ['x', 'bias'], outputs: ['y'] },
      ],
    }
    const g = parseOnnx(buildOnnxModel(spec))
    assert.deepEqual(g.nodes.map((n) => n.opType), ['Add'], 'everything but the final Add folded')
    // rng = 0 1 2 3, half = 0 0 1 1, ×4 + 0.5 = 0.5 0.5 4.5 4.5; slice from 1: 0.5 4.5 4.5; + ones(0.5) → first 4
    assert.deepEqual(Array.from(g.initializers.get('bias')!.data), [0.5, 4.5, 4.5, 0.5])
    const params = { scaleBits: 8, activationBits: 16, sigmoid: 'proved' as const }
    // only the input range checks (B + 1 each), the two context squares and the outputs remain
    assert.equal(buildModelCircuit(g, params).circuit.r1cs.constraints.length, 4 * 17 + 2 + 4)
    await conform(spec)
  })

  test('Pow, Exp, Floor, Ceil, Reciprocal, Sign and CastLike fold on constants', async () => {
    const c = (data: number[]) => ({ dims: [data.length], data: Float64Array.from(data) })
    const spec: OnnxModelSpec = {
      name: 'fold-math', opset: 15, inputs: [{ name: 'x', shape: [1, 3] }], outputs: [{ name: 'y', shape: [1, 3] }],
      initializers: { a: c([-1.5, 0.25, 2]), two: c([2]), like: i64([0]) },
      nodes: [
        { opType: 'Pow', inputs: ['a', 'two'], outputs: ['p'] }, // 2.25 0.0625 4
        { opType: 'Floor', inputs: ['a'], outputs: ['f'] }, // -2 0 2
        { opType: 'Ceil', inputs: ['a'], outputs: ['cl'] }, // -1 1 2
        { opType: 'Sign', inputs: ['a'], outputs: ['sg'] }, // -1 1 1
        { opType: 'Reciprocal', inputs: ['p'], outputs: ['rp'] },
        { opType: 'Exp', inputs: ['f'], outputs: ['e'] },
        { opType: 'CastLike', inputs: ['a', 'like'], outputs: ['ai'] }, // truncates: -1 0 2
        { opType: 'Cast', inputs: ['ai'], outputs: ['aif'], attributes: { to: 1 } },
        { opType: 'Sum', inputs: ['cl', 'sg', 'rp', 'e', 'aif'], outputs: ['k'] },
        { opType: 'Add', inputs: ['x', 'k'], outputs: ['y'] },
      ],
    }
    const g = parseOnnx(buildOnnxModel(spec))
    assert.deepEqual(g.nodes.map((n) => n.opType), ['Add'])
    const want = [-1 - 1 + 1 / 2.25 + Math.exp(-2) - 1, 1 + 1 + 16 + 1 + 0, 2 + 1 + 0.25 + Math.exp(2) + 2]
    Array.from(g.initializers.get('k')!.data).forEach((v, i) => assert.ok(Math.abs(v - want[i]!) < 1e-12, `${v} vs ${want[i]}`))
    await conform(spec, { range: 1 })
  })

  test('DequantizeLinear of int8 weights (per-axis scale and zero point) folds to float weights', async () => {
    const spec: OnnxModelSpec = {
      name: 'qdq', opset: 13, inputs: [{ name: 'x', shape: [1, 2] }], outputs: [{ name: 'y', shape: [1, 3] }],
      initializers: {
        Wq: { dims: [2, 3], data: Float64Array.from([-128, 5, 127, 0, -7, 64]), int8: true },
        sc: { dims: [3], data: Float64Array.from([0.01, 0.02, 0.005]) },
        zp: { dims: [3], data: Float64Array.from([0, 3, -2]), int8: true },
      },
      nodes: [
        { opType: 'DequantizeLinear', inputs: ['Wq', 'sc', 'zp'], outputs: ['W'], attributes: { axis: 1 } },
        { opType: 'MatMul', inputs: ['x', 'W'], outputs: ['y'] },
      ],
    }
    const g = parseOnnx(buildOnnxModel(spec))
    assert.deepEqual(g.nodes.map((n) => n.opType), ['MatMul'])
    const W = Array.from(g.initializers.get('W')!.data)
    ;[-1.28, 0.04, 0.645, 0, -0.2, 0.33].forEach((v, i) => assert.ok(Math.abs(W[i]! - v) < 1e-7, `W[${i}] ${W[i]} vs ${v}`))
    await conform(spec)
  })

  test('Pow with a constant whole exponent on a computed tensor: n − 1 products, each rescaled', async () => {
    const spec: OnnxModelSpec = {
      name: 'pow', inputs: [{ name: 'x', shape: [1, 3] }], outputs: [{ name: 'y', shape: [1, 3] }],
      initializers: { three: { dims: [], data: Float64Array.of(3) } },
      nodes: [{ opType: 'Pow', inputs: ['x', 'three'], outputs: ['y'] }],
    }
    await conform(spec, { range: 1.2, tolerance: 0.03 })
    const params = { scaleBits: 8, activationBits: 16, sigmoid: 'proved' as const }
    assert.equal(buildModelCircuit(parseOnnx(buildOnnxModel(spec)), params).circuit.r1cs.constraints.length, 3 * 17 + 3 * 2 * (1 + 8 + 16 + 1) + 3 + 2)
  })

  test('a hostile ConstantOfShape, Expand or Tile that would allocate too much is refused with a clear error', () => {
    const one = () => ({ dims: [1], data: Float64Array.of(1) })
    const cases: [string, string[], OnnxModelSpec['initializers']][] = [
      ['ConstantOfShape', ['big'], { big: i64([1 << 20, 1 << 20]) }],
      ['Expand', ['one', 'big'], { one: one(), big: i64([1 << 30]) }],
      ['Tile', ['one', 'neg'], { one: one(), neg: i64([-3]) }],
    ]
    for (const [opType, inputs, inits] of cases) {
      const bytes = buildOnnxModel({
        name: 'huge', inputs: [{ name: 'x', shape: [1] }], outputs: [{ name: 'y', shape: [1] }], initializers: { ...inits },
        nodes: [{ name: 'h', opType, inputs: [...inputs], outputs: ['c'] }, { opType: 'Add', inputs: ['x', 'c'], outputs: ['y'] }],
      })
      assert.throws(() => parseOnnx(bytes), (e: unknown) => e instanceof BaseError && e.code === 'ONNX_UNSUPPORTED_ATTRIBUTE' && /output shape is invalid or too large/.test(e.message), opType)
    }
  })

  test('an op supported only on constants is refused, by name, when a computed tensor reaches it', () => {
    const bytes = buildOnnxModel({
      name: 'floor', inputs: [{ name: 'x', shape: [1, 2] }], outputs: [{ name: 'y', shape: [1, 2] }], initializers: {},
      nodes: [{ name: 'root', opType: 'Floor', inputs: ['x'], outputs: ['y'] }],
    })
    assert.throws(() => parseOnnx(bytes), /Unsupported op "Floor" on a computed tensor \(supported only on constants\) in node "root"/)
  })
})
