// Recurrent layers 'RNN', 'GRU' and 'LSTM', unrolled: every direction, both layouts, optional inputs
// (B, sequence_lens, initial_h, initial_c, P) and activation attributes; each against onnxruntime
// (batch-first layout 1, which onnxruntime's CPU kernels refuse, against the same layer in layout 0
// between Transposes).
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { buildModelCircuit } from '../../src/compiler/buildModelCircuit.ts'
import { buildOnnxModel, parseOnnx, type OnnxModelSpec } from '../../src/compiler/onnx/index.ts'
import type { SpecAttr } from '../../src/compiler/onnx/buildOnnxModel.ts'
import { terminateSnark } from '../../src/compiler/snark/index.ts'
import { conform, rand, rng } from './ops-harness.ts'
import { piecewiseCost, piecewiseScale } from '../../src/compiler/circuit/gadgets/index.ts'
import { functionTable } from '../../src/compiler/lower/ops/index.ts'

after(terminateSnark)

const r = rng(33)
const GATES = { RNN: 1, GRU: 3, LSTM: 4 } as const
type Opts = { T?: number; N?: number; I?: number; H?: number; layout?: 0 | 1; B?: boolean; seqLens?: number[]; h0?: boolean; c0?: boolean; P?: boolean; attributes?: Record<string, SpecAttr> }

/** One recurrent node; with layout 1 also the layout-0 twin between Transposes that onnxruntime runs. */
function recurrent(op: keyof typeof GATES, o: Opts = {}): { spec: OnnxModelSpec; ortSpec?: OnnxModelSpec } {
  const [T, N, I, H] = [o.T ?? 3, o.N ?? 2, o.I ?? 2, o.H ?? 3]
  const G = GATES[op]
  const dir = o.attributes?.direction
  const nd = dir === 'bidirectional' ? 2 : 1
  const lay = o.layout ?? 0
  const sDims = (l: number) => (l ? [N, nd, H] : [nd, N, H])
  const initializers: OnnxModelSpec['initializers'] = { W: rand(r, [nd, G * H, I]), R: rand(r, [nd, G * H, H]) }
  const inputs = ['x', 'W', 'R', '', '', '', '', '']
  if (o.B) (initializers.B = rand(r, [nd, 2 * G * H])), (inputs[3] = 'B')
  if (o.seqLens) (initializers.L = { dims: [N], data: Float64Array.from(o.seqLens), int32: true }), (inputs[4] = 'L')
  const graphIns = [{ name: 'x', shape: lay ? [N, T, I] : [T, N, I] }]
  if (o.h0) graphIns.push({ name: 'h0', shape: sDims(lay) }), (inputs[5] = 'h0')
  if (o.c0) graphIns.push({ name: 'c0', shape: sDims(lay) }), (inputs[6] = 'c0')
  if (o.P) (initializers.P = rand(r, [nd, 3 * H])), (inputs[7] = 'P')
  while (inputs[inputs.length - 1] === '') inputs.pop()
  const outNames = op === 'LSTM' ? ['y', 'yh', 'yc'] : ['y', 'yh']
  const outDims = (l: number) => outNames.map((_, k) => (k === 0 ? (l ? [N, T, nd, H] : [T, nd, N, H]) : sDims(l)))
  const attributes = { hidden_size: H, ...(lay ? { layout: 1 } : {}), ...o.attributes }
  const spec: OnnxModelSpec = {
    name: op, opset: 14, inputs: graphIns, initializers,
    outputs: outNames.map((name, k) => ({ name, shape: outDims(lay)[k]! })),
    nodes: [{ opType: op, inputs, outputs: outNames, attributes }],
  }
  if (!lay) return { spec }
  const tr = (a: string, b: string, perm: number[]) => ({ opType: 'Transpose', inputs: [a], outputs: [b], attributes: { perm } })
  const ortSpec: OnnxModelSpec = {
    ...spec,
    nodes: [
      ...graphIns.map((g) => tr(g.name, `${g.name}0`, [1, 0, 2])),
      { opType: op, inputs: inputs.map((n) => (graphIns.some((g) => g.name === n) ? `${n}0` : n)), outputs: outNames.map((n) => `${n}0`), attributes: { ...attributes, layout: 0 } },
      ...outNames.map((n, k) => tr(`${n}0`, n, k === 0 ? [2, 0, 1, 3] : [1, 0, 2])),
    ],
  }
  return { spec, ortSpec }
}

// the circuits land within 0.011 of onnxruntime here (tanh and σ are piecewise linear)
const check = async (m: { spec: OnnxModelSpec; ortSpec?: OnnxModelSpec }, tolerance = 0.03, prove = false) =>
  conform(m.spec, { range: 1.5, samples: 4, tolerance, prove, ...(m.ortSpec ? { ortSpec: m.ortSpec } : {}) })

const params = { scaleBits: 8, activationBits: 16, sigmoid: 'proved' as const }
const count = (spec: OnnxModelSpec) => buildModelCircuit(parseOnnx(buildOnnxModel(spec)), params).circuit.r1cs.constraints.length
const tanhTable = functionTable('Tanh', { name: 't', opType: 'Tanh', inputs: [], outputs: [], attributes: {} }, params.scaleBits, params.activationBits)
const TANH_COST = piecewiseCost(tanhTable, params.activationBits)
const TANH_T = piecewiseScale(tanhTable)

describe('recurrent layers against onnxruntime', () => {
  test('RNN: forward tanh with B and a computed initial_h; exact constraint count', async () => {
    await check(recurrent('RNN', { B: true, h0: true }))
    const { spec } = recurrent('RNN', { T: 2, N: 1, I: 1, H: 2, h0: true })
    const { scaleBits: s, activationBits: B } = params
    // inputs range-checked; per step and unit: the gate's rescale, tanh (the Tanh op's piecewise table, at scale T), the settle rescale
    const inputs = (2 + 2) * (B + 1)
    const outputs = 2 * 2 + 2
    assert.equal(count(spec), inputs + 2 * 2 * (s + B + 1 + TANH_COST + (TANH_T - s) + B + 1) + outputs + 2)
    assert.equal(TANH_COST, 63, 'docs/circuits.md: 57 monomials + 2 + 4 (saturation)')
  })

  test('RNN: reverse Relu in layout 1, bidirectional Tanh/LeakyRelu with clip, sequence_lens', async () => {
    await check(recurrent('RNN', { layout: 1, attributes: { direction: 'reverse', activations: { strings: ['Relu'] } } }))
    await check(recurrent('RNN', { B: true, attributes: { direction: 'bidirectional', activations: { strings: ['Tanh', 'LeakyRelu'] }, activation_alpha: { floats: [0.3] }, clip: 1.5 } }))
    await check(recurrent('RNN', { B: true, seqLens: [2, 3], attributes: { direction: 'bidirectional' } }))
  })

  test('GRU: defaults with initial_h, bidirectional linear_before_reset, reverse in layout 1 with sequence_lens, ThresholdedRelu', async () => {
    await check(recurrent('GRU', { B: true, h0: true }))
    await check(recurrent('GRU', { B: true, attributes: { direction: 'bidirectional', linear_before_reset: 1 } }))
    await check(recurrent('GRU', { B: true, layout: 1, seqLens: [3, 1], h0: true, attributes: { direction: 'reverse' } }))
    await check(recurrent('GRU', { B: true, attributes: { activations: { strings: ['Sigmoid', 'ThresholdedRelu'] }, activation_alpha: { floats: [0.2] } } }))
  })

  test('LSTM: exact constraint count of two steps (the first with zero states: one product is free)', () => {
    const { spec } = recurrent('LSTM', { T: 2, N: 1, I: 1, H: 1, B: true })
    const { scaleBits: s, activationBits: B } = params
    // per unit-step: 4 gate rescales, 3 σ + 2 tanh, products f⊙c, i⊙c~, o⊙h(c), two settles of (2s − 1) + T − s bits
    const step = (products: number) => 4 * (s + B + 1) + 3 * 31 + 2 * TANH_COST + products + 2 * (s - 1 + TANH_T + B + 1)
    assert.equal(count(spec), 2 * (B + 1) + step(2) + step(3) + 4 + 2)
  })

  test('LSTM: defaults; peepholes with initial_h/initial_c and sequence_lens; input_forget; clip', async () => {
    await check(recurrent('LSTM', { B: true }))
    await check(recurrent('LSTM', { B: true, P: true, h0: true, c0: true, seqLens: [1, 3] }))
    await check(recurrent('LSTM', { B: true, attributes: { input_forget: 1 } }))
    await check(recurrent('LSTM', { B: true, P: true, c0: true, attributes: { clip: 0.5 } }))
  })

  test('LSTM: bidirectional in layout 1; HardSigmoid/ScaledTanh/Affine with alpha and beta; proves with Groth16', async () => {
    await check(recurrent('LSTM', { B: true, layout: 1, h0: true, attributes: { direction: 'bidirectional' } }))
    await check(recurrent('LSTM', { B: true, attributes: { activations: { strings: ['HardSigmoid', 'ScaledTanh', 'Affine'] }, activation_alpha: { floats: [0.3, 1.2, 0.7] }, activation_beta: { floats: [0.4, 0.8, 0.1] } } }))
    await check(recurrent('LSTM', { T: 2, N: 1, I: 1, H: 2, B: true }), 0.03, true)
  })

  test('Elu, Softplus (the proved piecewise tables) and Softsign (a proved division) inside cells', async () => {
    await check(recurrent('RNN', { B: true, attributes: { direction: 'bidirectional', activations: { strings: ['Elu', 'Softsign'] }, activation_alpha: { floats: [0.8, 1.3] } } }))
    await check(recurrent('GRU', { B: true, attributes: { activations: { strings: ['Sigmoid', 'Softplus'] } } }))
    await check(recurrent('LSTM', { B: true, attributes: { activations: { strings: ['Sigmoid', 'Elu', 'Softsign'] } } }))
    // RNN Softsign, one unit-step: gate rescale, relu of its sign bit (1), the division (1 + 2·(B + 3) + s + 3), settle free (scale s)
    const { spec } = recurrent('RNN', { T: 1, N: 1, I: 1, H: 1, attributes: { activations: { strings: ['Softsign'] } } })
    const { scaleBits: s, activationBits: B } = params
    assert.equal(count(spec), (B + 1) + (s + B + 1) + 1 + (1 + 2 * (B + 3) + s + 3) + 2 + 2)
  })

  test('refusals name the node and what was expected', () => {
    const unknown = recurrent('RNN', { attributes: { activations: { strings: ['Swish'] } } }).spec
    assert.throws(() => parseOnnx(buildOnnxModel(unknown)), (e: Error & { code?: string }) => e.code === 'ONNX_UNSUPPORTED_ATTRIBUTE' && /unknown activation "Swish"/.test(e.message))
    const few = recurrent('LSTM', { attributes: { activations: { strings: ['Sigmoid'] } } }).spec
    assert.throws(() => parseOnnx(buildOnnxModel(few)), (e: Error & { code?: string }) => e.code === 'ONNX_UNSUPPORTED_ATTRIBUTE' && /expected 3 activation names/.test(String((e as { details?: string }).details)))
    const computedW: OnnxModelSpec = { ...recurrent('RNN').spec, inputs: [{ name: 'x', shape: [3, 2, 2] }, { name: 'W', shape: [1, 3, 2] }] }
    delete computedW.initializers.W
    assert.throws(() => count(computedW), (e: Error & { code?: string }) => e.code === 'ONNX_UNSUPPORTED_ATTRIBUTE' && /needs a constant W/.test(e.message))
  })
})
