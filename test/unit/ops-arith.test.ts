// Arithmetic with broadcasting: products of computed tensors, division by constants, n-ary sums,
// reductions, batched MatMul and Gemm with every attribute; each against onnxruntime.
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { buildModelCircuit } from '../../src/compiler/buildModelCircuit.ts'
import { parseOnnx, buildOnnxModel, type OnnxModelSpec } from '../../src/compiler/onnx/index.ts'
import { terminateSnark } from '../../src/compiler/snark/index.ts'
import { conform, rand, rng } from './ops-harness.ts'

after(terminateSnark)

const r = rng(21)
const i64 = (data: number[], dims = [data.length]) => ({ dims, data: Float64Array.from(data), int64: true })
const two = (opType: string, a: number[], b: number[], y: number[], attributes?: Record<string, number | number[]>, extra: Partial<OnnxModelSpec> = {}): OnnxModelSpec => ({
  name: opType,
  inputs: [{ name: 'a', shape: a }, { name: 'b', shape: b }], outputs: [{ name: 'y', shape: y }], initializers: {},
  nodes: [{ opType, inputs: ['a', 'b'], outputs: ['y'], ...(attributes ? { attributes } : {}) }],
  ...extra,
})
const params = { scaleBits: 8, activationBits: 16, sigmoid: 'proved' as const }
const s = params.scaleBits
const B = params.activationBits
const count = (spec: OnnxModelSpec) => buildModelCircuit(parseOnnx(buildOnnxModel(spec)), params).circuit.r1cs.constraints.length

describe('arithmetic of computed tensors, broadcast', () => {
  test('Mul of two computed tensors: one product and one rescale per element (exact count), broadcast [2,3]×[3]', async () => {
    const spec = two('Mul', [2, 3], [3], [2, 3])
    await conform(spec)
    const inputs = 9 * (B + 1)
    assert.equal(count(spec), inputs + 6 * (1 + s + B + 1) + 6 + 2)
  })

  test('Add and Sub of computed tensors with broadcasting cost nothing', async () => {
    for (const op of ['Add', 'Sub']) {
      const spec = two(op, [2, 1, 3], [4, 1], [2, 4, 3])
      await conform(spec)
      assert.equal(count(spec), 10 * (B + 1) + 24 + 2)
    }
  })

  test('Div by a constant (a proved rescale of the reciprocal), Neg, Sum and Mean', async () => {
    const spec: OnnxModelSpec = {
      name: 'div-neg-sum-mean',
      inputs: [{ name: 'a', shape: [1, 4] }, { name: 'b', shape: [4] }, { name: 'c', shape: [1, 1] }],
      outputs: [{ name: 'q', shape: [1, 4] }, { name: 'n', shape: [1, 4] }, { name: 'sm', shape: [1, 4] }, { name: 'mn', shape: [1, 4] }],
      initializers: { d: { dims: [4], data: Float64Array.from([4, -2, 3, 0.5]) } },
      nodes: [
        { opType: 'Div', inputs: ['a', 'd'], outputs: ['q'] },
        { opType: 'Neg', inputs: ['a'], outputs: ['n'] },
        { opType: 'Sum', inputs: ['a', 'b', 'c'], outputs: ['sm'] },
        { opType: 'Mean', inputs: ['a', 'b', 'c'], outputs: ['mn'] },
      ],
    }
    await conform(spec, { tolerance: 0.02 })
  })

  test('ReduceSum (axes input, keepdims 0), ReduceMean (axes attribute), ReduceSumSquare, CumSum', async () => {
    const spec: OnnxModelSpec = {
      name: 'reduce', opset: 13,
      inputs: [{ name: 'x', shape: [2, 3, 4] }],
      outputs: [{ name: 'rs', shape: [2, 4] }, { name: 'rm', shape: [2, 3, 1] }, { name: 'rq', shape: [1, 1, 4] }, { name: 'cs', shape: [2, 3, 4] }],
      initializers: { ax: i64([1]), cax: i64([2], []) },
      nodes: [
        { opType: 'ReduceSum', inputs: ['x', 'ax'], outputs: ['rs'], attributes: { keepdims: 0 } },
        { opType: 'ReduceMean', inputs: ['x'], outputs: ['rm'], attributes: { axes: [-1] } },
        { opType: 'ReduceSumSquare', inputs: ['x'], outputs: ['rq'], attributes: { axes: [0, 1] } },
        { opType: 'CumSum', inputs: ['x', 'cax'], outputs: ['cs'], attributes: { exclusive: 1, reverse: 1 } },
      ],
    }
    await conform(spec, { range: 1, tolerance: 0.05 })
  })

  test('MatMul of two computed tensors, batched with broadcast batch dims, proves with Groth16', async () => {
    await conform(two('MatMul', [2, 2, 3], [3, 2], [2, 2, 2]), { prove: true })
    await conform(two('MatMul', [1, 2, 3], [2, 3, 2], [2, 2, 2]))
    await conform(two('MatMul', [3], [3, 2], [2]))
    const spec = two('MatMul', [2, 3], [3, 2], [2, 2])
    // 4 outputs × (3 products + one rescale)
    assert.equal(count(spec), 12 * (B + 1) + 4 * (3 + s + B + 1) + 4 + 2)
  })

  test('MatMul with a constant left side and a batched constant right side', async () => {
    await conform({
      name: 'mm-const-left', inputs: [{ name: 'x', shape: [3, 2] }], outputs: [{ name: 'y', shape: [2, 2] }],
      initializers: { L: rand(r, [2, 3]) }, nodes: [{ opType: 'MatMul', inputs: ['L', 'x'], outputs: ['y'] }],
    })
    await conform({
      name: 'mm-batched-const', inputs: [{ name: 'x', shape: [2, 3] }], outputs: [{ name: 'y', shape: [2, 2, 2] }],
      initializers: { R: rand(r, [2, 3, 2]) }, nodes: [{ opType: 'MatMul', inputs: ['x', 'R'], outputs: ['y'] }],
    })
  })

  test('Einsum in its common forms: matmul, batched matmul, transpose, trace-free reductions, outer product, with constants', async () => {
    for (const [eq, a, b, y] of [
      ['ij,jk->ik', [2, 3], [3, 2], [2, 2]],
      ['bij,bjk->bik', [2, 2, 3], [2, 3, 2], [2, 2, 2]],
      ['i,j->ij', [3], [2], [3, 2]],
      ['ij,ij->i', [2, 3], [2, 3], [2]],
      ['ij,jk', [2, 3], [3, 2], [2, 2]],
    ] as const)
      await conform(two('Einsum', [...a], [...b], [...y], undefined, { nodes: [{ opType: 'Einsum', inputs: ['a', 'b'], outputs: ['y'], attributes: { equation: eq } }] }), { range: 1, tolerance: 0.03 })
    await conform({
      name: 'einsum-1', inputs: [{ name: 'x', shape: [2, 3] }], outputs: [{ name: 'y', shape: [3] }], initializers: {},
      nodes: [{ opType: 'Einsum', inputs: ['x'], outputs: ['y'], attributes: { equation: 'ij->j' } }],
    })
    await conform({
      name: 'einsum-const', inputs: [{ name: 'x', shape: [2, 3] }], outputs: [{ name: 'y', shape: [2, 4] }], initializers: { W: rand(r, [4, 3]) },
      nodes: [{ opType: 'Einsum', inputs: ['x', 'W'], outputs: ['y'], attributes: { equation: 'bi,oi->bo' } }],
    })
  })

  test('Gemm with every attribute: transA, transB, alpha, beta, computed B and a broadcast computed C', async () => {
    const spec: OnnxModelSpec = {
      name: 'gemm-all',
      inputs: [{ name: 'a', shape: [3, 2] }, { name: 'b', shape: [4, 3] }, { name: 'c', shape: [1, 4] }],
      outputs: [{ name: 'y', shape: [2, 4] }],
      initializers: {},
      nodes: [{ opType: 'Gemm', inputs: ['a', 'b', 'c'], outputs: ['y'], attributes: { transA: 1, transB: 1, alpha: 0.5, beta: 1.5 } }],
    }
    await conform(spec, { range: 1, tolerance: 0.03 })
    await conform({ ...spec, nodes: [{ opType: 'Gemm', inputs: ['a', 'b', 'c'], outputs: ['y'], attributes: { transA: 1, transB: 1 } }] }, { range: 1 })
    await conform({
      name: 'gemm-const-A-C', inputs: [{ name: 'b', shape: [3, 4] }], outputs: [{ name: 'y', shape: [2, 4] }],
      initializers: { A: rand(r, [2, 3]), C: rand(r, [4]) },
      nodes: [{ opType: 'Gemm', inputs: ['A', 'b', 'C'], outputs: ['y'], attributes: { alpha: 2, beta: 0.25 } }],
    })
  })
})
