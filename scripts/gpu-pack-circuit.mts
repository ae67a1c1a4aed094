// Part of scripts/gpu-pack.sh: compiles the bundled pool-risk model (Groth16, test-only ptau) and
// writes what the GPU check's batch step proves: <out>/pool-risk.zkey, <out>/pool-risk.vkey.json
// and <out>/pool-risk-<i>.wtns for the model's first samples.
//
//   npx tsx scripts/gpu-pack-circuit.mts <out-dir>
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { compileModel, loadCircuit } from '../src/compiler/index.ts'
import { terminateSnark } from '../src/compiler/snark/index.ts'
import { bundledModels } from '../models/lib/bundled.ts'

const out = process.argv[2]
if (!out) {
  console.error('usage: npx tsx scripts/gpu-pack-circuit.mts <out-dir>')
  process.exit(2)
}
mkdirSync(out, { recursive: true })
const m = bundledModels().find((x) => x.name === 'pool-risk')
if (!m) throw new Error('expected the bundled pool-risk model, found none')
const work = mkdtempSync(join(tmpdir(), 'zkml-gpu-pack-'))
try {
  await compileModel({ onnx: m.onnx, name: m.name, calibration: m.samples, backend: 'groth16', outDir: work })
  const c = await loadCircuit(work)
  writeFileSync(join(out, 'pool-risk.zkey'), c.zkey)
  writeFileSync(join(out, 'pool-risk.vkey.json'), JSON.stringify(c.vkey))
  const n = Math.min(4, m.samples.length)
  for (let i = 0; i < n; i++) {
    writeFileSync(join(out, `pool-risk-${i}.wtns`), c.computeWitness(m.samples[i]!, { subject: 1n, round: BigInt(i + 1) }).wtns)
  }
  console.log(`pool-risk: zkey ${(c.zkey.length / 2 ** 20).toFixed(2)} MiB, ${n} witnesses → ${out}`)
} finally {
  rmSync(work, { recursive: true, force: true })
  await terminateSnark()
}
