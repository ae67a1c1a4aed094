// The native Groth16 prover (native/, src/prover/engines/native/) against snarkjs on the very same
// keys: proofs verify with snarkjs and with the exported Solidity verifier on a real anvil, bad
// witnesses and other circuits' keys are refused before proving, and a `zkml worker --engine
// native` proves a network job the coordinator accepts. Skips, saying why, where the addon is not
// built (no cargo). The readers' golden-byte tests are Rust: `cargo test --no-default-features` in native/.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createPublicClient, createWalletClient, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { deployContract } from '../../src/chain/deploy.ts'
import { startAnvil, anvilPrivateKeys, type AnvilInstance } from '../../src/dev/anvil.ts'
import { compileSolidity } from '../../src/compiler/solidity/compileSolidity.ts'
import { P } from '../../src/compiler/field.ts'
import { BN254_Q as P_Q } from '../../src/compiler/snark/bn254.ts'
import { writeR1cs, writeWtns } from '../../src/compiler/r1cs/index.ts'
import { encodeProof, exportSolidityVerifier, prove, setupGroth16, setupPlonk, verify, terminateSnark, DEFAULT_PTAU_PATH } from '../../src/compiler/snark/index.ts'
import { BaseError } from '../../src/errors/index.ts'
import { loadNativeAddon, nativeEngine, nativeGroth16Check, nativeError, proveWtns, proveWtnsBatch, selectEngine, type NativeCircuit } from '../../src/prover/engines/native/index.ts'
import { cudaEngine, parseCudaStatus } from '../../src/prover/engines/cuda/index.ts'
import { connectRedis } from '../../src/network/index.ts'
import { smallCircuit, smallWitness, smallSignals } from './snark-circuit.ts'
import { compiledTestCircuit, deletePrefix, registerBody, spawnZkml, tempDir, testPrefix, until, type Proc } from './prover-helpers.ts'

const { addon, reason } = await loadNativeAddon()
const skip = addon ? false : `native prover not built: ${reason}`
const isCode = (c: string) => (e: unknown) => e instanceof BaseError && e.code === c

const r1cs = writeR1cs(smallCircuit)
const wtns = writeWtns(smallWitness)
let keys: Awaited<ReturnType<typeof setupGroth16>>
let anvil: AnvilInstance | undefined

before(async () => {
  keys = await setupGroth16({ r1cs, ptauPath: DEFAULT_PTAU_PATH })
})
after(async () => {
  await anvil?.stop()
  await terminateSnark()
})

test('native and snarkjs proofs of the same witness both verify with snarkjs and with the Solidity verifier on anvil', { skip }, async () => {
  const key = new addon!.NativeKey(keys.zkey, r1cs)
  assert.deepEqual([key.nVars, key.nPublic, key.nConstraints, key.domainSize, key.hasR1Cs], [7, 4, 4, 16, true])
  const native = await proveWtns(key, wtns)
  const snark = await prove('groth16', keys.zkey, wtns)
  assert.deepEqual(native.publicSignals, smallSignals)
  assert.deepEqual(native.publicSignals, snark.publicSignals)
  assert.equal(await verify('groth16', keys.vkey, native.publicSignals, native.proof), true, 'snarkjs accepts the native proof')
  assert.equal(await verify('groth16', keys.vkey, snark.publicSignals, snark.proof), true)
  assert.notDeepEqual(native.proof, snark.proof, 'fresh blinding: a different proof of the same statement')
  // Canonical encoding: every coordinate a decimal below the base field prime, z = 1.
  const pa = native.proof.pi_a as string[]
  assert.equal(pa[2], '1')
  for (const s of [pa, ...(native.proof.pi_b as string[][]), native.proof.pi_c as string[]].flat()) assert.match(s, /^(0|[1-9][0-9]*)$/)
  // Changing one signal must break the native proof (it is bound to its statement).
  assert.equal(await verify('groth16', keys.vkey, ['155', ...smallSignals.slice(1)], native.proof), false)

  anvil = await startAnvil()
  const source = await exportSolidityVerifier('groth16', keys.zkey, 'NativeSmall')
  const compiled = compileSolidity({ 'NativeSmall.sol': source })['NativeSmall.sol:NativeSmall']!
  const account = privateKeyToAccount(anvilPrivateKeys[0])
  const chain = { ...foundry, id: anvil.chainId }
  const wallet = createWalletClient({ account, chain, transport: http(anvil.rpcUrl) })
  const client = createPublicClient({ chain, transport: http(anvil.rpcUrl) })
  const contractAddress = await deployContract({ wallet, publicClient: client }, { abi: compiled.abi, bytecode: compiled.bytecode })
  const call = (proof: Record<string, unknown>, signals: string[]) =>
    client.readContract({ address: contractAddress, abi: compiled.abi, functionName: 'verify', args: [encodeProof('groth16', proof), signals.map(BigInt)] })
  assert.equal(await call(native.proof, native.publicSignals), true, 'on-chain verifier accepts the native proof')
  assert.equal(await call(snark.proof, snark.publicSignals), true, 'and the snarkjs proof')
  assert.equal(await call(native.proof, ['154', '20', '10', '0']), false)
})

test('the native pairing check agrees with snarkjs on valid, relabelled, swapped and foreign proofs, and is faster', { skip }, async (t) => {
  const check = nativeGroth16Check(addon!)
  assert.ok(check, 'this addon has verifyGroth16')
  const key = new addon!.NativeKey(keys.zkey, r1cs)
  const native = await proveWtns(key, wtns)
  const snark = await prove('groth16', keys.zkey, wtns)
  const other = await setupGroth16({ r1cs, ptauPath: DEFAULT_PTAU_PATH, entropy: 'another key' })
  const foreign = await prove('groth16', other.zkey, wtns)
  const p = native.proof as { pi_a: string[]; pi_b: string[][]; pi_c: string[] }
  const cases: [string, string[], unknown, boolean][] = [
    ['native proof', smallSignals, native.proof, true],
    ['snarkjs proof', smallSignals, snark.proof, true],
    ['a signal changed', ['155', ...smallSignals.slice(1)], native.proof, false],
    ['last signal changed', [...smallSignals.slice(0, -1), String(BigInt(smallSignals.at(-1)!) + 1n)], native.proof, false],
    ['A and C swapped', smallSignals, { ...p, pi_a: p.pi_c, pi_c: p.pi_a }, false],
    ['A negated', smallSignals, { ...p, pi_a: [p.pi_a[0], String(P_Q - BigInt(p.pi_a[1]!)), '1'] }, false],
    ['another key\'s proof', smallSignals, foreign.proof, false],
    ['A off the curve', smallSignals, { ...p, pi_a: [p.pi_a[0], String(BigInt(p.pi_a[1]!) ^ 1n), '1'] }, false],
  ]
  // The check keeps one prepared key (NativeVerifier) per vkey; the unprepared four-pairing
  // verifyGroth16 must give the same answers through the same checks.
  const { NativeVerifier: _prepared, ...withoutPrepared } = addon!
  const unprepared = nativeGroth16Check(withoutPrepared)!
  assert.equal(typeof addon!.NativeVerifier, 'function', 'this addon prepares keys')
  for (const [what, signals, proof, want] of cases) {
    const viaSnarkjs = await verify('groth16', keys.vkey, signals, proof as never)
    const viaNative = await verify('groth16', keys.vkey, signals, proof as never, { groth16Check: check })
    const viaUnprepared = await verify('groth16', keys.vkey, signals, proof as never, { groth16Check: unprepared })
    assert.equal(viaSnarkjs, want, `snarkjs: ${what}`)
    assert.equal(viaNative, want, `native: ${what}`)
    assert.equal(viaUnprepared, want, `native, unprepared: ${what}`)
  }
  // The prepared key follows the key's numbers, not the object: a key changed in place is
  // prepared anew (a proof of the old key no longer verifies against it).
  const vk = structuredClone(keys.vkey) as unknown as { IC: string[][] }
  assert.equal(await verify('groth16', vk as never, smallSignals, native.proof, { groth16Check: check }), true)
  vk.IC[1] = vk.IC[0]!
  assert.equal(await verify('groth16', vk as never, smallSignals, native.proof, { groth16Check: check }), false, 'a key changed in place')
  // A prepared key is refused at construction like the raw check refuses it per call.
  assert.throws(() => new addon!.NativeVerifier!(['1', '2']), (e: unknown) => nativeError(e).code === 'VKEY_INVALID')
  // The raw check refuses a malformed key with a code (through verify it is just "does not verify").
  assert.throws(() => addon!.verifyGroth16!(['1', '2'], [], []), (e: unknown) => nativeError(e).code === 'VKEY_INVALID')
  const bent = { ...keys.vkey, vk_alpha_1: ['1', '3', '1'] } as never
  assert.throws(() => check!(bent, smallSignals, native.proof as never), (e: unknown) => nativeError(e).code === 'VKEY_INVALID')
  assert.equal(await verify('groth16', bent, smallSignals, native.proof, { groth16Check: check }), false)

  const time = async (f: () => Promise<boolean>, n: number) => {
    const t0 = performance.now()
    for (let i = 0; i < n; i++) assert.equal(await f(), true)
    return (performance.now() - t0) / n
  }
  const js = await time(() => verify('groth16', keys.vkey, smallSignals, native.proof), 10)
  const nat = await time(() => verify('groth16', keys.vkey, smallSignals, native.proof, { groth16Check: check }), 10)
  t.diagnostic(`verify: snarkjs ${js.toFixed(1)} ms, native ${nat.toFixed(1)} ms (${(js / nat).toFixed(1)}x; a diagnostic, not asserted: bench/queue-throughput measures it)`)
})

test('the batch API proves many witnesses of one circuit in one call, each verifying', { skip }, async () => {
  const key = new addon!.NativeKey(keys.zkey, r1cs)
  // in2 ∈ {0, 4}; x, in1 vary: out1 = (x² + in1 + 3)(x + in2), out2 = x + in1 + 7.
  const ws = [[3n, 10n, 4n], [5n, 1n, 0n], [P - 2n, 7n, 4n]].map(([x, in1, in2]) => {
    const t = (x! * x!) % P
    return writeWtns([1n, ((t + in1! + 3n) * (x! + in2!)) % P, (x! + in1! + 7n) % P, in1!, in2!, x!, t])
  })
  const outs = await proveWtnsBatch(key, ws)
  assert.equal(outs.length, 3)
  for (const o of outs) assert.equal(await verify('groth16', keys.vkey, o.publicSignals, o.proof), true)
  assert.equal(outs[1]!.publicSignals[3], '0')
  assert.ok(outs.every((o) => o.timings.proveMs > 0 && o.timings.msmHMs >= 0))
})

test('a witness that does not satisfy the circuit is refused before proving', { skip }, async () => {
  const key = new addon!.NativeKey(keys.zkey, r1cs)
  const bad = writeWtns([1n, 154n, 20n, 10n, 4n, 3n, 10n]) // t = 10 ≠ x² = 9: constraint 0
  assert.throws(() => key.check(bad), /CIRCUIT_UNSATISFIED: .*constraint 0/)
  await assert.rejects(proveWtns(key, bad), (e: unknown) => isCode('CIRCUIT_UNSATISFIED')(e) && /breaks constraint 0/.test((e as BaseError).details ?? ''))
  // The batch refuses as a whole when any witness is bad.
  await assert.rejects(proveWtnsBatch(key, [wtns, bad]), isCode('CIRCUIT_UNSATISFIED'))
  // Without the .r1cs the key cannot check constraints (the zkey has no C): the wire count still is.
  const bare = new addon!.NativeKey(keys.zkey)
  assert.equal(bare.hasR1Cs, false)
  assert.doesNotThrow(() => bare.check(bad))
})

test('a key of another circuit gives a clear error', { skip }, async () => {
  const key = new addon!.NativeKey(keys.zkey, r1cs)
  // x·x = y: 3 wires against the small circuit's 7.
  const other = { prime: P, nWires: 3, nPubOut: 1, nPubIn: 0, nPrvIn: 1, nLabels: 3, constraints: [[[[2, 1n]], [[2, 1n]], [[1, 1n]]]], wireToLabel: [0, 1, 2] } as typeof smallCircuit
  await assert.rejects(proveWtns(key, writeWtns([1n, 9n, 3n])), (e: unknown) => isCode('NATIVE_KEY_MISMATCH')(e) && /expected a witness of 7 wires .*got 3/.test((e as BaseError).details ?? ''))
  assert.throws(() => new addon!.NativeKey(keys.zkey, writeR1cs(other)), /NATIVE_KEY_MISMATCH: the \.r1cs is not the circuit of this zkey/)
  // Same shape, one coefficient changed: still not this key's circuit.
  const tweaked = { ...smallCircuit, constraints: smallCircuit.constraints.map((k, i) => (i === 1 ? [[[0, 5n], ...k[0].slice(1)], k[1], k[2]] : k)) } as typeof smallCircuit
  assert.throws(() => new addon!.NativeKey(keys.zkey, writeR1cs(tweaked)), /NATIVE_KEY_MISMATCH: .*constraint 1/)
  // Not a zkey, a truncated one, a PLONK one.
  assert.throws(() => new addon!.NativeKey(wtns), /NATIVE_KEY_INVALID: expected a \.zkey file/)
  assert.throws(() => new addon!.NativeKey(keys.zkey.subarray(0, keys.zkey.length - 100)), /NATIVE_KEY_INVALID/)
  const plonk = await setupPlonk({ r1cs, ptauPath: DEFAULT_PTAU_PATH })
  assert.throws(() => new addon!.NativeKey(plonk.zkey), /ENGINE_BACKEND_UNSUPPORTED/)
})

test('the bench-only key maker (larger than the bundled ptau allows) makes keys both provers agree on', { skip }, async () => {
  const snarkjs = await import('snarkjs')
  const zkey = new Uint8Array(addon!.insecureBenchKey(r1cs, 7))
  const vkey = await snarkjs.zKey.exportVerificationKey(zkey)
  const native = await proveWtns(new addon!.NativeKey(zkey, r1cs), wtns)
  const snark = await prove('groth16', zkey, wtns)
  assert.equal(await verify('groth16', vkey, native.publicSignals, native.proof), true)
  assert.equal(await verify('groth16', vkey, snark.publicSignals, snark.proof), true)
  assert.equal(await verify('groth16', keys.vkey, native.publicSignals, native.proof), false, 'not a proof for the real key')
})

test('fixed-base tables: full-size wires proved with and without the key\'s tables both verify with snarkjs', { skip }, async () => {
  const snarkjs = await import('snarkjs')
  // A chain x_{i+1} = x_i·(x_i + 1) from a random x_0: every wire a full-size field element, so
  // every MSM (A, B1, B2, C, H) goes through the table path, not the small-scalar shortcuts.
  const n = 700
  const nWires = n + 3
  const constraints: Array<[Array<[number, bigint]>, Array<[number, bigint]>, Array<[number, bigint]>]> = []
  const w = new Array<bigint>(nWires).fill(0n)
  w[0] = 1n
  w[2] = (2n ** 250n + 12345n) % P
  for (let i = 0; i < n; i++) {
    const x = 2 + i
    const y = i === n - 1 ? 1 : x + 1
    constraints.push([[[x, 1n]], [[0, 1n], [x, 1n]], [[y, 1n]]])
    w[y] = (w[x]! * (w[x]! + 1n)) % P
  }
  const cr1cs = writeR1cs({ prime: P, nWires, nPubOut: 1, nPubIn: 0, nPrvIn: 1, nLabels: nWires, constraints, wireToLabel: [...Array(nWires).keys()] })
  const cw = writeWtns(w)
  const zkey = new Uint8Array(addon!.insecureBenchKey(cr1cs, 11))
  const vkey = await snarkjs.zKey.exportVerificationKey(zkey)
  const withTables = new addon!.NativeKey(zkey, cr1cs, 64)
  const without = new addon!.NativeKey(zkey, cr1cs)
  assert.ok(withTables.tableBytes > 0, 'tables built under a 64 MiB budget')
  assert.equal(without.tableBytes, 0, 'no tables by default')
  for (const key of [withTables, without]) {
    const out = await proveWtns(key, cw)
    assert.equal(await verify('groth16', vkey, out.publicSignals, out.proof), true)
  }
})

test('selectEngine: an unknown engine is refused; snarkjs on request', async () => {
  await assert.rejects(selectEngine('rapidsnark'), isCode('ENGINE_UNAVAILABLE'))
  const lines: string[] = []
  const { name } = await selectEngine('snarkjs', (l) => lines.push(l))
  assert.equal(name, 'snarkjs')
  assert.match(lines.join('\n'), /proving engine snarkjs/)
})

test('a zkml worker --engine native proves a network job the coordinator accepts; --engine snarkjs beside it', { skip }, async () => {
  const redis = await connectRedis()
  const prefix = testPrefix('native')
  const dirs = tempDir('native')
  const apiKey = 'native-test-key'
  const env = { ZKML_API_KEYS: apiKey, ZKML_STORE: 'redis', ZKML_PREFIX: prefix }
  const procs: Proc[] = []
  try {
    const circuit = await compiledTestCircuit(dirs.dir)
    // The engine itself on the compiled model: same statement as snarkjs, and it verifies.
    const engine = await nativeEngine(addon!)
    const c = (await engine.load(circuit.dir)) as NativeCircuit
    assert.ok(c.native?.hasR1Cs, 'the compiled circuit directory has its .r1cs, so witnesses are checked')
    const ctx = { subject: 7n, round: 1n }
    const p = await engine.prove(c, circuit.sample(0), ctx)
    assert.equal(await engine.verify(c, p.proof, p.publicSignals), true)
    assert.deepEqual(p.publicSignals, (await c.computeWitness(circuit.sample(0), ctx)).publicSignals)

    // --engine cuda where the addon sees no GPU (built with or without CUDA): the native CPU engine,
    // said in a WARNING line; the cuda engine itself keeps the key on the CPU, says so, and proves.
    if (parseCudaStatus(addon!.nativeInfo()).gpus.length === 0) {
      const lines: string[] = []
      const picked = await selectEngine('cuda', (l) => lines.push(l))
      assert.equal(picked.name, 'native')
      assert.match(lines.join('\n'), /WARNING: --engine cuda: .*; proving engine native \(CPU\) instead/)
      const gpuLines: string[] = []
      const ce = await cudaEngine(addon!, { log: (l) => gpuLines.push(l) })
      const cc = await ce.load(circuit.dir)
      assert.match(gpuLines.join('\n'), /proves on the CPU \(native\): its key is not on the GPU/)
      const pc = await ce.prove(cc, circuit.sample(0), ctx)
      assert.equal(await ce.verify(cc, pc.proof, pc.publicSignals), true)
    }

    const server = spawnZkml(['serve', '--allow-volatile-redis', '--port', '0'], { ...env, ZKML_WORK_DIR: `${dirs.dir}/work-server` }, 'serve')
    procs.push(server)
    const base = (await server.waitFor(/^listening on /)).replace('listening on ', '').trim()
    const api = async (path: string, body?: unknown) => {
      const r = await fetch(base + path, { method: body ? 'POST' : 'GET', headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` }, ...(body ? { body: JSON.stringify(body) } : {}) })
      return { status: r.status, json: (await r.json()) as any }
    }
    const reg = await api('/circuits', await registerBody(circuit.dir))
    assert.equal(reg.status, 201, JSON.stringify(reg.json))
    const worker = (engineName: string) => {
      const w = spawnZkml(['worker', '--allow-volatile-redis', '--engine', engineName, '--poll-ms', '200', '--heartbeat-ms', '1000'], { ...env, ZKML_WORK_DIR: `${dirs.dir}/work-${engineName}` }, engineName)
      procs.push(w)
      return w
    }
    const N = worker('native')
    assert.match(await N.waitFor(/proving engine/), /proving engine native/)
    const started = JSON.parse(await N.waitFor(/"event":"started"/))
    assert.deepEqual(started.hardware.engines, { groth16: 'native', plonk: 'snarkjs' })
    const r = await api('/jobs', { circuitId: reg.json.circuit.id, input: circuit.sample(1), subject: '42', round: '3' })
    assert.equal(r.status, 202, JSON.stringify(r.json))
    const rec = await until(async () => {
      const j = (await api(`/jobs/${r.json.jobId}`)).json
      if (j.status === 'failed') throw new Error(`job failed: ${j.errorCode} ${j.reason}`)
      return j.status === 'verified' && j
    }, 120_000, 'the native worker\'s job verified', 200)
    assert.equal(await engine.verify(c, rec.proof, rec.publicSignals), true)
    assert.equal(rec.engine, 'native', 'GET /jobs/:id says which engine proved it')

    const S = worker('snarkjs')
    assert.match(await S.waitFor(/proving engine/), /proving engine snarkjs/)
    await S.waitFor(/"event":"started"/)
    const ads = (await api('/workers')).json.workers as Array<{ hardware: { engines?: Record<string, string> } }>
    assert.deepEqual(ads.map((w) => w.hardware.engines?.groth16).sort(), ['native', 'snarkjs'], 'the two workers advertise their engines')
  } finally {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGTERM')
    await Promise.all(procs.map((p) => p.exited))
    await deletePrefix(redis, prefix)
    redis.disconnect()
    dirs.remove()
  }
})
