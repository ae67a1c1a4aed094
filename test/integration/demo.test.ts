// `npm run demo`, the README's first command, as a test: the same runDemo the script calls, on the
// real Redis, a real anvil, real worker processes. Each feed's answer must be onnxruntime's score for
// the features the chain adapter reads from that pool, within the circuit's reported tolerance.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { runOnnxruntime } from '../../src/compiler/onnx/index.ts'
import { runDemo } from '../../src/demo/runDemo.ts'
import { gradeFor } from '../../models/pool-risk/grade.ts'

test('the demo proves, posts and reads back a risk score per pool, then stops everything', { timeout: 600_000 }, async () => {
  const lines: string[] = []
  const { pools, timings, manifest, stack } = await runDemo({ workers: 2, log: (l) => lines.push(l) })
  assert.equal(pools.length, 3)
  const onnx = readFileSync('models/pool-risk/model.onnx')
  for (const p of pools) {
    assert.equal(p.roundId, 1n, p.name)
    const ort = (await runOnnxruntime(onnx, { features: { data: Float32Array.from(p.features), dims: [1, 12] } })).score![0]!
    assert.ok(Math.abs(p.score - ort) <= manifest.fidelity.tolerance + 1e-8, `${p.name}: feed ${p.score} vs onnxruntime ${ort}`)
    assert.equal(p.grade, gradeFor(p.score))
  }
  // The three pools span the scale: a blue chip, a mid-risk LP, a fresh farm.
  assert.deepEqual(pools.map((p) => p.grade), ['A', 'D', 'F'])
  for (const stage of ['compile', 'prove through the network', 'read latestRoundData'])
    assert.ok(Object.keys(timings).some((k) => k.startsWith(stage)), `timing for ${stage}`)
  assert.ok(lines.some((l) => /prove through the network \+ post rounds/.test(l)))
  // Shut down cleanly: the chain node and the API it started are gone.
  await assert.rejects(fetch(stack.rpcUrl, { method: 'POST', body: '{}' }))
  await assert.rejects(fetch(`${stack.apiUrl}/health`))
})
