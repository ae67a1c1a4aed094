import { BaseError } from '../../errors/index.ts'
import { convGeneral, FLOAT_OPS, isGeneralConv } from './ops/index.ts'
import type { OnnxGraph, OnnxNode, Tensor } from './types.ts'

const size = (d: readonly number[]) => d.reduce((a, b) => a * b, 1)

function shapeError(node: OnnxNode, msg: string, details: string): BaseError {
  return new BaseError('ONNX_SHAPE_MISMATCH', `${node.opType} "${node.name}": ${msg}`, { details })
}

function broadcast(node: OnnxNode, a: Tensor, b: Tensor, f: (x: number, y: number) => number): Tensor {
  const n = Math.max(a.dims.length, b.dims.length)
  const dims: number[] = []
  for (let i = 0; i < n; i++) {
    const x = a.dims[a.dims.length - n + i] ?? 1
    const y = b.dims[b.dims.length - n + i] ?? 1
    if (x !== y && x !== 1 && y !== 1) throw shapeError(node, "shapes don't broadcast.", `expected numpy-broadcastable shapes, got [${a.dims}] and [${b.dims}]`)
    dims.push(Math.max(x, y))
  }
  const strides = (d: readonly number[]) => {
    const s = new Array<number>(n).fill(0)
    let acc = 1
    for (let i = d.length - 1; i >= 0; i--) {
      s[n - d.length + i] = d[i] === 1 ? 0 : acc
      acc *= d[i]!
    }
    return s
  }
  const sa = strides(a.dims)
  const sb = strides(b.dims)
  const out = new Float64Array(size(dims))
  for (let i = 0; i < out.length; i++) {
    let r = i
    let ia = 0
    let ib = 0
    for (let d = n - 1; d >= 0; d--) {
      const c = r % dims[d]!
      r = Math.floor(r / dims[d]!)
      ia += c * sa[d]!
      ib += c * sb[d]!
    }
    out[i] = f(a.data[ia]!, b.data[ib]!)
  }
  return { dims, data: out }
}

/** Integer arithmetic (shape computations) stays integer so a later Div truncates as ONNX does. */
function sameDtype(out: Tensor, a: Tensor, b: Tensor): Tensor {
  return a.dtype && a.dtype === b.dtype ? { ...out, dtype: a.dtype === 'bool' ? 'int' : a.dtype } : out
}

function ints(node: OnnxNode, name: string, dflt: number[]): number[] {
  const v = node.attributes[name]
  return Array.isArray(v) ? v : dflt
}

/**
 * Float64 evaluation of every tensor of the graph: the reference for calibration, and (run on zeros)
 * the graph's shape inference. Matches onnxruntime-node to ~1e-6 on the bundled models.
 *
 * @example
 * ```ts
 * const values = evaluateFloat(graph, { input: Float64Array.from(features) })
 * values.get(graph.outputs[0].name)
 * ```
 */
export function evaluateFloat(graph: OnnxGraph, inputs: Record<string, Float64Array>): Map<string, Tensor> {
  const env = new Map<string, Tensor>(graph.initializers)
  for (const info of graph.inputs) {
    const data = inputs[info.name]
    if (!data || data.length !== size(info.shape))
      throw new BaseError('INPUT_INVALID', `Input "${info.name}" has the wrong size.`, {
        details: `expected ${size(info.shape)} values for shape [${info.shape}], got ${data ? data.length : 'none'}`,
      })
    env.set(info.name, info.dtype && info.dtype !== 'float' ? { dims: [...info.shape], data, dtype: info.dtype } : { dims: [...info.shape], data })
  }
  for (const node of graph.nodes) {
    const ins = node.inputs.map((name, i) => {
      const t = name ? env.get(name) : undefined
      if (name && !t) throw new BaseError('ONNX_MISSING_TENSOR', `Node "${node.name}" (${node.opType}) reads a tensor nothing defines.`, { details: `expected input ${i} "${name}"` })
      return t
    })
    evaluateNode(node, ins).forEach((t, i) => {
      if (node.outputs[i]) env.set(node.outputs[i]!, t)
    })
  }
  return env
}

/**
 * One node in float64: its inputs (undefined for an absent optional one) → its outputs, in order.
 * Constant folding evaluates nodes one at a time through here.
 *
 * @example
 * ```ts
 * evaluateNode({ name: 'n', opType: 'Neg', inputs: ['x'], outputs: ['y'], attributes: {} }, [{ dims: [1], data: Float64Array.of(2) }])[0].data // [-2]
 * ```
 */
export function evaluateNode(node: OnnxNode, ins: ReadonlyArray<Tensor | undefined>): Tensor[] {
  {
    const get = (i: number): Tensor => {
      const t = ins[i]
      if (!t) throw new BaseError('ONNX_MISSING_TENSOR', `Node "${node.name}" (${node.opType}) reads a tensor nothing defines.`, { details: `expected input ${i} "${node.inputs[i]}"` })
      return t
    }
    let out: Tensor
    switch (node.opType) {
      case 'Identity':
        out = get(0)
        break
      case 'Relu':
        out = { dims: get(0).dims, data: get(0).data.map((x) => (x > 0 ? x : 0)) }
        break
      case 'Sigmoid':
        out = { dims: get(0).dims, data: get(0).data.map((x) => 1 / (1 + Math.exp(-x))) }
        break
      case 'Add':
        out = sameDtype(broadcast(node, get(0), get(1), (x, y) => x + y), get(0), get(1))
        break
      case 'Sub':
        out = sameDtype(broadcast(node, get(0), get(1), (x, y) => x - y), get(0), get(1))
        break
      case 'Mul':
        out = sameDtype(broadcast(node, get(0), get(1), (x, y) => x * y), get(0), get(1))
        break
      case 'Flatten': {
        const t = get(0)
        let axis = (node.attributes.axis as number | undefined) ?? 1
        if (axis < 0) axis += t.dims.length
        out = { ...t, dims: [size(t.dims.slice(0, axis)), size(t.dims.slice(axis))] }
        break
      }
      case 'Reshape': {
        const t = get(0)
        const shape = Array.from(get(1).data)
        const dims = shape.map((d, i) => (d === 0 ? t.dims[i]! : d))
        const known = size(dims.filter((d) => d !== -1))
        const full = dims.map((d) => (d === -1 ? size(t.dims) / known : d))
        if (size(full) !== size(t.dims) || !full.every(Number.isInteger))
          throw shapeError(node, 'the element count changes.', `expected a shape with ${size(t.dims)} elements for input [${t.dims}], got [${shape}]`)
        out = t.dtype ? { dims: full, data: t.data, dtype: t.dtype } : { dims: full, data: t.data }
        break
      }
      case 'MatMul': {
        const a = get(0)
        const b = get(1)
        if (b.dims.length !== 2 || a.dims.length < 2) return FLOAT_OPS.MatMul!(node, ins)
        const K = a.dims[a.dims.length - 1]!
        if (b.dims.length !== 2 || b.dims[0] !== K)
          throw shapeError(node, 'inner dimensions differ.', `expected a right-hand side of shape [${K}, N], got [${b.dims}] for left [${a.dims}]`)
        const N = b.dims[1]!
        const M = size(a.dims) / K
        const data = new Float64Array(M * N)
        for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) data[m * N + n]! += a.data[m * K + k]! * b.data[k * N + n]!
        out = { dims: [...a.dims.slice(0, -1), N], data }
        break
      }
      case 'Gemm': {
        const a = get(0)
        const b = get(1)
        const c = node.inputs[2] ? get(2) : undefined
        const alpha = (node.attributes.alpha as number | undefined) ?? 1
        const beta = (node.attributes.beta as number | undefined) ?? 1
        const tA = (node.attributes.transA as number | undefined) ?? 0
        const tB = (node.attributes.transB as number | undefined) ?? 0
        if (a.dims.length !== 2 || b.dims.length !== 2) throw shapeError(node, 'expected 2-D operands.', `got A [${a.dims}] and B [${b.dims}]`)
        const [M, K] = tA ? [a.dims[1]!, a.dims[0]!] : [a.dims[0]!, a.dims[1]!]
        const [K2, N] = tB ? [b.dims[1]!, b.dims[0]!] : [b.dims[0]!, b.dims[1]!]
        if (K !== K2) throw shapeError(node, 'inner dimensions differ.', `expected B with ${K} ${tB ? 'columns' : 'rows'} to match A [${a.dims}], got B [${b.dims}]`)
        const data = new Float64Array(M * N)
        for (let m = 0; m < M; m++)
          for (let n = 0; n < N; n++) {
            let s = 0
            for (let k = 0; k < K; k++) s += a.data[tA ? k * M + m : m * K + k]! * b.data[tB ? n * K + k : k * N + n]!
            data[m * N + n] = alpha * s
          }
        out = { dims: [M, N], data }
        if (c) out = broadcast(node, out, { dims: c.dims, data: c.data.map((x) => beta * x) }, (x, y) => x + y)
        if (out.dims.length !== 2 || out.dims[0] !== M || out.dims[1] !== N) throw shapeError(node, 'bias C does not broadcast to [M, N].', `expected C broadcastable to [${M}, ${N}], got [${c?.dims}]`)
        break
      }
      case 'Conv': {
        const x = get(0)
        const w = get(1)
        const bias = node.inputs[2] ? get(2) : undefined
        // 1-D and 3-D, grouped (depthwise), dilated and auto-padded convolutions: ops/cnnOps.ts
        if (isGeneralConv(node, x.dims.length, w.dims.length)) return [convGeneral(node, ins)]
        if (x.dims.length !== 4 || w.dims.length !== 4) throw new BaseError('ONNX_UNSUPPORTED_ATTRIBUTE', `Conv "${node.name}": only 2-D convolution (NCHW) is supported.`, { details: `expected 4-D input and kernel, got [${x.dims}] and [${w.dims}]` })
        const [Nb, C, H, W] = x.dims as [number, number, number, number]
        const [F, Ck, kh, kw] = w.dims as [number, number, number, number]
        if (ints(node, 'dilations', [1, 1]).some((d) => d !== 1) || ((node.attributes.group as number | undefined) ?? 1) !== 1)
          throw new BaseError('ONNX_UNSUPPORTED_ATTRIBUTE', `Conv "${node.name}": groups and dilations other than 1 are not supported.`, { details: `expected group 1 and dilations [1,1], got group ${node.attributes.group ?? 1} and dilations [${ints(node, 'dilations', [1, 1])}]` })
        const autoPad = node.attributes.auto_pad
        if (autoPad !== undefined && autoPad !== 'NOTSET')
          throw new BaseError('ONNX_UNSUPPORTED_ATTRIBUTE', `Conv "${node.name}": auto_pad is not supported.`, { details: `expected explicit pads (auto_pad NOTSET), got ${String(autoPad)}` })
        if (Nb !== 1 || Ck !== C) throw shapeError(node, 'input and kernel channels differ.', `expected batch 1 and kernel channels ${C}, got input [${x.dims}] and kernel [${w.dims}]`)
        const [sh, sw] = ints(node, 'strides', [1, 1]) as [number, number]
        const [pt, pl, pb, pr] = ints(node, 'pads', [0, 0, 0, 0]) as [number, number, number, number]
        const Ho = Math.floor((H + pt + pb - kh) / sh) + 1
        const Wo = Math.floor((W + pl + pr - kw) / sw) + 1
        const data = new Float64Array(F * Ho * Wo)
        for (let f = 0; f < F; f++)
          for (let oy = 0; oy < Ho; oy++)
            for (let ox = 0; ox < Wo; ox++) {
              let s = bias ? bias.data[f]! : 0
              for (let c = 0; c < C; c++)
                for (let ky = 0; ky < kh; ky++)
                  for (let kx = 0; kx < kw; kx++) {
                    const iy = oy * sh + ky - pt
                    const ix = ox * sw + kx - pl
                    if (iy >= 0 && iy < H && ix >= 0 && ix < W) s += x.data[(c * H + iy) * W + ix]! * w.data[((f * C + c) * kh + ky) * kw + kx]!
                  }
              data[(f * Ho + oy) * Wo + ox] = s
            }
        out = { dims: [1, F, Ho, Wo], data }
        break
      }
      default: {
        const f = FLOAT_OPS[node.opType]
        if (!f) throw new BaseError('ONNX_UNSUPPORTED_OP', `Unsupported op "${node.opType}" in node "${node.name}".`, { details: `got ${node.opType}` })
        return f(node, ins)
      }
    }
    return [out]
  }
}

/**
 * Shapes of every tensor, found by evaluating the graph once on zeros: one implementation of each
 * op's shape rule, the same one the float reference uses.
 *
 * @example
 * ```ts
 * inferShapes(graph).get('logits') // [1, 1]
 * ```
 */
export function inferShapes(graph: OnnxGraph): Map<string, number[]> {
  const zeros = Object.fromEntries(graph.inputs.map((i) => [i.name, new Float64Array(size(i.shape))]))
  return new Map([...evaluateFloat(graph, zeros)].map(([k, t]) => [k, t.dims]))
}
