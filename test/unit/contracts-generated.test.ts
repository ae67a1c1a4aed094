import { test } from 'node:test'
import assert from 'node:assert/strict'
import { contractsSourcesHash } from '../../src/chain/contracts/generated/index.ts'
import { contractSourcesHash } from '../../src/chain/contracts/sourcesHash.ts'

test('src/chain/contracts/generated is up to date with contracts/*.sol (else: npm run build:contracts)', () => {
  assert.equal(contractsSourcesHash, contractSourcesHash(), 'contracts/*.sol changed since the typed modules were generated: run `npm run build:contracts` and commit')
})
