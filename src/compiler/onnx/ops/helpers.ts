import { BaseError } from '../../../errors/index.ts'
import type { OnnxNode, Tensor } from '../types.ts'

/** Element count of a shape. @example size([2, 3]) // 6 */
export const size = (d: readonly number[]) => d.reduce((a, b) => a * b, 1)

/** Row-major strides. @example strides([2, 3, 4]) // [12, 4, 1] */
export function strides(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length).fill(1)
  for (let i = dims.length - 2; i >= 0; i--) s[i] = s[i + 1]! * dims[i + 1]!
  return s
}

export function shapeError(node: OnnxNode, msg: string, details: string): BaseError {
  return new BaseError('ONNX_SHAPE_MISMATCH', `${node.opType} "${node.name}": ${msg}`, { details })
}

export function attrError(node: OnnxNode, msg: string, details: string): BaseError {
  return new BaseError('ONNX_UNSUPPORTED_ATTRIBUTE', `${node.opType} "${node.name}": ${msg}`, { details })
}

export function attrInt(node: OnnxNode, name: string, dflt: number): number {
  const v = node.attributes[name]
  return typeof v === 'number' ? v : dflt
}

export function attrInts(node: OnnxNode, name: string, dflt: number[]): number[] {
  const v = node.attributes[name]
  return Array.isArray(v) ? v : dflt
}

export function attrString(node: OnnxNode, name: string, dflt: string): string {
  const v = node.attributes[name]
  return typeof v === 'string' ? v : dflt
}

/** An axis in [-rank, rank) made non-negative; anything else is the model's error. */
export function normAxis(node: OnnxNode, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank)
    throw attrError(node, 'axis out of range.', `expected an axis in [${-rank}, ${rank}), got ${axis}`)
  return axis < 0 ? axis + rank : axis
}

/**
 * Integer list from input i (opset 13+ style) or, when that input is absent, from attribute `name`
 * (older opsets): axes, pads, splits, starts… are stored either way.
 */
export function intsFrom(node: OnnxNode, inputs: ReadonlyArray<Tensor | undefined>, i: number, name: string): number[] | undefined {
  const t = inputs[i]
  if (t) return Array.from(t.data)
  const a = node.attributes[name]
  return Array.isArray(a) ? a : typeof a === 'number' ? [a] : undefined
}

/** numpy broadcast of two shapes, or ONNX_SHAPE_MISMATCH. */
export function broadcastShape(node: OnnxNode, a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length)
  const out: number[] = []
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1
    const y = b[b.length - n + i] ?? 1
    if (x !== y && x !== 1 && y !== 1)
      throw shapeError(node, "shapes don't broadcast.", `expected numpy-broadcastable shapes, got [${a}] and [${b}]`)
    out.push(x === 1 ? y : x)
  }
  return out
}

/**
 * For each flat index of `full`, the flat index into a tensor of shape `dims` broadcast to it.
 *
 * @example
 * ```ts
 * broadcastIndices([3], [2, 3]) // [0, 1, 2, 0, 1, 2]
 * ```
 */
export function broadcastIndices(dims: readonly number[], full: readonly number[]): Int32Array {
  const n = size(full)
  const out = new Int32Array(n)
  const pad = full.length - dims.length
  const own = strides(dims)
  const fs = strides(full)
  for (let i = 0; i < n; i++) {
    let idx = 0
    for (let d = 0; d < full.length; d++) {
      const coord = Math.floor(i / fs[d]!) % full[d]!
      const od = d - pad
      if (od >= 0 && dims[od] !== 1) idx += coord * own[od]!
    }
    out[i] = idx
  }
  return out
}

/** Elementwise n-ary map with numpy broadcasting. */
export function mapBroadcast(node: OnnxNode, ts: ReadonlyArray<Tensor>, f: (xs: number[]) => number, dtype?: Tensor['dtype']): Tensor {
  const dims = ts.reduce<number[]>((acc, t) => broadcastShape(node, acc, t.dims), [])
  const idx = ts.map((t) => broadcastIndices(t.dims, dims))
  const data = new Float64Array(size(dims))
  const xs = new Array<number>(ts.length)
  for (let i = 0; i < data.length; i++) {
    for (let j = 0; j < ts.length; j++) xs[j] = ts[j]!.data[idx[j]![i]!]!
    data[i] = f(xs)
  }
  return dtype ? { dims, data, dtype } : { dims, data }
}

/**
 * The groups a reduction over `axes` sums, maxes or averages: for each output element (row-major,
 * keepdims or not), the flat input indices it covers. Shared by the float evaluator and lowering.
 *
 * @example
 * ```ts
 * reduceGroups([2, 3], [1], true) // { dims: [2, 1], groups: [[0, 1, 2], [3, 4, 5]] }
 * ```
 */
export function reduceGroups(dims: readonly number[], axes: readonly number[], keepdims: boolean): { dims: number[]; groups: number[][] } {
  const red = new Set(axes)
  const outFull = dims.map((d, i) => (red.has(i) ? 1 : d))
  const groups: number[][] = Array.from({ length: size(outFull) }, () => [])
  const os = strides(outFull)
  const is = strides(dims)
  for (let i = 0; i < size(dims); i++) {
    let o = 0
    for (let d = 0; d < dims.length; d++) if (!red.has(d)) o += (Math.floor(i / is[d]!) % dims[d]!) * os[d]!
    groups[o]!.push(i)
  }
  return { dims: keepdims ? outFull : dims.filter((_, i) => !red.has(i)), groups }
}

/** The axes a Reduce* node reduces (attribute or input), normalised; all axes when none are given. */
export function reduceAxes(node: OnnxNode, inputs: ReadonlyArray<Tensor | undefined>, rank: number): number[] {
  const axes = intsFrom(node, inputs, 1, 'axes')
  if (!axes || axes.length === 0) return attrInt(node, 'noop_with_empty_axes', 0) ? [] : Array.from({ length: rank }, (_, i) => i)
  return axes.map((a) => normAxis(node, a, rank))
}

/**
 * Pooling windows over an N-D spatial input [1, C, ...spatial]: for each output element, the flat
 * input indices of its window, with -1 for a padded position. Honours kernel_shape, strides, pads,
 * dilations, ceil_mode and auto_pad (SAME_UPPER, SAME_LOWER, VALID).
 *
 * @example
 * ```ts
 * poolWindows(node, [1, 1, 4, 4], [2, 2]).dims // [1, 1, 2, 2] with strides [2, 2]
 * ```
 */
export function poolWindows(node: OnnxNode, dims: readonly number[], kernel: readonly number[]): { dims: number[]; windows: number[][] } {
  const sp = dims.slice(2)
  const nd = sp.length
  if (kernel.length !== nd) throw attrError(node, 'kernel rank differs from the input.', `expected ${nd} kernel dimensions for input [${dims}], got [${kernel}]`)
  const st = attrInts(node, 'strides', new Array(nd).fill(1))
  const dil = attrInts(node, 'dilations', new Array(nd).fill(1))
  let pads = attrInts(node, 'pads', new Array(2 * nd).fill(0))
  const autoPad = attrString(node, 'auto_pad', 'NOTSET')
  const ceil = attrInt(node, 'ceil_mode', 0) === 1
  const outSp: number[] = []
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    pads = new Array(2 * nd).fill(0)
    for (let i = 0; i < nd; i++) {
      const o = Math.ceil(sp[i]! / st[i]!)
      const total = Math.max(0, (o - 1) * st[i]! + (kernel[i]! - 1) * dil[i]! + 1 - sp[i]!)
      const small = Math.floor(total / 2)
      pads[i] = autoPad === 'SAME_UPPER' ? small : total - small
      pads[i + nd] = total - pads[i]!
      outSp.push(o)
    }
  } else {
    if (autoPad === 'VALID') pads = new Array(2 * nd).fill(0)
    else if (autoPad !== 'NOTSET') throw attrError(node, 'unknown auto_pad.', `expected NOTSET, SAME_UPPER, SAME_LOWER or VALID, got ${autoPad}`)
    for (let i = 0; i < nd; i++) {
      const span = sp[i]! + pads[i]! + pads[i + nd]! - ((kernel[i]! - 1) * dil[i]! + 1)
      let o = (ceil ? Math.ceil(span / st[i]!) : Math.floor(span / st[i]!)) + 1
      // ceil_mode: a window may not start inside the right padding
      if (ceil && (o - 1) * st[i]! >= sp[i]! + pads[i]!) o--
      if (o < 1) throw shapeError(node, 'the window is larger than the padded input.', `expected kernel [${kernel}] to fit input [${dims}] with pads [${pads}]`)
      outSp.push(o)
    }
  }
  const [N, C] = [dims[0]!, dims[1]!]
  const inS = strides(dims)
  const outDims = [N, C, ...outSp]
  const windows: number[][] = []
  const kn = size(kernel)
  const ks = strides(kernel)
  const os = strides(outSp)
  for (let nc = 0; nc < N * C; nc++)
    for (let o = 0; o < size(outSp); o++) {
      const w: number[] = []
      for (let k = 0; k < kn; k++) {
        let flat = nc * inS[1]!
        let inside = true
        for (let d = 0; d < nd; d++) {
          const oc = Math.floor(o / os[d]!) % outSp[d]!
          const kc = Math.floor(k / ks[d]!) % kernel[d]!
          const ic = oc * st[d]! + kc * dil[d]! - pads[d]!
          if (ic < 0 || ic >= sp[d]!) {
            // beyond the right edge in ceil mode is not padding: ONNX leaves it out of the window
            inside = false
            if (ic >= sp[d]! + pads[d + nd]!) flat = -2
            break
          }
          flat += ic * inS[d + 2]!
        }
        w.push(inside ? flat : flat === -2 ? -2 : -1)
      }
      windows.push(w)
    }
  return { dims: outDims, windows }
}

/** Largest tensor an op may create at load time (a hostile ConstantOfShape or Expand can't exhaust memory). */
export const MAX_ELEMENTS = 1 << 24

/**
 * Checks dims an op is about to allocate: whole numbers ≥ 0, at most MAX_ELEMENTS elements.
 *
 * @example
 * ```ts
 * checkedDims(node, [1, 3]) // [1, 3]
 * ```
 */
export function checkedDims(node: OnnxNode, dims: number[]): number[] {
  if (dims.some((d) => !Number.isInteger(d) || d < 0) || size(dims) > MAX_ELEMENTS)
    throw attrError(node, 'the output shape is invalid or too large.', `expected whole, non-negative dimensions with at most ${MAX_ELEMENTS} elements, got [${dims}]`)
  return dims
}
