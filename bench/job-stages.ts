/**
 * bench/job-stages: where one network job's CPU goes, stage by stage, in this process, for a bundled
 * model on the native engine: the TypeScript witness, the native prove (and its own profile), the
 * worker's self-verify and the coordinator's checks (canonical encoding, pairing check), each beside
 * the path it replaced in the same run (the bigint G2 subgroup check, snarkjs's WASM verify, the
 * unprepared native check). bench/queue-throughput measures the same job through Redis.
 *
 * Run: npx tsx bench/job-stages.ts [--model pool-risk] [--n 50]
 * Not a test: it prints numbers; it asserts only that every proof verifies on every path.
 *
 * Last run (2-core machine, idle, pool-risk, 992 constraints, `--n 200`): witness 0.3 ms, native
 * prove 8–11 ms (H MSM 5–7), verify with every check 1.58 ms (prepared key, native subgroup check,
 * negative signals negated; the native pairing check alone 1.0 ms) against 4.95 ms before it
 * (snarkjs 17–19 ms), canonical-encoding check 0.26 ms against 2.35 ms (bigint subgroup check).
 */
import { parseArgs } from 'node:util'
import { canonicalProof, terminateSnark } from '../src/compiler/snark/index.ts'
import { verifyInference } from '../src/compiler/proveInference.ts'
import { loadNativeAddon, nativeEngine, nativeGroth16Check, proveWtns, type NativeCircuit } from '../src/prover/engines/native/index.ts'
import { compileBundledModel, tempDir } from '../test/integration/prover-helpers.ts'

const { values: a } = parseArgs({ options: { model: { type: 'string', default: 'pool-risk' }, n: { type: 'string', default: '50' } } })
const N = Number(a.n)
const { addon, reason } = await loadNativeAddon({ build: true })
if (!addon) throw new Error(`job-stages: no native addon (${reason})`)
const dirs = tempDir('job-stages')
try {
  const c = await compileBundledModel(a.model!, `${dirs.dir}/circuit`)
  const engine = await nativeEngine(addon)
  const circuit = (await engine.load(c.dir)) as NativeCircuit
  const { NativeVerifier: _p, isG2: _g, ...oldAddon } = addon
  const unprepared = nativeGroth16Check(oldAddon)!
  const ctx = { subject: 2n, round: 1n }
  const ms: Record<string, number> = {}
  const add = (k: string, v: number) => { ms[k] = (ms[k] ?? 0) + v / N }
  const timed = async <T>(k: string, on: boolean, f: () => T | Promise<T>): Promise<T> => {
    const s = performance.now()
    const r = await f()
    if (on) add(k, performance.now() - s)
    return r
  }
  for (let i = -3; i < N; i++) {
    const on = i >= 0
    const w = await timed('witness (TypeScript)', on, () => circuit.computeWitness(c.sample(i + 3), ctx))
    await timed('  .wtns bytes (only the prover needs them)', on, () => w.wtns)
    const out = await timed('native prove (wall)', on, () => proveWtns(circuit.native!, w.wtns))
    if (on) for (const [k, v] of Object.entries(out.timings)) add(`  native ${k}`, v)
    const ok = [
      await timed('verify: native, prepared key + native subgroup check', on, () => engine.verify(circuit, out.proof, out.publicSignals)),
      await timed('verify: native, key parsed per call + bigint subgroup check (before)', on, () => verifyInference(circuit as never, out.proof as never, out.publicSignals, { groth16Check: unprepared })),
      await timed('verify: snarkjs (WASM)', on, () => verifyInference(circuit as never, out.proof as never, out.publicSignals)),
    ]
    if (ok.some((x) => x !== true)) throw new Error(`a path refused an honest proof: ${ok}`)
    await timed('canonical encoding: native subgroup check', on, () => engine.canonicalProof(circuit, out.proof))
    await timed('canonical encoding: bigint subgroup check (before)', on, () => canonicalProof('groth16', out.proof as never))
  }
  console.log(`job-stages: ${a.model} (${circuit.manifest.constraints} constraints), ms per job, mean of ${N}`)
  for (const [k, v] of Object.entries(ms)) console.log(`  ${k.padEnd(72)} ${v.toFixed(2)}`)
} finally {
  await terminateSnark()
  dirs.remove()
}
