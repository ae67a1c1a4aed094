import { test, after, before } from 'node:test'
import assert from 'node:assert/strict'
import { createPublicClient, createWalletClient, http, BaseError as ViemError } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { deployContract } from '../../src/chain/deploy.ts'
import { writeAndWait } from '../../src/chain/writeAndWait.ts'
import { startAnvil, anvilPrivateKeys, type AnvilInstance } from '../../src/dev/anvil.ts'
import { compileSolidity } from '../../src/compiler/solidity/compileSolidity.ts'
import { P } from '../../src/compiler/field.ts'
import { writeR1cs, writeWtns } from '../../src/compiler/r1cs/index.ts'
import {
  encodeProof, exportSolidityVerifier, prove, setupGroth16, setupPlonk, verify, terminateSnark, DEFAULT_PTAU_PATH,
} from '../../src/compiler/snark/index.ts'
import { BaseError as ZkmlError } from '../../src/errors/index.ts'
import { smallCircuit, smallWitness } from './snark-circuit.ts'

let anvil: AnvilInstance
before(async () => {
  anvil = await startAnvil()
})
after(async () => {
  await anvil?.stop()
  await terminateSnark()
})

const r1cs = writeR1cs(smallCircuit)
const wtns = writeWtns(smallWitness)

for (const backend of ['groth16', 'plonk'] as const) {
  test(`${backend}: generated IZkmlVerifier accepts encodeProof(proof) on anvil and rejects tampering`, async (t) => {
    const { zkey, vkey } = backend === 'groth16'
      ? await setupGroth16({ r1cs, ptauPath: DEFAULT_PTAU_PATH })
      : await setupPlonk({ r1cs, ptauPath: DEFAULT_PTAU_PATH })
    const { proof, publicSignals } = await prove(backend, zkey, wtns)
    assert.equal(await verify(backend, vkey, publicSignals, proof), true)

    const isCode = (c: string) => (e: unknown) => e instanceof ZkmlError && e.code === c
    await assert.rejects(exportSolidityVerifier(backend, zkey, 'not an identifier'), isCode('SETUP_FAILED'))
    await assert.rejects(exportSolidityVerifier(backend === 'groth16' ? 'plonk' : 'groth16', zkey, 'X'), isCode('SETUP_FAILED'))
    assert.throws(() => encodeProof(backend, { pi_a: ['0x1'], A: ['-1'] }), isCode('PROOF_INVALID'))

    const name = backend === 'groth16' ? 'SmallGroth16' : 'SmallPlonk'
    const source = await exportSolidityVerifier(backend, zkey, name)
    assert.match(source, new RegExp(`contract ${name}${backend === 'groth16' ? 'Groth16' : 'Plonk'}Verifier\\b`))
    const compiled = compileSolidity({ [`${name}.sol`]: source })[`${name}.sol:${name}`]
    assert.ok(compiled, 'wrapper contract compiled')
    const abi = compiled.abi // the wrapper's own ABI: its custom errors (PublicSignalCount, ProofLength) are decoded below

    const account = privateKeyToAccount(anvilPrivateKeys[0])
    const chain = { ...foundry, id: anvil.chainId }
    const wallet = createWalletClient({ account, chain, transport: http(anvil.rpcUrl) })
    const client = createPublicClient({ chain, transport: http(anvil.rpcUrl) })
    // deployContract throws CONTRACT_DEPLOY_FAILED unless the creation succeeded.
    const address = await deployContract({ wallet, publicClient: client }, { abi, bytecode: compiled.bytecode })

    const call = (proofBytes: `0x${string}`, signals: bigint[]) =>
      client.readContract({ address, abi, functionName: 'verify', args: [proofBytes, signals] }) as Promise<boolean>
    const signals = publicSignals.map(BigInt)
    const encoded = encodeProof(backend, proof)
    assert.equal(encoded.length, 2 + 2 * (backend === 'groth16' ? 256 : 768))

    assert.equal(await client.readContract({ address, abi, functionName: 'publicSignalCount' }), 4n)
    assert.equal(await call(encoded, signals), true, 'valid proof')

    // Tampered signals, one at a time, and a signal aliased by + P.
    for (let i = 0; i < signals.length; i++) {
      const changed = [...signals]
      changed[i] = changed[i]! + 1n
      assert.equal(await call(encoded, changed), false, `tampered signal ${i}`)
    }
    assert.equal(await call(encoded, [signals[0]! + P, ...signals.slice(1)]), false, 'signal >= P')

    // Tampered proof: flip a bit in every 32-byte word in turn; none may verify, none may revert.
    const words = (encoded.length - 2) / 64
    for (let w = 0; w < words; w++) {
      const at = 2 + w * 64 + 63
      const flipped = `${encoded.slice(0, at)}${(parseInt(encoded[at]!, 16) ^ 1).toString(16)}${encoded.slice(at + 1)}` as `0x${string}`
      assert.equal(await call(flipped, signals), false, `tampered proof word ${w}`)
    }

    // Wrong shapes are caller bugs: they revert with the wrapper's custom errors.
    await assert.rejects(call(encoded, signals.slice(1)), (e: unknown) => e instanceof ViemError && /PublicSignalCount/.test(e.message))
    await assert.rejects(call(`0x${encoded.slice(4)}`, signals), (e: unknown) => e instanceof ViemError && /ProofLength/.test(e.message))

    // Too little gas must not make a valid proof read false (snarkjs maps a starved precompile to false).
    const outcomes: string[] = []
    for (const gas of [60_000n, 120_000n, 200_000n, 240_000n, 280_000n]) {
      const r = await client
        .simulateContract({ address, abi, functionName: 'verify', args: [encoded, signals], gas, account })
        .then(({ result }) => `returned ${String(result)}`, (e: Error) => (/InsufficientGas|reverted|out of gas/i.test(e.message) ? (/InsufficientGas/.test(e.message) ? 'reverted InsufficientGas' : 'reverted') : e.message))
      t.diagnostic(`gas ${gas}: ${r}`)
      assert.ok(r.startsWith('reverted') || r === 'returned true', `gas ${gas}: expected revert or true, got ${r}`)
      outcomes.push(r)
    }
    assert.ok(outcomes.includes('reverted InsufficientGas'), 'the starvation guard fired at least once')

    // Gas of a verify transaction (21000 base + calldata + verification), measured on a mined tx.
    const receipt = await writeAndWait({ wallet, publicClient: client }, { address, abi, functionName: 'verify', args: [encoded, signals] })
    t.diagnostic(`${backend} verify gasUsed (whole tx, ${signals.length} public signals): ${receipt.gasUsed}`)
    assert.ok(receipt.gasUsed > 150_000n && receipt.gasUsed < 1_000_000n, `plausible gas, got ${receipt.gasUsed}`)
    const estimate = await client.estimateContractGas({ address, abi, functionName: 'verify', args: [encoded, signals], account })
    assert.ok(estimate >= receipt.gasUsed, `estimateGas (${estimate}) covers a successful verification (${receipt.gasUsed})`)
  })
}
