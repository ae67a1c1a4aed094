import { createHash } from 'node:crypto'
import { encodePacked, keccak256, type Address, type Hex, type PublicClient } from 'viem'
import { P } from '../compiler/field.ts'
import { provedAllocationVaultAbi } from './contracts/generated/index.ts'

/** What a keeper (or a test, or the explorer) reads from a `ProvedAllocationVault` in one block. */
export type VaultState = {
  vault: Address
  blockNumber: bigint
  pools: Address[]
  /** Each pool's 9 feature integers, clamped, as the vault computes them (`poolFeatures`). */
  raw: bigint[][]
  /** The model input: raw / denominator per feature, pool-major (what the prover quantizes). */
  features: number[]
  /** The input signals the vault will demand, as it computes them on-chain. */
  expectedSignals: bigint[]
  inputScaleBits: number
  lastRound: bigint
  lastRebalanceAt: bigint
  cooldown: bigint
  idle: bigint
  inPools: bigint[]
  totalAssets: bigint
  totalSupply: bigint
}

/**
 * Reads a vault's state at one block: its pools, their features (from the vault's own views, so the
 * inputs a keeper proves are exactly those the vault will check), allocation and rebalance status.
 *
 * @example
 * ```ts
 * import { readVaultState } from './src/chain/allocationVault.ts'
 * const s = await readVaultState(publicClient, vault)
 * await proveInference(circuit, s.features, { subject: BigInt(vault), round: s.lastRound + 1n })
 * ```
 */
export async function readVaultState(client: PublicClient, vault: Address, blockNumber?: bigint): Promise<VaultState> {
  const block = blockNumber ?? (await client.getBlockNumber({ cacheTime: 0 })) // uncached: a block number cached before the last write would read the past
  const read = <F extends 'pools' | 'featureDenominators' | 'expectedInputSignals' | 'inputScaleBits' | 'lastRound' | 'lastRebalanceAt' | 'cooldown' | 'allocation' | 'totalAssets' | 'totalSupply'>(functionName: F) =>
    client.readContract({ address: vault, abi: provedAllocationVaultAbi, functionName, blockNumber: block } as never) as Promise<never>
  const [pools, den, expected, scale, lastRound, lastAt, cooldown, alloc, totalAssets, totalSupply] = await Promise.all([
    read('pools') as Promise<readonly Address[]>,
    read('featureDenominators') as Promise<readonly bigint[]>,
    read('expectedInputSignals') as Promise<readonly bigint[]>,
    read('inputScaleBits') as Promise<number>,
    read('lastRound') as Promise<bigint>,
    read('lastRebalanceAt') as Promise<bigint>,
    read('cooldown') as Promise<number>,
    read('allocation') as Promise<readonly [bigint, readonly bigint[]]>,
    read('totalAssets') as Promise<bigint>,
    read('totalSupply') as Promise<bigint>,
  ])
  const raw = await Promise.all(
    pools.map((_, i) => client.readContract({ address: vault, abi: provedAllocationVaultAbi, functionName: 'poolFeatures', args: [BigInt(i)], blockNumber: block }).then((f) => [...f])),
  )
  return {
    vault,
    blockNumber: block,
    pools: [...pools],
    raw,
    features: raw.flatMap((f) => f.map((v, j) => Number(v) / Number(den[j]!))),
    expectedSignals: [...expected],
    inputScaleBits: Number(scale),
    lastRound,
    lastRebalanceAt: lastAt,
    cooldown: BigInt(cooldown),
    idle: alloc[0],
    inPools: [...alloc[1]],
    totalAssets,
    totalSupply,
  }
}

/**
 * Each pool's share of total assets, in bps (idle is the rest).
 *
 * @example
 * ```ts
 * allocationBps({ inPools: [600n, 400n], totalAssets: 1000n }) // [6000, 4000]
 * ```
 */
export function allocationBps(s: Pick<VaultState, 'inPools' | 'totalAssets'>): number[] {
  return s.inPools.map((b) => (s.totalAssets === 0n ? 0 : Number((b * 10_000n) / s.totalAssets)))
}

/**
 * The allocation (bps of total assets) the vault would move to for these proved scores (signed
 * fixed-point integers): ∝ max(score, 0), capped per pool, like `ProvedAllocationVault._targets`
 * (without the max-move limit).
 *
 * @example
 * ```ts
 * targetBps([4n, -1n, 12n], [6000, 6000, 6000]) // [2500, 0, 6000]
 * ```
 */
export function targetBps(scores: readonly bigint[], capBps: readonly number[]): number[] {
  const pos = scores.map((s) => (s > 0n ? s : 0n))
  const sum = pos.reduce((a, b) => a + b, 0n)
  if (sum === 0n) return pos.map(() => 0)
  return pos.map((s, i) => Math.min(Number((s * 10_000n) / sum), capBps[i]!))
}

/** A field element as a signed integer (> P/2 is negative). */
export function signedSignal(v: bigint | string): bigint {
  const x = BigInt(v)
  return x > P / 2n ? x - P : x
}

/** The arguments of `rebalance(proof, publicSignals)`. */
export function rebalanceArgs(proof: Hex, publicSignals: readonly (string | bigint)[]): readonly [Hex, readonly bigint[]] {
  return [proof, publicSignals.map((s) => BigInt(s))]
}

/**
 * The idempotency key `zkml keeper` submits a vault's proof job under: vault, round and the first 32
 * hex digits of sha256 over the input signals (decimal, comma-joined). Derived from the inputs, so a
 * keeper restarted between submit and save gets the same job, and so the explorer can find the job
 * behind a `Rebalanced` event from the signals in its transaction.
 *
 * @example
 * ```ts
 * import { keeperIdempotencyKey } from './src/chain/allocationVault.ts'
 * keeperIdempotencyKey('0xAbC…', 2n, [1n, 2n]) // 'vault:0xabc…:2:<32 hex digits>'
 * ```
 */
export function keeperIdempotencyKey(vault: Address, round: bigint, inputSignals: readonly bigint[]): string {
  return `vault:${vault.toLowerCase()}:${round}:${inputsKeyOf(inputSignals).slice(0, 32)}`
}

/**
 * sha256 (hex, no 0x) of input signals, decimal and comma-joined: how the keeper tells whether a
 * pending proof still fits the vault's state.
 *
 * @example
 * ```ts
 * inputsKeyOf([1n, 2n]) === inputsKeyOf([1n, 2n]) // true
 * ```
 */
export function inputsKeyOf(signals: readonly bigint[]): string {
  return createHash('sha256').update(signals.join(',')).digest('hex')
}

/**
 * `Rebalanced`'s `inputsHash` for these input signals: keccak256 of their packed uint256 words, as
 * `ProvedAllocationVault.rebalance` computes it over the proof's model inputs.
 *
 * @example
 * ```ts
 * import { rebalanceInputsHash } from './src/chain/allocationVault.ts'
 * rebalanceInputsHash(state.expectedSignals) // equals the next Rebalanced record's inputsHash
 * ```
 */
export function rebalanceInputsHash(inputSignals: readonly bigint[]): Hex {
  return keccak256(encodePacked(['uint256[]'], [inputSignals]))
}
