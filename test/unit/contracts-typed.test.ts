import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { projectContract, verifierAbi } from '../../src/chain/projectContracts.ts'
import { proofMarketContract } from '../../src/market/index.ts'
import * as generated from '../../src/chain/contracts/generated/index.ts'

test('project contracts come from the generated typed modules: no solc is loaded at run time', () => {
  for (const name of ['ModelRegistry', 'ProvedFeed', 'SafeFeedReader', 'MockYieldPool', 'ProvedFunctionsConsumer', 'ProofMarket', 'MockERC20', 'RiskFactsRegistry', 'ProvedAllocationVault'] as const) {
    const c = projectContract(name)
    assert.match(c.bytecode, /^0x[0-9a-f]{200,}$/, `${name} has creation bytecode`)
    assert.ok(c.abi.some((x) => x.type === 'function'), `${name} has an ABI`)
  }
  assert.equal(proofMarketContract.abi, generated.proofMarketAbi)
  assert.deepEqual(verifierAbi.filter((x) => x.type === 'function').map((x) => x.name).sort(), ['publicSignalCount', 'verify', 'vkHash'])
  // Before: the first projectContract()/compileProofMarket() call compiled contracts/*.sol with solc-js (~7 s).
  const loaded = Object.keys(createRequire(import.meta.url).cache).filter((k) => /[\\/]node_modules[\\/]solc[\\/]/.test(k))
  assert.deepEqual(loaded, [], 'solc was loaded')
})

test('no contract ABI is cast to the untyped Abi outside the generated modules', () => {
  const cast = new RegExp(`\\bas ${'Abi'}\\b`)
  const offenders: string[] = []
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name)
      if (statSync(p).isDirectory()) { if (!p.endsWith(join('chain', 'contracts', 'generated'))) walk(p) }
      else if (/\.m?ts$/.test(name) && cast.test(readFileSync(p, 'utf8'))) offenders.push(p)
    }
  }
  for (const d of ['src', 'bench', 'test', 'scripts']) walk(d)
  assert.deepEqual(offenders, [], 'cast-free typed ABIs (use projectContract(name).abi or verifierAbi)')
})

test('src never imports the test-only contracts (generated/test/)', () => {
  const offenders: string[] = []
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name)
      if (statSync(p).isDirectory()) { if (!p.endsWith(join('chain', 'contracts', 'generated'))) walk(p) }
      else if (name.endsWith('.ts') && /from '[^']*generated\/test\//.test(readFileSync(p, 'utf8'))) offenders.push(p)
    }
  }
  walk('src')
  assert.deepEqual(offenders, [])
})
