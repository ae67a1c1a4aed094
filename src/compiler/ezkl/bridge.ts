import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { BaseError } from '../../errors/index.ts'
import { ensureEzklVenv } from './venv.ts'

type Visibility = 'public' | 'private' | 'fixed' | 'hashed'

/** ezkl 23's `PyRunArgs` fields the backend sets (names as in the wheel). */
export type EzklRunArgs = {
  input_visibility?: Visibility
  output_visibility?: Visibility
  param_visibility?: Visibility
  logrows?: number
  input_scale?: number
  param_scale?: number
  scale_rebase_multiplier?: number
  num_inner_cols?: number
  decomp_base?: number
  decomp_legs?: number
  lookup_range?: [number, number]
  variables?: [string, number][]
}

/** One felt, as ezkl writes it in witness and proof files: 32 bytes little-endian, hex. */
export type EzklFelt = string

/** The bridge's ops: ezkl 23's functions with their real keyword names, and their results. */
export type EzklOps = {
  version: { args: Record<string, never>; result: { ezkl: string; onnx: string; python: string } }
  gen_settings: { args: { model: string; output: string; run_args?: EzklRunArgs }; result: boolean }
  calibrate_settings: {
    args: { data: string; model: string; settings: string; target: 'resources' | 'accuracy'; lookup_safety_margin?: number; scales?: number[]; scale_rebase_multiplier?: number[]; max_logrows?: number }
    result: boolean
  }
  compile_circuit: { args: { model: string; compiled_circuit: string; settings_path: string }; result: boolean }
  gen_srs: { args: { srs_path: string; logrows: number }; result: boolean }
  setup: { args: { model: string; vk_path: string; pk_path: string; srs_path: string; witness_path?: string; disable_selector_compression?: boolean }; result: boolean }
  gen_witness: {
    args: { data: string; model: string; output: string; vk_path?: string; srs_path?: string }
    result: { inputs: EzklFelt[][]; outputs: EzklFelt[][]; pretty_elements?: unknown }
  }
  prove: { args: { witness: string; model: string; pk_path: string; proof_path: string; srs_path: string }; result: boolean }
  verify: { args: { proof_path: string; settings_path: string; vk_path: string; srs_path: string }; result: boolean }
  create_evm_verifier: {
    args: { vk_path: string; settings_path: string; sol_code_path: string; abi_path: string; srs_path: string; reusable?: boolean }
    result: { sol_code_path: string; solc: 'ezkl' | 'unavailable'; note?: string }
  }
  augment_onnx: {
    args: { model: string; output: string; name: string; length: number }
    result: { inputs: { name: string; shape: number[] }[]; outputs: { name: string; shape: number[] }[] }
  }
}
export type EzklOp = keyof EzklOps

type Pending = { op: string; resolve: (v: unknown) => void; reject: (e: unknown) => void }

const script = fileURLToPath(new URL('./bridge.py', import.meta.url))

/**
 * The Node side of the Python bridge (bridge.py): one long-lived `python bridge.py` per
 * `EzklBridge`, requests and answers as JSON lines. A Python exception becomes `EZKL_FAILED`
 * ("expected … got …" from ezkl's message); a bridge that dies fails what was in flight with
 * `EZKL_BRIDGE_CRASHED` and the next request starts a new one. The child is proxied to a closed
 * port, so nothing it runs can reach the network (ezkl's solc download fails fast, as it must).
 * The process keeps Node alive only while a request is in flight.
 *
 * @example
 * ```ts
 * import { ezklBridge } from './src/compiler/ezkl/bridge.ts'
 * const v = await ezklBridge().request('version', {})
 * console.log(v.ezkl) // '23.0.5'
 * ```
 */
export class EzklBridge {
  private child: ChildProcessWithoutNullStreams | undefined
  private pending = new Map<number, Pending>()
  private nextId = 1
  private stderrTail: string[] = []
  /** How many bridge processes this object has started (a restart after a crash adds one). */
  starts = 0

  /** The running bridge's pid, if any (tests kill it to check the restart). */
  get pid(): number | undefined {
    return this.child?.pid
  }

  async request<O extends EzklOp>(op: O, args: EzklOps[O]['args']): Promise<EzklOps[O]['result']> {
    const child = await this.start()
    const id = this.nextId++
    const answer = new Promise<unknown>((resolve, reject) => this.pending.set(id, { op, resolve, reject }))
    this.hold(true)
    child.stdin.write(`${JSON.stringify({ id, op, args })}\n`)
    return answer as Promise<EzklOps[O]['result']>
  }

  /** Ends the bridge process (it is restarted by the next request). */
  async close(): Promise<void> {
    const c = this.child
    if (!c) return
    this.child = undefined
    const exited = new Promise<void>((r) => c.once('exit', () => r()))
    c.stdin.end()
    const t = setTimeout(() => c.kill('SIGKILL'), 3000)
    await exited
    clearTimeout(t)
  }

  private starting: Promise<ChildProcessWithoutNullStreams> | undefined

  private start(): Promise<ChildProcessWithoutNullStreams> {
    if (this.child) return Promise.resolve(this.child)
    this.starting ??= (async () => {
      const python = await ensureEzklVenv()
      const closedPort = 'http://127.0.0.1:9'
      const child = spawn(python, ['-u', script], {
        env: { ...process.env, HTTPS_PROXY: closedPort, HTTP_PROXY: closedPort, ALL_PROXY: closedPort, https_proxy: closedPort, http_proxy: closedPort, all_proxy: closedPort, NO_PROXY: '', no_proxy: '' },
        stdio: ['pipe', 'pipe', 'pipe'],
      })
      this.starts++
      this.child = child
      let buf = ''
      child.stdout.setEncoding('utf8')
      child.stdout.on('data', (chunk: string) => {
        buf += chunk
        let nl: number
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl)
          buf = buf.slice(nl + 1)
          if (line.trim()) this.onLine(line)
        }
      })
      child.stderr.setEncoding('utf8')
      child.stderr.on('data', (chunk: string) => {
        if (process.env.ZKML_EZKL_DEBUG) process.stderr.write(chunk)
        this.stderrTail.push(chunk)
        if (this.stderrTail.length > 40) this.stderrTail.splice(0, this.stderrTail.length - 40)
      })
      child.stdin.on('error', () => {}) // EPIPE after a crash: the exit handler reports it
      child.on('error', (e) => this.onExit(child, `could not run ${python}: ${e.message}`))
      child.on('exit', (code, signal) => this.onExit(child, `exit code ${code ?? '-'}, signal ${signal ?? '-'}`))
      this.hold(false)
      return child
    })().finally(() => (this.starting = undefined))
    return this.starting
  }

  private onLine(line: string): void {
    let msg: { id?: number; ok?: boolean; result?: unknown; error?: { type: string; message: string } }
    try {
      msg = JSON.parse(line)
    } catch {
      const c = this.child
      this.failAll(`expected a JSON line, got ${JSON.stringify(line.slice(0, 200))}`)
      c?.kill('SIGKILL')
      return
    }
    const p = msg.id === undefined ? undefined : this.pending.get(msg.id)
    if (!p) return
    this.pending.delete(msg.id!)
    if (msg.ok) p.resolve(msg.result)
    else {
      const err = msg.error ?? { type: 'Error', message: 'no message' }
      const firstLine = err.message.split('\n').find((l) => l.trim()) ?? err.message
      p.reject(
        new BaseError('EZKL_FAILED', `ezkl ${p.op} failed: ${firstLine.slice(0, 200)}`, {
          details: `expected ezkl.${p.op} to succeed, got ${err.type}: ${err.message.slice(0, 1500)}`,
          meta: { op: p.op, pythonError: err.type },
        }),
      )
    }
    if (this.pending.size === 0) this.hold(false)
  }

  private onExit(child: ChildProcessWithoutNullStreams, how: string): void {
    if (this.child === child) this.child = undefined
    this.failAll(`the bridge exited (${how})`)
  }

  private failAll(why: string): void {
    const tail = this.stderrTail.join('').split('\n').filter(Boolean).slice(-5).join(' | ')
    for (const [id, p] of this.pending) {
      this.pending.delete(id)
      p.reject(
        new BaseError('EZKL_BRIDGE_CRASHED', `The ezkl bridge died during ${p.op}.`, {
          details: `expected a JSON answer to ${p.op}, got: ${why}${tail ? `; stderr: ${tail.slice(-600)}` : ''}`,
          meta: { op: p.op },
        }),
      )
    }
  }

  /** Keeps Node alive only while an answer is owed, so an idle bridge never blocks exit. */
  private hold(on: boolean): void {
    const c = this.child
    if (!c) return
    const streams = [c.stdout, c.stderr, c.stdin] as unknown as { ref?(): void; unref?(): void }[]
    if (on) {
      c.ref()
      for (const s of streams) s.ref?.()
    } else {
      c.unref()
      for (const s of streams) s.unref?.()
    }
  }
}

let shared: EzklBridge | undefined

/**
 * The process's one bridge (created on first use).
 *
 * @example
 * ```ts
 * const ok = await ezklBridge().request('verify', { proof_path, settings_path, vk_path, srs_path })
 * ```
 */
export function ezklBridge(): EzklBridge {
  shared ??= new EzklBridge()
  return shared
}
