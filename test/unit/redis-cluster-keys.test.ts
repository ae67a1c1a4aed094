// Key layout on a Redis Cluster: every group of keys one Lua script or MULTI touches must hash to
// one slot (else the cluster refuses it with CROSSSLOT), and single-Redis key names must not change.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { bullPrefix, netPrefix, parseClusterUrl, proveQueueName, redisKeys, resultsQueueName } from '../../src/network/index.ts'

// Redis Cluster's key → slot (CRC16/XMODEM of the hash tag or the whole key, mod 16384).
function crc16(s: string): number {
  let crc = 0
  for (const b of Buffer.from(s)) {
    crc ^= b << 8
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff
  }
  return crc
}
function slot(key: string): number {
  const a = key.indexOf('{')
  if (a >= 0) {
    const b = key.indexOf('}', a + 1)
    if (b > a + 1) return crc16(key.slice(a + 1, b)) % 16384
  }
  return crc16(key) % 16384
}

test('slot(): the reference values Redis documents', () => {
  assert.equal(crc16('123456789'), 0x31c3)
  assert.equal(slot('{user1000}.following'), slot('{user1000}.followers'))
})

test('single Redis: key names are what they always were', () => {
  const k = redisKeys('zkml')
  assert.equal(k.job('abc'), 'zkml:net:job:abc')
  assert.equal(k.stats, 'zkml:net:stats')
  assert.equal(k.blob('ff'), 'zkml:net:blob:ff')
  assert.equal(netPrefix('zkml', false), 'zkml')
  assert.equal(bullPrefix('zkml', 'prove.groth16.cpu.m1', false), 'zkml')
})

test('cluster: each Lua script and MULTI of the network stays in one slot', () => {
  const k = redisKeys('zkml', true)
  const one = (keys: string[], what: string) => assert.equal(new Set(keys.map(slot)).size, 1, `${what}: ${keys.join(', ')}`)
  for (const id of ['j0', 'jffff', 'k1234']) {
    one([k.job(id), k.events(id), k.stats, k.open, k.recent], 'create_job')
    one([k.job(id), k.events(id), k.stats, k.open], 'transition_job')
    one([k.job(id), k.badProofs, k.stats], 'chain rejection')
    one([k.job(id), k.events(id)], 'progress MULTI')
  }
  one([k.worker('w1'), k.worker('w2'), k.workers], 'worker ads (MULTI, MGET)')
  // BullMQ's keys of one queue share a slot; queues differ.
  const q = (name: string) => bullPrefix('zkml', name, true)
  const prove = proveQueueName('groth16.cpu.m1')
  one([`${q(prove)}:${prove}:wait`, `${q(prove)}:${prove}:active`, `${q(prove)}:${prove}:events`, `${q(prove)}:${prove}:job1`], 'one BullMQ queue')
  assert.notEqual(slot(`${q(prove)}:${prove}:wait`), slot(`${q(resultsQueueName)}:${resultsQueueName}:wait`))
  // Blobs are untagged: spread over the slots.
  assert.ok(new Set(['a1', 'b2', 'c3', 'd4'].map((h) => slot(k.blob(h)))).size > 1)
})

test('cluster: a prefix that already holds a tag is kept (everything in its slot)', () => {
  assert.equal(netPrefix('{zkml}', true), '{zkml}')
  assert.equal(bullPrefix('{zkml}', 'results', true), '{zkml}')
  assert.equal(redisKeys('{zkml}', true).job('x'), '{zkml}:net:job:x')
})

test('parseClusterUrl: seeds and credentials; other URLs are single Redis; malformed ones refused', () => {
  assert.deepEqual(parseClusterUrl('redis+cluster://10.0.0.1:7000,10.0.0.2:7001'), { nodes: [{ host: '10.0.0.1', port: 7000 }, { host: '10.0.0.2', port: 7001 }] })
  assert.deepEqual(parseClusterUrl('redis+cluster://u:p%40ss@h:1/'), { nodes: [{ host: 'h', port: 1 }], username: 'u', password: 'p@ss' })
  assert.equal(parseClusterUrl('redis://127.0.0.1:6379'), undefined)
  for (const bad of ['redis+cluster://', 'redis+cluster://host', 'redis+cluster://h:0', 'redis+cluster://h:7000/db'])
    assert.throws(() => parseClusterUrl(bad), (e: { code?: string; details?: string }) => e.code === 'REDIS_URL_INVALID' && /expected/.test(e.details ?? ''), bad)
})
