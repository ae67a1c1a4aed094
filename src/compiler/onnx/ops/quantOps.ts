import type { OnnxNode, Tensor } from '../types.ts'
import type { FloatOp } from './shapeOps.ts'
import { attrError, attrInt, normAxis, size } from './helpers.ts'

/** Round half to even, as ONNX's QuantizeLinear rounds. @example roundHalfEven(2.5) // 2 */
export function roundHalfEven(v: number): number {
  const f = Math.floor(v)
  const d = v - f
  return d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1
}

/**
 * The integer range QuantizeLinear saturates to: its zero point's type (uint8 when there is none),
 * or opset 21's `output_dtype`.
 *
 * @example
 * ```ts
 * quantizeRange(node, zp) // [0, 255] for a uint8 zero point, [-128, 127] for int8
 * ```
 */
export function quantizeRange(node: OnnxNode, zp: Tensor | undefined): [number, number] {
  const dt = attrInt(node, 'output_dtype', 0)
  const kind = zp ? zp.storage : dt === 3 ? 'int8' : dt === 2 || dt === 0 ? 'uint8' : undefined
  if (kind === undefined)
    throw attrError(node, 'the quantized type is not int8 or uint8.', `expected an int8 or uint8 zero point (or output_dtype 2 or 3), got ${zp ? `a ${zp.dtype ?? 'float'} zero point` : `output_dtype ${dt}`}`)
  return kind === 'int8' ? [-128, 127] : [0, 255]
}

/**
 * Per-tensor or per-axis parameters of a (De)QuantizeLinear: for flat element i, the index of its
 * scale and zero point.
 */
export function quantChannel(node: OnnxNode, dims: readonly number[], scale: Tensor): (i: number) => number {
  if (scale.data.length <= 1) return () => 0
  const ax = normAxis(node, attrInt(node, 'axis', 1), dims.length)
  if (dims[ax] !== scale.data.length) throw attrError(node, 'the scale does not match the axis.', `expected ${dims[ax]} scales for axis ${ax} of [${dims}], got ${scale.data.length}`)
  const inner = size(dims.slice(ax + 1))
  return (i) => Math.floor(i / inner) % dims[ax]!
}

/** QuantizeLinear in float64: saturate(roundHalfEven(x / scale) + zero point). */
export const quantOps: Record<string, FloatOp> = {
  QuantizeLinear: (node, [x, sc, zp]) => {
    const t = x!
    const [lo, hi] = quantizeRange(node, zp)
    const ch = quantChannel(node, t.dims, sc!)
    const data = t.data.map((v, i) => Math.min(hi, Math.max(lo, roundHalfEven(v / sc!.data[ch(i)]!) + (zp ? zp.data[ch(i)]! : 0))))
    return [{ dims: t.dims, data, dtype: 'int', storage: lo < 0 ? 'int8' : 'uint8' }]
  },
}
