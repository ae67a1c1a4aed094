import { rng } from './random.ts'

export type Activation = 'relu' | 'linear' | 'sigmoid'
export type Layer = { W: number[][]; b: number[]; act: Activation } // W[out][in]
export type Mlp = Layer[]

/**
 * A small dense network and its trainer (minibatch Adam, He init, seeded), enough for the bundled
 * models and nothing more. Loss: mean squared error, or binary cross-entropy for a sigmoid output.
 *
 * @example
 * ```ts
 * const net = initMlp([12, 16, 8, 1], ['relu', 'relu', 'linear'], 1)
 * train(net, xs, ys, { epochs: 200, lr: 3e-3, batch: 64, seed: 2, loss: 'mse' })
 * forward(net, xs[0])
 * ```
 */
export function initMlp(sizes: number[], acts: Activation[], seed: number): Mlp {
  const r = rng(seed)
  return acts.map((act, l) => {
    const nin = sizes[l]!
    const nout = sizes[l + 1]!
    const sd = Math.sqrt(2 / nin)
    return { act, b: new Array(nout).fill(0), W: Array.from({ length: nout }, () => Array.from({ length: nin }, () => r.normal(0, sd))) }
  })
}

const apply = (act: Activation, z: number) => (act === 'relu' ? Math.max(0, z) : act === 'sigmoid' ? 1 / (1 + Math.exp(-z)) : z)

/** Every layer's output for one input (the last is the prediction). */
export function forwardAll(net: Mlp, x: number[]): number[][] {
  const outs = [x]
  for (const L of net) {
    const prev = outs[outs.length - 1]!
    outs.push(L.W.map((row, j) => apply(L.act, row.reduce((s, w, i) => s + w * prev[i]!, L.b[j]!))))
  }
  return outs
}

export function forward(net: Mlp, x: number[]): number[] {
  const all = forwardAll(net, x)
  return all[all.length - 1]!
}

export function train(
  net: Mlp,
  xs: number[][],
  ys: number[][],
  o: { epochs: number; lr: number; batch: number; seed: number; loss: 'mse' | 'bce'; l2?: number },
): void {
  const r = rng(o.seed)
  const m = net.map((L) => ({ W: L.W.map((row) => row.map(() => 0)), b: L.b.map(() => 0) }))
  const v = net.map((L) => ({ W: L.W.map((row) => row.map(() => 0)), b: L.b.map(() => 0) }))
  const [b1, b2, eps] = [0.9, 0.999, 1e-8]
  let t = 0
  const idx = xs.map((_, i) => i)
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    r.shuffle(idx)
    for (let start = 0; start < idx.length; start += o.batch) {
      const batch = idx.slice(start, start + o.batch)
      const g = net.map((L) => ({ W: L.W.map((row) => row.map(() => 0)), b: L.b.map(() => 0) }))
      for (const i of batch) {
        const outs = forwardAll(net, xs[i]!)
        const pred = outs[outs.length - 1]!
        // dLoss/dz of the output layer: (pred - y) for MSE with linear output and for BCE with sigmoid.
        let delta = pred.map((p, j) => (2 / (o.loss === 'mse' ? 1 : 2)) * (p - ys[i]![j]!))
        for (let l = net.length - 1; l >= 0; l--) {
          const L = net[l]!
          const input = outs[l]!
          L.W.forEach((row, j) => {
            g[l]!.b[j]! += delta[j]!
            row.forEach((_, k) => (g[l]!.W[j]![k]! += delta[j]! * input[k]!))
          })
          if (l > 0) {
            const prevAct = net[l - 1]!.act
            delta = input.map((a, k) => {
              const s = L.W.reduce((acc, row, j) => acc + row[k]! * delta[j]!, 0)
              return prevAct === 'relu' ? (a > 0 ? s : 0) : prevAct === 'sigmoid' ? s * a * (1 - a) : s
            })
          }
        }
      }
      t++
      net.forEach((L, l) => {
        const step = (p: number, gr: number, mm: { v: number }, vv: { v: number }) => {
          mm.v = b1 * mm.v + (1 - b1) * gr
          vv.v = b2 * vv.v + (1 - b2) * gr * gr
          return p - (o.lr * (mm.v / (1 - b1 ** t))) / (Math.sqrt(vv.v / (1 - b2 ** t)) + eps)
        }
        L.W.forEach((row, j) =>
          row.forEach((w, k) => {
            const gr = g[l]!.W[j]![k]! / batch.length + (o.l2 ?? 0) * w
            const mm = { v: m[l]!.W[j]![k]! }
            const vv = { v: v[l]!.W[j]![k]! }
            row[k] = step(w, gr, mm, vv)
            m[l]!.W[j]![k] = mm.v
            v[l]!.W[j]![k] = vv.v
          }),
        )
        L.b.forEach((bb, j) => {
          const mm = { v: m[l]!.b[j]! }
          const vv = { v: v[l]!.b[j]! }
          L.b[j] = step(bb, g[l]!.b[j]! / batch.length, mm, vv)
          m[l]!.b[j] = mm.v
          v[l]!.b[j] = vv.v
        })
      })
    }
  }
}

/** Folds x' = (x - mean) / sd into the first layer so the exported model takes raw features. */
export function foldStandardization(net: Mlp, mean: number[], sd: number[]): void {
  const L = net[0]!
  L.W.forEach((row, j) => {
    let shift = 0
    row.forEach((w, k) => {
      row[k] = w / sd[k]!
      shift += (w * mean[k]!) / sd[k]!
    })
    L.b[j] = L.b[j]! - shift
  })
}

/** The network as ONNX Gemm/Relu/Sigmoid nodes (weights transposed to Gemm's [in, out]). */
export function mlpToOnnxSpec(net: Mlp, name: string, inputName = 'features', outputName = 'score') {
  const initializers: Record<string, { dims: number[]; data: Float64Array }> = {}
  const nodes: { opType: string; inputs: string[]; outputs: string[]; name: string }[] = []
  let cur = inputName
  net.forEach((L, l) => {
    const nin = L.W[0]!.length
    const nout = L.W.length
    initializers[`W${l}`] = { dims: [nin, nout], data: Float64Array.from({ length: nin * nout }, (_, i) => L.W[i % nout]![Math.floor(i / nout)]!) }
    initializers[`b${l}`] = { dims: [nout], data: Float64Array.from(L.b) }
    const last = l === net.length - 1
    const z = last && L.act === 'linear' ? outputName : `z${l}`
    nodes.push({ name: `dense${l}`, opType: 'Gemm', inputs: [cur, `W${l}`, `b${l}`], outputs: [z] })
    cur = z
    if (L.act !== 'linear') {
      const a = last ? outputName : `a${l}`
      nodes.push({ name: `${L.act}${l}`, opType: L.act === 'relu' ? 'Relu' : 'Sigmoid', inputs: [z], outputs: [a] })
      cur = a
    }
  })
  return {
    name,
    inputs: [{ name: inputName, shape: [1, net[0]!.W[0]!.length] }],
    outputs: [{ name: outputName, shape: [1, net[net.length - 1]!.W.length] }],
    initializers,
    nodes,
  }
}
