import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { startAnvil, type AnvilInstance } from '../dev/anvil.ts'
import { startPrivateRedisServer } from '../dev/redisServer.ts'
import { BaseError } from '../errors/index.ts'

const zkmlBin = new URL('../../bin/zkml.js', import.meta.url).pathname

export type LocalStack = {
  anvil: AnvilInstance
  redisUrl: string
  /** True when this stack started its own redis-server (none answered, or the one there has no persistence). */
  ownRedis: boolean
  apiUrl: string
  apiKey: string
  prefix: string
  storeDir: string
  /** Where the API reads the explorer's feed list; absent until written (runDemo writes it once feeds are deployed). */
  feedsFile: string
  workers: ChildProcess[]
  /** Stops workers, API, anvil and any redis it started; removes the artifact store. */
  stop(): Promise<void>
}

/** Resolves once `host:port` accepts a TCP connection, or false after `ms`. */
async function answers(url: string, ms = 1500): Promise<boolean> {
  const { hostname, port } = new URL(url)
  const { connect } = await import('node:net')
  return new Promise((resolve) => {
    const s = connect({ host: hostname, port: Number(port || 6379) })
    const done = (ok: boolean) => {
      s.destroy()
      resolve(ok)
    }
    s.setTimeout(ms, () => done(false))
    s.once('connect', () => done(true))
    s.once('error', () => done(false))
  })
}

/** Whether the Redis at `url` persists (AOF or RDB), or undefined if it cannot be asked. */
async function persistenceOf(url: string): Promise<{ durable: boolean } | undefined> {
  const { connectRedis, redisPersistence } = await import('../network/index.ts')
  const redis = await connectRedis({ url }).catch(() => undefined)
  if (!redis) return undefined
  try {
    return await redisPersistence(redis)
  } finally {
    redis.disconnect()
  }
}

/**
 * A private redis-server with AOF (fsync every second) on a free port, its files in a temporary
 * directory removed on stop.
 */
async function startPrivateRedis(): Promise<{ url: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'zkml-redis-'))
  let r: Awaited<ReturnType<typeof startPrivateRedisServer>>
  try {
    r = await startPrivateRedisServer(['--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec', '--dir', dir])
  } catch (e) {
    rmSync(dir, { recursive: true, force: true })
    throw e
  }
  return {
    url: r.url,
    stop: async () => {
      await terminate(r.child)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Spawns a `zkml` subcommand and resolves with the process once a stdout line matches `ready`. */
function spawnZkml(args: string[], ready: RegExp, env: NodeJS.ProcessEnv, label: string, log: (l: string) => void): Promise<{ proc: ChildProcess; match: RegExpMatchArray }> {
  const proc = spawn(process.execPath, [zkmlBin, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  proc.stderr!.on('data', (d) => (stderr += String(d)))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new BaseError('CHAIN_UNAVAILABLE', `${label} did not start within 60 s.`, { details: stderr.trim() })), 60_000)
    const rl = createInterface({ input: proc.stdout! })
    rl.on('line', (line) => {
      log(`${label}: ${line}`)
      const m = line.match(ready)
      if (m) {
        clearTimeout(timer)
        resolve({ proc, match: m })
      }
    })
    proc.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${label} exited with ${code} before it was ready:\n${stderr.trim()}`))
    })
  })
}

/**
 * Starts everything the main job needs on this machine, as separate processes the way a real
 * deployment runs them: a real anvil, Redis (the one at REDIS_URL / 127.0.0.1:6379 if it persists
 * (AOF or RDB), else a private redis-server with AOF; only if none can be started, the volatile one
 * with `--allow-volatile-redis` and a warning), `zkml serve` (API + coordinator) and
 * `workers` × `zkml worker`.
 *
 * @example
 * ```ts
 * const stack = await startLocalStack({ workers: 2 })
 * console.log(stack.apiUrl)
 * await stack.stop()
 * ```
 */
export async function startLocalStack(opts: { workers?: number; log?: ((line: string) => void) | undefined } = {}): Promise<LocalStack> {
  const log = opts.log ?? (() => {})
  const cleanups: (() => Promise<void> | void)[] = []
  const stop = async () => {
    for (const c of cleanups.reverse()) await c()
  }
  try {
    let redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
    let ownRedis = false
    let allowVolatile = false
    // The network refuses a Redis without persistence (REDIS_NOT_DURABLE). The demo should work on
    // any machine, so on such a Redis (or none) it starts its own with AOF; only when it cannot does
    // it run on the volatile one, with --allow-volatile-redis and a warning on stderr.
    const found = (await answers(redisUrl)) ? await persistenceOf(redisUrl) : undefined
    if (!found?.durable) {
      const own = await startPrivateRedis().catch((e: Error) => e)
      if (own instanceof Error) {
        if (!found)
          throw new BaseError('REDIS_UNAVAILABLE', `No Redis answers at ${redisUrl}, and redis-server could not be started.`, {
            details: 'expected a Redis server: install one (Debian: apt-get install redis-server) or set REDIS_URL to a running one',
            cause: own,
          })
        console.error(`demo: WARNING: the Redis at ${redisUrl} has no persistence (AOF or RDB) and redis-server could not be started (${own.message}); running on it with --allow-volatile-redis: a Redis restart loses the demo's jobs`)
        allowVolatile = true
      } else {
        cleanups.push(own.stop)
        redisUrl = own.url
        ownRedis = true
        log(`redis: ${found ? 'the Redis at REDIS_URL has no persistence; ' : ''}started redis-server with AOF on ${redisUrl}`)
      }
    }
    const anvil = await startAnvil()
    cleanups.push(() => anvil.stop())
    const prefix = `demo-${process.pid}-${Date.now().toString(36)}`
    const storeDir = mkdtempSync(join(tmpdir(), 'zkml-store-'))
    cleanups.push(() => rmSync(storeDir, { recursive: true, force: true }))
    const feedsFile = join(storeDir, 'feeds.json')
    const apiKey = `demo-${Math.random().toString(36).slice(2)}`
    const env = { REDIS_URL: redisUrl, ZKML_PREFIX: prefix, ZKML_STORE_DIR: storeDir, ZKML_API_KEYS: apiKey }
    const volatile = allowVolatile ? ['--allow-volatile-redis'] : []
    const serve = await spawnZkml(['serve', ...volatile, '--port', '0', '--sweep-ms', '2000', '--feeds', feedsFile], /listening on (http\S+)/, env, 'serve', log)
    cleanups.push(() => terminate(serve.proc))
    const workers: ChildProcess[] = []
    for (let i = 0; i < (opts.workers ?? 2); i++) {
      const w = await spawnZkml(['worker', ...volatile, '--id', `demo-worker-${i + 1}`, '--lock-ms', '20000'], /.+/, env, `worker-${i + 1}`, log)
      workers.push(w.proc)
      cleanups.push(() => terminate(w.proc))
    }
    return { anvil, redisUrl, ownRedis, apiUrl: serve.match[1]!, apiKey, prefix, storeDir, feedsFile, workers, stop }
  } catch (e) {
    await stop()
    throw e
  }
}

function terminate(p: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) return resolve()
    const t = setTimeout(() => p.kill('SIGKILL'), 10_000)
    p.once('exit', () => {
      clearTimeout(t)
      resolve()
    })
    p.kill('SIGTERM')
  })
}
