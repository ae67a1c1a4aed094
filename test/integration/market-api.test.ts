// The market's HTTP routes in the real API (buildApi) on the real Redis: GET /quote for a registered circuit.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { buildApi } from '../../src/api/index.ts'
import { connectRedis, LocalArtifactStore } from '../../src/network/index.ts'
import { loadHardwareProfile, quote, quoteToJson } from '../../src/market/index.ts'
import { deletePrefix, syntheticCircuit, tempDir, testPrefix } from './prover-helpers.ts'

const redis = await connectRedis()
const prefix = testPrefix('market-api')
const store = tempDir('market-api-store')
const { app, ctx } = await buildApi({ redis, prefix, store: new LocalArtifactStore(store.dir), apiKeys: ['k'] })
after(async () => {
  await app.close()
  await deletePrefix(redis, prefix)
  redis.disconnect()
  store.remove()
})

test('GET /quote prices a registered circuit with the bundled profile', async () => {
  const c = syntheticCircuit({ inputs: 3 })
  const { id, manifest } = await ctx.registry.register(c.manifest, c.artifacts)
  const r = await app.inject({ url: `/quote?circuitId=${id}` })
  assert.equal(r.statusCode, 200, r.body)
  const q = r.json() as { circuit: { constraints: number }; estimate: { seconds: number }; minPrice: string; maxPrice: string; collateral: string }
  assert.deepEqual(q, quoteToJson(quote(manifest, loadHardwareProfile())))
  assert.equal(q.circuit.constraints, manifest.constraints)
  assert.ok(BigInt(q.maxPrice) > BigInt(q.minPrice) && BigInt(q.minPrice) > 0n, `${q.minPrice} < ${q.maxPrice}`)
  assert.ok(BigInt(q.collateral) > BigInt(q.maxPrice))
  assert.ok(q.estimate.seconds > 0)
})

test('GET /quote: unknown circuit is 404 MARKET_CIRCUIT_NOT_FOUND, missing or extra query is 400 REQUEST_INVALID', async () => {
  const unknown = `0x${'ab'.repeat(32)}`
  let r = await app.inject({ url: `/quote?circuitId=${unknown}` })
  assert.equal(r.statusCode, 404)
  assert.equal(r.json().code, 'MARKET_CIRCUIT_NOT_FOUND')
  assert.match(r.json().details, new RegExp(`^expected the id of a registered circuit .*, got "${unknown}"$`))

  r = await app.inject({ url: '/quote' })
  assert.equal(r.statusCode, 400)
  assert.equal(r.json().code, 'REQUEST_INVALID')
  assert.match(r.json().details, /expected querystring\.circuitId to be present, got nothing/)

  r = await app.inject({ url: `/quote?circuitId=${unknown}&margin=9` })
  assert.equal(r.statusCode, 400)
  assert.match(r.json().details, /expected no property querystring\.margin/)
})

test('GET /quote is in the OpenAPI document with its query parameter and error responses', async () => {
  const doc = (await app.inject({ url: '/openapi.json' })).json()
  const op = doc.paths['/quote'].get
  assert.deepEqual(op.parameters.map((p: { name: string; in: string; required: boolean }) => [p.name, p.in, p.required]), [['circuitId', 'query', true]])
  assert.deepEqual(Object.keys(op.responses).sort(), ['200', '400', '404', '422'])
  assert.equal(op.responses['404'].content['application/json'].schema.$ref, '#/components/schemas/Error')
  assert.ok(doc.components.schemas.Error.properties.code.enum.includes('MARKET_CIRCUIT_NOT_FOUND'))
})
