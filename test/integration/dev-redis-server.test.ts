// The private redis-server launcher (src/dev/redisServer.ts) that the demo's local stack and the
// durability and cluster tests start their own Redis with: it must end up on a server it started,
// never on another process's Redis that happened to take the port it probed.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../../src/dev/anvil.ts'
import { redisPidOn, startPrivateRedisServer } from '../../src/dev/redisServer.ts'
import { BaseError } from '../../src/errors/index.ts'

const dir = mkdtempSync(join(tmpdir(), 'zkml-dev-redis-'))
const children: ChildProcess[] = []
after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : undefined)))
  rmSync(dir, { recursive: true, force: true })
})
const volatile = ['--save', '', '--appendonly', 'no']

test('a port taken by another redis-server is not taken for ours: the launcher moves to a new port', async () => {
  const held = await startPrivateRedisServer([...volatile, '--dir', dir])
  children.push(held.child)
  assert.equal(await redisPidOn(held.port), held.child.pid, 'the first server answers with its own pid')
  // The next "free" port handed out is the one the first server holds, as when another process
  // binds a probed port before redis-server does.
  const ports = [held.port]
  const ours = await startPrivateRedisServer([...volatile, '--dir', dir], { pickPort: async () => ports.shift() ?? freePort() })
  children.push(ours.child)
  assert.notEqual(ours.port, held.port)
  assert.equal(await redisPidOn(ours.port), ours.child.pid)
  assert.equal(ours.url, `redis://127.0.0.1:${ours.port}`)
  assert.equal(await redisPidOn(held.port), held.child.pid, 'the other server is left alone')
})

test('a port that never gets our server gives a coded error after the attempts, and nothing left running', async () => {
  const held = await startPrivateRedisServer([...volatile, '--dir', dir])
  children.push(held.child)
  await assert.rejects(
    startPrivateRedisServer([...volatile, '--dir', dir], { attempts: 2, pickPort: async () => held.port }),
    (e: unknown) => e instanceof BaseError && e.code === 'REDIS_UNAVAILABLE' && /held by redis-server pid/.test(e.details ?? ''),
  )
  assert.equal(await redisPidOn(held.port), held.child.pid)
  assert.equal(await redisPidOn(await freePort(), 200), undefined, 'nothing answers on a free port')
})
