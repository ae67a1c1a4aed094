import type { OnnxNode, Tensor } from '../types.ts'
import type { FloatOp } from './shapeOps.ts'
import { attrError, attrInt, attrString, shapeError } from './helpers.ts'

/**
 * RNN, GRU and LSTM (ONNX opset 7…22), unrolled over the static sequence length. The cell is written
 * once (`runRecurrent`) against a small arithmetic interface (`CellArith`): float64 here (the
 * reference, calibration and shape inference), quantized in lower/ops/recurrent.ts (circuit and
 * bigint reference). So the float model and the circuit follow the same equations, step for step.
 *
 * Equations (ONNX spec; f, g, h the activations, ⊙ elementwise, clip applied to pre-activations):
 * - RNN:  Hₜ = f(Xₜ·Wᵀ + Hₜ₋₁·Rᵀ + Wb + Rb)
 * - GRU:  z = f(Xₜ·W_zᵀ + Hₜ₋₁·R_zᵀ + Wb_z + Rb_z), r likewise,
 *         h̃ = g(Xₜ·W_hᵀ + (r ⊙ Hₜ₋₁)·R_hᵀ + Rb_h + Wb_h)            (linear_before_reset = 0)
 *         h̃ = g(Xₜ·W_hᵀ + r ⊙ (Hₜ₋₁·R_hᵀ + Rb_h) + Wb_h)            (linear_before_reset = 1)
 *         Hₜ = h̃ + z ⊙ (Hₜ₋₁ − h̃)
 * - LSTM: i = f(Xₜ·W_iᵀ + Hₜ₋₁·R_iᵀ + P_i ⊙ Cₜ₋₁ + Wb_i + Rb_i), f likewise (or 1 − i with
 *         input_forget), c̃ = g(…), Cₜ = f ⊙ Cₜ₋₁ + i ⊙ c̃, o = f(… + P_o ⊙ Cₜ), Hₜ = o ⊙ h(Cₜ)
 */

export type RecurrentKind = 'RNN' | 'GRU' | 'LSTM'
/** An activation with its alpha/beta (defaults filled as onnxruntime does). Name lower-cased. */
export type RecurrentActivation = { name: string; alpha: number; beta: number }

export type RecurrentSpec = {
  kind: RecurrentKind
  /** Gates per direction: RNN 1, GRU 3 (z, r, h), LSTM 4 (i, o, f, c). */
  gates: number
  directions: ('forward' | 'reverse')[]
  hidden: number
  input: number
  seq: number
  batch: number
  layout: 0 | 1
  clip: number | undefined
  /** Per direction: RNN [f], GRU [f, g], LSTM [f, g, h]. */
  activations: RecurrentActivation[][]
  linearBeforeReset: boolean
  inputForget: boolean
  /** Steps to run per batch entry (sequence_lens, else seq). */
  lengths: number[]
}

const GATES: Record<RecurrentKind, number> = { RNN: 1, GRU: 3, LSTM: 4 }
const DEFAULT_ACTS: Record<RecurrentKind, string[]> = { RNN: ['Tanh'], GRU: ['Sigmoid', 'Tanh'], LSTM: ['Sigmoid', 'Tanh', 'Tanh'] }
/** Activations the spec names, and how many of alpha/beta each consumes (with onnxruntime's defaults). */
const ACT_ARGS: Record<string, { alpha?: number; beta?: number }> = {
  relu: {}, tanh: {}, sigmoid: {}, softsign: {}, softplus: {},
  affine: { alpha: 1, beta: 0 },
  leakyrelu: { alpha: 0.01 },
  thresholdedrelu: { alpha: 1 },
  scaledtanh: { alpha: 1, beta: 1 },
  hardsigmoid: { alpha: 0.2, beta: 0.5 },
  elu: { alpha: 1 },
}

const floats = (node: OnnxNode, name: string): number[] => {
  const v = node.attributes[name]
  return Array.isArray(v) ? v : typeof v === 'number' ? [v] : []
}

/**
 * Reads a recurrent node's attributes and input shapes (X, W, R; optional B, sequence_lens,
 * initial_h, initial_c, P) and checks them against each other.
 *
 * @example
 * ```ts
 * recurrentSpec(node, [[12, 1, 1], [1, 16, 1], [1, 16, 4]]).hidden // 4 (an LSTM)
 * ```
 */
export function recurrentSpec(node: OnnxNode, dims: ReadonlyArray<readonly number[] | undefined>, seqLens?: Tensor): RecurrentSpec {
  const kind = node.opType as RecurrentKind
  const gates = GATES[kind]
  const layout = attrInt(node, 'layout', 0)
  if (layout !== 0 && layout !== 1) throw attrError(node, 'unknown layout.', `expected layout 0 or 1, got ${layout}`)
  const dir = attrString(node, 'direction', 'forward')
  const directions: ('forward' | 'reverse')[] = dir === 'forward' ? ['forward'] : dir === 'reverse' ? ['reverse'] : dir === 'bidirectional' ? ['forward', 'reverse'] : []
  if (directions.length === 0) throw attrError(node, 'unknown direction.', `expected forward, reverse or bidirectional, got ${dir}`)
  const nd = directions.length
  const [x0, w0, r0] = dims
  if (x0?.length !== 3 || w0?.length !== 3 || r0?.length !== 3)
    throw shapeError(node, 'X, W and R must be 3-D.', `expected X, W and R of rank 3, got [${x0 ?? ''}], [${w0 ?? ''}] and [${r0 ?? ''}]`)
  const [x, w, r] = [x0, w0, r0] as [readonly number[], readonly number[], readonly number[]]
  const [seq, batch, input] = (layout === 0 ? x : [x[1]!, x[0]!, x[2]!]) as [number, number, number]
  const hidden = attrInt(node, 'hidden_size', w[1]! / gates)
  const want = (name: string, got: readonly number[] | undefined, expected: number[]) => {
    if (got && (got.length !== expected.length || got.some((d, i) => d !== expected[i])))
      throw shapeError(node, `${name} has the wrong shape.`, `expected [${expected}] (directions ${nd}, hidden ${hidden}, input ${input}, batch ${batch}), got [${got}]`)
  }
  want('W', w, [nd, gates * hidden, input])
  want('R', r, [nd, gates * hidden, hidden])
  want('B', dims[3], [nd, 2 * gates * hidden])
  want('sequence_lens', dims[4], [batch])
  const stateDims = layout === 0 ? [nd, batch, hidden] : [batch, nd, hidden]
  want('initial_h', dims[5], stateDims)
  if (kind === 'LSTM') {
    want('initial_c', dims[6], stateDims)
    want('P', dims[7], [nd, 3 * hidden])
  }
  const names = String(node.attributes.activations ?? '').split(',').map((a) => a.trim()).filter((a) => a !== '')
  const perDir = DEFAULT_ACTS[kind].length
  const list = names.length === 0 ? Array.from({ length: nd }, () => DEFAULT_ACTS[kind]).flat() : names.length === perDir && nd === 2 ? [...names, ...names] : names
  if (list.length !== perDir * nd)
    throw attrError(node, 'wrong number of activations.', `expected ${perDir * nd} activation names (${perDir} per direction), got ${names.length}: ${names.join(', ')}`)
  const alphas = floats(node, 'activation_alpha')
  const betas = floats(node, 'activation_beta')
  let ai = 0
  let bi = 0
  const acts = list.map((n) => {
    const name = n.toLowerCase()
    const args = ACT_ARGS[name]
    if (!args) throw attrError(node, `unknown activation "${n}".`, `expected one of Relu, Tanh, Sigmoid, Affine, LeakyRelu, ThresholdedRelu, ScaledTanh, HardSigmoid, Elu, Softsign, Softplus, got ${n}`)
    const alpha = args.alpha !== undefined ? (alphas[ai++] ?? args.alpha) : 0
    const beta = args.beta !== undefined ? (betas[bi++] ?? args.beta) : 0
    return { name, alpha, beta }
  })
  const activations = directions.map((_, d) => acts.slice(d * perDir, (d + 1) * perDir))
  const clipV = node.attributes.clip
  const clip = typeof clipV === 'number' ? clipV : undefined
  if (clip !== undefined && !(clip > 0)) throw attrError(node, 'clip must be positive.', `expected clip > 0, got ${clip}`)
  const lengths = seqLens ? Array.from(seqLens.data) : new Array<number>(batch).fill(seq)
  if (lengths.some((l) => !Number.isInteger(l) || l < 1 || l > seq))
    throw attrError(node, 'sequence_lens out of range.', `expected whole numbers in 1…${seq}, got [${lengths}]`)
  return {
    kind, gates, directions, hidden, input, seq, batch, layout: layout as 0 | 1, clip, activations,
    linearBeforeReset: attrInt(node, 'linear_before_reset', 0) !== 0,
    inputForget: attrInt(node, 'input_forget', 0) !== 0,
    lengths,
  }
}

/** The arithmetic a cell needs; `T` is a float or a quantized value with its scale. */
export interface CellArith<T> {
  /** A constant (initial states, padding). */
  constant(x: number): T
  /** Σ wᵢ·xᵢ + bias with constant real weights: a gate's pre-activation. */
  linear(terms: ReadonlyArray<readonly [T, number]>, bias: number, what: string): T
  /** Σ cᵢ·xᵢ with small whole coefficients (exact: 1 − z, H − h̃). */
  exact(terms: ReadonlyArray<readonly [T, number]>, bias: number): T
  mul(a: T, b: T, what: string): T
  /** Brings a value back to the working scale (a state carried to the next step or output). */
  settle(x: T, what: string): T
  clip(x: T, c: number, what: string): T
  act(a: RecurrentActivation, x: T, what: string): T
}

export type RecurrentWeights = { W: Float64Array; R: Float64Array; B?: Float64Array | undefined; P?: Float64Array | undefined }

/**
 * The unrolled recurrence over any arithmetic. X is the flat input (layout as the spec says);
 * h0 / c0 the flat initial states (or undefined for zeros). Returns flat Y, Y_h and Y_c (LSTM).
 *
 * @example
 * ```ts
 * const { Y, Yh } = runRecurrent(spec, weights, x, undefined, undefined, floatArith())
 * ```
 */
export function runRecurrent<T>(spec: RecurrentSpec, wts: RecurrentWeights, X: readonly T[], h0: readonly T[] | undefined, c0: readonly T[] | undefined, ar: CellArith<T>, name: string = spec.kind) {
  const { gates: G, hidden: H, input: I, seq, batch, layout, directions } = spec
  const nd = directions.length
  const xAt = (t: number, b: number, i: number) => X[(layout === 0 ? t * batch + b : b * seq + t) * I + i]!
  const yIdx = (t: number, d: number, b: number, j: number) => (layout === 0 ? ((t * nd + d) * batch + b) * H + j : ((b * seq + t) * nd + d) * H + j)
  const sIdx = (d: number, b: number, j: number) => (layout === 0 ? (d * batch + b) * H + j : (b * nd + d) * H + j)
  const zero = ar.constant(0)
  const Y: T[] = new Array(seq * nd * batch * H).fill(zero)
  const Yh: T[] = new Array(nd * batch * H)
  const Yc: T[] = new Array(nd * batch * H)
  for (let d = 0; d < nd; d++) {
    const [fa, ga, ha] = spec.activations[d] as [RecurrentActivation, RecurrentActivation?, RecurrentActivation?]
    const w = (g: number, j: number, i: number) => wts.W[((d * G + g) * H + j) * I + i]!
    const r = (g: number, j: number, k: number) => wts.R[((d * G + g) * H + j) * H + k]!
    const wb = (g: number, j: number) => (wts.B ? wts.B[d * 2 * G * H + g * H + j]! : 0)
    const rb = (g: number, j: number) => (wts.B ? wts.B[d * 2 * G * H + G * H + g * H + j]! : 0)
    const p = (k: number, j: number) => (wts.P ? wts.P[d * 3 * H + k * H + j]! : 0)
    const act = (a: RecurrentActivation, x: T, what: string) => ar.act(a, spec.clip !== undefined ? ar.clip(x, spec.clip, `${what} clip`) : x, what)
    for (let b = 0; b < batch; b++) {
      let h = Array.from({ length: H }, (_, j) => (h0 ? h0[sIdx(d, b, j)]! : zero))
      let c = Array.from({ length: H }, (_, j) => (c0 ? c0[sIdx(d, b, j)]! : zero))
      const L = spec.lengths[b]!
      for (let step = 0; step < L; step++) {
        const t = directions[d] === 'forward' ? step : L - 1 - step
        const at = `${name} d${d} b${b} t${t}`
        const xs = Array.from({ length: I }, (_, i) => xAt(t, b, i))
        // the pre-activation of gate g, unit j: input and recurrent weights, biases, extra terms
        const pre = (g: number, j: number, hs: readonly T[], extra: ReadonlyArray<readonly [T, number]> = [], recBias = true) =>
          ar.linear([...xs.map((x, i) => [x, w(g, j, i)] as const), ...hs.map((hk, k) => [hk, r(g, j, k)] as const), ...extra], wb(g, j) + (recBias ? rb(g, j) : 0), `${at} gate${g}[${j}]`)
        if (spec.kind === 'RNN') {
          h = h.map((_, j) => ar.settle(act(fa, pre(0, j, h), `${at} f[${j}]`), `${at} h[${j}]`))
        } else if (spec.kind === 'GRU') {
          const z = h.map((_, j) => act(fa, pre(0, j, h), `${at} z[${j}]`))
          const rg = h.map((_, j) => act(fa, pre(1, j, h), `${at} r[${j}]`))
          const cand = h.map((_, j) => {
            if (!spec.linearBeforeReset) return act(ga!, pre(2, j, h.map((hk, k) => ar.mul(rg[k]!, hk, `${at} r⊙h[${k}]`))), `${at} h~[${j}]`)
            const lin = ar.linear(h.map((hk, k) => [hk, r(2, j, k)] as const), rb(2, j), `${at} Rh[${j}]`)
            return act(ga!, pre(2, j, [], [[ar.mul(rg[j]!, lin, `${at} r⊙Rh[${j}]`), 1]], false), `${at} h~[${j}]`)
          })
          h = h.map((hj, j) => ar.settle(ar.exact([[cand[j]!, 1], [ar.mul(z[j]!, ar.exact([[hj, 1], [cand[j]!, -1]], 0), `${at} z⊙(h−h~)[${j}]`), 1]], 0), `${at} h[${j}]`))
        } else {
          const peep = (k: number, j: number, cj: T): [T, number][] => (wts.P ? [[cj, p(k, j)]] : [])
          const ig = h.map((_, j) => act(fa, pre(0, j, h, peep(0, j, c[j]!)), `${at} i[${j}]`))
          const fg = spec.inputForget ? ig.map((v) => ar.exact([[v, -1]], 1)) : h.map((_, j) => act(fa, pre(2, j, h, peep(2, j, c[j]!)), `${at} f[${j}]`))
          const cand = h.map((_, j) => act(ga!, pre(3, j, h), `${at} c~[${j}]`))
          const cNew = c.map((cj, j) => ar.settle(ar.exact([[ar.mul(fg[j]!, cj, `${at} f⊙c[${j}]`), 1], [ar.mul(ig[j]!, cand[j]!, `${at} i⊙c~[${j}]`), 1]], 0), `${at} c[${j}]`))
          const og = h.map((_, j) => act(fa, pre(1, j, h, peep(1, j, cNew[j]!)), `${at} o[${j}]`))
          h = h.map((_, j) => ar.settle(ar.mul(og[j]!, ar.act(ha!, cNew[j]!, `${at} h(c)[${j}]`), `${at} o⊙h(c)[${j}]`), `${at} h[${j}]`))
          c = cNew
        }
        for (let j = 0; j < H; j++) Y[yIdx(t, d, b, j)] = h[j]!
      }
      for (let j = 0; j < H; j++) {
        Yh[sIdx(d, b, j)] = h[j]!
        Yc[sIdx(d, b, j)] = c[j]!
      }
    }
  }
  const yDims = layout === 0 ? [seq, nd, batch, H] : [batch, seq, nd, H]
  const sDims = layout === 0 ? [nd, batch, H] : [batch, nd, H]
  return { Y, Yh, Yc, yDims, sDims }
}

/** The float64 value of an activation (all eleven the spec names). @example floatActivation({ name: 'tanh', alpha: 0, beta: 0 }, 0) // 0 */
export function floatActivation(a: RecurrentActivation, x: number): number {
  switch (a.name) {
    case 'relu': return Math.max(0, x)
    case 'tanh': return Math.tanh(x)
    case 'sigmoid': return 1 / (1 + Math.exp(-x))
    case 'affine': return a.alpha * x + a.beta
    case 'leakyrelu': return x >= 0 ? x : a.alpha * x
    case 'thresholdedrelu': return x > a.alpha ? x : 0
    case 'scaledtanh': return a.alpha * Math.tanh(a.beta * x)
    case 'hardsigmoid': return Math.max(0, Math.min(1, a.alpha * x + a.beta))
    case 'elu': return x >= 0 ? x : a.alpha * (Math.exp(x) - 1)
    case 'softsign': return x / (1 + Math.abs(x))
    default: return Math.log1p(Math.exp(x)) // softplus
  }
}

/** Float64 arithmetic for the cell; `peak` sees every intermediate (calibration sizes B with it). @example floatArith().mul(2, 3) // 6 */
export function floatArith(peak?: (x: number) => void): CellArith<number> {
  const see = (x: number) => {
    peak?.(x)
    return x
  }
  return {
    constant: (x) => x,
    linear: (terms, bias) => see(terms.reduce((acc, [x, w]) => acc + x * w, bias)),
    exact: (terms, bias) => see(terms.reduce((acc, [x, c]) => acc + x * c, bias)),
    mul: (a, b) => see(a * b),
    settle: (x) => x,
    clip: (x, c) => Math.min(Math.max(x, -c), c),
    act: (a, x) => see(floatActivation(a, x)),
  }
}

/** The recurrent node's spec and weights from its input tensors. @example recurrentOperands(node, ins).spec.hidden */
export function recurrentOperands(node: OnnxNode, ins: ReadonlyArray<Tensor | undefined>) {
  const spec = recurrentSpec(node, ins.map((t) => t?.dims), node.inputs[4] ? ins[4] : undefined)
  const weights: RecurrentWeights = { W: ins[1]!.data, R: ins[2]!.data, B: node.inputs[3] ? ins[3]?.data : undefined, P: node.opType === 'LSTM' && node.inputs[7] ? ins[7]?.data : undefined }
  return { spec, weights }
}

/**
 * Float evaluation of a recurrent node with a `peak` observer (calibration sees the gates and cell
 * states, which no graph tensor shows).
 *
 * @example
 * ```ts
 * let m = 0; evaluateRecurrent(node, ins, (x) => (m = Math.max(m, Math.abs(x))))
 * ```
 */
export function evaluateRecurrent(node: OnnxNode, ins: ReadonlyArray<Tensor | undefined>, peak?: (x: number) => void): Tensor[] {
  const { spec, weights } = recurrentOperands(node, ins)
  const opt = (i: number) => (node.inputs[i] && ins[i] ? Array.from(ins[i]!.data) : undefined)
  const { Y, Yh, Yc, yDims, sDims } = runRecurrent(spec, weights, Array.from(ins[0]!.data), opt(5), spec.kind === 'LSTM' ? opt(6) : undefined, floatArith(peak))
  const out: Tensor[] = [{ dims: yDims, data: Float64Array.from(Y) }, { dims: sDims, data: Float64Array.from(Yh) }]
  if (spec.kind === 'LSTM') out.push({ dims: sDims, data: Float64Array.from(Yc) })
  return out
}

const recurrent: FloatOp = (node, ins) => evaluateRecurrent(node, ins)

/** Float64 evaluators of the recurrent ops. */
export const recurrentOps: Record<string, FloatOp> = { RNN: recurrent, GRU: recurrent, LSTM: recurrent }
