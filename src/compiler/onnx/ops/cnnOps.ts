import type { OnnxNode, Tensor } from '../types.ts'
import type { FloatOp } from './shapeOps.ts'
import { attrError, attrInt, attrInts, attrString, poolWindows, shapeError, size, strides } from './helpers.ts'

/** Kernel shape of a pooling node; Global* pools take the whole spatial extent. */
export function poolKernel(node: OnnxNode, dims: readonly number[]): number[] {
  if (dims.length < 3) throw attrError(node, 'expected an input [N, C, spatial…].', `got [${dims}]`)
  if (node.opType.startsWith('Global')) return dims.slice(2)
  const k = attrInts(node, 'kernel_shape', [])
  if (k.length === 0) throw attrError(node, 'no kernel_shape.', 'expected the kernel_shape attribute')
  if (node.opType === 'MaxPool' && attrInt(node, 'storage_order', 0) !== 0) throw attrError(node, 'storage_order 1 is not supported.', 'expected storage_order 0')
  return k
}

/** Valid entries of a window (not padding) and the divisor AveragePool uses for it. */
export function averageDivisor(node: OnnxNode, window: readonly number[]): number {
  const includePad = attrInt(node, 'count_include_pad', 0) === 1
  return includePad ? window.filter((i) => i !== -2).length : window.filter((i) => i >= 0).length
}

function pool(kind: 'max' | 'avg'): FloatOp {
  return (node, [x]) => {
    const t = x!
    const { dims, windows } = poolWindows(node, t.dims, poolKernel(node, t.dims))
    const data = Float64Array.from(windows, (w) => {
      const vals = w.filter((i) => i >= 0).map((i) => t.data[i]!)
      return kind === 'max' ? Math.max(...vals) : vals.reduce((a, b) => a + b, 0) / averageDivisor(node, w)
    })
    if (kind === 'avg' || !node.outputs[1]) return [{ dims, data }]
    // Indices: the flat input index of the first maximum in window order (a later one only on a strict win)
    const indices = Float64Array.from(windows, (w) => w.filter((i) => i >= 0).reduce((best, i) => (t.data[i]! > t.data[best]! ? i : best)))
    return [{ dims, data }, { dims, data: indices, dtype: 'int' }]
  }
}

/**
 * Inference batch norm as a per-channel affine map y = a_c·x + b_c, a_c = γ/√(σ²+ε), b_c = β − μ·a_c.
 * The lowering uses the same coefficients, so both sides agree on rounding.
 */
export function batchNormCoefficients(node: OnnxNode, inputs: ReadonlyArray<Tensor | undefined>): { a: number[]; b: number[] } {
  const [, g, beta, mean, v] = inputs
  const eps = typeof node.attributes.epsilon === 'number' ? node.attributes.epsilon : 1e-5
  const C = g!.data.length
  const a = Array.from({ length: C }, (_, c) => g!.data[c]! / Math.sqrt(v!.data[c]! + eps))
  return { a, b: a.map((ac, c) => beta!.data[c]! - mean!.data[c]! * ac) }
}

function batchNorm(node: OnnxNode, inputs: ReadonlyArray<Tensor | undefined>): Tensor {
  const x = inputs[0]!
  if (attrInt(node, 'training_mode', 0) !== 0) throw attrError(node, 'training mode.', 'expected training_mode 0 (inference)')
  const { a, b } = batchNormCoefficients(node, inputs)
  const C = x.dims[1] ?? 1
  if (a.length !== C) throw attrError(node, 'scale length differs from channels.', `expected ${C} values, got ${a.length}`)
  const inner = size(x.dims.slice(2))
  return { dims: x.dims, data: x.data.map((v, i) => a[Math.floor(i / inner) % C]! * v + b[Math.floor(i / inner) % C]!) }
}

/** Pooling and batch norm in float64. */
export const cnnOps: Record<string, FloatOp> = {
  MaxPool: pool('max'),
  AveragePool: pool('avg'),
  GlobalMaxPool: pool('max'),
  GlobalAveragePool: pool('avg'),
  BatchNormalization: (node, i) => [batchNorm(node, i)],
}

/** Whether a Conv needs the general path: not 2-D, grouped, dilated or auto-padded. @example isGeneralConv(node, 3, 3) // true: 1-D */
export function isGeneralConv(node: OnnxNode, xRank: number, wRank: number): boolean {
  return xRank !== 4 || wRank !== 4 || attrInt(node, 'group', 1) !== 1 || attrInts(node, 'dilations', []).some((d) => d !== 1) || attrString(node, 'auto_pad', 'NOTSET') !== 'NOTSET'
}

/**
 * Geometry of any Conv (1-D, 2-D, 3-D; groups, so depthwise; dilations; auto_pad): for each output
 * element, the (input flat index, kernel flat index) pairs it sums, padding left out. Shared by the
 * float evaluator and the lowering.
 *
 * @example
 * ```ts
 * convTaps(node, [1, 2, 5, 5], [2, 1, 3, 3]).taps[0] // [[input index, kernel index], …] of output 0
 * ```
 */
export function convTaps(node: OnnxNode, xd: readonly number[], wd: readonly number[]): { dims: number[]; taps: [number, number][][] } {
  const g = attrInt(node, 'group', 1)
  const [N, C] = [xd[0]!, xd[1]!]
  const [F, Cg] = [wd[0]!, wd[1]!]
  const k = wd.slice(2)
  if (xd.length !== wd.length || xd.length < 3) throw shapeError(node, 'input and kernel ranks differ.', `expected input [N, C, spatial…] and kernel [F, C/group, kernel…] of one rank, got [${xd}] and [${wd}]`)
  if (N !== 1 || g < 1 || C % g !== 0 || F % g !== 0 || Cg !== C / g)
    throw shapeError(node, 'channels do not match the groups.', `expected batch 1 and a kernel with ${C}/${g} input channels and a multiple of ${g} filters, got input [${xd}], kernel [${wd}], group ${g}`)
  const ks = attrInts(node, 'kernel_shape', k)
  if (ks.length !== k.length || ks.some((v, i) => v !== k[i])) throw shapeError(node, 'kernel_shape differs from the kernel.', `expected [${k}], got [${ks}]`)
  const { dims: pd, windows } = poolWindows(node, [1, 1, ...xd.slice(2)], k)
  const sp = size(xd.slice(2))
  const kn = size(k)
  const taps: [number, number][][] = []
  for (let f = 0; f < F; f++) {
    const grp = Math.floor(f / (F / g))
    for (const w of windows) {
      const t: [number, number][] = []
      for (let cg = 0; cg < Cg; cg++) {
        const c = grp * Cg + cg
        w.forEach((i, kk) => {
          if (i >= 0) t.push([c * sp + i, (f * Cg + cg) * kn + kk])
        })
      }
      taps.push(t)
    }
  }
  return { dims: [1, F, ...pd.slice(2)], taps }
}

/** Float64 Conv in its general form. */
export function convGeneral(node: OnnxNode, inputs: ReadonlyArray<Tensor | undefined>): Tensor {
  const [x, w, b] = inputs as [Tensor, Tensor, Tensor | undefined]
  const { dims, taps } = convTaps(node, x.dims, w.dims)
  const per = taps.length / dims[1]!
  return { dims, data: Float64Array.from(taps, (t, o) => t.reduce((acc, [i, k]) => acc + x.data[i]! * w.data[k]!, b ? b.data[Math.floor(o / per)]! : 0)) }
}

/**
 * Geometry of ConvTranspose (any rank, groups, strides, dilations, explicit pads, output_padding):
 * input position i and kernel offset k add to output position i·stride + k·dilation − pad_begin.
 * Returns, per output element, its (input flat index, kernel flat index) pairs, as convTaps does.
 */
export function convTransposeTaps(node: OnnxNode, xd: readonly number[], wd: readonly number[]): { dims: number[]; taps: [number, number][][] } {
  const g = attrInt(node, 'group', 1)
  const [N, C] = [xd[0]!, xd[1]!]
  const Fg = wd[1]!
  const sp = xd.slice(2)
  const k = wd.slice(2)
  const nd = sp.length
  if (xd.length !== wd.length || nd < 1 || N !== 1 || wd[0] !== C || C % g !== 0)
    throw shapeError(node, 'input and kernel do not fit.', `expected input [1, C, spatial…] and kernel [C, F/group, kernel…] with C divisible by group ${g}, got [${xd}] and [${wd}]`)
  const st = attrInts(node, 'strides', new Array(nd).fill(1))
  const dil = attrInts(node, 'dilations', new Array(nd).fill(1))
  const op = attrInts(node, 'output_padding', new Array(nd).fill(0))
  const { pads, outSp } = convTransposePads(node, sp, k, st, dil, op)
  const F = Fg * g
  const dims = [1, F, ...outSp]
  const taps: [number, number][][] = Array.from({ length: size(dims) }, () => [])
  const is = strides(sp)
  const ks = strides(k)
  const os = strides(outSp)
  const spN = size(sp)
  const kN = size(k)
  const oN = size(outSp)
  for (let c = 0; c < C; c++) {
    const grp = Math.floor(c / (C / g))
    for (let i = 0; i < spN; i++)
      for (let kk = 0; kk < kN; kk++) {
        let o = 0
        let inside = true
        for (let d = 0; d < nd; d++) {
          const pos = (Math.floor(i / is[d]!) % sp[d]!) * st[d]! + (Math.floor(kk / ks[d]!) % k[d]!) * dil[d]! - pads[d]!
          if (pos < 0 || pos >= outSp[d]!) inside = false
          o += pos * os[d]!
        }
        if (!inside) continue
        for (let fg = 0; fg < Fg; fg++) taps[(grp * Fg + fg) * oN + o]!.push([c * spN + i, (c * Fg + fg) * kN + kk])
      }
  }
  return { dims, taps }
}

/**
 * ConvTranspose's pads and output size, as the ONNX spec and onnxruntime ≥ 1.20 compute them:
 * explicit pads; or an `output_shape` (spatial, or [N, C, spatial…]) whose total padding is split
 * with the larger half at the head, except with SAME_UPPER (at the tail); or SAME_UPPER/SAME_LOWER
 * alone, which make the output input·stride long, split the same way; VALID pads nothing.
 */
function convTransposePads(node: OnnxNode, sp: readonly number[], k: readonly number[], st: readonly number[], dil: readonly number[], op: readonly number[]): { pads: number[]; outSp: number[] } {
  const nd = sp.length
  const autoPad = attrString(node, 'auto_pad', 'NOTSET')
  if (!['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'].includes(autoPad)) throw attrError(node, 'unknown auto_pad.', `expected NOTSET, SAME_UPPER, SAME_LOWER or VALID, got ${autoPad}`)
  const full = (i: number) => (sp[i]! - 1) * st[i]! + op[i]! + (k[i]! - 1) * dil[i]! + 1
  const given = attrInts(node, 'output_shape', [])
  if (given.length > 0) {
    const want = given.length === nd + 2 ? given.slice(2) : given
    if (want.length !== nd) throw attrError(node, 'output_shape has the wrong rank.', `expected ${nd} spatial sizes (or ${nd + 2} with N and C), got [${given}]`)
    const pads = new Array<number>(2 * nd).fill(0)
    for (let i = 0; i < nd; i++) {
      const total = Math.max(0, full(i) - want[i]!)
      const half = Math.floor(total / 2)
      ;[pads[i], pads[i + nd]] = autoPad === 'SAME_UPPER' ? [half, total - half] : [total - half, half]
    }
    return { pads, outSp: [...want] }
  }
  let pads = attrInts(node, 'pads', new Array(2 * nd).fill(0))
  if (autoPad === 'VALID') pads = new Array(2 * nd).fill(0)
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    pads = new Array<number>(2 * nd).fill(0)
    for (let i = 0; i < nd; i++) {
      const total = Math.max(0, full(i) - sp[i]! * st[i]!)
      const half = Math.floor(total / 2)
      ;[pads[i], pads[i + nd]] = autoPad === 'SAME_LOWER' ? [total - half, half] : [half, total - half]
    }
  }
  const outSp = sp.map((_, i) => full(i) - pads[i]! - pads[i + nd]!)
  if (outSp.some((o) => o < 1)) throw shapeError(node, 'the output would be empty.', `expected pads smaller than the output, got pads [${pads}] for input spatial [${sp}]`)
  return { pads, outSp }
}

cnnOps.ConvTranspose = (node, inputs) => {
  const [x, w, b] = inputs as [Tensor, Tensor, Tensor | undefined]
  const { dims, taps } = convTransposeTaps(node, x.dims, w.dims)
  const per = taps.length / dims[1]!
  return [{ dims, data: Float64Array.from(taps, (t, o) => t.reduce((acc, [i, k]) => acc + x.data[i]! * w.data[k]!, b ? b.data[Math.floor(o / per)]! : 0)) }]
}
