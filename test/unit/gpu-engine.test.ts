// The GPU (cuda) engine's pure parts: what the addon reports, the fallback decision, deadline
// routing to GPU workers, and the market's estimated GPU fit. The CUDA kernels themselves are
// compiled by .ci/run (scripts/build-native.mjs --cuda-check) and checked on a GPU host by
// scripts/gpu-check.sh; nothing here needs a GPU.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { cudaDecision, parseCudaStatus } from '../../src/prover/engines/cuda/index.ts'
import { classOf, className, jobRequirements, meetsClass, needsGpu } from '../../src/network/index.ts'
import { estimateProof, loadHardwareProfile, parseHardwareProfile, quote } from '../../src/market/index.ts'
import { findError } from '../../src/errors/index.ts'
import type { CircuitManifest } from '../../src/compiler/manifest.ts'

test('parseCudaStatus reads the addon\'s devices; an addon without CUDA or bad text is "no CUDA"', () => {
  const h200 = '{"version":"0.1.0","threads":16,"cuda":true,"gpus":[{"name":"NVIDIA H200","memoryBytes":150754820096,"compute":90}],"gpuError":null}'
  assert.deepEqual(parseCudaStatus(h200), { cuda: true, gpus: [{ name: 'NVIDIA H200', memoryMiB: 143771, compute: 90 }] })
  assert.deepEqual(parseCudaStatus('{"version":"0.1.0","threads":2}'), { cuda: false, gpus: [] })
  assert.deepEqual(parseCudaStatus('{"cuda":true,"gpus":[],"gpuError":"GPU_FAILED: out of memory"}'), { cuda: true, gpus: [], gpuError: 'GPU_FAILED: out of memory' })
  assert.deepEqual(parseCudaStatus('{"cuda":true,"gpus":[{"name":1},{"name":"x","memoryBytes":-1}]}'), { cuda: true, gpus: [] })
  assert.deepEqual(parseCudaStatus('not json'), { cuda: false, gpus: [] })
})

test('cudaDecision: GPU only with a CUDA build that sees a device, else the reason for the fallback line', () => {
  const no = cudaDecision({ cuda: false, gpus: [] })
  assert.equal(no.gpu, false)
  assert.match(no.reason, /built without CUDA.*build-native\.mjs --cuda/)
  const none = cudaDecision({ cuda: true, gpus: [] })
  assert.equal(none.gpu, false)
  assert.match(none.reason, /no CUDA device/)
  const yes = cudaDecision({ cuda: true, gpus: [{ name: 'NVIDIA H200', memoryMiB: 143771 }, { name: 'NVIDIA H200', memoryMiB: 143771 }] })
  assert.deepEqual(yes, { gpu: true, reason: 'NVIDIA H200, 140 GiB (+1 more; device 0 proves)' })
})

const manifest = (constraints: number) => ({
  backend: 'groth16' as const, constraints, wires: constraints,
  artifacts: { zkey: { file: 'k.zkey', sha256: '0', bytes: constraints * 600 } } as unknown as CircuitManifest['artifacts'],
})

test('needsGpu: a Groth16 job whose CPU estimate exceeds its deadline goes to GPU workers, nothing else does', () => {
  assert.equal(needsGpu({ backend: 'groth16', cpuSeconds: 95, deadlineSeconds: 60 }), true)
  assert.equal(needsGpu({ backend: 'groth16', cpuSeconds: 60, deadlineSeconds: 60 }), false)
  assert.equal(needsGpu({ backend: 'groth16', cpuSeconds: 2, deadlineSeconds: 60 }), false)
  assert.equal(needsGpu({ backend: 'plonk', cpuSeconds: 95, deadlineSeconds: 60 }), false, 'no GPU engine proves PLONK')
  assert.equal(needsGpu({ backend: 'groth16', cpuSeconds: 95 }), false, 'no deadline: no routing')
  assert.equal(needsGpu({ backend: 'groth16', deadlineSeconds: 60 }), false, 'no estimate: no routing')
  assert.equal(needsGpu({ backend: 'groth16', cpuSeconds: Number.NaN, deadlineSeconds: 60 }), false)

  // Through the matcher: the job's class is a GPU class, which a CPU-only worker does not meet.
  const big = jobRequirements(manifest(4_000_000), { deadlineSeconds: 30 }, 120)
  assert.equal(big.gpu, true)
  const cls = classOf(big)
  assert.match(className(cls), /^groth16\.gpu\.m\d+$/)
  const cpuWorker = { backends: ['groth16' as const], memoryMiB: 1 << 20, gpus: [] }
  const gpuWorker = { ...cpuWorker, gpus: [{ name: 'NVIDIA H200', memoryMiB: 143771 }] }
  assert.equal(meetsClass(cpuWorker, cls), false)
  assert.equal(meetsClass(gpuWorker, cls), true)
  // The same circuit with a generous deadline stays on CPU workers; an explicit gpu flag wins.
  assert.equal(jobRequirements(manifest(4_000_000), { deadlineSeconds: 600 }, 120).gpu, false)
  assert.equal(jobRequirements(manifest(4_000_000), { gpu: false, deadlineSeconds: 30 }, 120).gpu, false)
})

test('the bundled profile\'s cuda fit is marked as an estimate, priced with its cost factor', () => {
  const profile = loadHardwareProfile()
  const ef = profile.engines?.cuda
  assert.ok(ef, 'the profile carries an engines.cuda fit')
  assert.equal(ef.estimated, true)
  assert.match(ef.provenance.bench, /^ESTIMATE, NOT MEASURED/)
  const m = { backend: 'groth16' as const, constraints: 16000 }
  const gpu = estimateProof(m, profile, 'cuda')
  const cpu = estimateProof(m, profile, 'native')
  assert.equal(gpu.engine, 'cuda')
  assert.equal(gpu.estimated, true)
  assert.equal(cpu.estimated, undefined)
  assert.equal(cpu.costFactor, 1)
  assert.equal(gpu.costFactor, ef.costFactor)
  assert.ok(gpu.seconds < cpu.seconds)
  const qg = quote(m, profile, { engines: { groth16: 'cuda' } })
  const qc = quote(m, profile, { engines: { groth16: 'native' } })
  // minPrice ∝ seconds × costFactor.
  const ratio = Number(qg.minPrice) / Number(qc.minPrice)
  assert.ok(Math.abs(ratio - (gpu.seconds * gpu.costFactor) / cpu.seconds) < 0.01, `ratio ${ratio}`)
})

test('parseHardwareProfile: engine cuda is accepted, a bad costFactor or estimated flag is refused', () => {
  const profile = loadHardwareProfile()
  const cuda = profile.engines!.cuda!
  const bad = (engines: unknown, re: RegExp) => {
    try {
      parseHardwareProfile({ ...profile, engines })
      assert.fail('expected MARKET_PROFILE_INVALID')
    } catch (e) {
      assert.ok(findError(e, 'MARKET_PROFILE_INVALID'), String(e))
      assert.match(String((e as { details?: string }).details ?? e), re)
    }
  }
  bad({ cuda: { ...cuda, costFactor: 0 } }, /expected a positive engines\.cuda\.costFactor, got 0/)
  bad({ cuda: { ...cuda, estimated: 'yes' } }, /expected engines\.cuda\.estimated as a boolean, got "yes"/)
  bad({ gpu: cuda }, /expected engine native, cuda or snarkjs, got "gpu"/)
  assert.equal(parseHardwareProfile({ ...profile, engines: { cuda } }).engines?.cuda?.costFactor, cuda.costFactor)
})
