import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BaseError } from '../../src/errors/index.ts'
import { parseOracleConfig } from '../../src/oracle/config.ts'

const feed = {
  id: 'pool-1', address: '0x5FbDB2315678afecb367f032d93F642f64180aa3', circuitId: `0x${'c1'.repeat(32)}`, backend: 'groth16',
  heartbeatS: 3600, deviationBps: 50, adapter: { kind: 'chain-pool', pool: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512' },
}
const base = { rpcUrl: 'http://127.0.0.1:8545', prover: { baseUrl: 'http://127.0.0.1:3000', apiKeyEnv: 'K' }, feeds: [feed] }
const invalid = (json: unknown, re: RegExp) =>
  assert.throws(() => parseOracleConfig(json), (e: unknown) => e instanceof BaseError && e.code === 'ORACLE_CONFIG_INVALID' && re.test(`${e.shortMessage} ${e.details}`))

test('oracle config: defaults filled, adapters of each kind accepted', () => {
  const c = parseOracleConfig(base)
  assert.equal(c.privateKeyEnv, 'ZKML_ORACLE_KEY')
  assert.equal(c.intervalMs, 15_000)
  assert.equal(c.statePath, '.zkml/oracle-state.json')
  assert.deepEqual(c.feeds[0]!.adapter, feed.adapter)
  const f2 = parseOracleConfig({ ...base, feeds: [{ ...feed, adapter: { kind: 'file', path: 'x.json', length: 12 } }, { ...feed, id: 'p2', adapter: { kind: 'http', url: 'http://h/x', field: 'f' } }] })
  assert.deepEqual(f2.feeds.map((f) => f.adapter.kind), ['file', 'http'])
})

test('oracle config: each bad field is named with expected and got', () => {
  invalid(null, /\(root\)/)
  invalid({ ...base, feeds: [] }, /feeds.*non-empty array/)
  invalid({ ...base, feeds: [{ ...feed, address: '0x12' }] }, /feeds\[0\]\.address.*0x address/)
  invalid({ ...base, feeds: [{ ...feed, backend: 'stark' }] }, /feeds\[0\]\.backend.*"stark"/)
  invalid({ ...base, feeds: [{ ...feed, circuitId: 'pool-risk' }] }, /feeds\[0\]\.circuitId.*0x \+ 64 hex.*"pool-risk"/)
  invalid({ ...base, feeds: [{ ...feed, heartbeatS: 0 }] }, /feeds\[0\]\.heartbeatS.*>= 1.*got 0/)
  invalid({ ...base, feeds: [{ ...feed, adapter: { kind: 'ftp' } }] }, /adapter\.kind/)
  invalid({ ...base, prover: undefined }, /prover/)
  invalid({ ...base, rpcUrl: '' }, /rpcUrl/)
})
