// Issue 11, item 7: the oracle's idempotency keys cannot be guessed (and so cannot be taken first).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { oracleIdempotencyKey } from '../../src/oracle/idempotencyKey.ts'

test('item 7: the oracle\'s idempotency key for a (feed, round, attempt) is unguessable and fits the API', () => {
  const keys = new Set(Array.from({ length: 1000 }, () => oracleIdempotencyKey('pool-1', 7n, 0)))
  assert.equal(keys.size, 1000, 'a fresh key every time')
  const k = [...keys][0]!
  assert.match(k, /^pool-1:7:0:[0-9a-f]{32}$/, '128 random bits after the readable part')
  assert.notEqual(k, 'pool-1:7:0')
  assert.ok(oracleIdempotencyKey('x'.repeat(500), 2n ** 200n, 99).length <= 200, 'within the API\'s 200 characters')
  // The oracle uses it: the predictable `${feed}:${round}:${attempt}` key is gone from its submission.
  const src = readFileSync(new URL('../../src/oracle/Oracle.ts', import.meta.url), 'utf8')
  assert.match(src, /: oracleIdempotencyKey\(f\.id, round, attempt\)/)
})
