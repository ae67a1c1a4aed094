// bench/native-profile.ts: measures the native Groth16 engine's fit points on this machine and stores
// them in a hardware profile as `engines.native.groth16`, beside the snarkjs fits of bench/market.ts,
// so quotes for workers advertising `engines.groth16 = 'native'` use them (src/market/estimateProof.ts).
//
//   npx tsx bench/native-profile.ts [--name ci-2core] [--sizes 256,1024,4096,8192,16000] [--reps 2] [--no-write]
//
// Per size: a synthetic chain circuit (full-size wires, the MSMs' worst case), a bench-only key from the
// addon, and a fresh child process that loads the key once (as a worker does; tables included), proves one
// warm-up witness and then `reps` timed ones from .wtns. Seconds: mean per proof; bytes: the child's peak
// RSS. Only the profile's `engines.native` is rewritten; the snarkjs fits stay as measured.
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { P } from '../src/compiler/field.ts'
import { writeR1cs, writeWtns, type R1csData } from '../src/compiler/r1cs/index.ts'
import { loadNativeAddon, proveWtns } from '../src/prover/engines/native/index.ts'
import { fitBackend, parseHardwareProfile, type ProfilePoint } from '../src/market/index.ts'

const { values: a, positionals } = parseArgs({ allowPositionals: true, options: { name: { type: 'string', default: 'ci-2core' }, sizes: { type: 'string', default: '256,1024,4096,8192,16000' }, reps: { type: 'string', default: '2' }, 'no-write': { type: 'boolean' } } })
const { addon, reason } = await loadNativeAddon({ build: true })
if (!addon) {
  console.error(`native-profile: no native addon (${reason})`)
  process.exit(1)
}

if (positionals[0] === 'child') {
  const dir = positionals[1]!
  const reps = Number(positionals[2])
  const key = new addon.NativeKey(new Uint8Array(readFileSync(join(dir, 'zkey'))), new Uint8Array(readFileSync(join(dir, 'r1cs'))))
  const wtns = new Uint8Array(readFileSync(join(dir, 'wtns')))
  await proveWtns(key, wtns)
  const t0 = performance.now()
  for (let i = 0; i < reps; i++) await proveWtns(key, wtns)
  console.log(JSON.stringify({ seconds: (performance.now() - t0) / 1000 / reps, bytes: process.resourceUsage().maxRSS * 1024 }))
  process.exit(0)
}

/** n constraints x_{i+1} = x_i·(x_i + 1), random x_0: every wire a full-size field element. */
function chain(n: number): { r1cs: R1csData; wtns: Uint8Array } {
  const nWires = n + 3
  const constraints: Array<R1csData['constraints'][number]> = []
  const w = new Array<bigint>(nWires).fill(0n)
  w[0] = 1n
  w[2] = BigInt(`0x${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex')}`) % P
  for (let i = 0; i < n; i++) {
    const x = 2 + i
    const y = i === n - 1 ? 1 : x + 1
    constraints.push([[[x, 1n]], [[0, 1n], [x, 1n]], [[y, 1n]]])
    w[y] = (w[x]! * (w[x]! + 1n)) % P
  }
  const r1cs: R1csData = { prime: P, nWires, nPubOut: 1, nPubIn: 0, nPrvIn: 1, nLabels: nWires, constraints, wireToLabel: [...Array(nWires).keys()] }
  return { r1cs, wtns: writeWtns(w) }
}

const sizes = a.sizes!.split(',').map(Number)
if (sizes.length < 2 || sizes.some((n) => !Number.isInteger(n) || n < 4 || n > 1 << 20)) throw new Error(`expected --sizes of ≥ 2 integers in 4..2^20, got ${a.sizes}`)
const points: ProfilePoint[] = []
console.log('constraints  native_prove_s  rss_MB')
for (const n of sizes) {
  const c = chain(n)
  const r1cs = writeR1cs(c.r1cs)
  const dir = mkdtempSync(join(tmpdir(), 'zkml-native-profile-'))
  try {
    writeFileSync(join(dir, 'zkey'), addon.insecureBenchKey(r1cs, n))
    writeFileSync(join(dir, 'r1cs'), r1cs)
    writeFileSync(join(dir, 'wtns'), c.wtns)
    const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), 'child', dir, a.reps!], { encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`)
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { seconds: number; bytes: number }
    points.push({ constraints: n, wires: c.r1cs.nWires, seconds: out.seconds, bytes: out.bytes })
    console.log(`${String(n).padStart(11)}  ${out.seconds.toFixed(3).padStart(14)}  ${(out.bytes / 2 ** 20).toFixed(0).padStart(6)}`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
const fit = fitBackend(points)
console.log(`native groth16: a=${fit.time.a.toFixed(4)} s b=${fit.time.b.toExponential(3)} s, max fit error ${(100 * fit.maxRelError).toFixed(1)}%`)
const path = new URL(`../src/market/profiles/${a.name}.json`, import.meta.url)
const profile = parseHardwareProfile(JSON.parse(readFileSync(path, 'utf8')))
profile.engines = {
  ...profile.engines,
  native: {
    provenance: {
      bench: `bench/native-profile.ts --sizes ${a.sizes}`,
      measuredAt: new Date().toISOString(),
      tools: { node: process.version, 'zkml-native': addon.nativeInfo() },
      repetitions: Number(a.reps),
    },
    backends: { groth16: fit },
  },
}
// The GPU fit stays an estimate until a GPU host measures it (scripts/gpu-check.sh); while it is one it
// follows the native points it is derived from, so the two never disagree about the CPU part.
const cuda = profile.engines?.cuda
if (cuda?.estimated) {
  const est = points.map((pt) => ({ ...pt, seconds: 0.02 + 0.3 * pt.seconds }))
  profile.engines = { ...profile.engines, cuda: { ...cuda, provenance: { ...cuda.provenance, measuredAt: new Date().toISOString() }, backends: { groth16: fitBackend(est) } } }
  console.log('cuda groth16: still an estimate (0.02 s + 0.3 x native), re-derived from these native points')
}
if (!a['no-write']) {
  writeFileSync(path, `${JSON.stringify(parseHardwareProfile(profile), null, 2)}\n`)
  console.log(`wrote ${path.pathname}`)
}
