// bench/market.ts: calibrates the market's hardware profile from real proofs and reports how good it is.
//
//   npx tsx bench/market.ts [--name ci-2core] [--quick] [--no-write]
//   npx tsx bench/market.ts --models-only [--name ci-2core]   (only (d), against the saved profile)
//
// (a) proves synthetic circuits of several sizes (a squaring chain with the manifest's public-signal layout
//     [output, input, subject, round]) with real snarkjs through the adapter, Groth16 and PLONK, measuring
//     wall time (mean of reps after a warm-up) and peak RSS of a fresh prover process;
// (b) fits seconds ≈ a + b·n·log2 n and bytes ≈ c + d·n per backend and writes src/market/profiles/<name>.json
//     with the machine, date, tool versions and raw points;
// (c) prints estimate/measured ratios on held-out sizes (not used in the fit), then gas per ProofMarket
//     action on anvil, against the bare verifier call as the baseline;
// (d) compiles the bundled models (models/*/model.onnx) for both backends and prints each quote's time
//     estimate against the measured proving time (estimate / measured; 1.00 is a perfect quote).
//
// PLONK points are sized in PLONK gates (plonkGateCount), the size estimateProof uses for PLONK.
import { cpus, totalmem, platform, arch } from 'node:os'
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { performance } from 'node:perf_hooks'
import {
  createPublicClient, createTestClient, createWalletClient, http, encodeFunctionData, type ContractFunctionArgs, type ContractFunctionName, type Hex,
} from 'viem'
import { verifierAbi } from '../src/chain/projectContracts.ts'
import { writeAndWait } from '../src/chain/writeAndWait.ts'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { startAnvil, anvilPrivateKeys } from '../src/dev/anvil.ts'
import { compileSolidity } from '../src/compiler/solidity/compileSolidity.ts'
import { writeR1cs, writeWtns } from '../src/compiler/r1cs/index.ts'
import { chainCircuit } from './chain-circuit.ts'
import {
  setupGroth16, setupPlonk, prove, encodeProof, exportSolidityVerifier, terminateSnark, DEFAULT_PTAU_PATH, plonkGateCount,
} from '../src/compiler/snark/index.ts'
import { compileModel, loadCircuit } from '../src/compiler/index.ts'
import { bundledModels } from '../models/lib/bundled.ts'
import type { SnarkBackend as Backend } from '../src/compiler/manifest.ts'
import { fitBackend, estimateProof, quote, proofMarketContract, offerStruct, inputsCommitment, loadHardwareProfile, type HardwareProfile, type ProfilePoint } from '../src/market/index.ts'

const argv = process.argv.slice(2)
const name = argv.includes('--name') ? argv[argv.indexOf('--name') + 1]! : 'ci-2core'
const quick = argv.includes('--quick')
const write = !argv.includes('--no-write')
const REPS = quick ? 1 : 2
const modelsOnly = argv.includes('--models-only')

/**
 * Proves in a fresh child process (this script with --child): one warm-up proof (curve and worker start-up
 * are not per-proof cost), then `reps` timed ones. Memory is the child's peak RSS (getrusage maxrss), i.e.
 * what a prover process needs for this circuit, Node's own footprint included (the fit's intercept).
 */
async function measure(backend: Backend, zkey: Uint8Array, wtns: Uint8Array, reps: number): Promise<{ seconds: number; bytes: number; proof: Hex; signals: bigint[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'zkml-bench-'))
  try {
    writeFileSync(join(dir, 'zkey'), zkey)
    writeFileSync(join(dir, 'wtns'), wtns)
    const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', backend, dir, String(reps)], { encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`)
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { seconds: number; bytes: number; proof: Hex; signals: string[] }
    return { ...out, signals: out.signals.map(BigInt) }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

if (argv[0] === '--child') {
  const [, backend, dir, reps] = argv as [string, Backend, string, string]
  const zkey = new Uint8Array(readFileSync(join(dir, 'zkey')))
  const wtns = new Uint8Array(readFileSync(join(dir, 'wtns')))
  await prove(backend, zkey, wtns)
  let total = 0
  let last: Awaited<ReturnType<typeof prove>> | undefined
  for (let i = 0; i < Number(reps); i++) {
    const t0 = performance.now()
    last = await prove(backend, zkey, wtns)
    total += (performance.now() - t0) / 1000
  }
  await terminateSnark()
  console.log(JSON.stringify({ seconds: total / Number(reps), bytes: process.resourceUsage().maxRSS * 1024, proof: encodeProof(backend, last!.proof), signals: last!.publicSignals }))
  process.exit(0)
}

/** (d): quotes for the bundled models against their measured proving time, same child-process measurement. */
async function benchModels(profile: HardwareProfile): Promise<void> {
  console.log(`\n# bundled models: quote estimate / measured prove time (profile ${profile.name}, ${REPS} rep(s))`)
  console.log('model         backend  constraints  plonk_gates  est_s   measured_s  ratio  ratio_if_sized_by_constraints')
  const work = mkdtempSync(join(tmpdir(), 'zkml-bench-models-'))
  try {
    for (const { name: model, onnx, samples } of bundledModels()) {
      for (const backend of ['groth16', 'plonk'] as const) {
        const outDir = join(work, `${model}-${backend}`)
        await compileModel({ onnx, name: model, calibration: samples, backend, outDir })
        const c = await loadCircuit(outDir)
        const { wtns } = c.computeWitness(samples[0]!, { subject: 1n, round: 1n })
        const measured = (await measure(backend, c.zkey, wtns, REPS)).seconds
        const est = estimateProof(c.manifest, profile).seconds
        const naive = estimateProof({ backend, constraints: c.manifest.constraints }, profile).seconds
        console.log(`${model.padEnd(13)} ${backend.padEnd(8)} ${String(c.manifest.constraints).padStart(11)}  ${String(c.manifest.plonkGates).padStart(11)}  ${est.toFixed(3).padStart(6)}  ${measured.toFixed(3).padStart(10)}  ${(est / measured).toFixed(2).padStart(5)}  ${(naive / measured).toFixed(2).padStart(5)}`)
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

if (modelsOnly) {
  await benchModels(loadHardwareProfile(name))
  await terminateSnark()
  process.exit(0)
}

const sizes: Record<Backend, { fit: number[]; holdout: number[] }> = quick
  ? { groth16: { fit: [256, 1024, 4096], holdout: [2048] }, plonk: { fit: [256, 1024, 2048], holdout: [1536] } }
  : { groth16: { fit: [256, 1024, 4096, 8192, 16000], holdout: [2048, 12000] }, plonk: { fit: [256, 1024, 4096, 8192], holdout: [2048, 6000] } }

const pkgVersion = (p: string) => JSON.parse(readFileSync(new URL(`../node_modules/${p}/package.json`, import.meta.url), 'utf8')).version as string
const fits: HardwareProfile['backends'] = {}
const holdouts: { backend: Backend; n: number; measured: number; bytes: number }[] = []
let small: { zkey: Uint8Array; proof: Hex; signals: bigint[] } | undefined
console.log(`# bench/market.ts on ${cpus()[0]?.model} × ${cpus().length}, ${REPS} rep(s) per size`)
console.log('backend  constraints  setup_s  prove_s  rss_MB')
for (const backend of ['groth16', 'plonk'] as const) {
  const points: ProfilePoint[] = []
  for (const n of [...sizes[backend].fit, ...sizes[backend].holdout]) {
    const c = chainCircuit(n)
    const r1cs = writeR1cs(c.r1cs)
    const t0 = performance.now()
    const { zkey } = backend === 'groth16'
      ? await setupGroth16({ r1cs, ptauPath: DEFAULT_PTAU_PATH, entropy: 'bench' })
      : await setupPlonk({ r1cs, ptauPath: DEFAULT_PTAU_PATH })
    const setupS = (performance.now() - t0) / 1000
    const wtns = writeWtns(c.witness(3n, 5n, 42n, 1n))
    const run = await measure(backend, zkey, wtns, REPS)
    const { seconds, bytes } = run
    console.log(`${backend.padEnd(8)} ${String(n).padStart(11)}  ${setupS.toFixed(2).padStart(7)}  ${seconds.toFixed(3).padStart(7)}  ${(bytes / 2 ** 20).toFixed(1).padStart(6)}`)
    const size = backend === 'plonk' ? plonkGateCount(r1cs) : n
    if (sizes[backend].fit.includes(n)) points.push({ constraints: size, wires: c.r1cs.nWires, seconds, bytes })
    else holdouts.push({ backend, n: size, measured: seconds, bytes })
    if (backend === 'groth16' && n === 256) small = { zkey, proof: run.proof, signals: run.signals }
  }
  fits[backend] = fitBackend(points)
}

const profile: HardwareProfile = {
  profileVersion: 1,
  name,
  machine: { cpuModel: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryBytes: totalmem(), platform: platform(), arch: arch() },
  provenance: {
    bench: `bench/market.ts${quick ? ' --quick' : ''}`,
    measuredAt: new Date().toISOString(),
    tools: { node: process.version, snarkjs: pkgVersion('snarkjs'), ffjavascript: pkgVersion('ffjavascript') },
    repetitions: REPS,
  },
  backends: fits,
}
console.log('\n# fitted: seconds = a + b·n·log2 n, bytes = c + d·n')
for (const [b, f] of Object.entries(fits))
  console.log(`${b.padEnd(8)} a=${f.time.a.toFixed(4)} s  b=${f.time.b.toExponential(3)} s  c=${(f.memory.c / 2 ** 20).toFixed(1)} MB  d=${f.memory.d.toFixed(0)} B/constraint  max fit error ${(100 * f.maxRelError).toFixed(1)}%`)
if (write) {
  const path = new URL(`../src/market/profiles/${name}.json`, import.meta.url)
  writeFileSync(path, `${JSON.stringify(profile, null, 2)}\n`)
  console.log(`wrote ${path.pathname}`)
}

console.log('\n# held-out sizes: estimate / measured (baseline 1.00)')
for (const h of holdouts) {
  const e = estimateProof({ backend: h.backend, constraints: h.n, plonkGates: h.n }, profile)
  console.log(`${h.backend.padEnd(8)} n=${String(h.n).padStart(6)}  est ${e.seconds.toFixed(3)} s  measured ${h.measured.toFixed(3)} s  ratio ${(e.seconds / h.measured).toFixed(2)}  mem ratio ${(e.bytes / h.bytes).toFixed(2)}`)
}
const q = quote({ backend: 'groth16', constraints: 4096 }, profile)
console.log(`\n# sample quote, groth16 n=4096: min ${q.minPrice} wei, max ${q.maxPrice} wei, ramp ${q.rampLength} s, lock timeout ${q.lockTimeout} s, timeout ${q.timeout} s`)

await benchModels(profile)

// ---- gas per market action on anvil (the proof is the real n=256 Groth16 proof from above)
const anvil = await startAnvil()
try {
  const chain = { ...foundry, id: anvil.chainId }
  const transport = http(anvil.rpcUrl)
  const client = createPublicClient({ chain, transport, pollingInterval: 20 })
  const testClient = createTestClient({ chain, transport, mode: 'anvil' })
  const [req, pa, pb] = anvilPrivateKeys.slice(0, 3).map((k) => createWalletClient({ account: privateKeyToAccount(k), chain, transport }))
  const vSrc = await exportSolidityVerifier('groth16', small!.zkey, 'BenchVerifier')
  const v = compileSolidity({ 'BenchVerifier.sol': vSrc })['BenchVerifier.sol:BenchVerifier']!
  const m = proofMarketContract
  const deployed = async (hash: Hex) => {
    const rc = await client.waitForTransactionReceipt({ hash })
    return { address: rc.contractAddress!, gas: rc.gasUsed }
  }
  const verifier = await deployed(await req!.deployContract({ abi: verifierAbi, bytecode: v.bytecode }))
  const market = await deployed(await req!.deployContract({ abi: m.abi, bytecode: m.bytecode, args: [5000] }))
  const gas: Record<string, bigint> = { deployProofMarket: market.gas }
  type Write = ContractFunctionName<typeof m.abi, 'nonpayable' | 'payable'>
  const send = async <fn extends Write>(w: typeof req, label: string, functionName: fn, args: ContractFunctionArgs<typeof m.abi, 'nonpayable' | 'payable', fn>, value = 0n) => {
    const call = { address: market.address, abi: m.abi, functionName, args, value }
    gas[label] = (await writeAndWait({ wallet: w!, publicClient: client }, call as never)).gasUsed // typed by send's signature
  }
  const circuitId = `0x${'be'.repeat(32)}` as Hex
  await send(req, 'registerCircuit', 'registerCircuit', [circuitId, verifier.address, 1])
  const now = async () => (await client.getBlock()).timestamp
  let round = 1n
  const submit = async (label: string) => {
    const t = await now()
    const offer = { circuitId, subject: 42n, round: round++, inputsHash: inputsCommitment([small!.signals[1]!]), minPrice: 10n ** 12n, maxPrice: 3n * 10n ** 12n,
      rampStart: t, rampLength: 60n, lockDeadline: t + 300n, deadline: t + 900n, collateral: 10n ** 13n }
    await send(req, label, 'submitRequest', [offerStruct(offer)], offer.maxPrice)
    return { id: await client.readContract({ address: market.address, abi: m.abi, functionName: 'requestCount' }), t }
  }
  // Only round 1 has a proof (the proof binds the round), so the fulfilment paths use round 1 on fresh markets' ids in turn.
  await send(pa, 'deposit', 'deposit', [], 10n ** 15n)
  const r1 = await submit('submitRequest')
  await send(req, 'raiseMaxPrice', 'raiseMaxPrice', [r1.id, 4n * 10n ** 12n], 10n ** 12n)
  await send(req, 'extendDeadline', 'extendDeadline', [r1.id, r1.t + 400n, r1.t + 1000n])
  await send(pa, 'lock', 'lock', [r1.id])
  await send(pa, 'fulfil (on time, groth16 verify)', 'fulfil', [r1.id, small!.proof, small!.signals])
  await send(pa, 'withdraw', 'withdraw', [10n ** 12n])
  const r2 = await submit('submitRequest #2')
  await send(pa, 'lock #2', 'lock', [r2.id])
  await testClient.setNextBlockTimestamp({ timestamp: r2.t + 301n })
  await testClient.mine({ blocks: 1 })
  await send(pb, 'slash', 'slash', [r2.id])
  const r3 = await submit('submitRequest #3')
  await testClient.setNextBlockTimestamp({ timestamp: r3.t + 901n })
  await testClient.mine({ blocks: 1 })
  await send(pb, 'refund', 'refund', [r3.id])
  const verifyGas = await client.estimateGas({
    to: verifier.address, data: encodeFunctionData({ abi: verifierAbi, functionName: 'verify', args: [small!.proof, small!.signals] }),
  })
  console.log('\n# gas per ProofMarket action (baseline: a bare IZkmlVerifier.verify call, Groth16, 4 signals)')
  console.log(`verify (baseline)                    ${String(verifyGas).padStart(9)}  1.00`)
  for (const [k, g] of Object.entries(gas)) if (!k.includes('#')) console.log(`${k.padEnd(36)} ${String(g).padStart(9)}  ${(Number(g) / Number(verifyGas)).toFixed(2)}`)
} finally {
  await anvil.stop()
  await terminateSnark()
}
