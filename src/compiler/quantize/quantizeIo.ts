import { BaseError } from '../../errors/index.ts'
import type { QTensor } from '../lower/Algebra.ts'
import type { LoweredOutput } from '../lower/lowerGraph.ts'
import type { OnnxGraph } from '../onnx/index.ts'

/**
 * Real inputs → integers at scale 2^s (round to nearest), one tensor per graph input.
 * The same rounding the prover applies, so a caller can predict the public inputs.
 *
 * @example
 * ```ts
 * quantizeInput(graph, [0.5, -1.25], 4)[0].data // [8n, -20n]
 * ```
 */
export function quantizeInput(graph: Pick<OnnxGraph, 'inputs'>, flat: ReadonlyArray<number>, s: number): QTensor<bigint>[] {
  const want = graph.inputs.reduce((n, i) => n + i.shape.reduce((a, b) => a * b, 1), 0)
  if (flat.length !== want || !flat.every((v) => typeof v === 'number' && Number.isFinite(v)))
    throw new BaseError('INPUT_INVALID', 'Inference input has the wrong shape.', {
      details: `expected ${want} finite numbers, got ${Array.isArray(flat) ? `${flat.length} values` : typeof flat}`,
    })
  let off = 0
  return graph.inputs.map((info) => {
    const n = info.shape.reduce((a, b) => a * b, 1)
    const values = flat.slice(off, off + n)
    off += n
    // Integer and bool inputs are exact at scale 0; a value they can't hold is the caller's error.
    if (info.dtype === 'int' || info.dtype === 'bool') {
      const bad = values.findIndex((x) => !Number.isSafeInteger(x) || (info.dtype === 'bool' && x !== 0 && x !== 1))
      if (bad >= 0)
        throw new BaseError('INPUT_INVALID', `Input "${info.name}" is ${info.dtype === 'bool' ? 'boolean' : 'an integer tensor'}.`, {
          details: `expected ${info.dtype === 'bool' ? '0 or 1' : 'whole numbers'} for ${info.name}[${bad}], got ${values[bad]}`,
        })
      return { dims: [...info.shape], data: values.map((x) => BigInt(x)), scale: 0 }
    }
    const data = values.map((x) => BigInt(Math.round(x * 2 ** s)))
    return { dims: [...info.shape], data, scale: s }
  })
}

/** Flat sample → float64 tensors by graph input name, for evaluateFloat. */
export function splitInputs(graph: Pick<OnnxGraph, 'inputs'>, flat: ReadonlyArray<number>): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = {}
  let off = 0
  for (const info of graph.inputs) {
    const n = info.shape.reduce((a, b) => a * b, 1)
    out[info.name] = Float64Array.from(flat.slice(off, off + n))
    off += n
  }
  return out
}

/** Integer outputs → real numbers, with the sigmoid applied where it was left outside the circuit. */
export function dequantizeOutputs(outs: ReadonlyArray<LoweredOutput<bigint>>): number[] {
  return outs.flatMap((o) => o.data.map((v) => dequantize(v, o.scale, o.postprocess)))
}

/** @example dequantize(-20n, 4) // -1.25 */
export function dequantize(v: bigint, scale: number, postprocess?: 'sigmoid'): number {
  const x = Number(v) / 2 ** scale
  return postprocess === 'sigmoid' ? 1 / (1 + Math.exp(-x)) : x
}
