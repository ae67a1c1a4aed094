/**
 * bench/compile-prove: per bundled model and backend, the constraint count, compile time, prove time
 * and verify time, with ratios against baselines run in this same process:
 * - Groth16 prove time / PLONK prove time (the headline ratio);
 * - our end-to-end prove (quantize + witness program + .wtns + snarkjs) / snarkjs's prove alone
 *   (what our witness code costs on top of the SNARK);
 * - our witness computation / onnxruntime-node inference (circuit arithmetic vs a float runtime);
 * - ours (Groth16, PLONK) against ezkl (Halo2/KZG through the Python wheel) on the same models and
 *   inputs: compile+setup, prove, verify, proof bytes, on-chain verify gas (anvil), peak memory
 *   (Node's max RSS for snarkjs, the bridge's VmHWM for ezkl, a fresh bridge per model) and max
 *   error against onnxruntime-node. ezkl calibrates with logrows ≤ BENCH_EZKL_LOGROWS (default 13,
 *   the smallest that fits all three bundled models on all their samples); BENCH_EZKL=0 skips it.
 *
 * Then the PROVED_IN_BENCH bundled models (models/lib/bundled.ts: lstm-forecast) and the zoo (models/zoo/zoo.ts, realistic export shapes), Groth16 only: constraints, compile,
 * witness and prove time, and the max error against onnxruntime on the calibration samples.
 *
 * Run: npx tsx bench/compile-prove.ts [model ...]   (default: every model in models/ with samples.json, and the zoo)
 *      npx tsx bench/compile-prove.ts --scale [cnn-18] [model-20]   (2^18 and 2^20 circuits: bench/compile-prove-scale.ts)
 * Not a test: it prints numbers, it asserts nothing.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { compileModel, loadCircuit, proveInference, verifyInference } from '../src/compiler/index.ts'
import { runOnnxruntime } from '../src/compiler/onnx/index.ts'
import { encodeProof, prove, terminateSnark } from '../src/compiler/snark/index.ts'
import { bundledModels } from '../models/lib/bundled.ts'
import { createPublicClient, createWalletClient, http, type Abi, type Hex, type PublicClient } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { anvilPrivateKeys, startAnvil } from '../src/dev/anvil.ts'
import { deployContract } from '../src/chain/deploy.ts'
import { compileEzkl, ezklBridge, loadEzklCircuit, proveEzkl, verifyEzkl } from '../src/compiler/ezkl/index.ts'
import { zooModels } from '../models/zoo/zoo.ts'

if (process.argv.includes('--scale')) {
  // Circuits beyond the bundled 2^15 ptau: bench/compile-prove-scale.ts (its own processes, no anvil).
  await import('./compile-prove-scale.ts')
  process.exit(0)
}
const only = process.argv.slice(2)
const models = bundledModels().filter((m) => only.length === 0 || only.includes(m.name))
const REPS = Number(process.env.BENCH_REPS ?? 3)
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const time = async <T>(f: () => Promise<T> | T): Promise<[T, number]> => {
  const t = performance.now()
  const r = await f()
  return [r, performance.now() - t]
}

type Row = { model: string; backend: string; constraints: number; compileS: number; proveMs: number; snarkjsMs: number; verifyMs: number; witnessMs: number; ortMs: number; peakRssMb: number }
type Side = { model: string; backend: string; compileS: number; proveMs: number; verifyMs: number; proofBytes: number; gas: bigint; peakMb: number; maxError: number }
const rows: Row[] = []
const sides: Side[] = []
const zooRows: { model: string; constraints: number; compileS: number; witnessMs: number; proveMs: number; maxErr: number }[] = []
const work = mkdtempSync(join(tmpdir(), 'zkml-bench-'))
const anvil = await startAnvil()
const pub = createPublicClient({ chain: foundry, transport: http(anvil.rpcUrl) }) as PublicClient
const wallet = createWalletClient({ account: privateKeyToAccount(anvilPrivateKeys[0]), chain: foundry, transport: http(anvil.rpcUrl) })
/** Deploys a circuit's Verifier.json and estimates IZkmlVerifier.verify's gas for one proof. */
const verifyGas = async (dir: string, proof: Hex, signals: string[]) => {
  const v = JSON.parse(readFileSync(join(dir, 'Verifier.json'), 'utf8')) as { abi: Abi & unknown[]; bytecode: Hex }
  const address = await deployContract({ wallet, publicClient: pub }, v)
  return pub.estimateContractGas({ address, abi: v.abi, functionName: 'verify', args: [proof, signals.map(BigInt)] })
}
const hwmMb = (pid: number | undefined) => {
  const m = pid ? /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8')) : null
  return m ? Number(m[1]) / 1024 : NaN
}
try {
  for (const { name: model, onnx, samples } of models) {
    for (const backend of ['groth16', 'plonk'] as const) {
      const outDir = join(work, `${model}-${backend}`)
      const [compiled, compileMs] = await time(() => compileModel({ onnx, name: model, calibration: samples, backend, outDir }))
      const c = await loadCircuit(outDir)
      const ctx = { subject: 1n, round: 1n }
      const prove_: number[] = []
      const snark_: number[] = []
      const verify_: number[] = []
      const wit_: number[] = []
      const ort_: number[] = []
      let last: Awaited<ReturnType<typeof proveInference>> | undefined
      for (let i = 0; i < REPS; i++) {
        const input = samples[i % samples.length]!
        const [res, pm] = await time(() => proveInference(c, input, ctx))
        last = res
        prove_.push(pm)
        const [w, wm] = await time(() => c.computeWitness(input, ctx))
        wit_.push(wm)
        const [, sm] = await time(() => prove(backend, c.zkey, w.wtns))
        snark_.push(sm)
        const [ok, vm] = await time(() => verifyInference(c, res.proof, res.publicSignals))
        if (!ok) throw new Error(`bench proof for ${model}/${backend} did not verify`)
        verify_.push(vm)
        const dims = c.manifest.inputs[0]!.shape
        const [, om] = await time(() => runOnnxruntime(onnx, { [c.manifest.inputs[0]!.name]: { data: Float32Array.from(input), dims } }))
        ort_.push(om)
      }
      rows.push({
        model,
        backend,
        constraints: c.manifest.constraints,
        compileS: compileMs / 1000,
        proveMs: median(prove_),
        snarkjsMs: median(snark_),
        verifyMs: median(verify_),
        witnessMs: median(wit_),
        ortMs: median(ort_),
        peakRssMb: process.memoryUsage().rss / 2 ** 20,
      })
      const proof = encodeProof(backend, last!.proof)
      sides.push({
        model, backend, compileS: compileMs / 1000, proveMs: median(prove_), verifyMs: median(verify_), proofBytes: (proof.length - 2) / 2,
        gas: await verifyGas(outDir, proof, last!.publicSignals), peakMb: process.resourceUsage().maxRSS / 1024, maxError: compiled.manifest.fidelity.maxAbsError,
      })
    }
    if (process.env.BENCH_EZKL === '0') continue
    // ezkl: same model, samples and inputs; a fresh bridge so its VmHWM is this model's peak.
    await ezklBridge().close()
    const outDir = join(work, `${model}-ezkl`)
    const maxLogrows = Number(process.env.BENCH_EZKL_LOGROWS ?? 13)
    const [compiled, compileMs] = await time(() => compileEzkl({ onnx, name: model, calibration: samples, outDir, maxLogrows }))
    const c = await loadEzklCircuit(outDir)
    const prove_: number[] = []
    const verify_: number[] = []
    let last: Awaited<ReturnType<typeof proveEzkl>> | undefined
    for (let i = 0; i < REPS; i++) {
      const [res, pm] = await time(() => proveEzkl(c, samples[i % samples.length]!, { subject: 1n, round: 1n }))
      last = res
      prove_.push(pm)
      const [ok, vm] = await time(() => verifyEzkl(c, res.proof, res.publicSignals))
      if (!ok) throw new Error(`bench ezkl proof for ${model} did not verify`)
      verify_.push(vm)
    }
    sides.push({
      model, backend: `ezkl@${compiled.manifest.ezkl!.settings.logrows}`, compileS: compileMs / 1000, proveMs: median(prove_), verifyMs: median(verify_),
      proofBytes: (last!.proof.hexProof.length - 2) / 2, gas: await verifyGas(outDir, last!.proof.hexProof, last!.publicSignals),
      peakMb: hwmMb(ezklBridge().pid), maxError: compiled.manifest.fidelity.maxAbsError,
    })
  }
  // bundled models too large for the test suite (PROVED_IN_BENCH) are proved here, Groth16 only, beside the zoo
  for (const { name: model, onnx, samples } of [...bundledModels({ benchOnly: true }), ...zooModels()].filter((m) => only.length === 0 || only.includes(m.name))) {
    const outDir = join(work, `zoo-${model}`)
    const [{ manifest }, compileMs] = await time(() => compileModel({ onnx, name: model, calibration: samples, backend: 'groth16', outDir }))
    const c = await loadCircuit(outDir)
    const ctx = { subject: 1n, round: 1n }
    const wit_: number[] = []
    const prove_: number[] = []
    for (let i = 0; i < REPS; i++) {
      const input = samples[i % samples.length]!
      wit_.push((await time(() => c.computeWitness(input, ctx)))[1])
      const [res, ms] = await time(() => proveInference(c, input, ctx))
      prove_.push(ms)
      if (!(await verifyInference(c, res.proof, res.publicSignals))) throw new Error(`bench proof for ${model} did not verify`)
    }
    zooRows.push({ model, constraints: manifest.constraints, compileS: compileMs / 1000, witnessMs: median(wit_), proveMs: median(prove_), maxErr: manifest.fidelity.maxAbsError })
  }
} finally {
  await terminateSnark()
  await ezklBridge().close()
  await anvil.stop()
  rmSync(work, { recursive: true, force: true })
}

const f = (x: number, d = 1) => x.toFixed(d)
console.log(`\ncompile-prove (median of ${REPS}; node ${process.version}; ${(await import('node:os')).cpus()[0]?.model} × ${(await import('node:os')).cpus().length})`)
console.log('model         backend  constraints  compile s  prove ms  verify ms  ours/snarkjs  witness/ort  rss MB')
for (const r of rows)
  console.log(
    `${r.model.padEnd(13)} ${r.backend.padEnd(8)} ${String(r.constraints).padStart(11)} ${f(r.compileS).padStart(10)} ${f(r.proveMs, 0).padStart(9)} ${f(r.verifyMs, 0).padStart(10)} ${f(r.proveMs / r.snarkjsMs, 2).padStart(13)} ${f(r.witnessMs / r.ortMs, 2).padStart(12)} ${f(r.peakRssMb, 0).padStart(7)}`,
  )
console.log('\nGroth16 / PLONK prove-time ratio:')
for (const { name: model } of models) {
  const g = rows.find((r) => r.model === model && r.backend === 'groth16')
  const p = rows.find((r) => r.model === model && r.backend === 'plonk')
  if (g && p) console.log(`  ${model.padEnd(13)} ${f(g.proveMs / p.proveMs, 3)}  (groth16 ${f(g.proveMs, 0)} ms, plonk ${f(p.proveMs, 0)} ms)`)
}

if (sides.some((r) => r.backend.startsWith('ezkl'))) {
  console.log('\nours vs ezkl, same models and inputs (compile = compile + setup; gas = IZkmlVerifier.verify on anvil; peak MB: node maxRSS so far for snarkjs, bridge VmHWM for ezkl)')
  console.log('model         backend   compile s  prove ms  verify ms  proof B      gas  peak MB  max error')
  for (const r of sides)
    console.log(
      `${r.model.padEnd(13)} ${r.backend.padEnd(9)} ${f(r.compileS).padStart(9)} ${f(r.proveMs, 0).padStart(9)} ${f(r.verifyMs, 0).padStart(10)} ${String(r.proofBytes).padStart(8)} ${String(r.gas).padStart(8)} ${f(r.peakMb, 0).padStart(8)} ${r.maxError.toPrecision(3).padStart(10)}`,
    )
  console.log('\nratios ours / ezkl (below 1: ours is smaller or faster)')
  console.log('model         ours      compile  prove  verify  proof B    gas  max error')
  for (const e of sides.filter((r) => r.backend.startsWith('ezkl')))
    for (const o of sides.filter((r) => r.model === e.model && !r.backend.startsWith('ezkl')))
      console.log(
        `${o.model.padEnd(13)} ${o.backend.padEnd(9)} ${f(o.compileS / e.compileS, 2).padStart(7)} ${f(o.proveMs / e.proveMs, 2).padStart(6)} ${f(o.verifyMs / e.verifyMs, 2).padStart(7)} ${f(o.proofBytes / e.proofBytes, 3).padStart(8)} ${f(Number(o.gas) / Number(e.gas), 2).padStart(6)} ${f(o.maxError / e.maxError, 2).padStart(10)}`,
      )
}
if (zooRows.length > 0) {
  console.log('\nzoo (groth16)        constraints  compile s  witness ms  prove ms  max |err| vs ort')
  for (const z of zooRows)
    console.log(`${z.model.padEnd(20)} ${String(z.constraints).padStart(11)} ${f(z.compileS).padStart(10)} ${f(z.witnessMs, 1).padStart(11)} ${f(z.proveMs, 0).padStart(9)} ${z.maxErr.toPrecision(3).padStart(17)}`)
}
