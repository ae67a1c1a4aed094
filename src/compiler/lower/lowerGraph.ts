import { BaseError } from '../../errors/index.ts'
import type { OnnxGraph, OnnxNode, Tensor } from '../onnx/index.ts'
import { SUPPORTED_OPS } from '../onnx/opCatalog.ts'
import type { Algebra, QTensor } from './Algebra.ts'
import type { LowerContext, LValue } from './opContext.ts'
import { convGeneral, gemm, LOWERINGS, matmul, mulComputed } from './ops/index.ts'
import { isGeneralConv } from '../onnx/ops/index.ts'

/** Fixed-point parameters chosen by calibration. */
export type QuantParams = {
  /** s: values are integers at scale 2^s; weights too. */
  scaleBits: number
  /** B: every rescaled or range-checked value is a signed B-bit integer. */
  activationBits: number
  sigmoid: 'proved' | 'outside'
}

export type LoweredOutput<V> = QTensor<V> & { name: string; postprocess?: 'sigmoid' }

type Value<V> = LValue<V>

const size = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1)
const quant = (x: number, scale: number) => BigInt(Math.round(x * 2 ** scale))

/**
 * Lowers a parsed ONNX graph to quantized arithmetic in any `Algebra`: the circuit's (constraints)
 * or the reference's (bigints). Inputs arrive already quantized at scale 2^s and are range-checked.
 *
 * Scale discipline: every tensor carries its scale exponent. A multiplication by a weight adds s and
 * is rescaled straight back (round half up, remainder range-checked). A proved sigmoid returns scale
 * 2s-1; consumers bring any tensor back to s first.
 *
 * @example
 * ```ts
 * const outs = lowerGraph(graph, referenceAlgebra, [{ dims: [1, 12], data: xq, scale: s }], params)
 * ```
 */
export function lowerGraph<V>(
  graph: OnnxGraph,
  alg: Algebra<V>,
  inputs: ReadonlyArray<QTensor<V>>,
  params: QuantParams,
  /**
   * Called after each node is lowered, with its outputs in order (undefined for an unnamed one):
   * zkml inspect counts constraints per node with it, the per-layer fidelity pass reads the values.
   */
  hooks: { beforeNodes?(): void; afterNode?(node: OnnxNode, outputs: ReadonlyArray<LValue<V> | undefined>): void } = {},
): LoweredOutput<V>[] {
  const { scaleBits: s, activationBits: B } = params
  const env = new Map<string, Value<V>>()
  for (const [name, t] of graph.initializers) env.set(name, { kind: 'const', t })
  graph.inputs.forEach((info, i) => {
    const t = inputs[i]!
    if (size(t.dims) !== size(info.shape))
      throw new BaseError('ONNX_SHAPE_MISMATCH', `Input "${info.name}" has the wrong size.`, {
        details: `expected shape [${info.shape}] (${size(info.shape)} values), got [${t.dims}]`,
      })
    // A bool input is proved 0/1 (one constraint each); integers are exact at scale 0, range-checked.
    const boolean = info.dtype === 'bool'
    env.set(info.name, {
      kind: 'q',
      t: {
        ...t,
        dims: [...info.shape],
        ...(info.dtype === 'int' || boolean ? { scale: 0 } : {}),
        ...(boolean ? { boolean: true as const } : {}),
        data: t.data.map((v, j) => (boolean ? alg.assertBoolean(v, `input ${info.name}[${j}]`) : alg.rangeCheck(v, B, `input ${info.name}[${j}]`))),
      },
    })
  })

  const consumers = new Map<string, number>()
  for (const n of graph.nodes) for (const i of n.inputs) if (i) consumers.set(i, (consumers.get(i) ?? 0) + 1)
  const graphOutputs = new Set(graph.outputs.map((o) => o.name))
  const postprocess = new Map<string, 'sigmoid'>()

  const get = (node: OnnxNode, i: number): Value<V> => {
    const name = node.inputs[i]
    const v = name ? env.get(name) : undefined
    if (!v)
      throw new BaseError('ONNX_MISSING_TENSOR', `Node "${node.name}" (${node.opType}) reads a tensor nothing defines.`, {
        details: `expected input ${i} "${name ?? ''}" to be a graph input, an initializer or an earlier node's output`,
      })
    return v
  }
  const constOperand = (node: OnnxNode, i: number, role: string): Tensor => {
    const v = get(node, i)
    if (v.kind !== 'const')
      throw new BaseError('ONNX_UNSUPPORTED_ATTRIBUTE', `Node "${node.name}" (${node.opType}) needs a constant ${role}.`, {
        details: `expected input ${i} "${node.inputs[i]}" to be an initializer (weights are circuit constants), got a computed tensor`,
      })
    return v.t
  }
  const atScale = (t: QTensor<V>, target: number, what: string): QTensor<V> => {
    if (t.scale === target) return t
    if (t.scale > target)
      return { dims: t.dims, scale: target, data: t.data.map((v, i) => alg.rescale(v, t.scale - target, B, `${what}[${i}] rescale`)) }
    const k = 1n << BigInt(target - t.scale)
    return { dims: t.dims, scale: target, data: t.data.map((v) => alg.affine([v], [k], 0n)) }
  }
  const activation = (node: OnnxNode, i: number): QTensor<V> => {
    const v = get(node, i)
    if (v.kind === 'const') return { dims: v.t.dims, scale: s, data: Array.from(v.t.data, (x) => alg.constant(quant(x, s))) }
    return atScale(v.t, s, node.name)
  }
  const attrInt = (node: OnnxNode, name: string, dflt: number) => {
    const a = node.attributes[name]
    return typeof a === 'number' ? a : dflt
  }
  const attrInts = (node: OnnxNode, name: string, dflt: number[]) => {
    const a = node.attributes[name]
    return Array.isArray(a) ? a : dflt
  }

  /** out[j] = Σ_i W[i,j]·x[i] + bias[j], weights quantized at s, then rescaled back to s. */
  const dense = (node: OnnxNode, x: V[], W: (i: number, j: number) => number, K: number, N: number, bias: (j: number) => number) => {
    const out: V[] = []
    for (let j = 0; j < N; j++) {
      const coeffs: bigint[] = []
      for (let i = 0; i < K; i++) coeffs.push(quant(W(i, j), s))
      out.push(alg.rescale(alg.affine(x, coeffs, quant(bias(j), 2 * s)), s, B, `${node.name}[${j}]`))
    }
    return out
  }

  hooks.beforeNodes?.()
  const ctx: LowerContext<V> = {
    alg, params, s, B, get, constOperand, activation, atScale, quant,
    has: (node, i) => !!node.inputs[i],
    opset: graph.opset,
  }

  for (const node of graph.nodes) {
    let result: Value<V>
    switch (node.opType) {
      case 'Identity':
        result = get(node, 0)
        break
      case 'Flatten': {
        const v = get(node, 0)
        const axis = attrInt(node, 'axis', 1)
        const d = v.t.dims
        const ax = axis < 0 ? axis + d.length : axis
        const dims = [size(d.slice(0, ax)), size(d.slice(ax))]
        result = v.kind === 'const' ? { kind: 'const', t: { dims, data: v.t.data } } : { kind: 'q', t: { ...v.t, dims } }
        break
      }
      case 'Reshape': {
        const v = get(node, 0)
        const shape = Array.from(constOperand(node, 1, 'shape').data)
        const n = size(v.t.dims)
        const dims = shape.map((d, i) => (d === 0 ? v.t.dims[i]! : d))
        const known = dims.filter((d) => d !== -1).reduce((a, b) => a * b, 1)
        const full = dims.map((d) => (d === -1 ? n / known : d))
        if (size(full) !== n || !full.every(Number.isInteger))
          throw new BaseError('ONNX_SHAPE_MISMATCH', `Reshape "${node.name}" changes the element count.`, {
            details: `expected a shape with ${n} elements for input [${v.t.dims}], got [${shape}]`,
          })
        result = v.kind === 'const' ? { kind: 'const', t: { dims: full, data: v.t.data } } : { kind: 'q', t: { ...v.t, dims: full } }
        break
      }
      case 'Gemm': {
        // Computed B or C, or a constant A: the general product (ops/arithmetic.ts).
        if (get(node, 0).kind === 'const' || get(node, 1).kind !== 'const' || (node.inputs[2] && get(node, 2).kind !== 'const')) {
          result = gemm(ctx, node)[0]!
          break
        }
        const x = activation(node, 0)
        const W = constOperand(node, 1, 'weight matrix B')
        const alpha = (node.attributes.alpha as number | undefined) ?? 1
        const beta = (node.attributes.beta as number | undefined) ?? 1
        const transA = attrInt(node, 'transA', 0)
        const transB = attrInt(node, 'transB', 0)
        const [M0, K0] = x.dims.length === 2 ? x.dims : [1, size(x.dims)]
        const [M, K] = transA ? [K0!, M0!] : [M0!, K0!]
        const [wr, wc] = W.dims as [number, number]
        const N = transB ? wr : wc
        if ((transB ? wc : wr) !== K)
          throw new BaseError('ONNX_SHAPE_MISMATCH', `Gemm "${node.name}": inner dimensions differ.`, {
            details: `expected B with ${K} ${transB ? 'columns' : 'rows'} to match A [${x.dims}], got B [${W.dims}]`,
          })
        const C = node.inputs[2] ? constOperand(node, 2, 'bias C') : undefined
        const w = (i: number, j: number) => alpha * W.data[transB ? j * wc + i : i * wc + j]!
        const out: V[] = []
        for (let m = 0; m < M; m++) {
          const row = Array.from({ length: K }, (_, k) => x.data[transA ? k * M + m : m * K + k]!)
          const bias = (j: number) => {
            if (!C) return 0
            const cs = size(C.dims)
            return beta * C.data[cs === 1 ? 0 : cs === N ? j : m * N + j]!
          }
          out.push(...dense(node, row, w, K, N, bias))
        }
        result = { kind: 'q', t: { dims: [M, N], scale: s, data: out } }
        break
      }
      case 'MatMul': {
        // Two computed operands, a constant left side or batched shapes: the general product.
        if (get(node, 0).kind === 'const' || get(node, 1).kind !== 'const' || get(node, 1).t.dims.length !== 2) {
          result = matmul(ctx, node)[0]!
          break
        }
        const x = activation(node, 0)
        const W = constOperand(node, 1, 'right-hand matrix')
        if (W.dims.length !== 2)
          throw new BaseError('ONNX_UNSUPPORTED_ATTRIBUTE', `MatMul "${node.name}": only a 2-D constant right-hand side is supported.`, {
            details: `expected a [K, N] initializer, got dims [${W.dims}]`,
          })
        const [K, N] = W.dims as [number, number]
        const xk = x.dims[x.dims.length - 1]!
        if (xk !== K)
          throw new BaseError('ONNX_SHAPE_MISMATCH', `MatMul "${node.name}": inner dimensions differ.`, {
            details: `expected left operand's last dimension ${K}, got [${x.dims}]`,
          })
        const rows = size(x.dims) / K
        const out: V[] = []
        for (let m = 0; m < rows; m++)
          out.push(...dense(node, x.data.slice(m * K, (m + 1) * K), (i, j) => W.data[i * N + j]!, K, N, () => 0))
        result = { kind: 'q', t: { dims: [...x.dims.slice(0, -1), N], scale: s, data: out } }
        break
      }
      case 'Conv': {
        if (isGeneralConv(node, get(node, 0).t.dims.length, get(node, 1).t.dims.length)) {
          result = convGeneral(ctx, node)
          break
        }
        const x = activation(node, 0)
        const W = constOperand(node, 1, 'kernel')
        const bias = node.inputs[2] ? constOperand(node, 2, 'bias') : undefined
        if (x.dims.length !== 4 || W.dims.length !== 4)
          throw new BaseError('ONNX_UNSUPPORTED_ATTRIBUTE', `Conv "${node.name}": only 2-D convolution (NCHW) is supported.`, {
            details: `expected 4-D input and kernel, got input [${x.dims}] and kernel [${W.dims}]`,
          })
        const [Nb, C, H, Wd] = x.dims as [number, number, number, number]
        const [F, Ck, kh, kw] = W.dims as [number, number, number, number]
        if (Nb !== 1 || Ck !== C)
          throw new BaseError('ONNX_SHAPE_MISMATCH', `Conv "${node.name}": input and kernel channels differ.`, {
            details: `expected batch 1 and kernel channels ${C}, got input [${x.dims}] and kernel [${W.dims}]`,
          })
        if (attrInt(node, 'group', 1) !== 1 || attrInts(node, 'dilations', [1, 1]).some((d) => d !== 1))
          throw new BaseError('ONNX_UNSUPPORTED_ATTRIBUTE', `Conv "${node.name}": groups and dilations other than 1 are not supported.`, {
            details: `expected group 1 and dilations [1,1], got group ${attrInt(node, 'group', 1)} and dilations [${attrInts(node, 'dilations', [1, 1])}]`,
          })
        const [sh, sw] = attrInts(node, 'strides', [1, 1]) as [number, number]
        const [pt, pl, pb, pr] = attrInts(node, 'pads', [0, 0, 0, 0]) as [number, number, number, number]
        const Ho = Math.floor((H + pt + pb - kh) / sh) + 1
        const Wo = Math.floor((Wd + pl + pr - kw) / sw) + 1
        const out: V[] = []
        for (let f = 0; f < F; f++)
          for (let oy = 0; oy < Ho; oy++)
            for (let ox = 0; ox < Wo; ox++) {
              const xs: V[] = []
              const cs: bigint[] = []
              for (let c = 0; c < C; c++)
                for (let ky = 0; ky < kh; ky++)
                  for (let kx = 0; kx < kw; kx++) {
                    const iy = oy * sh + ky - pt
                    const ix = ox * sw + kx - pl
                    if (iy < 0 || iy >= H || ix < 0 || ix >= Wd) continue // zero padding costs nothing
                    xs.push(x.data[(c * H + iy) * Wd + ix]!)
                    cs.push(quant(W.data[((f * C + c) * kh + ky) * kw + kx]!, s))
                  }
              const b = bias ? quant(bias.data[f]!, 2 * s) : 0n
              out.push(alg.rescale(alg.affine(xs, cs, b), s, B, `${node.name}[${f},${oy},${ox}]`))
            }
        result = { kind: 'q', t: { dims: [1, F, Ho, Wo], scale: s, data: out } }
        break
      }
      case 'Add':
      case 'Sub':
      case 'Mul': {
        const a = get(node, 0)
        const b = get(node, 1)
        const dims = broadcastDims(node, a.t.dims, b.t.dims)
        const ia = broadcastIndex(a.t.dims, dims)
        const ib = broadcastIndex(b.t.dims, dims)
        const n = size(dims)
        if (a.kind === 'const' && b.kind === 'const') {
          const f = node.opType === 'Add' ? (p: number, q: number) => p + q : node.opType === 'Sub' ? (p: number, q: number) => p - q : (p: number, q: number) => p * q
          result = { kind: 'const', t: { dims, data: Float64Array.from({ length: n }, (_, i) => f(a.t.data[ia(i)]!, b.t.data[ib(i)]!)) } }
          break
        }
        if (node.opType === 'Mul') {
          if (a.kind === 'q' && b.kind === 'q') {
            result = mulComputed(ctx, node)
            break
          }
          const [q, c, iq, ic] = a.kind === 'q' ? [activation(node, 0), b.t as Tensor, ia, ib] : [activation(node, 1), a.t as Tensor, ib, ia]
          const data = Array.from({ length: n }, (_, i) =>
            alg.rescale(alg.affine([q.data[iq(i)]!], [quant(c.data[ic(i)]!, s)], 0n), s, B, `${node.name}[${i}]`),
          )
          result = { kind: 'q', t: { dims, scale: s, data } }
          break
        }
        const sign = node.opType === 'Sub' ? -1n : 1n
        const qa = activation(node, 0)
        const qb = activation(node, 1)
        const data = Array.from({ length: n }, (_, i) => alg.affine([qa.data[ia(i)]!, qb.data[ib(i)]!], [1n, sign], 0n))
        result = { kind: 'q', t: { dims, scale: s, data } }
        break
      }
      case 'Relu': {
        const x = activation(node, 0)
        result = { kind: 'q', t: { dims: x.dims, scale: s, data: x.data.map((v, i) => alg.relu(v, B, `${node.name}[${i}]`)) } }
        break
      }
      case 'Sigmoid': {
        if (params.sigmoid === 'outside') {
          const out = node.outputs[0]!
          if (!graphOutputs.has(out) || consumers.has(out))
            throw new BaseError('ONNX_UNSUPPORTED_ATTRIBUTE', `Sigmoid "${node.name}" can't be left outside the circuit.`, {
              details: 'expected the sigmoid to produce a graph output that no other node reads (sigmoid: "outside" applies it to the public output); compile with sigmoid "proved" instead',
            })
          const v = get(node, 0)
          if (v.kind === 'const') throw new BaseError('ONNX_UNSUPPORTED_ATTRIBUTE', `Sigmoid "${node.name}" of a constant.`, { details: 'expected a computed input' })
          postprocess.set(out, 'sigmoid')
          result = v
          break
        }
        const x = activation(node, 0)
        result = { kind: 'q', t: { dims: x.dims, scale: 2 * s - 1, data: x.data.map((v, i) => alg.sigmoid(v, s, B, `${node.name}[${i}]`)) } }
        break
      }
      default: {
        const lower = LOWERINGS[node.opType]
        if (!lower)
          throw new BaseError('ONNX_UNSUPPORTED_OP', `Unsupported op "${node.opType}" in node "${node.name}".`, {
            details: `expected one of ${SUPPORTED_OPS.join(', ')}; got ${node.opType}`,
          })
        const outs = lower(ctx, node)
        outs.forEach((v, k) => {
          if (node.outputs[k]) env.set(node.outputs[k]!, v)
        })
        hooks.afterNode?.(node, node.outputs.map((o, k) => (o ? outs[k] : undefined)))
        continue
      }
    }
    env.set(node.outputs[0]!, result)
    hooks.afterNode?.(node, [result])
  }

  return graph.outputs.map((o) => {
    const v = env.get(o.name)
    if (!v) throw new BaseError('ONNX_MISSING_TENSOR', `Graph output "${o.name}" is never computed.`, { details: 'expected a node producing it' })
    const t: QTensor<V> = v.kind === 'const' ? { dims: v.t.dims, scale: s, data: Array.from(v.t.data, (x) => alg.constant(quant(x, s))) } : v.t
    const pp = postprocess.get(o.name)
    return { ...t, name: o.name, ...(pp ? { postprocess: pp } : {}) }
  })
}

function broadcastDims(node: OnnxNode, a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length)
  const out: number[] = []
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1
    const y = b[b.length - n + i] ?? 1
    if (x !== y && x !== 1 && y !== 1)
      throw new BaseError('ONNX_SHAPE_MISMATCH', `${node.opType} "${node.name}": shapes don't broadcast.`, {
        details: `expected shapes compatible under numpy broadcasting, got [${a}] and [${b}]`,
      })
    out.push(Math.max(x, y))
  }
  return out
}

/** Maps a flat index in the broadcast shape to a flat index in `dims`. */
function broadcastIndex(dims: readonly number[], full: readonly number[]): (i: number) => number {
  const pad = full.length - dims.length
  return (i) => {
    let idx = 0
    let stride = 1
    for (let d = full.length - 1; d >= 0; d--) {
      const coord = i % full[d]!
      i = Math.floor(i / full[d]!)
      const own = dims[d - pad]
      if (own !== undefined) {
        idx += (own === 1 ? 0 : coord) * stride
        stride *= own
      }
    }
    return idx
  }
}
