import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { BaseError } from '../errors/index.ts'

const require = createRequire(import.meta.url)

/** anvil's default mnemonic accounts 0..9 ("test test … junk"), private keys for tests and the demo. */
export const anvilPrivateKeys = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6',
  '0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a',
  '0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba',
] as const satisfies readonly `0x${string}`[]

export type AnvilInstance = {
  rpcUrl: string
  port: number
  chainId: number
  /** Stops the node and waits for the process to exit. */
  stop(): Promise<void>
  process: ChildProcess
}

/** Finds a free TCP port on loopback by binding port 0. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      const port = typeof addr === 'object' && addr ? addr.port : 0
      srv.close(() => resolve(port))
    })
  })
}

/**
 * Path of the anvil binary shipped by the npm package @foundry-rs/anvil-linux-amd64, an optional
 * dependency (it exists for linux-x64 only): where it is missing, `CHAIN_UNAVAILABLE` says what to run.
 *
 * @example
 * ```ts
 * import { anvilBinary } from './src/dev/anvil.ts'
 * console.log(anvilBinary()) // …/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil
 * ```
 */
export function anvilBinary(): string {
  let pkg: string
  try {
    pkg = require.resolve('@foundry-rs/anvil-linux-amd64/package.json')
  } catch (e) {
    throw new BaseError('CHAIN_UNAVAILABLE', 'The anvil binary is not installed.', {
      details: `expected the optional npm package @foundry-rs/anvil-linux-amd64 (linux x64), got none on ${process.platform}-${process.arch}; run \`npm install @foundry-rs/anvil-linux-amd64\` or put a Foundry anvil on PATH`,
      cause: e,
    })
  }
  return join(dirname(pkg), 'bin', 'anvil')
}

/**
 * Spawns a real anvil node on a free loopback port and resolves once it answers JSON-RPC.
 *
 * @example
 * ```ts
 * import { startAnvil } from './src/dev/anvil.ts'
 * const anvil = await startAnvil()
 * console.log(anvil.rpcUrl) // http://127.0.0.1:PORT
 * await anvil.stop()
 * ```
 */
export async function startAnvil(
  options: { chainId?: number; blockTime?: number; args?: string[]; /** Reuse a port, e.g. to restart a node where clients expect it. */ port?: number } = {},
): Promise<AnvilInstance> {
  // Port 0 by default: anvil binds a free port itself and prints it. Picking one with freePort() and
  // passing it raced with other processes doing the same: a second anvil failed to bind, but the first
  // one answered on that port, so two test files shared one chain (nonces, state) without knowing.
  const chainId = options.chainId ?? 31337
  const args = ['--host', '127.0.0.1', '--port', String(options.port ?? 0), '--chain-id', String(chainId),
    '--code-size-limit', '100000', ...(options.blockTime ? ['--block-time', String(options.blockTime)] : []), ...(options.args ?? [])]
  // Not --silent: the "Listening on" line is how we learn the port. Later lines (one per RPC method) are drained and dropped.
  const child = spawn(anvilBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', (d) => (stderr += String(d)))
  let stdout = ''
  let port: number | undefined
  const onStdout = (d: Buffer) => {
    stdout += String(d)
    const m = /Listening on [0-9.]+:(\d+)/.exec(stdout)
    if (m) {
      port = Number(m[1])
      child.stdout?.off('data', onStdout)
      child.stdout?.resume()
      stdout = ''
    } else if (stdout.length > 64 * 1024) stdout = stdout.slice(-1024)
  }
  child.stdout?.on('data', onStdout)
  const deadline = Date.now() + 15_000
  for (;;) {
    if (child.exitCode !== null)
      throw new BaseError('CHAIN_UNAVAILABLE', 'anvil exited before it answered.', { details: stderr.trim() || `exit code ${child.exitCode}` })
    if (port !== undefined) {
      if (options.port !== undefined && port !== options.port) {
        child.kill('SIGKILL')
        throw new BaseError('CHAIN_UNAVAILABLE', `anvil listens on port ${port}.`, { details: `expected port ${options.port}, got ${port}` })
      }
      try {
        const res = await fetch(`http://127.0.0.1:${port}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
        })
        if (res.ok) break
      } catch {}
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new BaseError('CHAIN_UNAVAILABLE', `anvil did not answer${port === undefined ? '' : ` on port ${port}`} within 15 s.`, { details: stderr.trim() || 'no output' })
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  const rpcUrl = `http://127.0.0.1:${port}`
  return {
    rpcUrl,
    port: port!,
    chainId,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}
