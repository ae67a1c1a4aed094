import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { buildModelCircuit } from '../../src/compiler/buildModelCircuit.ts'
import { firstUnsatisfied, runWitnessProgram } from '../../src/compiler/circuit/index.ts'
import { mod, toSigned } from '../../src/compiler/field.ts'
import { lowerGraph, referenceAlgebra, type QuantParams } from '../../src/compiler/lower/index.ts'
import type { OnnxGraph, OnnxNode, Tensor } from '../../src/compiler/onnx/index.ts'
import { quantizeInput } from '../../src/compiler/quantize/quantizeIo.ts'
import { BaseError } from '../../src/errors/index.ts'

function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5
  }
}
const tensor = (dims: number[], r: () => number): Tensor => ({ dims, data: Float64Array.from({ length: dims.reduce((a, b) => a * b, 1) }, r) })
const node = (opType: string, inputs: string[], output: string, attributes: OnnxNode['attributes'] = {}): OnnxNode => ({
  name: output, opType, inputs, outputs: [output], attributes,
})
function graph(inputShape: number[], outShape: number[], nodes: OnnxNode[], inits: Record<string, Tensor>): OnnxGraph {
  return {
    name: 'g', opset: 13,
    inputs: [{ name: 'x', shape: inputShape }],
    outputs: [{ name: nodes[nodes.length - 1]!.outputs[0]!, shape: outShape }],
    initializers: new Map(Object.entries(inits)),
    nodes,
    shapes: new Map(),
  }
}

/** Circuit witness outputs must equal the bigint reference exactly, and satisfy every constraint. */
function agree(g: OnnxGraph, params: QuantParams, samples: number[][]) {
  const { circuit, publicSignals } = buildModelCircuit(g, params)
  const nOut = publicSignals.filter((p) => p.kind === 'output').length
  for (const sample of samples) {
    const q = quantizeInput(g, sample, params.scaleBits)
    const ref = lowerGraph(g, referenceAlgebra, q, params).flatMap((o) => o.data)
    const w = runWitnessProgram(circuit.program, [...q.flatMap((t) => t.data.map(mod)), 5n, 9n])
    assert.equal(firstUnsatisfied(circuit.r1cs, w), -1)
    const got = circuit.outputWires.map((wire) => toSigned(w[wire]!))
    assert.deepEqual(got, ref)
    assert.equal(got.length, nOut)
  }
  return circuit
}

const params: QuantParams = { scaleBits: 8, activationBits: 20, sigmoid: 'proved' }

describe('graph lowering: circuit = bigint reference', () => {
  const r = rng(7)
  const samples = (n: number, len: number) => Array.from({ length: n }, () => Array.from({ length: len }, () => r() * 4))

  test('Gemm (transB, alpha, beta) → Relu → MatMul, with exact constraint count', () => {
    const g = graph([1, 4], [1, 2], [
      node('Gemm', ['x', 'W1', 'b1'], 'h', { transB: 1, alpha: 0.5, beta: 2 }),
      node('Relu', ['h'], 'a'),
      node('MatMul', ['a', 'W2'], 'y'),
    ], { W1: tensor([3, 4], r), b1: tensor([3], r), W2: tensor([3, 2], r) })
    const c = agree(g, params, samples(20, 4))
    const s = params.scaleBits
    const B = params.activationBits
    // 4 input range checks, 2 context bindings, 3 rescales + 3 relus, 2 rescales, 2 output bindings
    assert.equal(c.r1cs.constraints.length, 4 * (B + 1) + 2 + 3 * (s + B + 1) + 3 + 2 * (s + B + 1) + 2)
  })

  test('Conv (stride 2, padding) → Relu → Flatten → Gemm', () => {
    const g = graph([1, 1, 5, 5], [1, 1], [
      node('Conv', ['x', 'K', 'kb'], 'c', { strides: [2, 2], pads: [1, 1, 1, 1], kernel_shape: [3, 3] }),
      node('Relu', ['c'], 'r'),
      node('Flatten', ['r'], 'f', { axis: 1 }),
      node('Gemm', ['f', 'W', 'b'], 'y'),
    ], { K: tensor([2, 1, 3, 3], r), kb: tensor([2], r), W: tensor([18, 1], r), b: tensor([1], r) })
    agree(g, params, samples(10, 25))
  })

  test('Add and Sub of computed tensors, Mul by a broadcast constant, Reshape, Identity, Sigmoid', () => {
    const g = graph([1, 4], [2, 2], [
      node('Mul', ['x', 'm'], 'xm'),
      node('Add', ['xm', 'x'], 's1'),
      node('Sub', ['s1', 'c'], 's2'),
      node('Relu', ['s2'], 'r'),
      node('Reshape', ['r', 'shape'], 'rs'),
      node('Identity', ['rs'], 'id'),
      node('Sigmoid', ['id'], 'y'),
    ], { m: tensor([4], r), c: tensor([1], r), shape: { dims: [2], data: Float64Array.from([2, -1]) } })
    agree(g, { ...params, activationBits: 16 }, samples(20, 4))
  })

  test('constant subgraphs fold: Add of two initializers costs nothing', () => {
    const base = graph([1, 2], [1, 2], [node('Add', ['x', 'k'], 'y')], { k: tensor([2], r) })
    const folded = graph([1, 2], [1, 2], [node('Add', ['p', 'q'], 'k'), node('Add', ['x', 'k'], 'y')], { p: tensor([2], r), q: tensor([2], r) })
    assert.equal(buildModelCircuit(folded, params).circuit.r1cs.constraints.length, buildModelCircuit(base, params).circuit.r1cs.constraints.length)
  })

  test('sigmoid "outside" exposes the logit and marks the output for the reader', () => {
    const g = graph([1, 3], [1, 1], [node('Gemm', ['x', 'W'], 'z'), node('Sigmoid', ['z'], 'y')], { W: tensor([3, 1], r) })
    const proved = buildModelCircuit(g, params)
    const outside = buildModelCircuit(g, { ...params, sigmoid: 'outside' })
    assert.equal(proved.circuit.r1cs.constraints.length - outside.circuit.r1cs.constraints.length, 31)
    assert.deepEqual(outside.outputs[0]!.postprocess, 'sigmoid')
    assert.equal(proved.outputs[0]!.scaleBits, 2 * params.scaleBits - 1)
  })

  test('errors name the node, what was expected and what came', () => {
    const unsupported = graph([1, 2], [1, 2], [node('NonMaxSuppression', ['x'], 'y')], {})
    assert.throws(() => buildModelCircuit(unsupported, params), (e: unknown) =>
      e instanceof BaseError && e.code === 'ONNX_UNSUPPORTED_OP' && /NonMaxSuppression/.test(e.message) && /Gemm, MatMul/.test(e.message))
    const mismatch = graph([1, 3], [1, 1], [node('Gemm', ['x', 'W'], 'y')], { W: tensor([4, 1], r) })
    assert.throws(() => buildModelCircuit(mismatch, params), (e: unknown) => e instanceof BaseError && e.code === 'ONNX_SHAPE_MISMATCH' && /expected B with 3 rows/.test(e.message))
    const nonConst = graph([1, 2], [1, 2], [node('LayerNormalization', ['x', 'x'], 'y')], {})
    assert.throws(() => buildModelCircuit(nonConst, params), /needs a constant Scale/)
    const missing = graph([1, 2], [1, 2], [node('Relu', ['nope'], 'y')], {})
    assert.throws(() => buildModelCircuit(missing, params), (e: unknown) => e instanceof BaseError && e.code === 'ONNX_MISSING_TENSOR')
  })
})
