import { createPublicClient, decodeFunctionData, http, type Address, type Hex, type PublicClient } from 'viem'
import { rebalanceInputsHash } from '../chain/allocationVault.ts'
import { modelRegistryAbi } from '../chain/contracts/generated/ModelRegistry.ts'
import { provedAllocationVaultAbi } from '../chain/contracts/generated/ProvedAllocationVault.ts'
import type { VaultEntry } from './feedsConfig.ts'

/** Most blocks one `/explorer/vaults/:address` request scans for `Rebalanced` logs (also the default). */
export const MAX_LOG_SPAN = 10_000n

/** Amounts as decimal strings (uint256 does not fit a number); shares in bps of total assets. */
export type VaultAllocation = { idle: string; inPools: string[]; totalAssets: string; bps: number[]; idleBps: number }

/** A vault as the explorer shows it now. `error` is set (and the rest partly missing) when it could not be read. */
export type VaultSummary = {
  label: string
  address: Address
  name?: string
  symbol?: string
  decimals?: number
  pools?: Address[]
  capBps?: number[]
  modelId?: string
  /** The registry entry's circuit identity (sha256 of the canonical manifest, docs/identity.md). */
  circuitId?: Hex
  /** Fractional bits of the proved scores: score = signed integer / 2^scaleBits. */
  scoreScaleBits?: number
  lastRound?: string
  lastRebalanceAt?: number
  cooldown?: number
  allocation?: VaultAllocation
  error?: string
}

/** One `Rebalanced` event with what the chain says about it (the proof job is matched separately). */
export type RebalanceRecord = {
  round: bigint
  blockNumber: bigint
  blockHash: Hex
  blockTime?: number | undefined
  txHash: Hex
  logIndex: number
  caller: Address
  modelId: bigint
  scores: bigint[]
  before: bigint[]
  after: bigint[]
  moved: bigint
  proofHash: Hex
  inputsHash: Hex
  /** totalAssets at the end of the rebalance's block (a rebalance itself moves none out of the vault). */
  totalAssets?: bigint | undefined
  /** The proof's model inputs, from the transaction's calldata when it called `rebalance` directly (checked against inputsHash). */
  inputSignals?: bigint[] | undefined
}

type Static = {
  name: string; symbol: string; decimals: number; pools: Address[]; capBps: number[]; modelId: bigint; nFeatures: number
  circuitId: Hex | undefined; scoreScaleBits: number | undefined
}

const bpsOf = (part: bigint, total: bigint) => (total === 0n ? 0 : Number((part * 10_000n) / total))

/**
 * Reads `ProvedAllocationVault`s for the explorer: the current allocation, and `Rebalanced` logs in a
 * bounded block range. A rebalance never changes once mined, so each is decoded once (with its block
 * time, the vault's totalAssets at its block and the proof's input signals from its calldata) and kept
 * by block hash and log index; what never changes about a vault (pools, caps, model) is read once.
 *
 * @example
 * ```ts
 * import { VaultReader } from './src/explorer/vaultReader.ts'
 * const reader = new VaultReader('http://127.0.0.1:8545')
 * const s = await reader.summary({ label: 'demo vault', address: '0x…' })
 * const { rebalances } = await reader.rebalances({ label: 'demo vault', address: '0x…' }, 0n, 100n)
 * console.log(s.allocation?.bps, rebalances.map((r) => r.round))
 * ```
 */
export class VaultReader {
  readonly client: PublicClient
  private statics = new Map<string, Promise<Static>>()
  private records = new Map<string, RebalanceRecord>()

  constructor(readonly rpcUrl: string) {
    this.client = createPublicClient({ transport: http(rpcUrl, { timeout: 5_000, retryCount: 0 }) }) as PublicClient
  }

  /** The chain's head: block number and time. */
  async head(): Promise<{ blockNumber: bigint; chainTime: number }> {
    const b = await this.client.getBlock()
    return { blockNumber: b.number, chainTime: Number(b.timestamp) }
  }

  /** What the vault holds now and how it is configured; a vault that cannot be read carries `error`. */
  async summary(v: VaultEntry): Promise<VaultSummary> {
    const out: VaultSummary = { label: v.label, address: v.address }
    try {
      const s = await this.static(v.address)
      const address = v.address
      const abi = provedAllocationVaultAbi
      const [alloc, totalAssets, lastRound, lastRebalanceAt, cooldown] = await Promise.all([
        this.client.readContract({ address, abi, functionName: 'allocation' }),
        this.client.readContract({ address, abi, functionName: 'totalAssets' }),
        this.client.readContract({ address, abi, functionName: 'lastRound' }),
        this.client.readContract({ address, abi, functionName: 'lastRebalanceAt' }),
        this.client.readContract({ address, abi, functionName: 'cooldown' }),
      ])
      const [idle, inPools] = alloc
      Object.assign(out, {
        name: s.name, symbol: s.symbol, decimals: s.decimals, pools: s.pools, capBps: s.capBps, modelId: String(s.modelId),
        ...(s.circuitId ? { circuitId: s.circuitId } : {}), ...(s.scoreScaleBits !== undefined ? { scoreScaleBits: s.scoreScaleBits } : {}),
        lastRound: String(lastRound), lastRebalanceAt: Number(lastRebalanceAt), cooldown: Number(cooldown),
        allocation: {
          idle: String(idle), inPools: inPools.map(String), totalAssets: String(totalAssets),
          bps: inPools.map((b) => bpsOf(b, totalAssets)), idleBps: bpsOf(idle, totalAssets),
        },
      })
    } catch (e) {
      out.error = shortError(e)
    }
    return out
  }

  /** Pools, caps, model and the per-pool feature count: immutable in the contract, read once per vault. */
  async static(address: Address): Promise<Static> {
    const key = address.toLowerCase()
    let hit = this.statics.get(key)
    if (!hit) {
      hit = this.readStatic(address)
      hit.catch(() => this.statics.delete(key)) // a failed read is retried on the next request
      this.statics.set(key, hit)
    }
    return hit
  }

  private async readStatic(address: Address): Promise<Static> {
    const abi = provedAllocationVaultAbi
    const [name, symbol, decimals, pools, capBps, modelId, registry, nFeatures] = await Promise.all([
      this.client.readContract({ address, abi, functionName: 'name' }),
      this.client.readContract({ address, abi, functionName: 'symbol' }),
      this.client.readContract({ address, abi, functionName: 'decimals' }),
      this.client.readContract({ address, abi, functionName: 'pools' }),
      this.client.readContract({ address, abi, functionName: 'capBps' }),
      this.client.readContract({ address, abi, functionName: 'modelId' }),
      this.client.readContract({ address, abi, functionName: 'registry' }),
      this.client.readContract({ address, abi, functionName: 'N_FEATURES' }),
    ])
    // The registry entry names the circuit and the scores' scale; a registry that cannot say leaves them out.
    const model = await this.client.readContract({ address: registry, abi: modelRegistryAbi, functionName: 'model', args: [modelId] }).catch(() => undefined)
    return {
      name, symbol, decimals: Number(decimals), pools: [...pools], capBps: capBps.map(Number), modelId, nFeatures: Number(nFeatures),
      circuitId: model?.circuitId, scoreScaleBits: model === undefined ? undefined : Number(model.layout.scaleBits),
    }
  }

  /**
   * The vault's `Rebalanced` events in [fromBlock, toBlock], newest first. The caller bounds the
   * range ({@link MAX_LOG_SPAN}); nothing here widens it.
   */
  async rebalances(v: VaultEntry, fromBlock: bigint, toBlock: bigint): Promise<{ rebalances: RebalanceRecord[]; nOutputs: number; nFeatures: number }> {
    const s = await this.static(v.address)
    const logs = await this.client.getContractEvents({ address: v.address, abi: provedAllocationVaultAbi, eventName: 'Rebalanced', fromBlock, toBlock, strict: true })
    const out: RebalanceRecord[] = []
    for (const log of logs) {
      const key = `${log.blockHash}:${log.logIndex}`
      let rec = this.records.get(key)
      if (!rec) {
        rec = await this.decode(v.address, log, s)
        if (this.records.size > 10_000) this.records.clear() // bounded: a long-lived API must not grow forever
        this.records.set(key, rec)
      }
      out.push(rec)
    }
    out.sort((a, b) => (a.blockNumber === b.blockNumber ? b.logIndex - a.logIndex : a.blockNumber > b.blockNumber ? -1 : 1))
    return { rebalances: out, nOutputs: s.pools.length, nFeatures: s.nFeatures }
  }

  private async decode(
    vault: Address,
    log: { blockNumber: bigint; blockHash: Hex; transactionHash: Hex; logIndex: number; args: { round: bigint; caller: Address; modelId: bigint; record: { scores: readonly bigint[]; before: readonly bigint[]; after_: readonly bigint[]; moved: bigint; proofHash: Hex; inputsHash: Hex } } },
    s: Static,
  ): Promise<RebalanceRecord> {
    const { record } = log.args
    const [block, totalAssets, tx] = await Promise.all([
      this.client.getBlock({ blockHash: log.blockHash }).catch(() => undefined),
      // A node that keeps no state that old (pruned) just leaves the shares out.
      this.client.readContract({ address: vault, abi: provedAllocationVaultAbi, functionName: 'totalAssets', blockNumber: log.blockNumber }).catch(() => undefined),
      this.client.getTransaction({ hash: log.transactionHash }).catch(() => undefined),
    ])
    let inputSignals: bigint[] | undefined
    if (tx && tx.to?.toLowerCase() === vault.toLowerCase()) {
      // Called directly: the calldata holds the proof's public signals. (Through another contract, it does not: no inputs then.)
      try {
        const call = decodeFunctionData({ abi: provedAllocationVaultAbi, data: tx.input })
        if (call.functionName === 'rebalance') {
          const n = s.pools.length
          const inputs = call.args[1].slice(n, n + n * s.nFeatures)
          if (rebalanceInputsHash(inputs) === record.inputsHash) inputSignals = [...inputs]
        }
      } catch {
        // not a call this ABI knows: no inputs
      }
    }
    return {
      round: log.args.round, blockNumber: log.blockNumber, blockHash: log.blockHash, blockTime: block ? Number(block.timestamp) : undefined,
      txHash: log.transactionHash, logIndex: log.logIndex, caller: log.args.caller, modelId: log.args.modelId,
      scores: [...record.scores], before: [...record.before], after: [...record.after_], moved: record.moved,
      proofHash: record.proofHash, inputsHash: record.inputsHash, totalAssets, inputSignals,
    }
  }
}

/** A chain error's first line (viem's messages run to many). */
export function shortError(e: unknown): string {
  return ((e as { shortMessage?: string }).shortMessage ?? (e as Error)?.message ?? String(e)).split('\n')[0]!
}

