import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { BaseError, errorCodes, findError } from '../../src/errors/index.ts'

test('every error code is documented in docs/errors.md', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8')
  const documented = new Set([...doc.matchAll(/^### ([A-Z0-9_]+)$/gm)].map((m) => m[1]!))
  const missing = Object.keys(errorCodes).filter((c) => !documented.has(c))
  assert.deepEqual(missing, [], `undocumented codes: ${missing.join(', ')}`)
  const stale = [...documented].filter((c) => !(c in errorCodes))
  assert.deepEqual(stale, [], `documented codes that do not exist: ${stale.join(', ')}`)
})

test('BaseError carries code, shortMessage, details and cause', () => {
  const cause = new Error('low level')
  const e = new BaseError('INPUT_INVALID', 'Input has the wrong length.', {
    details: 'expected 12 values, got 11',
    cause,
  })
  assert.equal(e.code, 'INPUT_INVALID')
  assert.equal(e.shortMessage, 'Input has the wrong length.')
  assert.match(e.message, /expected 12 values, got 11/)
  assert.match(e.message, /Code: INPUT_INVALID/)
  assert.equal(e.cause, cause)
  assert.deepEqual(e.toJSON(), { code: 'INPUT_INVALID', message: 'Input has the wrong length.', details: 'expected 12 values, got 11' })
  assert.equal(findError(new Error('outer', { cause: e }), 'INPUT_INVALID'), e)
  assert.equal(findError(e, 'PROOF_INVALID'), undefined)
})
