import type { LayerFidelityEntry } from '../manifest.ts'
import { BaseError } from '../../errors/index.ts'
import { lowerGraph, referenceAlgebra, type QuantParams } from '../lower/index.ts'
import { evaluateFloat, type OnnxGraph, type Tensor } from '../onnx/index.ts'
import type { CalibrationResult } from './calibrate.ts'
import { dequantize, quantizeInput, splitInputs } from './quantizeIo.ts'

/** A tensor's range is taken as at least this: no division by zero for an all-zero tensor, and not 2^-s, which would hide a tensor below one step. */
const MIN_RANGE = 2 ** -30

/** The per-layer pass runs at most this many calibration samples: its cost stays bounded on big models. */
export const MAX_LAYER_SAMPLES = 8

/**
 * One tensor's error: the quantized model (bigint reference, which the circuit's witness equals)
 * against float64 evaluation, both in real units. `node` is the ONNX node that produced it (for a
 * graph input, the input's name with op `Input`). The same shape as the manifest's entry, which
 * records it rounded.
 */
export type LayerFidelity = LayerFidelityEntry

/** Where a layer's largest error was met: flat element index, float64's value and the quantized one. */
export type LayerWorst = { sample: number; index: number; expected: number; got: number }

export type LayerFidelityReport = {
  /** Indices of the calibration samples the pass ran. */
  samples: number[]
  /** Relative error each tensor may carry: the output tolerance over the largest |output|. */
  relBudget: number
  /** Graph inputs first, then every node's quantized outputs in graph order (constants are exact and left out). */
  layers: (LayerFidelity & { worst: LayerWorst })[]
}

/**
 * Compares every intermediate tensor of the quantized model with float64 evaluation on a bounded
 * number of calibration samples (the worst one for the output among them), in the same real units,
 * so a user sees where precision goes: the per-layer half of the compile's fidelity check.
 *
 * @example
 * ```ts
 * const cal = calibrate(graph, samples)
 * const report = measureLayerFidelity(graph, samples, cal)
 * for (const l of report.layers) console.log(l.node, l.op, l.relError)
 * ```
 */
export function measureLayerFidelity(
  graph: OnnxGraph,
  samples: ReadonlyArray<ReadonlyArray<number>>,
  cal: Pick<CalibrationResult, 'params' | 'tolerance' | 'floatMaxOut' | 'chosen'>,
  options: { maxSamples?: number } = {},
): LayerFidelityReport {
  const params: QuantParams = cal.params
  const s = params.scaleBits
  const picked = pickSamples(samples.length, options.maxSamples ?? MAX_LAYER_SAMPLES, cal.chosen.worst.sample)
  type Acc = LayerFidelity & { worst: LayerWorst; sum: number; n: number }
  const acc = new Map<string, Acc>()
  const record = (node: string, op: string, output: string, scaleBits: number, got: ReadonlyArray<number>, want: ArrayLike<number>, sample: number) => {
    if (got.length !== want.length) return // a shape the float reference lays out otherwise: nothing to compare
    let a = acc.get(output)
    if (!a) {
      a = { node, op, output, scaleBits, floatMaxAbs: 0, maxAbsError: 0, meanAbsError: 0, relError: 0, sum: 0, n: 0, worst: { sample, index: 0, expected: want[0] ?? 0, got: got[0] ?? 0 } }
      acc.set(output, a)
    }
    for (let i = 0; i < got.length; i++) {
      const e = Math.abs(got[i]! - want[i]!)
      a.floatMaxAbs = Math.max(a.floatMaxAbs, Math.abs(want[i]!))
      if (e > a.maxAbsError) {
        a.maxAbsError = e
        a.worst = { sample, index: i, expected: want[i]!, got: got[i]! }
      }
      a.sum += e
      a.n++
    }
  }
  for (const i of picked) {
    const sample = samples[i]!
    const float = evaluateFloat(graph, splitInputs(graph, sample))
    const q = quantizeInput(graph, sample, s)
    graph.inputs.forEach((info, k) => {
      const t = q[k]!
      record(info.name, 'Input', info.name, t.scale, t.data.map((v) => dequantize(v, t.scale)), float.get(info.name)!.data, i)
    })
    lowerGraph(graph, referenceAlgebra, q, params, {
      afterNode(node, outs) {
        outs.forEach((v, k) => {
          const name = node.outputs[k]
          const want: Tensor | undefined = name ? float.get(name) : undefined
          if (v?.kind !== 'q' || !name || !want) return
          // Left outside the circuit, a sigmoid's tensor holds logits; the reader applies σ.
          const pp = node.opType === 'Sigmoid' && params.sigmoid === 'outside' ? 'sigmoid' : undefined
          record(node.name, node.opType, name, v.t.scale, v.t.data.map((x) => dequantize(x, v.t.scale, pp)), want.data, i)
        })
      },
    })
  }
  const layers = [...acc.values()].map(({ sum, n, ...l }) => ({ ...l, meanAbsError: n ? sum / n : 0, relError: l.maxAbsError / Math.max(l.floatMaxAbs, MIN_RANGE) }))
  return { samples: picked, relBudget: cal.tolerance / Math.max(cal.floatMaxOut, 2 ** -s), layers }
}

/**
 * The layer where the error first grew beyond its budget: the first tensor (graph order) whose error
 * relative to its own range exceeds the output's relative tolerance; every tensor before it was
 * within budget, so the precision was lost there. When none does (an output whose range is far
 * below the others'), the tensor with the largest relative error.
 *
 * @example
 * ```ts
 * const culprit = locateFidelityLoss(measureLayerFidelity(graph, samples, cal))
 * console.log(`${culprit.op} "${culprit.node}"`)
 * ```
 */
export function locateFidelityLoss<L extends LayerFidelity>(report: { relBudget: number; layers: L[] }): L | undefined {
  return report.layers.find((l) => l.relError > report.relBudget) ?? report.layers.reduce<L | undefined>((a, b) => (!a || b.relError > a.relError ? b : a), undefined)
}

/**
 * FIDELITY_EXCEEDED for a calibration whose best scale still misses the tolerance, naming the layer
 * where the error grew (locateFidelityLoss) with float64's value and the quantized one there. The
 * layers are measured at the finest candidate scale, where each has its best chance: a layer that
 * loses its values even there is where the precision goes (at a coarse scale every tensor may look lost).
 *
 * @example
 * ```ts
 * const cal = calibrate(graph, samples)
 * if (cal.chosen.maxAbsError > cal.tolerance) throw fidelityExceeded(graph, samples, cal)
 * ```
 */
export function fidelityExceeded(
  graph: OnnxGraph,
  samples: ReadonlyArray<ReadonlyArray<number>>,
  cal: Pick<CalibrationResult, 'params' | 'tolerance' | 'floatMaxOut' | 'chosen' | 'candidates'>,
): BaseError {
  const c = cal.chosen
  const finest = cal.candidates.reduce((a, b) => (b.scaleBits > a.scaleBits ? b : a), c)
  const report = measureLayerFidelity(graph, samples, { ...cal, chosen: finest, params: { ...cal.params, scaleBits: finest.scaleBits, activationBits: finest.activationBits } })
  const at = locateFidelityLoss(report)
  const g = (x: number) => x.toPrecision(3)
  const scales = cal.candidates.map((x) => x.scaleBits)
  const output = outputName(graph, c.worst.output)
  const where = at
    ? `the error first grew beyond its budget (${g(100 * report.relBudget)}% of a tensor's range) at ${at.op} "${at.node}" (output "${at.output}", scale 2^${at.scaleBits}): ` +
      `max |error| ${g(at.maxAbsError)} on values up to ${g(at.floatMaxAbs)} (${g(100 * at.relError)}%), at [${at.worst.index}] of sample ${at.worst.sample} expected ${g(at.worst.expected)}, got ${g(at.worst.got)}`
    : 'no tensor of the graph could be compared'
  return new BaseError(
    'FIDELITY_EXCEEDED',
    at ? `The quantized model misses its tolerance; precision is lost at ${at.op} "${at.node}".` : 'The quantized model misses its tolerance.',
    {
      details:
        `expected |quantized − float| ≤ ${g(cal.tolerance)} on every output, got ${g(c.maxAbsError)} at the best scale 2^${c.scaleBits} (of 2^${Math.min(...scales)}…2^${Math.max(...scales)}): ` +
        `${output} of sample ${c.worst.sample} expected ${g(c.worst.expected)}, got ${g(c.worst.got)}; ${where}. ` +
        "One global scale holds every tensor to 2^-s: keep that layer's values from being tiny next to the rest (fold a large gain after it into its weights), or pass a larger --tolerance.",
      meta: {
        tolerance: cal.tolerance,
        maxAbsError: c.maxAbsError,
        scaleBits: c.scaleBits,
        ...(at ? { node: at.node, op: at.op, output: at.output, layerScaleBits: at.scaleBits, relError: at.relError, relBudget: report.relBudget } : {}),
      },
    },
  )
}

/** `name[i]` of the i-th flat output value across the graph's outputs (their shapes from the graph). */
function outputName(graph: Pick<OnnxGraph, 'outputs'>, flat: number): string {
  let off = flat
  for (const o of graph.outputs) {
    const n = o.shape.reduce((a, b) => a * b, 1)
    if (off < n || o === graph.outputs.at(-1)) return `output ${o.name}[${off}]`
    off -= n
  }
  return `output [${flat}]`
}

/** Up to `max` sample indices spread over [0, n), always including `must`. */
function pickSamples(n: number, max: number, must: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i)
  const step = n / max
  const out = new Set<number>([must])
  for (let k = 0; out.size < max && k < max; k++) out.add(Math.floor(k * step))
  return [...out].sort((a, b) => a - b)
}
