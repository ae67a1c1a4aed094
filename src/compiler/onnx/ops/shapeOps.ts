import { BaseError } from '../../../errors/index.ts'
import type { DType, OnnxNode, Tensor } from '../types.ts'
import { resizeInterpolated } from './resizeOps.ts'
import { attrError, attrInt, attrString, broadcastIndices, checkedDims, broadcastShape, intsFrom, normAxis, shapeError, size, strides } from './helpers.ts'

/** Float evaluation of one node: its input tensors (undefined for an absent optional input) → its outputs. */
export type FloatOp = (node: OnnxNode, inputs: ReadonlyArray<Tensor | undefined>) => Tensor[]

const need = (node: OnnxNode, inputs: ReadonlyArray<Tensor | undefined>, i: number): Tensor => {
  const t = inputs[i]
  if (!t) throw new BaseError('ONNX_MISSING_TENSOR', `${node.opType} "${node.name}" lacks input ${i}.`, { details: `expected input ${i} to be given, got none` })
  return t
}
const like = (t: Tensor, dims: number[], data: Float64Array): Tensor => (t.dtype ? { dims, data, dtype: t.dtype } : { dims, data })

/** Picks elements: out[i] = t.data[idx[i]] (every plumbing op is one of these). */
const pick = (t: Tensor, dims: number[], idx: ArrayLike<number>): Tensor => like(t, dims, Float64Array.from(idx, (j) => t.data[j]!))

/** ONNX TensorProto.DataType → our dtype: floats are quantized, integers exact, bool 0/1. */
export function dtypeOf(onnxType: number): DType {
  if (onnxType === 9) return 'bool'
  if ([2, 3, 4, 5, 6, 7, 12, 13].includes(onnxType)) return 'int'
  return 'float'
}

function transpose(node: OnnxNode, t: Tensor, perm?: number[]): Tensor {
  const r = t.dims.length
  const p = perm ?? Array.from({ length: r }, (_, i) => r - 1 - i)
  if (p.length !== r || [...p].sort((a, b) => a - b).some((v, i) => v !== i))
    throw attrError(node, 'perm is not a permutation of the axes.', `expected a permutation of 0…${r - 1}, got [${p}]`)
  const dims = p.map((a) => t.dims[a]!)
  const is = strides(t.dims)
  const os = strides(dims)
  const idx = new Int32Array(size(dims))
  for (let i = 0; i < idx.length; i++) {
    let j = 0
    for (let d = 0; d < r; d++) j += (Math.floor(i / os[d]!) % dims[d]!) * is[p[d]!]!
    idx[i] = j
  }
  return pick(t, dims, idx)
}

function slice(node: OnnxNode, inputs: ReadonlyArray<Tensor | undefined>): Tensor {
  const t = need(node, inputs, 0)
  const r = t.dims.length
  const starts = intsFrom(node, inputs, 1, 'starts') ?? []
  const ends = intsFrom(node, inputs, 2, 'ends') ?? []
  const axes = (intsFrom(node, inputs, 3, 'axes') ?? starts.map((_, i) => i)).map((a) => normAxis(node, a, r))
  const steps = intsFrom(node, inputs, 4, 'steps') ?? starts.map(() => 1)
  const lo = t.dims.map(() => 0)
  const step = t.dims.map(() => 1)
  const count = [...t.dims]
  axes.forEach((ax, i) => {
    const d = t.dims[ax]!
    const st = steps[i]!
    if (st === 0) throw attrError(node, 'a step of 0.', 'expected non-zero steps')
    // Clamp as ONNX does: int64-max "to the end" and negative bounds counted from the end.
    const clamp = (v: number, a: number, b: number) => Math.min(Math.max(v, a), b)
    let s = starts[i]!
    let e = ends[i]!
    if (s < 0) s += d
    if (e < 0) e += d
    if (st > 0) {
      s = clamp(s, 0, d)
      e = clamp(e, 0, d)
      count[ax] = Math.max(0, Math.ceil((e - s) / st))
    } else {
      s = clamp(s, 0, d - 1)
      e = clamp(e, -1, d - 1)
      count[ax] = Math.max(0, Math.ceil((s - e) / -st))
    }
    lo[ax] = s
    step[ax] = st
  })
  const is = strides(t.dims)
  const os = strides(count)
  const idx = new Int32Array(size(count))
  for (let i = 0; i < idx.length; i++) {
    let j = 0
    for (let d = 0; d < r; d++) j += (lo[d]! + (Math.floor(i / os[d]!) % count[d]!) * step[d]!) * is[d]!
    idx[i] = j
  }
  return pick(t, count, idx)
}

function concat(node: OnnxNode, ts: Tensor[]): Tensor {
  const r = ts[0]!.dims.length
  const ax = normAxis(node, attrInt(node, 'axis', 0), r)
  for (const t of ts)
    if (t.dims.length !== r || t.dims.some((d, i) => i !== ax && d !== ts[0]!.dims[i]))
      throw shapeError(node, 'inputs differ off the concatenation axis.', `expected shapes matching [${ts[0]!.dims}] except on axis ${ax}, got [${t.dims}]`)
  const dims = [...ts[0]!.dims]
  dims[ax] = ts.reduce((a, t) => a + t.dims[ax]!, 0)
  const outer = size(dims.slice(0, ax))
  const data: number[] = []
  for (let o = 0; o < outer; o++)
    for (const t of ts) {
      const chunk = size(t.dims.slice(ax))
      for (let k = 0; k < chunk; k++) data.push(t.data[o * chunk + k]!)
    }
  const dtype = ts.every((t) => t.dtype === ts[0]!.dtype) ? ts[0]!.dtype : undefined
  return dtype ? { dims, data: Float64Array.from(data), dtype } : { dims, data: Float64Array.from(data) }
}

function gather(node: OnnxNode, t: Tensor, ind: Tensor): Tensor {
  const ax = normAxis(node, attrInt(node, 'axis', 0), t.dims.length)
  const n = t.dims[ax]!
  const outer = size(t.dims.slice(0, ax))
  const inner = size(t.dims.slice(ax + 1))
  const idx: number[] = []
  for (let o = 0; o < outer; o++)
    for (const raw of ind.data) {
      const k = raw < 0 ? raw + n : raw
      if (!Number.isInteger(k) || k < 0 || k >= n) throw shapeError(node, 'index out of range.', `expected indices in [${-n}, ${n}), got ${raw}`)
      for (let i = 0; i < inner; i++) idx.push((o * n + k) * inner + i)
    }
  return pick(t, [...t.dims.slice(0, ax), ...ind.dims, ...t.dims.slice(ax + 1)], idx)
}

function gatherElements(node: OnnxNode, t: Tensor, ind: Tensor): Tensor {
  const r = t.dims.length
  const ax = normAxis(node, attrInt(node, 'axis', 0), r)
  if (ind.dims.length !== r) throw shapeError(node, 'indices rank differs from data.', `expected rank ${r}, got [${ind.dims}]`)
  const is = strides(t.dims)
  const os = strides(ind.dims)
  const idx = Array.from(ind.data, (raw, i) => {
    const n = t.dims[ax]!
    const k = raw < 0 ? raw + n : raw
    if (!Number.isInteger(k) || k < 0 || k >= n) throw shapeError(node, 'index out of range.', `expected indices in [${-n}, ${n}), got ${raw}`)
    let j = 0
    for (let d = 0; d < r; d++) j += (d === ax ? k : Math.floor(i / os[d]!) % ind.dims[d]!) * is[d]!
    return j
  })
  return pick(t, [...ind.dims], idx)
}

function expandTo(node: OnnxNode, t: Tensor, shape: number[]): Tensor {
  const dims = checkedDims(node, broadcastShape(node, t.dims, checkedDims(node, shape)))
  return pick(t, dims, broadcastIndices(t.dims, dims))
}

function tile(node: OnnxNode, t: Tensor, reps: number[]): Tensor {
  if (reps.length !== t.dims.length) throw shapeError(node, 'repeats length differs from the rank.', `expected ${t.dims.length} repeats, got [${reps}]`)
  const dims = checkedDims(node, t.dims.map((d, i) => d * reps[i]!))
  const is = strides(t.dims)
  const os = strides(dims)
  const idx = new Int32Array(size(dims))
  for (let i = 0; i < idx.length; i++) {
    let j = 0
    for (let d = 0; d < dims.length; d++) j += ((Math.floor(i / os[d]!) % dims[d]!) % t.dims[d]!) * is[d]!
    idx[i] = j
  }
  return pick(t, dims, idx)
}

function pad(node: OnnxNode, inputs: ReadonlyArray<Tensor | undefined>): Tensor {
  const t = need(node, inputs, 0)
  const r = t.dims.length
  const mode = attrString(node, 'mode', 'constant')
  if (!['constant', 'reflect', 'edge', 'wrap'].includes(mode)) throw attrError(node, `mode "${mode}" is not supported.`, 'expected mode constant, reflect, edge or wrap')
  const p = intsFrom(node, inputs, 1, 'pads') ?? []
  const value = inputs[2] ? inputs[2].data[0] ?? 0 : typeof node.attributes.value === 'number' ? node.attributes.value : 0
  let pads = p
  const axesIn = inputs[3]
  if (axesIn) {
    const axes = Array.from(axesIn.data, (a) => normAxis(node, a, r))
    pads = new Array(2 * r).fill(0)
    axes.forEach((a, i) => ((pads[a] = p[i]!), (pads[a + r] = p[i + axes.length]!)))
  }
  if (pads.length !== 2 * r) throw attrError(node, 'wrong number of pads.', `expected ${2 * r} pads for rank ${r}, got [${p}]`)
  const dims = t.dims.map((d, i) => d + pads[i]! + pads[i + r]!)
  if (dims.every((d) => d >= 0)) checkedDims(node, dims)
  if (dims.some((d) => d < 0)) throw shapeError(node, 'negative pads remove more than the input has.', `got pads [${pads}] for input [${t.dims}]`)
  if (mode !== 'constant')
    t.dims.forEach((d, i) => {
      // reflect mirrors without repeating the edge, so it needs pads < d (onnxruntime's rule too)
      const limit = mode === 'reflect' ? d - 1 : mode === 'wrap' ? d : Infinity
      if (d === 0 || pads[i]! > limit || pads[i + r]! > limit)
        throw attrError(node, `pads too large for mode ${mode}.`, `expected pads of at most ${limit} on axis ${i} of input [${t.dims}], got [${pads}]`)
    })
  /** Where output coordinate c (input coordinates, may be outside) reads from, or -1 for the fill value. */
  const source = (c: number, d: number): number => {
    if (c >= 0 && c < d) return c
    if (mode === 'edge') return c < 0 ? 0 : d - 1
    if (mode === 'reflect') return c < 0 ? -c : 2 * (d - 1) - c
    if (mode === 'wrap') return ((c % d) + d) % d
    return -1
  }
  const is = strides(t.dims)
  const os = strides(dims)
  const data = new Float64Array(size(dims))
  for (let i = 0; i < data.length; i++) {
    let j = 0
    let inside = true
    for (let d = 0; d < r; d++) {
      const c = source((Math.floor(i / os[d]!) % dims[d]!) - pads[d]!, t.dims[d]!)
      if (c < 0) inside = false
      j += c * is[d]!
    }
    data[i] = inside ? t.data[j]! : value
  }
  return like(t, dims, data)
}

function depthSpace(node: OnnxNode, t: Tensor, toSpace: boolean): Tensor {
  const bs = attrInt(node, 'blocksize', 0)
  if (t.dims.length !== 4 || bs < 1) throw attrError(node, 'expected a 4-D input and a blocksize ≥ 1.', `got input [${t.dims}], blocksize ${bs}`)
  const [N, C, H, W] = t.dims as [number, number, number, number]
  if (toSpace) {
    if (C % (bs * bs) !== 0) throw shapeError(node, 'channels are not a multiple of blocksize².', `got ${C} channels, blocksize ${bs}`)
    const crd = attrString(node, 'mode', 'DCR') === 'CRD'
    const c2 = C / (bs * bs)
    const v = crd ? { dims: [N, c2, bs, bs, H, W], data: t.data } : { dims: [N, bs, bs, c2, H, W], data: t.data }
    const tr = transpose(node, v, crd ? [0, 1, 4, 2, 5, 3] : [0, 3, 4, 1, 5, 2])
    return like(t, [N, c2, H * bs, W * bs], tr.data)
  }
  if (H % bs !== 0 || W % bs !== 0) throw shapeError(node, 'spatial size is not a multiple of blocksize.', `got input [${t.dims}], blocksize ${bs}`)
  const tr = transpose(node, { dims: [N, C, H / bs, bs, W / bs, bs], data: t.data }, [0, 3, 5, 1, 2, 4])
  return like(t, [N, C * bs * bs, H / bs, W / bs], tr.data)
}

function resizeNearest(node: OnnxNode, inputs: ReadonlyArray<Tensor | undefined>): Tensor {
  const t = need(node, inputs, 0)
  const mode = attrString(node, 'mode', 'nearest')
  if (mode === 'linear' || mode === 'cubic') return resizeInterpolated(node, inputs)
  if (mode !== 'nearest') throw attrError(node, `mode "${mode}" is not supported.`, 'expected mode nearest, linear or cubic')
  const ctm = attrString(node, 'coordinate_transformation_mode', node.opType === 'Upsample' ? 'asymmetric' : 'half_pixel')
  const nm = attrString(node, 'nearest_mode', node.opType === 'Upsample' ? 'floor' : 'round_prefer_floor')
  const scalesT = node.opType === 'Upsample' || node.inputs.length === 2 ? inputs[1] : inputs[2]
  const sizesT = node.opType === 'Upsample' ? undefined : inputs[3]
  const attrScales = node.attributes.scales
  let scales = scalesT && scalesT.data.length > 0 ? Array.from(scalesT.data) : Array.isArray(attrScales) ? attrScales : undefined
  let dims: number[]
  if (sizesT && sizesT.data.length > 0) {
    dims = Array.from(sizesT.data)
    scales = dims.map((d, i) => d / t.dims[i]!)
  } else if (scales) dims = t.dims.map((d, i) => Math.floor(d * scales![i]!))
  else throw attrError(node, 'neither scales nor sizes given.', 'expected a scales or sizes input')
  checkedDims(node, dims)
  if (dims.length !== t.dims.length) throw shapeError(node, 'scales rank differs from the input.', `got [${scales}] for input [${t.dims}]`)
  const src = (o: number, d: number): number => {
    const sc = scales![d]!
    let x: number
    if (ctm === 'asymmetric') x = o / sc
    else if (ctm === 'half_pixel' || ctm === 'pytorch_half_pixel') x = dims[d]! === 1 && ctm === 'pytorch_half_pixel' ? 0 : (o + 0.5) / sc - 0.5
    else if (ctm === 'align_corners') x = dims[d]! === 1 ? 0 : (o * (t.dims[d]! - 1)) / (dims[d]! - 1)
    else throw attrError(node, `coordinate_transformation_mode "${ctm}" is not supported.`, 'expected asymmetric, half_pixel, pytorch_half_pixel or align_corners')
    let i: number
    if (nm === 'floor') i = Math.floor(x)
    else if (nm === 'ceil') i = Math.ceil(x)
    else if (nm === 'round_prefer_ceil') i = Math.round(x)
    else i = x - Math.floor(x) === 0.5 ? Math.floor(x) : Math.round(x)
    return Math.min(Math.max(i, 0), t.dims[d]! - 1)
  }
  const is = strides(t.dims)
  const os = strides(dims)
  const idx = new Int32Array(size(dims))
  for (let i = 0; i < idx.length; i++) {
    let j = 0
    for (let d = 0; d < dims.length; d++) j += src(Math.floor(i / os[d]!) % dims[d]!, d) * is[d]!
    idx[i] = j
  }
  return pick(t, dims, idx)
}

function constantOf(node: OnnxNode): Tensor {
  const a = node.attributes
  if (a.value && typeof a.value === 'object' && !Array.isArray(a.value)) return a.value
  if (typeof a.value_float === 'number') return { dims: [], data: Float64Array.of(a.value_float) }
  if (Array.isArray(a.value_floats)) return { dims: [a.value_floats.length], data: Float64Array.from(a.value_floats) }
  if (typeof a.value_int === 'number') return { dims: [], data: Float64Array.of(a.value_int), dtype: 'int' }
  if (Array.isArray(a.value_ints)) return { dims: [a.value_ints.length], data: Float64Array.from(a.value_ints), dtype: 'int' }
  throw attrError(node, 'no value.', 'expected one of value, value_float(s), value_int(s)')
}

function squeeze(node: OnnxNode, inputs: ReadonlyArray<Tensor | undefined>): Tensor {
  const t = need(node, inputs, 0)
  const axes = intsFrom(node, inputs, 1, 'axes')?.map((a) => normAxis(node, a, t.dims.length))
  for (const a of axes ?? []) if (t.dims[a] !== 1) throw shapeError(node, 'squeezing an axis that is not 1.', `expected axis ${a} of [${t.dims}] to be 1`)
  return like(t, t.dims.filter((d, i) => (axes ? !axes.includes(i) : d !== 1)), t.data)
}

function unsqueeze(node: OnnxNode, inputs: ReadonlyArray<Tensor | undefined>): Tensor {
  const t = need(node, inputs, 0)
  const raw = intsFrom(node, inputs, 1, 'axes') ?? []
  const r = t.dims.length + raw.length
  const axes = raw.map((a) => normAxis(node, a, r))
  const dims: number[] = []
  let k = 0
  for (let i = 0; i < r; i++) dims.push(axes.includes(i) ? 1 : t.dims[k++]!)
  return like(t, dims, t.data)
}

function split(node: OnnxNode, inputs: ReadonlyArray<Tensor | undefined>): Tensor[] {
  const t = need(node, inputs, 0)
  const ax = normAxis(node, attrInt(node, 'axis', 0), t.dims.length)
  const d = t.dims[ax]!
  const n = node.outputs.length
  let parts = intsFrom(node, inputs, 1, 'split')
  if (!parts || parts.length === 0) {
    const chunk = Math.ceil(d / n)
    parts = Array.from({ length: n }, (_, i) => Math.max(0, Math.min(chunk, d - i * chunk)))
  }
  if (parts.length !== n || parts.reduce((a, b) => a + b, 0) !== d)
    throw shapeError(node, 'split sizes do not add up.', `expected ${n} sizes summing to ${d}, got [${parts}]`)
  let at = 0
  return parts.map((p) => {
    const starts = t.dims.map(() => 0)
    const ends = [...t.dims]
    starts[ax] = at
    ends[ax] = at + p
    at += p
    return slice({ ...node, attributes: { starts, ends } }, [t])
  })
}

function range(node: OnnxNode, inputs: ReadonlyArray<Tensor | undefined>): Tensor {
  const [s, l, dl] = [0, 1, 2].map((i) => need(node, inputs, i).data[0]!) as [number, number, number]
  if (dl === 0) throw attrError(node, 'a delta of 0.', 'expected a non-zero delta')
  const n = Math.max(Math.ceil((l - s) / dl), 0)
  if (n > 1 << 24) throw attrError(node, 'too many elements.', `expected at most 2^24 elements, got ${n}`)
  const t = { dims: [n], data: Float64Array.from({ length: n }, (_, i) => s + i * dl) }
  return inputs[0]!.dtype ? { ...t, dtype: inputs[0]!.dtype } : t
}

function cast(node: OnnxNode, t: Tensor): Tensor {
  const to = dtypeOf(attrInt(node, 'to', 1))
  if (to === 'bool') return { dims: t.dims, data: t.data.map((x) => (x !== 0 ? 1 : 0)), dtype: 'bool' }
  if (to === 'int') return { dims: t.dims, data: t.data.map(Math.trunc), dtype: 'int' }
  return { dims: t.dims, data: t.data }
}

/** Constant-producing, shape and plumbing ops: each is a pure rearrangement or a constant. */
export const shapeOps: Record<string, FloatOp> = {
  Constant: (node) => [constantOf(node)],
  Shape: (node, i) => {
    const d = need(node, i, 0).dims
    const r = d.length
    const clampAx = (a: number) => Math.min(Math.max(a < 0 ? a + r : a, 0), r)
    const start = clampAx(attrInt(node, 'start', 0))
    const end = clampAx(attrInt(node, 'end', r))
    return [{ dims: [Math.max(0, end - start)], data: Float64Array.from(d.slice(start, end)), dtype: 'int' }]
  },
  Size: (node, i) => [{ dims: [], data: Float64Array.of(size(need(node, i, 0).dims)), dtype: 'int' }],
  ConstantOfShape: (node, i) => {
    const dims = checkedDims(node, Array.from(need(node, i, 0).data))
    const v = node.attributes.value
    const val = v && typeof v === 'object' && !Array.isArray(v) ? v : undefined
    const out: Tensor = { dims, data: new Float64Array(size(dims)).fill(val?.data[0] ?? 0) }
    return [val?.dtype ? { ...out, dtype: val.dtype } : out]
  },
  Range: (node, i) => [range(node, i)],
  Cast: (node, i) => [cast(node, need(node, i, 0))],
  CastLike: (node, i) => [cast({ ...node, attributes: { to: need(node, i, 1).dtype === 'int' ? 7 : need(node, i, 1).dtype === 'bool' ? 9 : 1 } }, need(node, i, 0))],
  Dropout: (node, i) => {
    const t = need(node, i, 0)
    return [t, { dims: t.dims, data: new Float64Array(t.data.length).fill(1), dtype: 'bool' }]
  },
  Transpose: (node, i) => [transpose(node, need(node, i, 0), Array.isArray(node.attributes.perm) ? node.attributes.perm : undefined)],
  Concat: (node, i) => [concat(node, i.filter((t): t is Tensor => t !== undefined))],
  Split: (node, i) => split(node, i),
  Slice: (node, i) => [slice(node, i)],
  Gather: (node, i) => [gather(node, need(node, i, 0), need(node, i, 1))],
  GatherElements: (node, i) => [gatherElements(node, need(node, i, 0), need(node, i, 1))],
  Squeeze: (node, i) => [squeeze(node, i)],
  Unsqueeze: (node, i) => [unsqueeze(node, i)],
  Expand: (node, i) => [expandTo(node, need(node, i, 0), Array.from(need(node, i, 1).data))],
  Tile: (node, i) => [tile(node, need(node, i, 0), Array.from(need(node, i, 1).data))],
  Pad: (node, i) => [pad(node, i)],
  DepthToSpace: (node, i) => [depthSpace(node, need(node, i, 0), true)],
  SpaceToDepth: (node, i) => [depthSpace(node, need(node, i, 0), false)],
  Resize: (node, i) => [resizeNearest(node, i)],
  Upsample: (node, i) => [resizeNearest(node, i)],
}

export { transpose }
