import { spawn, type ChildProcess } from 'node:child_process'
import { connect } from 'node:net'
import { BaseError } from '../errors/index.ts'
import { freePort } from './anvil.ts'

/** A redis-server this process started, on a loopback port it is known to own. */
export type PrivateRedis = {
  url: string
  port: number
  child: ChildProcess
}

/**
 * The `process_id` of the redis-server answering on `port`, or undefined when none answers within
 * `timeoutMs` (raw RESP over a socket: no client library, no retries, no reconnection).
 *
 * @example
 * ```ts
 * import { redisPidOn } from './src/dev/redisServer.ts'
 * await redisPidOn(6379) // 4242: the pid of the redis-server on 127.0.0.1:6379, or undefined
 * ```
 */
export function redisPidOn(port: number, timeoutMs = 500): Promise<number | undefined> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port })
    let buf = ''
    const done = (pid: number | undefined) => {
      clearTimeout(timer)
      s.destroy()
      resolve(pid)
    }
    const timer = setTimeout(() => done(undefined), timeoutMs)
    s.on('error', () => done(undefined))
    s.on('connect', () => s.write('*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n'))
    s.on('data', (d) => {
      buf += String(d)
      // The line's end too: a reply split across reads must not yield the first digits of the pid.
      const m = /process_id:(\d+)\r\n/.exec(buf)
      if (m) done(Number(m[1]))
      else if (buf.startsWith('-')) done(undefined) // an error reply (e.g. -LOADING): not ready yet
    })
  })
}

/**
 * Starts `redis-server` on a free loopback port with the given extra arguments and resolves once
 * *this* server answers: the `process_id` it reports must be the child's pid. A free port can be
 * taken by another process between the probe and redis-server's bind; redis-server then exits, and
 * a bare "does something answer on the port" check would go on with another test's or another
 * stack's Redis. That case, and a server that never answers, retries on a new port (`attempts`).
 *
 * @example
 * ```ts
 * import { startPrivateRedisServer } from './src/dev/redisServer.ts'
 * const r = await startPrivateRedisServer(['--save', '', '--appendonly', 'yes', '--dir', dir])
 * // r.url === 'redis://127.0.0.1:<port>'; r.child.kill() when done
 * ```
 */
export async function startPrivateRedisServer(
  args: string[],
  opts: { attempts?: number; readyMs?: number; /** Where ports come from (tests: a taken one first). */ pickPort?: () => Promise<number> } = {},
): Promise<PrivateRedis> {
  const attempts = opts.attempts ?? 5
  let last = ''
  for (let i = 0; i < attempts; i++) {
    const port = await (opts.pickPort ?? freePort)()
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', ...args], { stdio: 'ignore' })
    const exited = new Promise<string>((resolve) => {
      child.once('error', (e) => resolve(e.message))
      child.once('exit', (code, signal) => resolve(`exited with ${code ?? signal}`))
    })
    let gone: string | undefined
    void exited.then((why) => { gone ??= why })
    const deadline = Date.now() + (opts.readyMs ?? 10_000)
    while (gone === undefined && Date.now() < deadline) {
      const pid = await redisPidOn(port, 300)
      if (pid === child.pid) return { url: `redis://127.0.0.1:${port}`, port, child }
      if (pid !== undefined) {
        // Another server holds the port: ours cannot have bound it.
        gone = `port ${port} is held by redis-server pid ${pid}`
        break
      }
      await new Promise((r) => setTimeout(r, 50))
    }
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await exited
    }
    last = gone ?? `no answer on port ${port} within ${opts.readyMs ?? 10_000} ms`
    if (last.includes('ENOENT')) break // no redis-server binary: retrying cannot help
  }
  throw new BaseError('REDIS_UNAVAILABLE', 'Could not start a private redis-server.', {
    details: `expected redis-server to answer on a free loopback port, got: ${last}`,
  })
}
