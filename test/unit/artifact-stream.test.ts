// The local artifact store's streamed write and read (issue 15): verified while streaming, nothing
// left behind on a refusal. The Redis store's chunked twin is tested in
// test/integration/artifact-streaming.test.ts.
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BaseError } from '../../src/errors/index.ts'
import { LocalArtifactStore, sha256Hex, StreamMeter } from '../../src/network/index.ts'

const dir = mkdtempSync(join(tmpdir(), 'zkml-unit-stream-'))
after(() => rmSync(dir, { recursive: true, force: true }))
const store = new LocalArtifactStore(join(dir, 'store'))
const code = (c: string) => (e: unknown) => e instanceof BaseError && e.code === c

async function* pieces(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size)
}

/** Every file under the store, temporaries included. */
function files(): string[] {
  try {
    return readdirSync(join(dir, 'store'), { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => d.name)
  } catch {
    return []
  }
}

describe('LocalArtifactStore streaming', () => {
  test('putStream keeps bytes that hash to the claim; getToFile writes them back, verified', async () => {
    const bytes = new Uint8Array(randomBytes(200_003))
    const hash = sha256Hex(bytes)
    assert.deepEqual(await store.putStream(pieces(bytes, 7_000), hash), { hash, bytes: 200_003, created: true })
    assert.deepEqual(await store.putStream(pieces(bytes, 7_000), hash), { hash, bytes: 200_003, created: false })
    assert.deepEqual(await store.get(hash), bytes)
    const out = join(dir, 'out.bin')
    assert.equal(await store.getToFile(hash, out), 200_003)
    assert.deepEqual(new Uint8Array(readFileSync(out)), bytes)
  })

  test('a false claim or an over-size stream is refused and leaves no file', async () => {
    const before = files().length
    const bytes = new Uint8Array(randomBytes(50_000))
    const claimed = sha256Hex('something else')
    await assert.rejects(store.putStream(pieces(bytes, 4096), claimed), code('CIRCUIT_ARTIFACT_MISMATCH'))
    await assert.rejects(store.putStream(pieces(bytes, 4096), sha256Hex(bytes), { maxBytes: 49_999 }), code('PAYLOAD_TOO_LARGE'))
    assert.equal(files().length, before)
    assert.equal(await store.has(claimed), false)
    assert.equal(await store.has(sha256Hex(bytes)), false)
  })

  test('getToFile refuses a tampered blob and writes nothing at the destination', async () => {
    const bytes = new Uint8Array(randomBytes(10_000))
    const hash = await store.put(bytes)
    writeFileSync(join(dir, 'store', hash.slice(2, 4), hash.slice(2)), randomBytes(10_000))
    const out = join(dir, 'tampered.bin')
    await assert.rejects(store.getToFile(hash, out), code('ARTIFACT_CORRUPT'))
    assert.equal(readdirSync(dir).some((n) => n.startsWith('tampered.bin')), false)
    await assert.rejects(store.getToFile(sha256Hex('absent'), out), code('ARTIFACT_NOT_FOUND'))
  })

  test('StreamMeter refuses a malformed expected hash before anything is read', () => {
    assert.throws(() => new StreamMeter('0x12' as `0x${string}`), code('ARTIFACT_NOT_FOUND'))
    const m = new StreamMeter(sha256Hex(new Uint8Array([1, 2, 3])), 3)
    m.add(new Uint8Array([1, 2, 3]))
    assert.equal(m.finish(), sha256Hex(new Uint8Array([1, 2, 3])))
    assert.throws(() => m.add(new Uint8Array([4])), code('PAYLOAD_TOO_LARGE'))
  })
})
