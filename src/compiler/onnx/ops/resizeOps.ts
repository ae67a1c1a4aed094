import type { OnnxNode, Tensor } from '../types.ts'
import { attrError, attrInt, attrString, checkedDims, shapeError, size, strides } from './helpers.ts'

/** ONNX's cubic convolution weights of the four taps ⌊x⌋ − 1 … ⌊x⌋ + 2 at fraction t, coefficient a. */
function cubicWeights(t: number, a: number): number[] {
  const w = (d: number) => {
    const x = Math.abs(d)
    if (x <= 1) return ((a + 2) * x - (a + 3)) * x * x + 1
    if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return 0
  }
  return [w(t + 1), w(t), w(1 - t), w(2 - t)]
}

/**
 * Resize/Upsample in `linear` or `cubic` mode as a fixed linear map: for each output element, the
 * (input flat index, weight) pairs it sums. Separable: per axis, a coordinate transformation
 * (half_pixel, pytorch_half_pixel, align_corners, asymmetric) gives the source coordinate; linear
 * takes the two neighbours (the coordinate clamped to the input, as onnxruntime does), cubic the four
 * with cubic_coeff_a, edge taps clamped, or dropped and the rest renormalised with exclude_outside.
 * Shared by the float evaluator and the lowering (constant weights: one rescale per output).
 *
 * @example
 * ```ts
 * resizeTaps(node, x.dims, [1, 1, 2, 2]).taps[0] // [[input index, weight], …]
 * ```
 */
export function resizeTaps(node: OnnxNode, inDims: readonly number[], inputs: ReadonlyArray<Tensor | undefined>): { dims: number[]; taps: [number, number][][] } {
  const mode = attrString(node, 'mode', 'nearest')
  const upsample = node.opType === 'Upsample'
  const ctm = attrString(node, 'coordinate_transformation_mode', upsample ? 'asymmetric' : 'half_pixel')
  if (attrInt(node, 'antialias', 0) !== 0) throw attrError(node, 'antialias is not supported.', 'expected antialias 0')
  if (node.attributes.axes !== undefined) throw attrError(node, 'the axes attribute is not supported.', 'expected scales or sizes for every axis')
  if (attrString(node, 'keep_aspect_ratio_policy', 'stretch') !== 'stretch') throw attrError(node, 'keep_aspect_ratio_policy is not supported.', 'expected "stretch"')
  const scalesT = upsample || node.inputs.length === 2 ? inputs[1] : inputs[2]
  const sizesT = upsample ? undefined : inputs[3]
  const attrScales = node.attributes.scales
  let scales = scalesT && scalesT.data.length > 0 ? Array.from(scalesT.data) : Array.isArray(attrScales) ? attrScales : undefined
  let dims: number[]
  if (sizesT && sizesT.data.length > 0) {
    dims = Array.from(sizesT.data)
    scales = dims.map((d, i) => d / inDims[i]!)
  } else if (scales) dims = inDims.map((d, i) => Math.floor(d * scales![i]!))
  else throw attrError(node, 'neither scales nor sizes given.', 'expected a scales or sizes input')
  checkedDims(node, dims)
  if (dims.length !== inDims.length) throw shapeError(node, 'scales rank differs from the input.', `got [${scales}] for input [${inDims}]`)
  const a = typeof node.attributes.cubic_coeff_a === 'number' ? node.attributes.cubic_coeff_a : -0.75
  const exclude = attrInt(node, 'exclude_outside', 0) === 1
  /** Per axis, per output coordinate: the (input coordinate, weight) pairs. */
  const axisTaps = dims.map((od, d) => {
    const n = inDims[d]!
    const sc = scales![d]!
    return Array.from({ length: od }, (_, o): [number, number][] => {
      let x: number
      if (ctm === 'asymmetric') x = o / sc
      else if (ctm === 'half_pixel') x = (o + 0.5) / sc - 0.5
      else if (ctm === 'pytorch_half_pixel') x = od > 1 ? (o + 0.5) / sc - 0.5 : 0
      else if (ctm === 'align_corners') x = od === 1 ? 0 : (o * (n - 1)) / (od - 1)
      else throw attrError(node, `coordinate_transformation_mode "${ctm}" is not supported.`, 'expected asymmetric, half_pixel, pytorch_half_pixel or align_corners')
      if (mode === 'linear') {
        const c = Math.min(Math.max(x, 0), n - 1)
        const i0 = Math.floor(c)
        const i1 = Math.min(i0 + 1, n - 1)
        const t = c - i0
        return i0 === i1 ? [[i0, 1]] : [[i0, 1 - t], [i1, t]]
      }
      const f = Math.floor(x)
      const ws = cubicWeights(x - f, a)
      const taps: [number, number][] = []
      let total = 0
      ws.forEach((w, k) => {
        const i = f - 1 + k
        if (exclude && (i < 0 || i >= n)) return
        taps.push([Math.min(Math.max(i, 0), n - 1), w])
        total += w
      })
      return exclude ? taps.map(([i, w]) => [i, w / total] as [number, number]) : taps
    })
  })
  const is = strides(inDims)
  const os = strides(dims)
  const taps: [number, number][][] = []
  for (let o = 0; o < size(dims); o++) {
    let acc: [number, number][] = [[0, 1]]
    for (let d = 0; d < dims.length; d++) {
      const per = axisTaps[d]![Math.floor(o / os[d]!) % dims[d]!]!
      acc = acc.flatMap(([j, w]) => per.map(([i, v]): [number, number] => [j + i * is[d]!, w * v]))
    }
    // merge repeated taps (clamped edges) so each input appears once
    const merged = new Map<number, number>()
    for (const [j, w] of acc) merged.set(j, (merged.get(j) ?? 0) + w)
    taps.push([...merged])
  }
  return { dims, taps }
}

/** Resize/Upsample in linear or cubic mode, in float64. */
export function resizeInterpolated(node: OnnxNode, inputs: ReadonlyArray<Tensor | undefined>): Tensor {
  const t = inputs[0]!
  const { dims, taps } = resizeTaps(node, t.dims, inputs)
  return { dims, data: Float64Array.from(taps, (tp) => tp.reduce((s, [i, w]) => s + w * t.data[i]!, 0)) }
}
