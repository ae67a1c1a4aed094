// Issue 11 item 2: a proof encoding that snarkjs accepts and the chain rejects. Real Groth16 and PLONK
// proofs of a small circuit, their Solidity verifiers on a real anvil, and the bigint BN254 reference
// (src/compiler/snark/bn254.ts) that canonicalProof uses: valid proofs pass; projective forms,
// coordinates >= q, off-curve points, a twist point outside G2 and PLONK evaluations >= r are refused
// with PROOF_NONCANONICAL, and each of them is shown to verify in snarkjs but to fail on-chain.
import { test, after, before } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import * as snarkjs from 'snarkjs'
import { createPublicClient, createWalletClient, http, type Address, type PublicClient } from 'viem'
import { deployContract } from '../../src/chain/deploy.ts'
import { verifierAbi } from '../../src/chain/projectContracts.ts'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { startAnvil, anvilPrivateKeys, type AnvilInstance } from '../../src/dev/anvil.ts'
import { compileSolidity } from '../../src/compiler/solidity/compileSolidity.ts'
import { writeR1cs, writeWtns } from '../../src/compiler/r1cs/index.ts'
import {
  BN254_Q, BN254_R, DEFAULT_PTAU_PATH, canonicalProof, decodeProof, encodeProof, exportSolidityVerifier, fp2, g2Mul, inG2Subgroup, isG1, isG2,
  isOnTwist, prove, setupGroth16, setupPlonk, terminateSnark, verify, type Fp2, type SnarkProof, type VerificationKey,
} from '../../src/compiler/snark/index.ts'
import { BaseError } from '../../src/errors/index.ts'
import { loadNativeAddon, nativeG2Subgroup } from '../../src/prover/engines/native/index.ts'
import { smallCircuit, smallWitness } from './snark-circuit.ts'

const q = BN254_Q
const m = (x: bigint) => ((x % q) + q) % q
const isCode = (code: string, re?: RegExp) => (e: unknown) => e instanceof BaseError && e.code === code && (!re || re.test(e.details ?? ''))

let anvil: AnvilInstance
let client: PublicClient
const setups = new Map<'groth16' | 'plonk', { vkey: VerificationKey; proof: SnarkProof; publicSignals: string[]; verifier: Address; abi: typeof verifierAbi }>()

before(async () => {
  anvil = await startAnvil()
  const chain = { ...foundry, id: anvil.chainId }
  client = createPublicClient({ chain, transport: http(anvil.rpcUrl) }) as PublicClient
  const wallet = createWalletClient({ account: privateKeyToAccount(anvilPrivateKeys[0]), chain, transport: http(anvil.rpcUrl) })
  const r1cs = writeR1cs(smallCircuit)
  for (const backend of ['groth16', 'plonk'] as const) {
    const { zkey, vkey } = backend === 'groth16' ? await setupGroth16({ r1cs, ptauPath: DEFAULT_PTAU_PATH }) : await setupPlonk({ r1cs, ptauPath: DEFAULT_PTAU_PATH })
    const { proof, publicSignals } = await prove(backend, zkey, writeWtns(smallWitness))
    const name = `Canon${backend}`
    const compiled = compileSolidity({ [`${name}.sol`]: await exportSolidityVerifier(backend, zkey, name) })[`${name}.sol:${name}`]!
    const verifier = await deployContract({ wallet, publicClient: client }, { abi: verifierAbi, bytecode: compiled.bytecode })
    setups.set(backend, { vkey, proof, publicSignals, verifier, abi: verifierAbi })
  }
})
after(async () => {
  await anvil?.stop()
  await terminateSnark()
})

/** What the chain says of a proof object: its verifier's answer for encodeProof(proof); a revert is a no. */
async function onChain(backend: 'groth16' | 'plonk', proof: SnarkProof): Promise<boolean> {
  const s = setups.get(backend)!
  return (client.readContract({ address: s.verifier, abi: s.abi, functionName: 'verify', args: [encodeProof(backend, proof), s.publicSignals.map(BigInt)] }) as Promise<boolean>)
    .catch(() => false)
}
/** What snarkjs alone says (the coordinator's check before the fix). */
const snarkjsSays = (backend: 'groth16' | 'plonk', proof: SnarkProof) => {
  const s = setups.get(backend)!
  return (backend === 'groth16' ? snarkjs.groth16 : snarkjs.plonk).verify(s.vkey, s.publicSignals, proof)
}

// Fp2 helpers for building a twist point honestly (square roots exist for q ≡ 3 mod 4 by Adj and
// Rodríguez-Henríquez's algorithm 9).
const pow = (a: Fp2, e: bigint): Fp2 => {
  let r: Fp2 = [1n, 0n]
  let b = a
  for (; e > 0n; e >>= 1n) {
    if (e & 1n) r = fp2.mul(r, b)
    b = fp2.sqr(b)
  }
  return r
}
function sqrtFp2(a: Fp2): Fp2 | undefined {
  const a1 = pow(a, (q - 3n) / 4n)
  const alpha = fp2.mul(a1, fp2.mul(a1, a))
  const a0 = fp2.mul([alpha[0], m(-alpha[1])], alpha) // alpha^q · alpha (Frobenius = conjugation)
  if (fp2.eq(a0, [q - 1n, 0n])) return undefined
  const x0 = fp2.mul(a1, a)
  const x = fp2.eq(alpha, [q - 1n, 0n]) ? fp2.mul([0n, 1n], x0) : fp2.mul(pow(fp2.add([1n, 0n], alpha), (q - 1n) / 2n), x0)
  return fp2.eq(fp2.sqr(x), a) ? x : undefined
}
/** The first point on the twist whose x hashes from a counter: found, not multiplied by the cofactor. */
function hashedTwistPoint(): { x: Fp2; y: Fp2 } {
  const b = fp2.small(fp2.inv([9n, 1n]), 3n)
  for (let i = 0; ; i++) {
    const h = (tag: string) => m(BigInt(`0x${createHash('sha256').update(`zkml-twist-${tag}-${i}`).digest('hex')}`))
    const x: Fp2 = [h('c0'), h('c1')]
    const y = sqrtFp2(fp2.add(fp2.mul(fp2.sqr(x), x), b))
    if (y) return { x, y }
  }
}
const G2_GEN = {
  x: [10857046999023057135944570762232829481370756359578518086990519993285655852781n, 11559732032986387107991004021392285783925812861821192530917403151452391805634n] as Fp2,
  y: [8495653923123431417604973247489272438418190587263600148770280649306958101930n, 4082367875863433681332203403145435568316851327593401208105741076214120093531n] as Fp2,
}

test('bn254 reference: generators and the verification key\'s points are in their groups; a hashed twist point is not in G2', (t) => {
  assert.equal(isG1(1n, 2n), true)
  assert.equal(isG1(1n, 3n), false)
  assert.equal(isG1(1n, 2n + q), false, 'a coordinate >= q')
  assert.equal(isG2(G2_GEN.x, G2_GEN.y), true)
  const vk = setups.get('groth16')!.vkey as Record<string, string[][]>
  for (const k of ['vk_beta_2', 'vk_gamma_2', 'vk_delta_2']) {
    const [x, y] = vk[k]!.map(([c0, c1]) => [BigInt(c0!), BigInt(c1!)] as Fp2)
    assert.equal(isG2(x!, y!), true, k)
  }
  const p = hashedTwistPoint()
  assert.equal(isOnTwist(p.x, p.y), true, 'on the twist')
  const started = performance.now()
  assert.equal(inG2Subgroup(p.x, p.y), false, 'but not in the order-r subgroup')
  const ms = performance.now() - started
  t.diagnostic(`G2 subgroup check ([r]P == O, bigint Jacobian): ${ms.toFixed(1)} ms`)
  assert.ok(ms < 250, `expected a few ms, took ${ms} ms`)
  // Cleared by the cofactor 2q - r, the same point lands in G2: the twist equation and [r]P agree.
  const cleared = g2Mul(p.x, p.y, 2n * q - BN254_R)!
  assert.equal(isG2(cleared.x, cleared.y), true)
})

test('groth16: the honest proof is its own canonical form, verifies here and on anvil', async () => {
  const { proof, vkey, publicSignals } = setups.get('groth16')!
  assert.deepEqual(canonicalProof('groth16', proof), proof)
  assert.deepEqual(decodeProof('groth16', encodeProof('groth16', proof)), proof)
  assert.equal(await verify('groth16', vkey, publicSignals, proof), true)
  assert.equal(await onChain('groth16', proof), true)
})

test('groth16: projective and unreduced encodings (snarkjs and the chain disagree) are PROOF_NONCANONICAL; off-curve and non-subgroup points PROOF_INVALID', async () => {
  const { proof, vkey, publicSignals } = setups.get('groth16')!
  const [ax, ay] = (proof.pi_a as string[]).map(BigInt) as [bigint, bigint]
  const lambda = 5n
  // Not a group element: PROOF_INVALID (snarkjs refuses it too). The encodings where snarkjs and the chain
  // disagree: PROOF_NONCANONICAL.
  const cases: Array<{ name: string; proof: SnarkProof; snarkjsAccepts: boolean; chainAccepts?: boolean; code?: string; re: RegExp }> = [
    { name: 'pi_a projective [x·λ², y·λ³, λ]', proof: { ...proof, pi_a: [m(ax * lambda ** 2n), m(ay * lambda ** 3n), lambda].map(String) }, snarkjsAccepts: true, re: /affine G1/ },
    { name: 'pi_a projective with λ = -1 (encodes -A, on the curve)', proof: { ...proof, pi_a: [ax, q - ay, q - 1n].map(String) }, snarkjsAccepts: true, re: /affine G1/ },
    { name: 'pi_a.x + q', proof: { ...proof, pi_a: [String(ax + q), String(ay), '1'] }, snarkjsAccepts: true, re: /below the base field modulus/ },
    { name: 'pi_a off the curve', proof: { ...proof, pi_a: [String(ax), String(m(ay + 1n)), '1'] }, snarkjsAccepts: false, code: 'PROOF_INVALID', re: /on the curve/ },
    // The other way round: the chain ignores z, so it sees the honest point; snarkjs sees another. The
    // object is not the calldata, so it is refused too.
    { name: 'pi_b projective z = [2, 0]', proof: { ...proof, pi_b: [...(proof.pi_b as string[][]).slice(0, 2), ['2', '0']] }, snarkjsAccepts: false, chainAccepts: true, re: /affine G2/ },
    { name: 'protocol plonk', proof: { ...proof, protocol: 'plonk' }, snarkjsAccepts: true, chainAccepts: true, re: /protocol/ },
  ]
  const tw = hashedTwistPoint()
  cases.push({
    name: 'pi_b on the twist but outside G2',
    proof: { ...proof, pi_b: [[String(tw.x[0]), String(tw.x[1])], [String(tw.y[0]), String(tw.y[1])], ['1', '0']] },
    snarkjsAccepts: false, code: 'PROOF_INVALID', re: /order-r subgroup/,
  })
  // The native engine's subgroup check (the addon's isG2) must refuse and accept exactly as the bigint one.
  const { addon } = await loadNativeAddon()
  const g2Subgroup = addon && nativeG2Subgroup(addon)
  if (g2Subgroup) {
    assert.deepEqual(canonicalProof('groth16', proof, { g2Subgroup }), proof)
    assert.equal(await verify('groth16', vkey, publicSignals, proof, { g2Subgroup }), true)
  }
  for (const c of cases) {
    assert.equal(await snarkjsSays('groth16', c.proof), c.snarkjsAccepts, `${c.name}: snarkjs alone says ${!c.snarkjsAccepts}`)
    assert.equal(await onChain('groth16', c.proof), c.chainAccepts ?? false, `${c.name}: the chain says ${c.chainAccepts ?? false}`)
    assert.throws(() => canonicalProof('groth16', c.proof), isCode(c.code ?? 'PROOF_NONCANONICAL', c.re), c.name)
    assert.equal(await verify('groth16', vkey, publicSignals, c.proof), false, `${c.name}: verify() checks the chain's encoding`)
    if (g2Subgroup) {
      assert.throws(() => canonicalProof('groth16', c.proof, { g2Subgroup }), isCode(c.code ?? 'PROOF_NONCANONICAL', c.re), `${c.name} (native subgroup check)`)
      assert.equal(await verify('groth16', vkey, publicSignals, c.proof, { g2Subgroup }), false, `${c.name}: verify() with the native subgroup check`)
    }
  }
  assert.throws(() => canonicalProof('groth16', { ...proof, pi_a: ['0x1', '2', '1'] }), isCode('PROOF_INVALID'))
})

test('plonk: the honest proof passes; projective points, coordinates >= q and evaluations >= r are PROOF_NONCANONICAL, off-curve points PROOF_INVALID', async () => {
  const { proof, vkey, publicSignals } = setups.get('plonk')!
  assert.deepEqual(canonicalProof('plonk', proof), proof)
  assert.equal(await verify('plonk', vkey, publicSignals, proof), true)
  assert.equal(await onChain('plonk', proof), true)
  const [x, y] = (proof.A as string[]).map(BigInt) as [bigint, bigint]
  const cases: Array<{ name: string; proof: SnarkProof; code?: string; re: RegExp }> = [
    { name: 'A projective', proof: { ...proof, A: [m(x * 4n), m(y * 8n), '2'].map(String) }, re: /affine G1/ },
    { name: 'A.y + q', proof: { ...proof, A: [String(x), String(y + q), '1'] }, re: /below the base field modulus/ },
    { name: 'A off the curve', proof: { ...proof, A: [String(x), String(m(y + 1n)), '1'] }, code: 'PROOF_INVALID', re: /on the curve/ },
    { name: 'eval_a + r', proof: { ...proof, eval_a: String(BigInt(proof.eval_a as string) + BN254_R) }, re: /below the scalar field order/ },
  ]
  for (const c of cases) {
    assert.equal(await onChain('plonk', c.proof), false, `${c.name}: the chain refuses it`)
    assert.throws(() => canonicalProof('plonk', c.proof), isCode(c.code ?? 'PROOF_NONCANONICAL', c.re), c.name)
    assert.equal(await verify('plonk', vkey, publicSignals, c.proof), false, c.name)
  }
})
