import { BaseError } from '../../errors/index.ts'
import { evaluateFloat, type OnnxGraph } from '../onnx/index.ts'
import { evaluateRecurrent } from '../onnx/ops/index.ts'
import { lowerGraph, referenceAlgebra, type QuantParams } from '../lower/index.ts'
import { dequantizeOutputs, quantizeInput, splitInputs } from './quantizeIo.ts'

/** scale bits + activation bits a rescale may decompose (the field is 254 bits; see gadgets/decompose.ts). */
const MAX_DECOMPOSED_BITS = 253
const RECURRENT = new Set(['RNN', 'GRU', 'LSTM'])

export type CalibrationTarget = 'accuracy' | 'resources'

export type CalibrationCandidate = {
  scaleBits: number
  activationBits: number
  maxAbsError: number
  meanAbsError: number
  cost: number
  /** Where maxAbsError was met: the sample's index, the flat output index, float64's value and the quantized one. */
  worst: { sample: number; output: number; expected: number; got: number }
}

export type CalibrationResult = {
  params: QuantParams
  target: CalibrationTarget
  tolerance: number
  /** Largest |value| of any tensor over the samples, in real units. */
  floatMaxAbs: number
  /** Largest |output| over the samples (float64), what the default tolerance is 1% of. */
  floatMaxOut: number
  candidates: CalibrationCandidate[]
  /** The candidate `params` come from; its maxAbsError above `tolerance` means no scale met it. */
  chosen: CalibrationCandidate
}

/**
 * Picks the fixed-point scale for a model from sample inputs, as ezkl's `calibrate-settings` does:
 * for each candidate scale 2^s it sizes the activation range from the largest value any tensor takes
 * (with 2× headroom), runs the quantized model (bigint reference) on every sample and measures the
 * error against float64 evaluation.
 *
 * - target "resources" (default): the smallest s whose max error is within `tolerance`
 *   (default 1% of the largest |output|, at least 1e-3) — fewest constraints that are good enough;
 * - target "accuracy": the s with the smallest max error.
 *
 * Every rescale costs s + B + 1 constraints, so the cost column is s + B.
 *
 * @example
 * ```ts
 * const { params } = calibrate(graph, samples, { sigmoid: 'proved' })
 * console.log(params.scaleBits, params.activationBits)
 * ```
 */
export function calibrate(
  graph: OnnxGraph,
  samples: ReadonlyArray<ReadonlyArray<number>>,
  options: { target?: CalibrationTarget; tolerance?: number; sigmoid?: 'proved' | 'outside'; scales?: number[] } = {},
): CalibrationResult {
  const target = options.target ?? 'resources'
  const sigmoidMode = options.sigmoid ?? 'proved'
  validateSamples(graph, samples)
  let floatMaxAbs = 0
  let intMaxAbs = 0
  const floatOutputs: number[][] = []
  for (const sample of samples) {
    const values = evaluateFloat(graph, splitInputs(graph, sample))
    // Integer tensors (shapes, indices, int64-max Slice bounds) are never activations: they don't size B.
    for (const t of values.values()) if (t.dtype !== 'int' && t.dtype !== 'bool') for (const v of t.data) floatMaxAbs = Math.max(floatMaxAbs, Math.abs(v))
    // Recurrent cells' gates and states are no graph tensor, yet every one of them is range-checked.
    for (const n of graph.nodes)
      if (RECURRENT.has(n.opType)) evaluateRecurrent(n, n.inputs.map((i) => (i ? values.get(i) : undefined)), (x) => (floatMaxAbs = Math.max(floatMaxAbs, Math.abs(x))))
    // ...but an integer input is range-checked at scale 0, so it must fit B.
    for (const info of graph.inputs) if (info.dtype === 'int') for (const v of values.get(info.name)!.data) intMaxAbs = Math.max(intMaxAbs, Math.abs(v))
    floatOutputs.push(graph.outputs.flatMap((o) => Array.from(values.get(o.name)!.data)))
  }
  const maxOut = Math.max(...floatOutputs.flat().map(Math.abs))
  const tolerance = options.tolerance ?? Math.max(1e-3, 0.01 * maxOut)
  const hasSigmoid = graph.nodes.some((n) => n.opType === 'Sigmoid')
  // Recurrent cells always prove their sigmoids (tanh reads the sigmoid gadget at s − 1).
  const hasRecurrent = graph.nodes.some((n) => RECURRENT.has(n.opType))

  const candidates: CalibrationCandidate[] = []
  for (const s of options.scales ?? [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16]) {
    let B = Math.ceil(Math.log2(Math.max(floatMaxAbs, 2 ** -s) * 2 ** s * 2)) + 1
    if ((hasSigmoid && sigmoidMode === 'proved') || hasRecurrent) B = Math.max(B, s + 5)
    if (intMaxAbs > 0) B = Math.max(B, Math.ceil(Math.log2(intMaxAbs * 2)) + 1)
    // A rescale decomposes s + B bits, which must stay below the 254-bit field (decompose's k + B < 253).
    if (!(s + B < MAX_DECOMPOSED_BITS)) continue
    const params: QuantParams = { scaleBits: s, activationBits: B, sigmoid: sigmoidMode }
    let maxAbsError = 0
    let sum = 0
    let n = 0
    let worst = { sample: 0, output: 0, expected: floatOutputs[0]![0]!, got: floatOutputs[0]![0]! }
    try {
      samples.forEach((sample, i) => {
        const q = quantizeInput(graph, sample, s)
        const outs = lowerGraph(graph, referenceAlgebra, q, params)
        const got = dequantizeOutputs(outs)
        got.forEach((g, j) => {
          const e = Math.abs(g - floatOutputs[i]![j]!)
          if (e > maxAbsError) worst = { sample: i, output: j, expected: floatOutputs[i]![j]!, got: g }
          maxAbsError = Math.max(maxAbsError, e)
          sum += e
          n++
        })
      })
    } catch (e) {
      if (e instanceof BaseError && e.code === 'QUANTIZATION_OVERFLOW') continue
      throw e
    }
    candidates.push({ scaleBits: s, activationBits: B, maxAbsError, meanAbsError: sum / n, cost: s + B, worst })
  }
  if (candidates.length === 0)
    throw new BaseError('QUANTIZATION_OVERFLOW', 'No fixed-point scale fits the calibration samples.', {
      details: `expected values representable at some scale 2^4…2^16 in fewer than ${MAX_DECOMPOSED_BITS} bits; got a largest |value| of ${floatMaxAbs}`,
    })
  const within = candidates.filter((c) => c.maxAbsError <= tolerance)
  const chosen =
    target === 'resources' && within.length > 0
      ? within.reduce((a, b) => (b.cost < a.cost ? b : a))
      : candidates.reduce((a, b) => (b.maxAbsError < a.maxAbsError ? b : a))
  return {
    params: { scaleBits: chosen.scaleBits, activationBits: chosen.activationBits, sigmoid: sigmoidMode },
    target,
    tolerance,
    floatMaxAbs,
    floatMaxOut: maxOut,
    candidates,
    chosen,
  }
}

/** Checks calibration samples at the boundary: a non-empty array of finite-number arrays of the model's input length. */
export function validateSamples(graph: OnnxGraph, samples: unknown): asserts samples is number[][] {
  const want = graph.inputs.reduce((n, i) => n + i.shape.reduce((a, b) => a * b, 1), 0)
  if (!Array.isArray(samples) || samples.length === 0)
    throw new BaseError('CALIBRATION_INVALID', 'Calibration samples must be a non-empty JSON array of input arrays.', {
      details: `expected an array of arrays of ${want} numbers, got ${Array.isArray(samples) ? 'an empty array' : typeof samples}`,
    })
  samples.forEach((s, i) => {
    if (!Array.isArray(s) || s.length !== want || !s.every((v) => typeof v === 'number' && Number.isFinite(v)))
      throw new BaseError('CALIBRATION_INVALID', `Calibration sample ${i} has the wrong shape.`, {
        details: `expected ${want} finite numbers (inputs ${graph.inputs.map((x) => `${x.name}[${x.shape}]`).join(', ')}), got ${Array.isArray(s) ? `${s.length} values` : typeof s}`,
      })
  })
}
