// A real local Redis Cluster for tests and benchmarks (not itself a test file): `redis-server` in
// cluster mode with AOF, masters + replicas on free loopback ports in a temp dir, created with
// `redis-cli --cluster create`, torn down (processes killed, dir removed) by `stop()`.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { redisPidOn, startPrivateRedisServer } from '../../src/dev/redisServer.ts'

export type LocalCluster = {
  /** Client ports, masters first as created (replica i follows master i mod masters, as redis-cli assigns). */
  ports: number[]
  /** `redis+cluster://127.0.0.1:<port>,…` for REDIS_URL / connectRedis. */
  url: string
  /** `redis-cli -p <port> <args…>`: stdout, trimmed (throws on a non-zero exit). */
  cli(port: number, ...args: string[]): string
  /** The port of the master serving a key's slot now. */
  masterOf(key: string): number
  /** The ports of the replicas of the master on `port`. */
  replicasOf(port: number): number[]
  /** SIGKILLs one node. */
  kill(port: number): void
  /** Kills every node and removes the data dir. */
  stop(): Promise<void>
}

/** Whether `redis-server` and `redis-cli` are on PATH (the reason to skip when not). */
export function redisClusterMissing(): string | undefined {
  for (const bin of ['redis-server', 'redis-cli'])
    if (spawnSync(bin, ['--version']).status !== 0) return `${bin} is not installed (apt-get install redis-server)`
  return undefined
}

async function freePort(): Promise<number> {
  for (;;) {
    const p = await new Promise<number>((resolve, reject) => {
      const s = createServer()
      s.once('error', reject)
      s.listen(0, '127.0.0.1', () => {
        const { port } = s.address() as { port: number }
        s.close(() => resolve(port))
      })
    })
    // The cluster bus listens on port + 10000: both must be free.
    if (p + 10000 > 65535) continue
    const busFree = await new Promise<boolean>((resolve) => {
      const s = createServer()
      s.once('error', () => resolve(false))
      s.listen(p + 10000, '127.0.0.1', () => s.close(() => resolve(true)))
    })
    if (busFree) return p
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Starts `masters` masters with `replicasPer` replicas each (default 3 × 1), AOF on, and a short
 * `cluster-node-timeout` so a killed master's replica takes over in about a second or two.
 */
export async function startRedisCluster(o: { masters?: number; replicasPer?: number; nodeTimeoutMs?: number } = {}): Promise<LocalCluster> {
  const masters = o.masters ?? 3
  const replicasPer = o.replicasPer ?? 1
  const n = masters * (1 + replicasPer)
  const dir = mkdtempSync(join(tmpdir(), 'zkml-cluster-'))
  const ports: number[] = []
  while (ports.length < n) {
    const p = await freePort()
    if (!ports.includes(p) && !ports.includes(p + 10000) && !ports.includes(p - 10000)) ports.push(p)
  }
  const procs = new Map<number, ChildProcess>()
  const cli = (port: number, ...args: string[]) => {
    const r = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8', timeout: 10_000 })
    if (r.status !== 0) throw new Error(`redis-cli -p ${port} ${args.join(' ')}: ${r.stderr || r.stdout}`)
    return r.stdout.trim()
  }
  const stop = async () => {
    for (const p of procs.values()) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL')
    await Promise.all([...procs.values()].map((p) => (p.exitCode === null && p.signalCode === null ? new Promise((r) => p.once('exit', r)) : undefined)))
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    for (const port of ports) {
      const d = join(dir, String(port))
      mkdirSync(d)
      const child = spawn('redis-server', [
        '--port', String(port), '--bind', '127.0.0.1', '--dir', d, '--save', '',
        '--appendonly', 'yes', '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf',
        '--cluster-node-timeout', String(o.nodeTimeoutMs ?? 1000), '--daemonize', 'no', '--loglevel', 'warning',
      ], { stdio: 'ignore' })
      procs.set(port, child)
    }
    for (const port of ports) {
      for (let i = 0; ; i++) {
        // PONG from this node's own process: a port taken between the probe and the bind would
        // otherwise put another test's Redis into this cluster.
        const pid = await redisPidOn(port, 300)
        if (pid !== undefined && pid === procs.get(port)!.pid) break
        if ((pid !== undefined && pid !== procs.get(port)!.pid) || i > 200)
          throw new Error(`redis-server on port ${port}: expected this cluster's node (pid ${procs.get(port)!.pid}) to answer, got ${pid === undefined ? 'no answer' : `pid ${pid}`}`)
        await sleep(50)
      }
    }
    const r = spawnSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', String(replicasPer), '--cluster-yes'], { encoding: 'utf8', timeout: 30_000 })
    if (r.status !== 0) throw new Error(`redis-cli --cluster create failed: ${r.stdout}\n${r.stderr}`)
    const end = Date.now() + 20_000
    for (;;) {
      const ok = ports.every((p) => /cluster_state:ok/.test(cli(p, 'cluster', 'info')))
      // Every replica must know its master (role line) before a fail-over can be asked of it.
      const roles = ports.map((p) => cli(p, 'role').split('\n')[0])
      if (ok && roles.filter((x) => x === 'slave').length === masters * replicasPer) break
      if (Date.now() > end) throw new Error(`cluster did not reach state ok with ${masters * replicasPer} replicas within 20 s`)
      await sleep(100)
    }
  } catch (e) {
    await stop()
    throw e
  }
  const nodeIdOf = (port: number) => cli(port, 'cluster', 'myid')
  return {
    ports,
    url: `redis+cluster://${ports.slice(0, masters).map((p) => `127.0.0.1:${p}`).join(',')}`,
    cli,
    masterOf(key) {
      const slot = cli(ports.find((p) => procs.get(p)!.exitCode === null && procs.get(p)!.signalCode === null)!, 'cluster', 'keyslot', key)
      const alive = ports.filter((p) => procs.get(p)!.exitCode === null && procs.get(p)!.signalCode === null)
      for (const p of alive) {
        const lines = cli(p, 'cluster', 'nodes').split('\n')
        for (const l of lines) {
          const f = l.split(' ')
          if (!f[2]?.includes('master') || f[2].includes('fail')) continue
          for (const range of f.slice(8)) {
            const [a, b] = range.split('-').map(Number)
            if (Number(slot) >= a! && Number(slot) <= (b ?? a)!) return Number(f[1]!.split(':')[1]!.split('@')[0])
          }
        }
        break
      }
      throw new Error(`no master serves slot ${slot} of ${key}`)
    },
    replicasOf(port) {
      const id = nodeIdOf(port)
      return ports.filter((p) => p !== port && procs.get(p)!.exitCode === null && procs.get(p)!.signalCode === null && cli(p, 'role').split('\n')[0] === 'slave' && cli(p, 'cluster', 'nodes').split('\n').some((l) => l.includes('myself') && l.split(' ')[3] === id))
    },
    kill(port) {
      procs.get(port)?.kill('SIGKILL')
    },
    stop,
  }
}

/** INFO stats totals of some nodes: commands processed and network bytes in + out. */
function countersOf(ports: () => number[], cli: (port: number, ...args: string[]) => string) {
  return async () => {
    const perNode: number[] = []
    const cpuPerNode: number[] = []
    let cmds = 0
    let bytes = 0
    for (const p of ports()) {
      const info = cli(p, 'info', 'stats')
      const cpu = cli(p, 'info', 'cpu')
      // Main thread CPU seconds (user + sys): what bounds one shard.
      cpuPerNode.push(['used_cpu_user_main_thread', 'used_cpu_sys_main_thread'].reduce((a, k) => a + Number(new RegExp(`^${k}:([\\d.]+)`, 'm').exec(cpu)?.[1] ?? 0), 0))
      const num = (k: string) => Number(new RegExp(`^${k}:(\\d+)`, 'm').exec(info)?.[1] ?? 0)
      // The INFO call itself is one command; it is on every snapshot, so it cancels out in deltas.
      perNode.push(num('total_commands_processed'))
      cmds += num('total_commands_processed')
      bytes += num('total_net_input_bytes') + num('total_net_output_bytes') - num('total_net_repl_output_bytes')
    }
    return { cmds, bytes, perNode, cpuPerNode }
  }
}

/** The counters of a cluster's masters (as they are now, after any fail-over). */
export function clusterCounters(c: LocalCluster) {
  const masters = () => c.ports.filter((p) => {
    try {
      return c.cli(p, 'role').split('\n')[0] === 'master'
    } catch {
      return false
    }
  })
  return countersOf(masters, c.cli)
}

/** A private single `redis-server` (AOF on) on a free loopback port, with the same shape as a cluster for benchmarks. */
export async function startRedisServer(): Promise<{ url: string; port: number; counters: () => Promise<{ cmds: number; bytes: number; perNode: number[]; cpuPerNode: number[] }>; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'zkml-redis-'))
  let started: Awaited<ReturnType<typeof startPrivateRedisServer>>
  try {
    started = await startPrivateRedisServer(['--dir', dir, '--save', '', '--appendonly', 'yes', '--loglevel', 'warning'])
  } catch (e) {
    rmSync(dir, { recursive: true, force: true })
    throw e
  }
  const { port, child } = started
  const cli = (p: number, ...args: string[]) => {
    const r = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(p), ...args], { encoding: 'utf8', timeout: 10_000 })
    if (r.status !== 0) throw new Error(`redis-cli -p ${p} ${args.join(' ')}: ${r.stderr || r.stdout}`)
    return r.stdout.trim()
  }
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await new Promise((r) => child.once('exit', r))
    }
    rmSync(dir, { recursive: true, force: true })
  }
  return { url: `redis://127.0.0.1:${port}`, port, counters: countersOf(() => [port], cli), stop }
}
