// The explorer's vault routes on a real stack: anvil with a ProvedAllocationVault (vault-fixture.ts),
// the real prover network in-process (API, coordinator, one snarkjs worker on the real Redis) and
// three real proved rebalances: one by the keeper through the network (its job found by the keeper's
// idempotency key), one by hand from a network job submitted under another key (found by its input
// signals' hash), one from a proof made outside the network (no job). Every number the routes return
// must equal what the chain's events and state, or the job store, hold.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import type { Redis } from 'ioredis'
import { chromium } from 'playwright-core'
import { keccak256, type Address, type Hex } from 'viem'
import { buildApi } from '../../src/api/index.ts'
import { readVaultState } from '../../src/chain/allocationVault.ts'
import { encodeJobProof } from '../../src/chain/index.ts'
import { terminateSnark } from '../../src/compiler/snark/index.ts'
import { feedsFromFile, MAX_LOG_SPAN } from '../../src/explorer/index.ts'
import { CircuitCache, CircuitRegistry, connectRedis, Coordinator, LocalArtifactStore, type ProvingEngine } from '../../src/network/index.ts'
import { httpProverClient, memoryLogger, StateStore, VaultKeeper, waitForProof } from '../../src/oracle/index.ts'
import { detectHardware, ProverWorker, snarkjsEngine } from '../../src/prover/index.ts'
import { decodePng, type DecodedPng } from './png.ts'
import { deletePrefix, registerBody, tempDir, testPrefix } from './prover-helpers.ts'
import { A, E18, startVaultFixture, type VaultFixture } from './vault-fixture.ts'

const tmp = tempDir('explorer-vault')
const prefix = testPrefix('explorer-vault')
const feedsFile = join(tmp.dir, 'feeds.json')
let fx: VaultFixture
let redis: Redis
let workerConn: Redis
let app: FastifyInstance
let url = ''
let engine: ProvingEngine
let coordinator: Coordinator
let worker: ProverWorker
let circuitId = ''
let fromBlock = 0n

before(async () => {
  fx = await startVaultFixture(tmp.dir)
  fromBlock = await fx.pub.getBlockNumber()
  redis = await connectRedis()
  const store = new LocalArtifactStore(join(tmp.dir, 'store'))
  ;({ app } = await buildApi({ redis, prefix, store, apiKeys: ['k'], feeds: feedsFromFile(feedsFile) }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const body = await registerBody(fx.circuitDir)
  const registry = new CircuitRegistry(redis, prefix, store)
  circuitId = (await registry.register(body.manifest, Object.fromEntries(Object.entries(body.artifacts).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])))).id
  engine = await snarkjsEngine()
  coordinator = new Coordinator({ redis, prefix, circuits: new CircuitCache({ registry, store, engine, workDir: join(tmp.dir, 'coord') }), engine })
  coordinator.start()
  workerConn = redis.duplicate()
  worker = new ProverWorker({
    redis: workerConn, prefix, store, engine, hardware: { ...(await detectHardware({ noGpu: true })), engines: { groth16: 'snarkjs' } }, id: 'vault-w1',
    pollMs: 100, heartbeatMs: 500, shutdownGraceMs: 300,
  })
  await worker.start()
})

after(async () => {
  await worker?.stop().catch(() => {})
  workerConn?.disconnect()
  await coordinator?.close().catch(() => {})
  await app?.close()
  await deletePrefix(redis, prefix)
  redis?.disconnect()
  await engine?.terminate?.()
  await terminateSnark()
  fx?.stop()
  tmp.remove()
})

const get = async (path: string) => {
  const r = await app.inject({ url: path })
  return { status: r.statusCode, body: r.json() }
}
type Rebalance = { round: string; blockNumber: string; txHash: Hex; job: null | Record<string, unknown>; [k: string]: unknown }

test('not configured: GET /explorer/vaults says so; the routes are in the OpenAPI document; the page has its section', async () => {
  assert.deepEqual((await get('/explorer/vaults')).body, { configured: false, vaults: [] })
  const missing = await get(`/explorer/vaults/${fx.c.vault}`)
  assert.equal(missing.status, 404)
  assert.equal(missing.body.code, 'VAULT_NOT_FOUND')
  const doc = (await get('/openapi.json')).body
  assert.ok(doc.paths['/explorer/vaults'].get)
  assert.ok(doc.paths['/explorer/vaults/{address}'].get)
  assert.ok(doc['x-error-codes'].includes('VAULT_NOT_FOUND'))
  const page = await app.inject({ url: '/explorer' })
  assert.ok(page.body.includes('data-testid="vaults-section"'))
})

test('three proved rebalances: history, scores, balances, hashes and each proof job as the chain and the job store hold them', { timeout: 300_000 }, async () => {
  writeFileSync(feedsFile, JSON.stringify({ rpcUrl: fx.anvil.rpcUrl, feeds: [], vaults: [{ label: 'test vault', address: fx.c.vault, fromBlock: Number(fromBlock) }] }))
  await fx.depositAs(1, 600n * E18)
  await fx.depositAs(2, 400n * E18)
  const prover = httpProverClient({ baseUrl: url, apiKey: 'k' })

  // 1. The keeper, through the network: its job carries the keeper's idempotency key.
  const log = memoryLogger()
  const keeper = new VaultKeeper({ vault: fx.c.vault, circuitId, prover, chain: { publicClient: fx.pub, wallet: fx.wallets[3]! }, store: new StateStore(join(tmp.dir, 'keeper.json')), log, minChangeBps: 100, proveTimeoutMs: 120_000 })
  const first = await keeper.tick()
  assert.equal(first.status, 'rebalanced', JSON.stringify(first, (_, v) => (typeof v === 'bigint' ? String(v) : v)))
  const keeperJob = String(log.entries.find((e) => e.event === 'keeper.job-submitted')!.meta.jobId)

  // 2. By hand, from a network job under another idempotency key: found by its input signals.
  await fx.warp(3601)
  await fx.setPool(2, { util: 9900, oracle: 106_000_000n, tvl: [400_000n, 1_200_000n] })
  const s2 = await readVaultState(fx.pub, fx.c.vault)
  const { jobId: handJob } = await prover.submit({ circuitId, input: s2.features, subject: BigInt(fx.c.vault).toString(), round: '2', idempotencyKey: 'by-hand-2' })
  const proved = await waitForProof(prover, handJob, { timeoutMs: 120_000 })
  await fx.write(fx.c.vault, A.vault, 'rebalance', [encodeJobProof('groth16', proved.proof), proved.publicSignals.map(BigInt)], fx.wallets[4]!)

  // 3. From a proof made outside the network: the chain accepts it; the explorer finds no job.
  await fx.warp(3601)
  await fx.setPool(1, { util: 9950, oracle: 95_000_000n })
  const outside = await fx.proveNow(3n)
  await fx.write(fx.c.vault, A.vault, 'rebalance', [outside.proof, outside.signals], fx.wallets[4]!)

  const events = await fx.pub.getContractEvents({ address: fx.c.vault, abi: A.vault, eventName: 'Rebalanced', fromBlock: 0n, strict: true })
  assert.equal(events.length, 3)
  const { status, body } = await get(`/explorer/vaults/${fx.c.vault.toLowerCase()}`)
  assert.equal(status, 200, JSON.stringify(body))
  const state = await readVaultState(fx.pub, fx.c.vault)
  const manifest = fx.circuit.manifest
  const scale = manifest.publicSignals.find((x) => x.kind === 'output')!.scaleBits!

  // The vault now: allocation and configuration from the chain.
  const v = body.vault
  assert.equal(v.label, 'test vault')
  assert.deepEqual(v.pools.map((a: string) => a.toLowerCase()), fx.c.pools.map((a) => a.toLowerCase()))
  assert.deepEqual(v.capBps, [6000, 6000, 6000])
  assert.equal(v.scoreScaleBits, scale)
  assert.equal(v.lastRound, '3')
  assert.deepEqual(v.allocation.inPools, state.inPools.map(String))
  assert.equal(v.allocation.idle, String(state.idle))
  assert.equal(v.allocation.totalAssets, String(state.totalAssets))
  assert.deepEqual(v.allocation.bps, state.inPools.map((b) => Number((b * 10_000n) / state.totalAssets)))
  assert.equal(body.range.fromBlock, String(fromBlock))
  assert.equal(body.next, undefined, 'the window reaches the configured fromBlock: nothing older')

  // Each rebalance, newest first, equal to its event.
  const rs = body.rebalances as Rebalance[]
  assert.deepEqual(rs.map((r) => r.round), ['3', '2', '1'])
  for (const [i, ev] of [...events].reverse().entries()) {
    const r = rs[i]!
    const rec = ev.args.record
    assert.equal(r.blockNumber, String(ev.blockNumber))
    assert.equal(r.txHash, ev.transactionHash)
    assert.equal(r.logIndex, ev.logIndex)
    assert.equal(r.caller, ev.args.caller)
    assert.equal(r.modelId, '0')
    assert.deepEqual(r.scores, rec.scores.map(String))
    assert.deepEqual(r.scoreValues, rec.scores.map((x) => Number(x) / 2 ** scale))
    assert.deepEqual(r.before, rec.before.map(String))
    assert.deepEqual(r.after, rec.after_.map(String))
    assert.equal(r.moved, String(rec.moved))
    assert.equal(r.proofHash, rec.proofHash)
    assert.equal(r.inputsHash, rec.inputsHash)
    const total = await fx.pub.readContract({ address: fx.c.vault, abi: A.vault, functionName: 'totalAssets', blockNumber: ev.blockNumber })
    assert.equal(r.totalAssets, String(total))
    assert.deepEqual(r.afterBps, rec.after_.map((b) => Number((b * 10_000n) / total)))
    const { timestamp } = await fx.pub.getBlock({ blockNumber: ev.blockNumber })
    assert.equal(r.blockTime, Number(timestamp))
  }
  assert.equal(rs[0]!.caller, fx.wallets[4]!.account.address)
  assert.equal(rs[2]!.caller, fx.wallets[3]!.account.address)
  assert.deepEqual(rs[0]!.inputSignals, outside.signals.slice(3, 3 + 27).map(String), 'the inputs from the calldata')

  // The proof jobs: the keeper's by its idempotency key, the hand-made one by its inputs, none for the outside proof.
  const j1 = rs[2]!.job!
  assert.equal(j1.jobId, keeperJob)
  assert.equal(j1.matchedBy, 'idempotency-key')
  const j2 = rs[1]!.job!
  assert.equal(j2.jobId, handJob)
  assert.equal(j2.matchedBy, 'input-signals')
  assert.equal(rs[0]!.job, null)
  for (const j of [j1, j2]) {
    assert.equal(j.status, 'verified')
    assert.equal(j.verified, true)
    assert.equal(j.engine, 'snarkjs')
    assert.equal(j.workerId, 'vault-w1')
    assert.equal(j.circuitId, circuitId)
    assert.equal(j.proofMatches, true, 'the job\'s proof is byte for byte the one posted')
    assert.equal(j.proofUrl, `/jobs/${j.jobId}/proof`)
    const file = await app.inject({ url: j.proofUrl as string })
    assert.equal(file.statusCode, 200)
    assert.equal(keccak256(encodeJobProof('groth16', file.json().proof)), rs[j === j1 ? 2 : 1]!.proofHash)
    const verified = await app.inject({ method: 'POST', url: j.verifyUrl as string, payload: {} })
    assert.equal(verified.json().valid, true)
  }
  assert.equal(v.circuitId, circuitId, 'the registry entry names the network\'s circuit')

  // The summary route agrees.
  const list = (await get('/explorer/vaults')).body
  assert.equal(list.configured, true)
  assert.deepEqual(list.vaults[0].allocation, v.allocation)
})

test('paging: limit and toBlock walk the history without a gap; a block window bounds the scan', async () => {
  const path = `/explorer/vaults/${fx.c.vault}`
  const all = ((await get(path)).body.rebalances as Rebalance[])
  const seen: string[] = []
  let q = '?limit=1'
  for (let i = 0; i < 5 && q; i++) {
    const { body } = await get(`${path}${q}`)
    seen.push(...(body.rebalances as Rebalance[]).map((r) => r.round))
    q = body.next ? `?limit=1&toBlock=${body.next.toBlock}` : ''
  }
  assert.deepEqual(seen, ['3', '2', '1'])
  const oldest = all[2]!
  const { body } = await get(`${path}?toBlock=${oldest.blockNumber}&blocks=1`)
  assert.deepEqual(body.range, { fromBlock: oldest.blockNumber, toBlock: oldest.blockNumber })
  assert.deepEqual((body.rebalances as Rebalance[]).map((r) => r.round), ['1'])
  assert.equal(body.next.toBlock, String(BigInt(oldest.blockNumber) - 1n))
  // A toBlock past the head reads to the head.
  const head = await fx.pub.getBlockNumber()
  assert.equal((await get(`${path}?toBlock=999999999999`)).body.range.toBlock, String(head))
})

const CHROMIUM = '/usr/bin/chromium'
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} does not exist (install Debian's chromium package: apt-get install chromium; .ci/run does)`
/** Pixels within 12 of an RGB colour on every channel. */
function pixelsOf(png: DecodedPng, [r, g, b]: [number, number, number]): number {
  let n = 0
  for (let i = 0; i < png.pixels.length; i += png.channels)
    if (Math.abs(png.pixels[i]! - r) <= 12 && Math.abs(png.pixels[i + 1]! - g) <= 12 && Math.abs(png.pixels[i + 2]! - b) <= 12) n++
  return n
}

test('the page shows the allocation history as stacked bars and each rebalance\'s proof, in Chromium', { skip, timeout: 120_000 }, async () => {
  const api = (await get(`/explorer/vaults/${fx.c.vault}`)).body
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'], timeout: 60_000 })
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } })
    const pageErrors: string[] = []
    page.on('pageerror', (e) => pageErrors.push(String(e)))
    page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(m.text()) })
    await page.goto(`${url}/explorer`)
    const rows = page.locator('[data-testid=rebalance-row]')
    await rows.nth(2).waitFor({ timeout: 30_000 })
    assert.deepEqual(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-round'))), ['3', '2', '1'])
    assert.equal(await page.locator('[data-testid=vault-allocation]').getAttribute('data-bps'), api.vault.allocation.bps.join(','))
    assert.equal(await page.locator('[data-testid=vault-total]').getAttribute('data-total'), api.vault.allocation.totalAssets)
    for (const r of api.rebalances as Rebalance[]) {
      const row = page.locator(`[data-testid=rebalance-row][data-round="${r.round}"]`)
      assert.equal(await row.getAttribute('data-tx'), r.txHash)
      assert.equal(await row.locator('[data-testid=rebalance-before-bar]').getAttribute('data-bps'), (r.beforeBps as number[]).join(','))
      assert.equal(await row.locator('[data-testid=rebalance-after-bar]').getAttribute('data-bps'), (r.afterBps as number[]).join(','))
      if (r.job) {
        assert.equal(await row.locator('[data-verified]').getAttribute('data-verified'), 'true')
        assert.equal(await row.locator('[data-testid=rebalance-proof-link]').getAttribute('href'), r.job.proofUrl)
      } else assert.equal(await row.locator('[data-testid=rebalance-no-job]').count(), 1)
    }
    // The bars were painted: the first rebalance put funds in every pool, so its "after" bar shows each pool's colour.
    const bar = decodePng(await page.locator('[data-testid=rebalance-row][data-round="1"] [data-testid=rebalance-after-bar]').screenshot())
    const colours: [number, number, number][] = [[0x3b, 0x5b, 0xdb], [0xf0, 0x8c, 0x00], [0x2b, 0x8a, 0x3e]]
    const after1 = (api.rebalances as Rebalance[])[2]!.afterBps as number[]
    for (const [i, c] of colours.entries()) {
      const n = pixelsOf(bar, c)
      if (after1[i]! >= 500) assert.ok(n > 20, `pool ${i} (${after1[i]} bps) is painted: ${n} pixels`)
      if (after1[i] === 0) assert.equal(n, 0, `pool ${i} holds nothing and shows nothing`)
    }
    assert.deepEqual(pageErrors, [], 'no script or resource errors on the page')
  } finally {
    await browser.close()
  }
})

test('bad requests get stable codes: a malformed address, an unconfigured vault, out-of-range paging', async () => {
  for (const [path, status, code, details] of [
    ['/explorer/vaults/0x12', 400, 'REQUEST_INVALID', /^expected params\.address/],
    [`/explorer/vaults/0x${'zz'.repeat(20)}`, 400, 'REQUEST_INVALID', /^expected params\.address/],
    [`/explorer/vaults/0x${'11'.repeat(20)}`, 404, 'VAULT_NOT_FOUND', /^expected one of the configured vaults/],
    [`/explorer/vaults/${fx.c.vault}?limit=0`, 400, 'REQUEST_INVALID', /^expected querystring\.limit/],
    [`/explorer/vaults/${fx.c.vault}?limit=51`, 400, 'REQUEST_INVALID', /^expected querystring\.limit/],
    [`/explorer/vaults/${fx.c.vault}?blocks=0`, 400, 'REQUEST_INVALID', /^expected querystring\.blocks/],
    [`/explorer/vaults/${fx.c.vault}?blocks=${MAX_LOG_SPAN + 1n}`, 400, 'REQUEST_INVALID', /^expected querystring\.blocks/],
    [`/explorer/vaults/${fx.c.vault}?toBlock=-1`, 400, 'REQUEST_INVALID', /^expected querystring\.toBlock/],
    [`/explorer/vaults/${fx.c.vault}?fromBlock=0`, 400, 'REQUEST_INVALID', /querystring/],
  ] as const) {
    const r = await get(path)
    assert.equal(r.status, status, path)
    assert.equal(r.body.code, code, path)
    assert.match(r.body.details, details, path)
  }
  // A vault whose chain does not answer: the answer says so, the API stays up.
  writeFileSync(feedsFile, JSON.stringify({ rpcUrl: 'http://127.0.0.1:1', feeds: [], vaults: [{ label: 'gone', address: fx.c.vault as Address }] }))
  const dead = await get(`/explorer/vaults/${fx.c.vault}`)
  assert.equal(dead.status, 200)
  assert.ok(dead.body.error)
  assert.deepEqual(dead.body.rebalances, [])
  assert.ok((await get('/explorer/vaults')).body.vaults[0].error)
})
