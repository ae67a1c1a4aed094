import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseNvidiaSmi, detectHardware } from '../../src/prover/index.ts'
import { classOf, className, parseClassName, meetsClass, meetsRequirements, jobRequirements, estimateMemoryMiB } from '../../src/network/index.ts'
import { findError, type ErrorCode } from '../../src/errors/index.ts'

const findErrorFree = (e: unknown, code: ErrorCode) => !!findError(e, code)

test('parseNvidiaSmi reads name and MiB per line, skipping noise', () => {
  const sample = [
    'NVIDIA H100 80GB HBM3, 81559',
    'NVIDIA GeForce RTX 4090, 24564',
    '',
    'Failed to initialize NVML: Driver/library version mismatch',
    'Tesla V100-SXM2-16GB, 16160',
    'Weird, Name, With Commas, 8192',
    'NVIDIA A10, [N/A]',
  ].join('\n')
  assert.deepEqual(parseNvidiaSmi(sample), [
    { name: 'NVIDIA H100 80GB HBM3', memoryMiB: 81559 },
    { name: 'NVIDIA GeForce RTX 4090', memoryMiB: 24564 },
    { name: 'Tesla V100-SXM2-16GB', memoryMiB: 16160 },
    { name: 'Weird, Name, With Commas', memoryMiB: 8192 },
  ])
  assert.deepEqual(parseNvidiaSmi(''), [])
  assert.deepEqual(parseNvidiaSmi('NVIDIA A100-SXM4-40GB, 40960\r\n'), [{ name: 'NVIDIA A100-SXM4-40GB', memoryMiB: 40960 }])
})

test('detectHardware reports cores and memory, honours overrides', async () => {
  const hw = await detectHardware({ memoryMiB: 512, noGpu: true, backends: ['groth16'] })
  assert.ok(hw.cpuCores >= 1)
  assert.equal(hw.memoryMiB, 512)
  assert.deepEqual(hw.gpus, [])
  assert.deepEqual(hw.backends, ['groth16'])
})

test('capability classes round memory up to a power of two GiB and parse back', () => {
  assert.equal(className(classOf({ backend: 'groth16', memoryMiB: 300, gpu: false })), 'groth16.cpu.m1')
  assert.equal(className(classOf({ backend: 'plonk', memoryMiB: 1025, gpu: true })), 'plonk.gpu.m2')
  assert.equal(className(classOf({ backend: 'groth16', memoryMiB: 4096, gpu: false })), 'groth16.cpu.m4')
  assert.deepEqual(parseClassName('plonk.gpu.m8'), { backend: 'plonk', gpu: true, memoryGiB: 8 })
  assert.equal(parseClassName('prove.evil'), undefined)
  assert.throws(() => classOf({ backend: 'groth16', memoryMiB: 2 * 2 ** 20, gpu: false }), (e) => findErrorFree(e, 'NO_ELIGIBLE_WORKER'))
})

test('a worker meets a class only with the backend, the whole memory budget and a GPU if asked', () => {
  const cpu = { backends: ['groth16' as const], memoryMiB: 2048, gpus: [] }
  const gpu = { backends: ['groth16' as const, 'plonk' as const], memoryMiB: 65536, gpus: [{ name: 'H100', memoryMiB: 81559 }] }
  assert.equal(meetsClass(cpu, { backend: 'groth16', gpu: false, memoryGiB: 2 }), true)
  assert.equal(meetsClass(cpu, { backend: 'groth16', gpu: false, memoryGiB: 4 }), false, 'memory')
  assert.equal(meetsClass(cpu, { backend: 'plonk', gpu: false, memoryGiB: 1 }), false, 'backend')
  assert.equal(meetsClass(cpu, { backend: 'groth16', gpu: true, memoryGiB: 1 }), false, 'gpu')
  assert.equal(meetsClass(gpu, { backend: 'groth16', gpu: false, memoryGiB: 1 }), true, 'GPU hosts take CPU jobs')
  // Whatever the job's exact estimate, meeting its class implies meeting the job.
  for (const memoryMiB of [1, 700, 1024, 1025, 3000, 9000]) {
    const req = { backend: 'groth16' as const, memoryMiB, gpu: false }
    for (const hw of [cpu, gpu, { ...cpu, memoryMiB: 1000 }, { ...cpu, memoryMiB: 4096 }])
      if (meetsClass(hw, classOf(req))) assert.equal(meetsRequirements(hw, req), true, `${memoryMiB} on ${hw.memoryMiB}`)
  }
})

test('memory estimate grows with the proving key and PLONK needs more than Groth16', () => {
  const base = { backend: 'groth16' as const, constraints: 1000, wires: 1000, artifacts: { zkey: { file: 'k', sha256: '0x' as const, bytes: 10 * 2 ** 20 } } as never }
  const g = estimateMemoryMiB(base)
  assert.ok(g >= 256 + 30)
  assert.ok(estimateMemoryMiB({ ...base, backend: 'plonk' }) > g)
  assert.deepEqual(jobRequirements(base, { gpu: true, minMemoryMiB: 5000 }), { backend: 'groth16', memoryMiB: 5000, gpu: true })
})
