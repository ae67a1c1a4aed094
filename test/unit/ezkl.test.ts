import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BaseError } from '../../src/errors/index.ts'
import { CONTEXT, MAX_ROUND, MAX_SUBJECT, bigintToFelt, contextLimbs, feltToBigint, instancesFromSignals } from '../../src/compiler/ezkl/context.ts'
import { ezklAdapterSolidity } from '../../src/compiler/ezkl/adapterSolidity.ts'
import { encodeJobProof } from '../../src/chain/encodeJobProof.ts'
import { parseClassName } from '../../src/network/index.ts'

test('ezkl context: subject and round become 16-bit little-endian limbs; out of range is INPUT_INVALID', () => {
  const limbs = contextLimbs(0x0003_0002_0001n, 0x1_0005n)
  assert.equal(limbs.length, CONTEXT.subjectLimbs + CONTEXT.roundLimbs)
  assert.deepEqual(limbs.slice(0, 4), [1, 2, 3, 0])
  assert.deepEqual(limbs.slice(CONTEXT.subjectLimbs), [5, 1, 0, 0])
  assert.deepEqual(contextLimbs(MAX_SUBJECT, MAX_ROUND), Array(14).fill(65535))
  for (const [s, r] of [[MAX_SUBJECT + 1n, 0n], [0n, MAX_ROUND + 1n], [-1n, 0n]] as const)
    assert.throws(() => contextLimbs(s, r), (e: unknown) => e instanceof BaseError && e.code === 'INPUT_INVALID' && /expected an integer in \[0, \d+\], got -?\d+/.test(e.details ?? ''))
})

test('ezkl instances: rebuilt from the public signals in ezkl order; a subject that would alias the limbs has none', () => {
  const runs = [{ from: 'signals', start: 1, length: 2 }, { from: 'context' }, { from: 'signals', start: 0, length: 1 }, { from: 'context' }] as const
  // signals: output, input0, input1, subject, round
  const inst = instancesFromSignals(runs, 4, ['11', '22', '33', '65537', '2'])!
  assert.equal(inst.length, 2 + 14 + 1 + 14)
  assert.deepEqual(inst.slice(0, 2), [22n, 33n])
  assert.deepEqual(inst.slice(2, 4), [1n << 4n, 1n << 4n]) // 65537 = limbs [1, 1], each × 2^4
  assert.equal(inst[2 + CONTEXT.subjectLimbs], 2n << 4n)
  assert.equal(inst[16], 11n)
  assert.deepEqual(inst.slice(17), inst.slice(2, 16))
  assert.equal(instancesFromSignals(runs, 4, ['11', '22', '33', (65537n + (1n << 160n)).toString(), '2']), undefined)
  assert.equal(instancesFromSignals(runs, 4, ['11', '22', '33', '1', (1n << 64n).toString()]), undefined)
  assert.equal(instancesFromSignals(runs, 4, ['11', '22', '33', 'x', '2']), undefined)
})

test('ezkl felts are 32-byte little-endian hex both ways', () => {
  assert.equal(feltToBigint(`9808${'0'.repeat(60)}`), 2200n)
  assert.equal(bigintToFelt(2200n), `9808${'0'.repeat(60)}`)
  assert.throws(() => feltToBigint('zz'), (e: unknown) => e instanceof BaseError && e.code === 'EZKL_FAILED')
})

test('ezkl on-chain pieces: the adapter checks the signal count and limb ranges; proof bytes pass through; ezkl capability class parses', () => {
  const src = ezklAdapterSolidity('V', { signals: 15, inputScale: 12, instances: [{ from: 'signals', start: 1, length: 12 }, { from: 'context' }, { from: 'signals', start: 0, length: 1 }, { from: 'context' }], vkHash: `0x${'ab'.repeat(32)}` })
  assert.match(src, /SIGNALS = 15;/)
  assert.match(src, /function vkHash\(\) external pure override returns \(bytes32\) \{\s+return 0x(ab){32};/)
  assert.match(src, /INSTANCES = 41;/)
  assert.match(src, />> 160 != 0 \|\| s\[SIGNALS - 1\] >> 64 != 0\) return false/)
  assert.equal(encodeJobProof('ezkl', { hexProof: '0xabcd' }), '0xabcd')
  assert.throws(() => encodeJobProof('ezkl', { hexProof: '0xabc' }), (e: unknown) => e instanceof BaseError && e.code === 'PROVER_JOB_FAILED')
  assert.deepEqual(parseClassName('ezkl.cpu.m1'), { backend: 'ezkl', gpu: false, memoryGiB: 1 })
})

test('tamperProof (the workers\' TEST ONLY knob) corrupts an ezkl proof too', async () => {
  const { tamperProof } = await import('../../src/prover/index.ts')
  const hexProof = `0x${'ab'.repeat(100)}`
  const t = tamperProof({ protocol: 'ezkl-halo2-kzg', hexProof }) as { hexProof: string }
  assert.notEqual(t.hexProof, hexProof)
  assert.equal(t.hexProof.length, hexProof.length)
  assert.deepEqual(tamperProof({ pi_a: ['1', '2'] }), { pi_a: ['2', '2'] })
})

test('workers advertise ezkl only where the pinned wheel is installed, and only such workers meet ezkl classes', async () => {
  const { detectHardware } = await import('../../src/prover/index.ts')
  const { meetsClass, classOf, jobRequirements } = await import('../../src/network/index.ts')
  const { ensureEzklVenv } = await import('../../src/compiler/ezkl/venv.ts')
  const { mkdtempSync } = await import('node:fs')
  const { tmpdir } = await import('node:os')
  const { join } = await import('node:path')
  await ensureEzklVenv()
  const withWheel = await detectHardware({ noGpu: true })
  assert.deepEqual(withWheel.backends, ['groth16', 'plonk', 'ezkl'])
  const saved = process.env.ZKML_EZKL_VENV
  process.env.ZKML_EZKL_VENV = join(mkdtempSync(join(tmpdir(), 'no-venv-')), 'venv')
  try {
    const without = await detectHardware({ noGpu: true })
    assert.deepEqual(without.backends, ['groth16', 'plonk'])
    const cls = classOf(jobRequirements({ backend: 'ezkl', constraints: 1232, wires: 2464, artifacts: { zkey: { file: 'pk.key', sha256: '0x', bytes: 30e6 } } as never }))
    assert.equal(cls.backend, 'ezkl')
    assert.equal(meetsClass(without, cls), false)
    assert.equal(meetsClass(withWheel, cls), true)
  } finally {
    if (saved === undefined) delete process.env.ZKML_EZKL_VENV
    else process.env.ZKML_EZKL_VENV = saved
  }
})
