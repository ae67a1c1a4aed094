/**
 * Trains the pool-allocator's per-pool scorer (9 → 12 → 6 → 1, seeded Adam on MSE) and exports it to
 * ONNX for N pools at once: each Gemm is block-diagonal, so every pool is scored by the same weights
 * and the model takes [1, 9·N] features (pool-major) and returns [1, N] scores (risk-adjusted APY, %).
 * Deterministic: the same seeds give the same bytes.
 *
 * Run: npx tsx models/pool-allocator/train.ts
 * Writes: model.onnx (N = 3), samples.json (32 held-out triples, the calibration set), metrics.json.
 * `allocatorOnnx(5)` builds the N = 5 model from the same weights (bench/gas.ts does).
 */
import { writeFileSync } from 'node:fs'
import { buildOnnxModel } from '../../src/compiler/onnx/index.ts'
import { foldStandardization, forward, initMlp, train, type Mlp } from '../lib/mlp.ts'
import { rng } from '../lib/random.ts'
import { N_FEATURES, POOL_FEATURES } from './features.ts'
import { generatePools, riskAdjustedApy } from './generate.ts'

export const DATA_SEED = 11
export const N_POOLS = 4000
export const N_TRAIN = 3200
/** Pools per held-out allocation problem in metrics.json, and in the bundled model.onnx. */
export const N_DEFAULT = 3

let cached: Mlp | undefined
/**
 * The trained per-pool scorer (input standardization folded in): raw features → risk-adjusted APY in %.
 *
 * @example
 * ```ts
 * forward(trainedScorer(), [0.05, 0.02, 0.1, 0.6, 0.001, 0, 0.95, 5, 0.2]) // ≈ [4.4]
 * ```
 */
export function trainedScorer(): Mlp {
  if (cached) return cached
  const { x, y } = generatePools(N_POOLS, DATA_SEED)
  const xt = x.slice(0, N_TRAIN)
  const mean = xt[0]!.map((_, j) => xt.reduce((s, r) => s + r[j]!, 0) / xt.length)
  const sd = xt[0]!.map((_, j) => Math.sqrt(xt.reduce((s, r) => s + (r[j]! - mean[j]!) ** 2, 0) / xt.length) || 1)
  const net = initMlp([N_FEATURES, 12, 6, 1], ['relu', 'relu', 'linear'], 12)
  train(net, xt.map((r) => r.map((v, j) => (v - mean[j]!) / sd[j]!)), y.slice(0, N_TRAIN).map((v) => [v / 10]), { epochs: 80, lr: 3e-3, batch: 32, seed: 13, loss: 'mse', l2: 1e-5 })
  const last = net[net.length - 1]!
  last.W = last.W.map((row) => row.map((w) => w * 10))
  last.b = last.b.map((b) => b * 10)
  foldStandardization(net, mean, sd)
  cached = net
  return net
}

/**
 * The scorer for `n` pools as ONNX bytes: Gemm(9n→12n) → Relu → Gemm(12n→6n) → Relu → Gemm(6n→n),
 * block-diagonal, input `features` [1, 9n], output `scores` [1, n].
 *
 * @example
 * ```ts
 * writeFileSync('allocator-5.onnx', allocatorOnnx(5))
 * ```
 */
export function allocatorOnnx(n: number, net: Mlp = trainedScorer()): Uint8Array {
  const initializers: Record<string, { dims: number[]; data: Float64Array }> = {}
  const nodes: { opType: string; inputs: string[]; outputs: string[]; name: string }[] = []
  let cur = 'features'
  net.forEach((L, l) => {
    const nin = L.W[0]!.length
    const nout = L.W.length
    const W = new Float64Array(nin * n * nout * n) // Gemm's B is [in, out]
    for (let p = 0; p < n; p++)
      for (let i = 0; i < nin; i++) for (let o = 0; o < nout; o++) W[(p * nin + i) * nout * n + p * nout + o] = L.W[o]![i]!
    initializers[`W${l}`] = { dims: [nin * n, nout * n], data: W }
    initializers[`b${l}`] = { dims: [nout * n], data: Float64Array.from({ length: nout * n }, (_, k) => L.b[k % nout]!) }
    const last = l === net.length - 1
    const z = last ? 'scores' : `z${l}`
    nodes.push({ name: `dense${l}`, opType: 'Gemm', inputs: [cur, `W${l}`, `b${l}`], outputs: [z] })
    cur = z
    if (!last) {
      nodes.push({ name: `relu${l}`, opType: 'Relu', inputs: [z], outputs: [`a${l}`] })
      cur = `a${l}`
    }
  })
  return buildOnnxModel({
    name: `pool-allocator-${n}`,
    docString: `Risk-adjusted APY (%) of each of ${n} pools, 9 features each. See models/pool-allocator/MODEL_CARD.md.`,
    inputs: [{ name: 'features', shape: [1, N_FEATURES * n] }],
    outputs: [{ name: 'scores', shape: [1, n] }],
    initializers,
    nodes,
  })
}

/**
 * The vault's rule (ProvedAllocationVault.targetWeights, without caps): weight ∝ max(score, 0); all
 * scores ≤ 0 → no pool (everything idle).
 *
 * @example
 * ```ts
 * proportional([4, -1, 12]) // [0.25, 0, 0.75]
 * ```
 */
export function proportional(scores: number[]): number[] {
  const pos = scores.map((s) => Math.max(0, s))
  const sum = pos.reduce((a, b) => a + b, 0)
  return sum > 0 ? pos.map((s) => s / sum) : pos.map(() => 0)
}

/** Held-out allocation problems: the held-out pools, shuffled (seeded) into groups of `n`. */
export function heldOutProblems(n: number): number[][][] {
  const { x } = generatePools(N_POOLS, DATA_SEED)
  const pools = rng(14).shuffle(x.slice(N_TRAIN))
  const out: number[][][] = []
  for (let i = 0; i + n <= pools.length; i += n) out.push(pools.slice(i, i + n))
  return out
}

async function main() {
  const dir = new URL('.', import.meta.url).pathname
  const t0 = Date.now()
  const net = trainedScorer()
  const trainMs = Date.now() - t0
  writeFileSync(`${dir}model.onnx`, allocatorOnnx(N_DEFAULT, net))

  const { x, y } = generatePools(N_POOLS, DATA_SEED)
  const preds = x.slice(N_TRAIN).map((r) => forward(net, r)[0]!)
  const yt = y.slice(N_TRAIN)
  const mae = preds.reduce((s, p, i) => s + Math.abs(p - yt[i]!), 0) / preds.length
  // Allocation quality: expected risk-adjusted APY (noise-free label) of each rule's portfolio.
  const problems = heldOutProblems(N_DEFAULT)
  const value = (pools: number[][], w: number[]) => pools.reduce((s, p, i) => s + w[i]! * riskAdjustedApy(p), 0)
  const oneHot = (i: number) => Array.from({ length: N_DEFAULT }, (_, k) => (k === i ? 1 : 0))
  const argmax = (v: number[]) => v.reduce((b, s, i) => (s > v[b]! ? i : b), 0)
  const rules: Record<string, (pools: number[][]) => number[]> = {
    model: (pools) => proportional(pools.map((p) => forward(net, p)[0]!)),
    modelBest: (pools) => oneHot(argmax(pools.map((p) => forward(net, p)[0]!))),
    highestApy: (pools) => oneHot(argmax(pools.map((p) => p[0]!))),
    equal: () => Array(N_DEFAULT).fill(1 / N_DEFAULT),
    oracleBest: (pools) => oneHot(argmax(pools.map((p) => riskAdjustedApy(p)))),
  }
  const mean = (f: (pools: number[][]) => number[]) => problems.reduce((s, pools) => s + value(pools, f(pools)), 0) / problems.length
  const portfolio = Object.fromEntries(Object.entries(rules).map(([k, f]) => [k, Number(mean(f).toFixed(3))]))
  const lossShare = (f: (pools: number[][]) => number[]) =>
    problems.filter((pools) => value(pools, f(pools)) < 0).length / problems.length

  // 30 held-out problems plus two corners (every feature at the top, then the bottom, of its range):
  // calibration sizes the fixed-point range, and the vault's clamps keep real inputs inside it.
  const corner = (end: 0 | 1) => Array.from({ length: N_DEFAULT }, () => POOL_FEATURES.map((f) => f.range[end] / f.den)).flat()
  const samples = [...problems.slice(0, 30).map((pools) => pools.flat().map((v) => Number(v.toFixed(6)))), corner(1), corner(0)]
  writeFileSync(`${dir}samples.json`, `${JSON.stringify(samples)}\n`)
  const metrics = {
    heldOutPools: yt.length,
    scoreMae: Number(mae.toFixed(3)),
    problems: problems.length,
    poolsPerProblem: N_DEFAULT,
    expectedRiskAdjustedApyPct: portfolio,
    shareOfProblemsLosingMoney: { model: Number(lossShare(rules.model!).toFixed(4)), highestApy: Number(lossShare(rules.highestApy!).toFixed(4)) },
    params: net.reduce((s, L) => s + L.W.length * L.W[0]!.length + L.b.length, 0),
  }
  writeFileSync(`${dir}metrics.json`, `${JSON.stringify(metrics, null, 2)}\n`)
  console.log(`trained in ${trainMs} ms`, metrics)
}

if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) await main()
