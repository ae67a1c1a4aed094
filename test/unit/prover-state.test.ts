import { test } from 'node:test'
import assert from 'node:assert/strict'
import { allowedFrom, assertTransition, canTransition, isTerminal, jobStates } from '../../src/network/index.ts'
import { findError } from '../../src/errors/index.ts'

// The job lifecycle table, pure. What JobStore does with it on a real Redis is in
// test/integration/prover-job-store.test.ts.
test('lifecycle table: happy path, retries, take-over, and terminal states are final', () => {
  const path = ['submitted', 'queued', 'proving', 'proved', 'verified'] as const
  for (let i = 1; i < path.length; i++) assert.equal(canTransition(path[i - 1]!, path[i]!), true)
  assert.equal(canTransition('proving', 'queued'), true, 'retry after a prove error')
  assert.equal(canTransition('proved', 'queued'), true, 'retry after a rejected proof')
  assert.equal(canTransition('proving', 'proving'), true, 'take-over of a stalled job')
  for (const s of jobStates) {
    assert.equal(canTransition('verified', s), false)
    assert.equal(canTransition('failed', s), false)
    if (!isTerminal(s) && s !== 'failed') assert.equal(canTransition(s, 'failed'), true)
  }
  assert.equal(canTransition('proved', 'proving'), true, 'take-over after the holder handed in and died')
  assert.equal(canTransition('proving', 'verified'), true, 'an earlier attempt\'s result accepted during a take-over')
  assert.equal(canTransition('queued', 'verified'), false, 'nothing is verified while nobody holds it')
  assert.equal(canTransition('submitted', 'proving'), false)
  assert.throws(() => assertTransition('verified', 'proving', 'j1'), (e) => {
    const be = findError(e, 'JOB_STATE_INVALID')!
    assert.match(be.details!, /expected the job to be in one of \[queued, proving, proved\] to enter proving, got verified/)
    return true
  })
  assert.deepEqual(Object.keys(allowedFrom).sort(), [...jobStates].sort())
})
