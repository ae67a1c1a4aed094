import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnZkml } from './prover-helpers.ts'

for (const cmd of ['worker', 'serve']) {
  test(`zkml ${cmd} fails fast with REDIS_UNAVAILABLE when Redis is unreachable`, async () => {
    const t0 = Date.now()
    const p = spawnZkml([cmd, '--redis', 'redis://127.0.0.1:1'], { ZKML_API_KEYS: 'k' })
    assert.equal(await p.exited, 1)
    assert.ok(Date.now() - t0 < 20_000, 'no endless reconnect loop')
    const out = p.lines.join('\n')
    assert.match(out, /Redis is not reachable at redis:\/\/127\.0\.0\.1:1/)
    assert.match(out, /Code: REDIS_UNAVAILABLE/)
  })
}

test('zkml worker --help and zkml serve --help document the knobs', async () => {
  for (const [cmd, flags] of [['worker', ['--lock-ms', '--stalled-ms', '--memory-mib', '--test-tamper-proofs', '--store']], ['serve', ['--port', '--attempts', '--backoff-ms', 'ZKML_API_KEYS']]] as const) {
    const p = spawnZkml([cmd, '--help'])
    assert.equal(await p.exited, 0)
    for (const f of flags) assert.ok(p.lines.some((l) => l.includes(f)), `${cmd} --help mentions ${f}`)
  }
})
