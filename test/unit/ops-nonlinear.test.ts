// Proved nonlinear functions (lower/ops/nonlinear.ts) against onnxruntime: the circuit's witness
// satisfies every constraint, equals the bigint reference exactly and lands within the documented
// error of onnxruntime's float32 (docs/circuits.md, "Nonlinear functions").
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { buildModelCircuit } from '../../src/compiler/buildModelCircuit.ts'
import { buildOnnxModel, parseOnnx, type OnnxModelSpec } from '../../src/compiler/onnx/index.ts'
import type { SpecAttr } from '../../src/compiler/onnx/buildOnnxModel.ts'
import { terminateSnark } from '../../src/compiler/snark/index.ts'
import { BaseError } from '../../src/errors/index.ts'
import { conform, rng } from './ops-harness.ts'

after(terminateSnark)

const un = (opType: string, shape = [1, 8], attributes?: Record<string, SpecAttr>, opset = 13): OnnxModelSpec => ({
  name: opType, opset, inputs: [{ name: 'x', shape }], outputs: [{ name: 'y', shape }], initializers: {},
  nodes: [{ opType, inputs: ['x'], outputs: ['y'], ...(attributes ? { attributes } : {}) }],
})
const samples = (n: number, len: number, f: (r: () => number) => number, seed = 5) => {
  const r = rng(seed)
  return Array.from({ length: n }, () => Array.from({ length: len }, () => f(r)))
}

describe('proved elementwise functions (piecewise polynomial gadget), s = 8 and the calibrated scale', () => {
  // [op, input range, attributes, opset, documented absolute error bound in real units]
  const cases: Array<[string, number, Record<string, SpecAttr> | undefined, number, number]> = [
    ['Tanh', 6, undefined, 13, 3e-4],
    ['Erf', 4, undefined, 13, 5e-4],
    ['Gelu', 6, undefined, 20, 5e-4],
    ['Gelu', 6, { approximate: 'tanh' }, 20, 5e-4],
    ['Softplus', 6, undefined, 13, 5e-4],
    ['Elu', 6, { alpha: 0.7 }, 13, 5e-4],
    ['Selu', 6, undefined, 13, 1e-3],
    ['Celu', 6, { alpha: 1.5 }, 13, 1e-3],
    ['Mish', 6, undefined, 18, 5e-4],
    // opset 24's Swish, x·σ(αx) (onnxruntime 1.30 runs it at opset 24)
    ['Swish', 6, undefined, 24, 5e-4],
    ['Swish', 6, { alpha: -0.75 }, 24, 5e-4],
  ]
  for (const [op, range, attrs, opset, bound] of cases)
    test(`${op}${attrs ? ` ${JSON.stringify(attrs)}` : ''}: within ${bound} + 2^-s of onnxruntime`, async () => {
      for (const scales of [[8], undefined]) {
        const r = await conform(un(op, [1, 8], attrs, opset), { range, samples: 4, ...(scales ? { scales } : {}) })
        assert.ok(r.maxErr <= bound + 2 ** -r.params.scaleBits + 1e-6, `${op}: ${r.maxErr} at s=${r.params.scaleBits}`)
      }
    })

  test('Swish with |alpha| < 0.5 is refused with a clear error (its table would need more than 256 segments)', () => {
    const params = { scaleBits: 8, activationBits: 16, sigmoid: 'proved' as const }
    assert.throws(() => buildModelCircuit(parseOnnx(buildOnnxModel(un('Swish', [1, 4], { alpha: 0.25 }, 24))), params), (e: unknown) => e instanceof BaseError && e.code === 'ONNX_UNSUPPORTED_ATTRIBUTE' && /alpha/.test(e.message))
  })

  test('Exp: relative error ≤ 2e-4 plus 2^-s, and no witness where e^x overflows B bits', async () => {
    const r = await conform(un('Exp'), { range: 3, samples: 4, tolerance: 2e-4 * Math.exp(3) + 2 ** -8 })
    const g = r.graph
    const { circuit } = buildModelCircuit(g, r.params)
    const { runWitnessProgram } = await import('../../src/compiler/circuit/index.ts')
    const { quantizeInput } = await import('../../src/compiler/quantize/index.ts')
    const { mod } = await import('../../src/compiler/field.ts')
    const big = 2 ** (r.params.activationBits - 2 - r.params.scaleBits) // e^big overflows B bits
    const q = quantizeInput(g, Array(8).fill(big), r.params.scaleBits).flatMap((t) => t.data.map(mod))
    assert.throws(() => runWitnessProgram(circuit.program, [...q, 1n, 1n]), (e: unknown) => e instanceof BaseError && e.code === 'QUANTIZATION_OVERFLOW')
  })
})

describe('Softmax, division, roots and normalizations', () => {
  test('Softmax on the last axis and on axis 1 of [2,3,4]: within 1e-3 + 2^-s', async () => {
    await conform(un('Softmax', [2, 5]), { range: 4, samples: 4, tolerance: 1e-3 + 2 ** -8, scales: [8] })
    await conform(un('Softmax', [2, 3, 4], { axis: 1 }), { range: 4, samples: 3, tolerance: 1e-3 + 2 ** -10 })
  })

  test('Log over a wide positive range (normalised mantissa): within 2^-(s+1) + 2^-(s+5) + input rounding; x ≤ 0 has no witness', async () => {
    // ln(q(x)) − ln(x) ≤ 2^-(s+1)/x: inputs from 1/4 up, where that stays ≤ 2^-(s-1)
    const wide = (r: () => number) => 2 ** (r() * 8 - 2) // [0.25, 64)
    for (const scales of [[8], undefined]) {
      const r = await conform(un('Log'), { data: samples(4, 8, wide), ...(scales ? { scales } : {}), tolerance: 1 })
      const s = r.params.scaleBits
      assert.ok(r.maxErr <= 2 ** -(s + 1) + 2 ** -(s + 5) + 2 ** -(s - 1), `Log: ${r.maxErr} at s=${s}`)
    }
    const r = await conform(un('Log'), { data: samples(2, 8, (rr) => 0.5 + rr() * 3), scales: [8], tolerance: 2 ** -9 + 2 ** -13 + 2 ** -8 })
    const { circuit } = buildModelCircuit(r.graph, r.params)
    const { runWitnessProgram } = await import('../../src/compiler/circuit/index.ts')
    const { mod } = await import('../../src/compiler/field.ts')
    for (const bad of [0n, -1n, -300n])
      assert.throws(() => runWitnessProgram(circuit.program, [...Array(7).fill(256n), bad, 1n, 1n].map(mod)), (e: unknown) => e instanceof BaseError && e.code === 'QUANTIZATION_OVERFLOW', `x = ${bad}`)
  })

  test('LogSoftmax on the last axis and on axis 1 of [2,3,4]: within 2e-3 + 2^-s', async () => {
    await conform(un('LogSoftmax', [2, 5]), { range: 4, samples: 4, tolerance: 2e-3 + 2 ** -8, scales: [8] })
    await conform(un('LogSoftmax', [2, 3, 4], { axis: 1 }), { range: 4, samples: 3, tolerance: 2e-3 + 2 ** -8 })
  })

  test('Sin and Cos over several periods (range reduction mod 2π): within 1.5e-4 + 2^-s + input rounding 2^-(s+1)', async () => {
    for (const op of ['Sin', 'Cos'])
      for (const scales of [[8], undefined]) {
        const r = await conform(un(op), { range: 12, samples: 4, ...(scales ? { scales } : {}), tolerance: 1 })
        assert.ok(r.maxErr <= 1.5e-4 + 2 ** -r.params.scaleBits + 2 ** -(r.params.scaleBits + 1), `${op}: ${r.maxErr} at s=${r.params.scaleBits}`)
      }
  })

  test('Sqrt (floor root, a negative input has no witness), Reciprocal (1/x; x = 0 has none)', async () => {
    await conform(un('Sqrt'), { data: samples(4, 8, (r) => r() * 3), tolerance: 2 ** -7 })
    const away = (r: () => number) => (r() < 0.5 ? -1 : 1) * (0.5 + r() * 2.5)
    await conform(un('Reciprocal'), { data: samples(4, 8, away), tolerance: 2 ** -7 })
  })

  test('Div of two computed tensors (#13), broadcast, divisor of either sign', async () => {
    const spec: OnnxModelSpec = {
      name: 'div', inputs: [{ name: 'a', shape: [2, 3] }, { name: 'b', shape: [3] }], outputs: [{ name: 'y', shape: [2, 3] }], initializers: {},
      nodes: [{ opType: 'Div', inputs: ['a', 'b'], outputs: ['y'] }],
    }
    const r = rng(8)
    const data = Array.from({ length: 4 }, () => [...Array.from({ length: 6 }, () => (r() * 2 - 1) * 2), ...Array.from({ length: 3 }, () => (r() < 0.5 ? -1 : 1) * (0.75 + r() * 2))])
    await conform(spec, { data, tolerance: 0.02 })
  })

  test('LayerNormalization (last axis, Scale and B) and over the last two axes; InstanceNormalization; ReduceL2', async () => {
    const rr = rng(3)
    const vec = (n: number) => ({ dims: [n], data: Float64Array.from({ length: n }, () => 0.5 + rr()) })
    const ln: OnnxModelSpec = {
      name: 'ln', opset: 17, inputs: [{ name: 'x', shape: [2, 6] }], outputs: [{ name: 'y', shape: [2, 6] }],
      initializers: { g: vec(6), b: vec(6) },
      nodes: [{ opType: 'LayerNormalization', inputs: ['x', 'g', 'b'], outputs: ['y'], attributes: { axis: -1, epsilon: 1e-5 } }],
    }
    await conform(ln, { range: 3, samples: 3, tolerance: 0.02 })
    const ln2: OnnxModelSpec = { ...ln, inputs: [{ name: 'x', shape: [2, 2, 3] }], outputs: [{ name: 'y', shape: [2, 2, 3] }],
      initializers: { g: { dims: [2, 3], data: vec(6).data } }, nodes: [{ opType: 'LayerNormalization', inputs: ['x', 'g'], outputs: ['y'], attributes: { axis: 1 } }] }
    await conform(ln2, { range: 3, samples: 3, tolerance: 0.02 })
    const inorm: OnnxModelSpec = {
      name: 'in', inputs: [{ name: 'x', shape: [1, 2, 2, 3] }], outputs: [{ name: 'y', shape: [1, 2, 2, 3] }],
      initializers: { g: vec(2), b: vec(2) },
      nodes: [{ opType: 'InstanceNormalization', inputs: ['x', 'g', 'b'], outputs: ['y'], attributes: { epsilon: 1e-5 } }],
    }
    await conform(inorm, { range: 3, samples: 3, tolerance: 0.02 })
    const l2: OnnxModelSpec = {
      name: 'l2', inputs: [{ name: 'x', shape: [2, 4] }], outputs: [{ name: 'y', shape: [2, 1] }], initializers: {},
      nodes: [{ opType: 'ReduceL2', inputs: ['x'], outputs: ['y'], attributes: { axes: [1], keepdims: 1 } }],
    }
    await conform(l2, { range: 3, samples: 3, tolerance: 0.01 })
  })

  test('a transformer-style block proves with Groth16: LayerNorm → MatMul → Gelu → Softmax', async () => {
    const rr = rng(9)
    const m = (r: number, c: number) => ({ dims: [r, c], data: Float64Array.from({ length: r * c }, () => rr() - 0.5) })
    const spec: OnnxModelSpec = {
      name: 'block', opset: 20, inputs: [{ name: 'x', shape: [1, 4] }], outputs: [{ name: 'y', shape: [1, 3] }],
      initializers: { g: { dims: [4], data: Float64Array.from([1, 1, 1, 1]) }, W: m(4, 3) },
      nodes: [
        { opType: 'LayerNormalization', inputs: ['x', 'g'], outputs: ['n'] },
        { opType: 'MatMul', inputs: ['n', 'W'], outputs: ['h'] },
        { opType: 'Gelu', inputs: ['h'], outputs: ['a'] },
        { opType: 'Softmax', inputs: ['a'], outputs: ['y'] },
      ],
    }
    const r = await conform(spec, { range: 2, samples: 2, scales: [8], prove: true, tolerance: 0.02 })
    assert.ok(r.constraints < 4000, `${r.constraints} constraints`)
  })

  test('integer division of computed tensors is refused with a clear error', () => {
    const spec: OnnxModelSpec = {
      name: 'idiv', inputs: [{ name: 'a', shape: [2], dtype: 'int64' }, { name: 'b', shape: [2], dtype: 'int64' }], outputs: [{ name: 'y', shape: [2], dtype: 'int64' }], initializers: {},
      nodes: [{ opType: 'Div', inputs: ['a', 'b'], outputs: ['y'] }],
    }
    const params = { scaleBits: 8, activationBits: 16, sigmoid: 'proved' as const }
    assert.throws(() => buildModelCircuit(parseOnnx(buildOnnxModel(spec)), params), (e: unknown) => e instanceof BaseError && e.code === 'ONNX_UNSUPPORTED_ATTRIBUTE' && /integer division/.test(e.message))
  })
})
