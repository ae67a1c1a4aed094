import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { evaluateFloat, parseOnnx } from '../../src/compiler/onnx/index.ts'
import { POOL_FEATURES, featureValue, quantizeExact } from '../../models/pool-allocator/features.ts'
import { allocatorOnnx, proportional, trainedScorer } from '../../models/pool-allocator/train.ts'
import { forward } from '../../models/lib/mlp.ts'

const dir = 'models/pool-allocator'
const metrics = JSON.parse(readFileSync(`${dir}/metrics.json`, 'utf8'))

test('pool-allocator: retraining from the seeds rewrites the committed model.onnx byte for byte', () => {
  assert.ok(Buffer.from(allocatorOnnx(3)).equals(readFileSync(`${dir}/model.onnx`)))
})

test('pool-allocator: the N-pool ONNX scores each pool with the per-pool scorer (block-diagonal, pool-major)', () => {
  const net = trainedScorer()
  const samples = JSON.parse(readFileSync(`${dir}/samples.json`, 'utf8')) as number[][]
  for (const n of [3, 5]) {
    const g = parseOnnx(allocatorOnnx(n))
    assert.deepEqual(g.inputs[0]!.shape, [1, 9 * n])
    assert.deepEqual(g.outputs[0]!.shape, [1, n])
    const flat = Array.from({ length: n }, (_, p) => samples[p]!.slice(0, 9)).flat()
    const out = evaluateFloat(g, { features: Float64Array.from(flat) }).get('scores')!.data
    for (let p = 0; p < n; p++) assert.ok(Math.abs(out[p]! - forward(net, flat.slice(9 * p, 9 * p + 9))[0]!) < 1e-3, `n=${n} pool ${p}: ${out[p]} (float32 weights in the ONNX)`)
  }
})

test('pool-allocator: the model card reports the committed metrics, and the model beats the highest-APY baseline', () => {
  const card = readFileSync(`${dir}/MODEL_CARD.md`, 'utf8')
  const e = metrics.expectedRiskAdjustedApyPct
  assert.ok(e.model > 1.5 * e.highestApy, `model ${e.model}% vs highest-APY ${e.highestApy}%`)
  assert.ok(e.model > e.equal)
  assert.match(card, new RegExp(`\\*\\*${e.model.toFixed(2)}%\\*\\*`))
  assert.match(card, new RegExp(`highest APY\\*\\* \\| ${e.highestApy.toFixed(2)}%`))
  assert.match(card, new RegExp(`\\*\\*${metrics.scoreMae.toFixed(2)}\\*\\*`))
})

test('quantizeExact equals the prover\'s Math.round(x · 2^s) on every integer each feature can take', () => {
  for (const f of POOL_FEATURES)
    for (const s of [4, 8, 10, 12, 16])
      for (let k = f.range[0]; k <= f.range[1]; k++) {
        const prover = BigInt(Math.round((k / f.den) * 2 ** s))
        const exact = quantizeExact(BigInt(k), BigInt(f.den), s)
        if (prover !== exact) assert.fail(`${f.name} k=${k} s=${s}: prover ${prover}, exact ${exact}`)
      }
  assert.equal(quantizeExact(-9_000n, 10_000n, 8), -230n)
  assert.equal(quantizeExact(-5n, 10n, 0), 0n, 'ties go up: -0.5 → 0 like Math.round')
  assert.equal(quantizeExact(5n, 10n, 0), 1n)
  assert.equal(featureValue(1, -12_000), -0.9)
  assert.equal(featureValue(5, 100n), 48)
})

test('the vault\'s weighting rule: proportional to the positive scores, nothing when none is positive', () => {
  assert.deepEqual(proportional([4, -1, 12]), [0.25, 0, 0.75])
  assert.deepEqual(proportional([-4, 0, -2]), [0, 0, 0])
})
