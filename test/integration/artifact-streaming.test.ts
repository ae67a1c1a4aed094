// Large artifacts (issue 15): PUT /artifacts/:hash streams a proving key into the Redis store in
// chunks, keeps it only if it hashes to :hash and fits the limit, and registration then finds it by
// the manifest's hash, so a circuit whose key exceeds POST /circuits' body limit registers.
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { buildApi } from '../../src/api/index.ts'
import { BaseError } from '../../src/errors/index.ts'
import { connectRedis, sha256Hex } from '../../src/network/index.ts'
import { RedisArtifactStore } from '../../src/network/redisArtifactStore.ts'
import { registerCircuit } from '../../src/network/registerCircuit.ts'
import { b64, deletePrefix, syntheticCircuit, tempDir, testPrefix } from './prover-helpers.ts'

const redis = await connectRedis()
const prefix = testPrefix('stream')
const CHUNK = 64 * 1024
const store = new RedisArtifactStore(redis, prefix, { chunkBytes: CHUNK })
const { app } = await buildApi({ redis, prefix, store, apiKeys: ['k'], bodyLimit: 128 * 1024, artifactLimit: 2 * 2 ** 20 })
const url = await app.listen({ port: 0, host: '127.0.0.1' })
const tmp = tempDir('stream')
after(async () => {
  await app.close()
  await deletePrefix(redis, prefix)
  redis.disconnect()
  tmp.remove()
})

/** Every key the store holds for a hash (whole blob, commit record, chunks of any upload). */
async function blobKeys(hash: string): Promise<string[]> {
  const out: string[] = []
  let cursor = '0'
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:net:blob:${hash.slice(2)}*`, 'COUNT', 1000)
    cursor = next
    out.push(...keys)
  } while (cursor !== '0')
  return out
}

const put = (hash: string, body: BodyInit, headers: Record<string, string> = {}) =>
  fetch(`${url}/artifacts/${hash}`, { method: 'PUT', headers: { authorization: 'Bearer k', 'content-type': 'application/octet-stream', ...headers }, body, duplex: 'half' } as RequestInit)

describe('streamed artifacts (PUT /artifacts/:hash)', () => {
  test('a circuit whose key exceeds the POST /circuits body limit registers with its key streamed in chunks, and reads back verified', async () => {
    const { manifest, artifacts } = syntheticCircuit({ zkeyBytes: 2 ** 20 + 123 })
    // Inline, the key is over the 128 KiB body limit: refused.
    const inline = await fetch(`${url}/circuits`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
      body: JSON.stringify({ manifest, artifacts: Object.fromEntries(Object.entries(artifacts).map(([k, v]) => [k, b64(v)])) }),
    })
    assert.equal(inline.status, 413)
    assert.equal(((await inline.json()) as { code: string }).code, 'PAYLOAD_TOO_LARGE')

    const dir = join(tmp.dir, 'circuit')
    mkdirSync(dir)
    const entries = manifest.artifacts as Record<string, { file: string }>
    for (const [name, bytes] of Object.entries(artifacts)) writeFileSync(join(dir, entries[name]!.file), bytes)
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest))
    const first = await registerCircuit({ apiUrl: url, apiKey: 'k', dir, inlineMax: 32 * 1024 })
    assert.equal(first.created, true)
    assert.deepEqual(first.streamed, ['zkey'])
    const zkeyHash = manifest.artifacts.zkey!.sha256
    const keys = await blobKeys(zkeyHash)
    // 1 MiB + 123 bytes in 64 KiB chunks: 17 chunks and one commit record.
    assert.equal(keys.filter((k) => k.endsWith(':meta')).length, 1)
    assert.equal(keys.length, 17 + 1)
    assert.equal(await redis.ttl(keys.find((k) => !k.endsWith(':meta'))!), -1, 'committed chunks do not expire')

    // What a worker does: stream it to a file, verified, and the bytes are the same.
    const file = join(tmp.dir, 'zkey.out')
    assert.equal(await store.getToFile(zkeyHash, file), artifacts.zkey!.length)
    assert.deepEqual(new Uint8Array(readFileSync(file)), artifacts.zkey)
    assert.deepEqual(await store.get(zkeyHash), artifacts.zkey)

    // Again: nothing re-uploaded, same id.
    const again = await registerCircuit({ apiUrl: url, apiKey: 'k', dir, inlineMax: 32 * 1024 })
    assert.equal(again.id, first.id)
    assert.equal(again.created, false)
    assert.equal((await fetch(`${url}/artifacts/${zkeyHash}`, { method: 'HEAD', headers: { authorization: 'Bearer k' } })).status, 200)

    // A damaged chunk is caught on read (ARTIFACT_CORRUPT), never handed to an engine.
    await redis.setrange(keys.find((k) => k.endsWith(':3'))!, 10, 'X')
    await assert.rejects(store.getToFile(zkeyHash, join(tmp.dir, 'bad.out')), (e: unknown) => e instanceof BaseError && e.code === 'ARTIFACT_CORRUPT')
  })

  test('bytes that do not hash to :hash are refused and leave no key behind', async () => {
    const bytes = randomBytes(300 * 1024)
    const claimed = sha256Hex(randomBytes(8))
    const res = await put(claimed, bytes)
    assert.equal(res.status, 400)
    const body = (await res.json()) as { code: string; details: string }
    assert.equal(body.code, 'CIRCUIT_ARTIFACT_MISMATCH')
    assert.match(body.details, new RegExp(`expected bytes whose sha256 is ${claimed}, got 307200 bytes hashing to ${sha256Hex(bytes)}`))
    assert.deepEqual(await blobKeys(claimed), [])
    assert.equal((await fetch(`${url}/artifacts/${claimed}`, { method: 'HEAD', headers: { authorization: 'Bearer k' } })).status, 404)
  })

  test('over the artifact limit: refused from content-length before reading, or mid-stream without one; nothing kept', async () => {
    const big = randomBytes(2 * 2 ** 20 + 1)
    const hash = sha256Hex(big)
    const declared = await put(hash, big)
    assert.equal(declared.status, 413)
    const d = (await declared.json()) as { code: string; details: string }
    assert.equal(d.code, 'PAYLOAD_TOO_LARGE')
    assert.match(d.details, /expected at most 2097152 bytes .*got content-length 2097153/)
    // Without content-length (chunked): the store stops at the limit and drops what it wrote.
    let sent = 0
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent >= big.length) return c.close()
        c.enqueue(big.subarray(sent, sent + 100_000))
        sent += 100_000
      },
    })
    const chunked = await put(hash, stream).catch((e: unknown) => e as Error)
    if (chunked instanceof Response) assert.equal(chunked.status, 413)
    // The store's own refusal happened (the API closes the connection, so the client may see a reset).
    for (let i = 0; i < 50 && (await blobKeys(hash)).length > 0; i++) await new Promise((r) => setTimeout(r, 20))
    assert.deepEqual(await blobKeys(hash), [])
  })

  test('no API key: 401 before any byte is stored', async () => {
    const bytes = randomBytes(1000)
    const res = await fetch(`${url}/artifacts/${sha256Hex(bytes)}`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: bytes })
    assert.equal(res.status, 401)
    assert.deepEqual(await blobKeys(sha256Hex(bytes)), [])
    // And a malformed hash never becomes a key: schema 400.
    const bad = await put('0xABC', bytes)
    assert.equal(bad.status, 400)
  })
})
