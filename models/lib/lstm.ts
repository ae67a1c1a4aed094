import { rng } from './random.ts'

/**
 * A one-layer LSTM over a univariate series with a linear head, and its trainer: backpropagation
 * through time, minibatch Adam, seeded. Gates in ONNX order (i, o, f, c), so export is a copy.
 * Enough for the bundled forecaster and nothing more.
 *
 * @example
 * ```ts
 * const net = initLstm(4, 1)
 * trainLstm(net, windows, targets, { epochs: 30, lr: 1e-2, batch: 32, seed: 2 })
 * predictLstm(net, windows[0]) // one number
 * ```
 */
export type Lstm = {
  hidden: number
  /** W[g][j]: input weight of gate g (i, o, f, c), unit j (one input). */
  W: number[][]
  /** R[g][j][k]: recurrent weight from unit k. */
  R: number[][][]
  /** b[g][j]: one bias per gate and unit (exported as Wb; Rb is zero). */
  b: number[][]
  /** Linear head: y = v·h_T + c. */
  v: number[]
  c: number
}

/** Random initial weights (normal, sd 1/√hidden), forget-gate bias 1. @example initLstm(4, 1).W.length // 4 gates */
export function initLstm(hidden: number, seed: number): Lstm {
  const r = rng(seed)
  const sd = 1 / Math.sqrt(hidden)
  const mat = () => Array.from({ length: hidden }, () => r.normal(0, sd))
  return {
    hidden,
    W: Array.from({ length: 4 }, mat),
    R: Array.from({ length: 4 }, () => Array.from({ length: hidden }, mat)),
    // forget-gate bias 1 (gate order i, o, f, c): the usual start that keeps memory early in training
    b: Array.from({ length: 4 }, (_, g) => new Array(hidden).fill(g === 2 ? 1 : 0)),
    v: mat(),
    c: 0,
  }
}

const sig = (z: number) => 1 / (1 + Math.exp(-z))

type Step = { x: number; hPrev: number[]; cPrev: number[]; i: number[]; o: number[]; f: number[]; g: number[]; c: number[]; tc: number[]; h: number[] }

function forwardSteps(net: Lstm, xs: readonly number[]): Step[] {
  const H = net.hidden
  let h = new Array<number>(H).fill(0)
  let c = new Array<number>(H).fill(0)
  const steps: Step[] = []
  for (const x of xs) {
    const a = (g: number) => Array.from({ length: H }, (_, j) => net.W[g]![j]! * x + net.R[g]![j]!.reduce((s, w, k) => s + w * h[k]!, 0) + net.b[g]![j]!)
    const [i, o, f] = [a(0).map(sig), a(1).map(sig), a(2).map(sig)]
    const g = a(3).map(Math.tanh)
    const cNew = c.map((cp, j) => f[j]! * cp + i[j]! * g[j]!)
    const tc = cNew.map(Math.tanh)
    const hNew = tc.map((t, j) => o[j]! * t)
    steps.push({ x, hPrev: h, cPrev: c, i, o, f, g, c: cNew, tc, h: hNew })
    h = hNew
    c = cNew
  }
  return steps
}

/** The forecast for one window (float64, the same equations as ONNX LSTM with default activations). @example predictLstm(initLstm(4, 1), [1, 2, 3]) */
export function predictLstm(net: Lstm, xs: readonly number[]): number {
  const steps = forwardSteps(net, xs)
  const h = steps[steps.length - 1]!.h
  return net.v.reduce((s, w, j) => s + w * h[j]!, net.c)
}

type Grads = { W: number[][]; R: number[][][]; b: number[][]; v: number[]; c: number }
const zeros = (net: Lstm): Grads => ({
  W: net.W.map((r) => r.map(() => 0)),
  R: net.R.map((m) => m.map((r) => r.map(() => 0))),
  b: net.b.map((r) => r.map(() => 0)),
  v: net.v.map(() => 0),
  c: 0,
})

/** Adds d(loss)/d(params) for one window with d(loss)/d(prediction) = dy. */
function backward(net: Lstm, steps: Step[], dy: number, gr: Grads) {
  const H = net.hidden
  const last = steps[steps.length - 1]!
  gr.c += dy
  net.v.forEach((_, j) => (gr.v[j]! += dy * last.h[j]!))
  let dh = net.v.map((w) => w * dy)
  let dc = new Array<number>(H).fill(0)
  for (let t = steps.length - 1; t >= 0; t--) {
    const s = steps[t]!
    const da: number[][] = [[], [], [], []]
    const dcPrev: number[] = []
    for (let j = 0; j < H; j++) {
      const dcj = dc[j]! + dh[j]! * s.o[j]! * (1 - s.tc[j]! ** 2)
      da[0]![j] = dcj * s.g[j]! * s.i[j]! * (1 - s.i[j]!)
      da[1]![j] = dh[j]! * s.tc[j]! * s.o[j]! * (1 - s.o[j]!)
      da[2]![j] = dcj * s.cPrev[j]! * s.f[j]! * (1 - s.f[j]!)
      da[3]![j] = dcj * s.i[j]! * (1 - s.g[j]! ** 2)
      dcPrev[j] = dcj * s.f[j]!
    }
    const dhPrev = new Array<number>(H).fill(0)
    for (let g = 0; g < 4; g++)
      for (let j = 0; j < H; j++) {
        const d = da[g]![j]!
        gr.W[g]![j]! += d * s.x
        gr.b[g]![j]! += d
        for (let k = 0; k < H; k++) {
          gr.R[g]![j]![k]! += d * s.hPrev[k]!
          dhPrev[k]! += net.R[g]![j]![k]! * d
        }
      }
    dh = dhPrev
    dc = dcPrev
  }
}

/** Minibatch Adam on mean squared error. @example trainLstm(net, [[0, 1]], [2], { epochs: 1, lr: 1e-2, batch: 1, seed: 1 }) */
export function trainLstm(net: Lstm, xs: number[][], ys: number[], o: { epochs: number; lr: number; batch: number; seed: number }): void {
  const r = rng(o.seed)
  // flat views of every parameter, so Adam is one loop
  const params = (n: Lstm | Grads) => {
    const refs: { get: () => number; set: (x: number) => void }[] = []
    const add = (arr: number[], k: number) => refs.push({ get: () => arr[k]!, set: (x) => (arr[k] = x) })
    n.W.forEach((row) => row.forEach((_, k) => add(row, k)))
    n.R.forEach((m) => m.forEach((row) => row.forEach((_, k) => add(row, k))))
    n.b.forEach((row) => row.forEach((_, k) => add(row, k)))
    n.v.forEach((_, k) => add(n.v, k))
    refs.push({ get: () => n.c, set: (x) => (n.c = x) })
    return refs
  }
  const p = params(net)
  const m = new Float64Array(p.length)
  const v = new Float64Array(p.length)
  const [b1, b2, eps] = [0.9, 0.999, 1e-8]
  let t = 0
  const idx = xs.map((_, i) => i)
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    r.shuffle(idx)
    for (let start = 0; start < idx.length; start += o.batch) {
      const batch = idx.slice(start, start + o.batch)
      const gr = zeros(net)
      for (const i of batch) {
        const steps = forwardSteps(net, xs[i]!)
        const h = steps[steps.length - 1]!.h
        const pred = net.v.reduce((s, w, j) => s + w * h[j]!, net.c)
        backward(net, steps, (2 * (pred - ys[i]!)) / batch.length, gr)
      }
      t++
      const g = params(gr)
      p.forEach((ref, k) => {
        const d = g[k]!.get()
        m[k] = b1 * m[k]! + (1 - b1) * d
        v[k] = b2 * v[k]! + (1 - b2) * d * d
        ref.set(ref.get() - (o.lr * (m[k]! / (1 - b1 ** t))) / (Math.sqrt(v[k]! / (1 - b2 ** t)) + eps))
      })
    }
  }
}

/**
 * Folds input standardization x' = (x − mx)/sx into the input weights and biases, and output
 * de-standardization y = sy·y' + my into the head, so the exported model takes and returns raw units.
 * @example foldLstmScaling(net, mean, sd, mean, sd)
 */
export function foldLstmScaling(net: Lstm, mx: number, sx: number, my: number, sy: number): void {
  for (let g = 0; g < 4; g++)
    for (let j = 0; j < net.hidden; j++) {
      net.b[g]![j] = net.b[g]![j]! - (net.W[g]![j]! * mx) / sx
      net.W[g]![j] = net.W[g]![j]! / sx
    }
  net.v = net.v.map((w) => w * sy)
  net.c = net.c * sy + my
}

/** The network as ONNX: LSTM (layout 0, X [T, 1, 1]) → Y_h → Reshape [1, H] → Gemm H→1. @example buildOnnxModel(lstmToOnnxSpec(net, 12, 'f', 'x', 'y')) */
export function lstmToOnnxSpec(net: Lstm, T: number, name: string, inputName: string, outputName: string) {
  const H = net.hidden
  const flat = (f: (g: number, j: number, k: number) => number, K: number) => Float64Array.from({ length: 4 * H * K }, (_, n) => f(Math.floor(n / (H * K)), Math.floor(n / K) % H, n % K))
  return {
    name,
    inputs: [{ name: inputName, shape: [T, 1, 1] }],
    outputs: [{ name: outputName, shape: [1, 1] }],
    initializers: {
      W: { dims: [1, 4 * H, 1], data: flat((g, j) => net.W[g]![j]!, 1) },
      R: { dims: [1, 4 * H, H], data: flat((g, j, k) => net.R[g]![j]![k]!, H) },
      B: { dims: [1, 8 * H], data: Float64Array.from({ length: 8 * H }, (_, n) => (n < 4 * H ? net.b[Math.floor(n / H)]![n % H]! : 0)) },
      shape: { dims: [2], data: Float64Array.from([1, H]), int64: true },
      V: { dims: [H, 1], data: Float64Array.from(net.v) },
      c: { dims: [1], data: Float64Array.of(net.c) },
    },
    nodes: [
      { name: 'lstm', opType: 'LSTM', inputs: [inputName, 'W', 'R', 'B'], outputs: ['', 'h_last'], attributes: { hidden_size: H } },
      { name: 'flatten', opType: 'Reshape', inputs: ['h_last', 'shape'], outputs: ['h'] },
      { name: 'head', opType: 'Gemm', inputs: ['h', 'V', 'c'], outputs: [outputName] },
    ],
  }
}
