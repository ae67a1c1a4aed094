// Shared set-up for the market-*.test.ts files (not a test file itself): a real anvil, a real Groth16
// verifier for a hand-built circuit whose public signals are [output, input, subject, round], ProofMarket,
// and the re-entrancy attacker.
import {
  createPublicClient, createTestClient, createWalletClient, http,
  type ContractFunctionArgs, type ContractFunctionName, type ContractFunctionReturnType, type Account, type Chain, type PublicClient, type TestClient, type Transport, type WalletClient, type Hex,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { startAnvil, anvilPrivateKeys, type AnvilInstance } from '../../src/dev/anvil.ts'
import { compileSolidity } from '../../src/compiler/solidity/compileSolidity.ts'
import { P, mod } from '../../src/compiler/field.ts'
import type { R1csData } from '../../src/compiler/r1cs/index.ts'
import { writeR1cs, writeWtns } from '../../src/compiler/r1cs/index.ts'
import { encodeProof, exportSolidityVerifier, prove, setupGroth16, DEFAULT_PTAU_PATH } from '../../src/compiler/snark/index.ts'
import { proofMarketContract, inputsCommitment, offerStruct, type Offer } from '../../src/market/index.ts'
import { decodeRevert } from '../../src/chain/decodeRevert.ts'
import { deployContract } from '../../src/chain/deploy.ts'
import { writeAndWait } from '../../src/chain/writeAndWait.ts'
import { verifierAbi } from '../../src/chain/projectContracts.ts'
import { reentrantCallerAbi, reentrantCallerBytecode } from '../../src/chain/contracts/generated/test/index.ts'

type MarketAbi = typeof proofMarketContract.abi
type MarketWrite = ContractFunctionName<MarketAbi, 'nonpayable' | 'payable'>
type MarketRead = ContractFunctionName<MarketAbi, 'view' | 'pure'>

/**
 * Wires: 0 one, 1 output, 2 input, 3 subject, 4 round (public), 5 x (private), 6 s = subject·round.
 *   c0: input · x = output
 *   c1: subject · round = s     (puts both context signals in a constraint)
 */
export const marketCircuit: R1csData = {
  prime: P,
  nWires: 7, nPubOut: 1, nPubIn: 3, nPrvIn: 1, nLabels: 7,
  constraints: [
    [[[2, 1n]], [[5, 1n]], [[1, 1n]]],
    [[[3, 1n]], [[4, 1n]], [[6, 1n]]],
  ],
  wireToLabel: [0, 1, 2, 3, 4, 5, 6],
}

export const circuitId = `0x${'c1'.repeat(32)}` as const
export const ZERO32 = `0x${'00'.repeat(32)}` as const
/** The inputs commitment of the fixture circuit's default proof input (5): every request must bind one. */
export const IN5 = inputsCommitment([5n])

export type Signer = WalletClient<Transport, Chain, Account>

export type MarketFixture = {
  anvil: AnvilInstance
  client: PublicClient
  test: TestClient
  wallets: Signer[]
  market: { address: Hex; abi: MarketAbi }
  verifier: Hex
  attackerAbi: typeof reentrantCallerAbi
  /** The Groth16 keys the registered verifier checks against. */
  keys: { r1cs: Uint8Array; zkey: Uint8Array; vkey: Record<string, unknown> }
  attackerBytecode: Hex
  proofFor(subject: bigint, round: bigint, input?: bigint, x?: bigint): Promise<{ proof: Hex; signals: bigint[]; raw: unknown; publicSignals: string[] }>
  write<fn extends MarketWrite>(w: Signer, functionName: fn, args?: ContractFunctionArgs<MarketAbi, 'nonpayable' | 'payable', fn>, value?: bigint): Promise<{ gas: bigint; blockTime: bigint; logs: unknown[] }>
  read<fn extends MarketRead>(functionName: fn, args?: ContractFunctionArgs<MarketAbi, 'view' | 'pure', fn>): Promise<ContractFunctionReturnType<MarketAbi, 'view' | 'pure', fn>>
  now(): Promise<bigint>
  /** Makes the next block's timestamp `t` and mines it. */
  warp(t: bigint): Promise<void>
  submit(w: Signer, offer: Partial<Offer>): Promise<{ id: bigint; offer: Offer }>
  stop(): Promise<void>
}

/** The name of the custom error a viem call reverted with, or undefined. */
export function revertName(e: unknown): string | undefined {
  return decodeRevert(e)?.name
}

export async function startMarketFixture(options: { burnBps?: number } = {}): Promise<MarketFixture> {
  const anvil = await startAnvil()
  const chain = { ...foundry, id: anvil.chainId }
  const transport = http(anvil.rpcUrl)
  const client = createPublicClient({ chain, transport, pollingInterval: 20 }) as PublicClient
  const test = createTestClient({ chain, transport, mode: 'anvil' })
  const wallets = anvilPrivateKeys.map((k) => createWalletClient({ account: privateKeyToAccount(k), chain, transport }))

  const r1cs = writeR1cs(marketCircuit)
  const { zkey, vkey } = await setupGroth16({ r1cs, ptauPath: DEFAULT_PTAU_PATH, entropy: 'market-test' })
  const source = await exportSolidityVerifier('groth16', zkey, 'MarketTestVerifier')
  const v = compileSolidity({ 'MarketTestVerifier.sol': source })['MarketTestVerifier.sol:MarketTestVerifier']!
  const clients = { wallet: wallets[0]!, publicClient: client }
  const verifier = await deployContract(clients, { abi: verifierAbi, bytecode: v.bytecode })
  const market = { address: await deployContract(clients, proofMarketContract, [options.burnBps ?? 5000]), abi: proofMarketContract.abi }

  const write: MarketFixture['write'] = async (w, functionName, args, value) => {
    // Typed at the fixture's callers (MarketFixture['write']); throws unless the receipt's status is success.
    const rc = await writeAndWait({ wallet: w, publicClient: client }, { address: market.address, abi: market.abi, functionName, args, ...(value ? { value } : {}) } as never)
    const block = await client.getBlock({ blockNumber: rc.blockNumber })
    return { gas: rc.gasUsed * rc.effectiveGasPrice, blockTime: block.timestamp, logs: rc.logs }
  }
  // Typed at the fixture's callers (MarketFixture['read']).
  const read = ((functionName: MarketRead, args?: readonly unknown[]) =>
    client.readContract({ address: market.address, abi: market.abi, functionName, args } as never)) as MarketFixture['read']
  await write(wallets[0]!, 'registerCircuit', [circuitId, verifier, 1])

  const proofCache = new Map<string, { proof: Hex; signals: bigint[]; raw: unknown; publicSignals: string[] }>()
  const proofFor: MarketFixture['proofFor'] = async (subject, round, input = 5n, x = 3n) => {
    const key = `${subject}:${round}:${input}:${x}`
    const hit = proofCache.get(key)
    if (hit) return hit
    const witness = [1n, mod(input * x), input, subject, round, x, mod(subject * round)]
    const { proof, publicSignals } = await prove('groth16', zkey, writeWtns(witness))
    const out = { proof: encodeProof('groth16', proof), signals: publicSignals.map(BigInt), raw: proof, publicSignals }
    proofCache.set(key, out)
    return out
  }

  const now = async () => (await client.getBlock()).timestamp
  const warp = async (t: bigint) => {
    await test.setNextBlockTimestamp({ timestamp: t })
    await test.mine({ blocks: 1 })
  }
  let nextRound = 1n
  const submit: MarketFixture['submit'] = async (w, partial) => {
    const t = await now()
    const offer: Offer = {
      circuitId, subject: 42n, round: nextRound++, inputsHash: IN5,
      minPrice: 1_000n, maxPrice: 11_000n, rampStart: t + 10n, rampLength: 100n,
      lockDeadline: t + 300n, deadline: t + 1000n, collateral: 50_000n, ...partial,
    }
    await write(w, 'submitRequest', [offerStruct(offer)], offer.maxPrice)
    const id = await read('requestCount')
    return { id, offer }
  }

  return {
    anvil, client, test, wallets, market, verifier, keys: { r1cs, zkey, vkey }, attackerAbi: reentrantCallerAbi, attackerBytecode: reentrantCallerBytecode,
    proofFor, write, read, now, warp, submit,
    stop: () => anvil.stop(),
  }
}
