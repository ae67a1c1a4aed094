import { keccak256, type Address, type Hex } from 'viem'
import type { ApiContext } from '../api/context.ts'
import { keeperIdempotencyKey, rebalanceInputsHash } from '../chain/allocationVault.ts'
import { encodeJobProof } from '../chain/encodeJobProof.ts'
import type { RebalanceRecord } from './vaultReader.ts'

type JobRecord = NonNullable<Awaited<ReturnType<ApiContext['jobs']['get']>>>
/** Where a vault proof's signals sit: nOutputs scores, then nOutputs × nFeatures inputs. */
type Layout = { nOutputs: number; nFeatures: number }

/** What the explorer needs of the network's job store (the API builds it from its context). */
export type VaultJobSource = {
  get(jobId: string): Promise<JobRecord | undefined>
  /** The newest jobs first (the job store's bounded recent index). */
  recent(limit: number): Promise<JobRecord[]>
  /** The job ids an idempotency key names: unscoped, and under each API key this server admits. */
  idsForKey(key: string): string[]
  /** Whether Redis answers now: when it does not, rebalances are shown without their jobs. */
  ready(): boolean
}

/** The network job whose proof a rebalance posted. */
export type ProofJobView = {
  jobId: string
  status: string
  verified: boolean
  circuitId: string
  /** The worker's proving engine ('native', 'cuda', 'snarkjs', 'ezkl'), when it reported one. */
  engine?: string
  workerId?: string
  /** How it was found: the keeper's idempotency key (from the calldata's inputs), or a scan of recent jobs by input-signals hash. */
  matchedBy: 'idempotency-key' | 'input-signals'
  /** keccak256 of the job's proof, encoded for the verifier, equals the event's proofHash: the very proof that was posted. */
  proofMatches: boolean
  proofUrl: string
  verifyUrl: string
}

/** How many recent jobs a scan reads at most: bounded whatever the store holds. */
export const JOB_SCAN_LIMIT = 500
/** How long "no job found" is remembered before the store is asked again, ms. */
const MISS_TTL_MS = 10_000
/** How long one scan of the recent jobs serves every request, ms: callers varying their windows cannot make the API scan more often. */
const SCAN_TTL_MS = 2_000

/**
 * Finds the proof job behind each `Rebalanced` event. A job matches when it is of the vault
 * (subject), the round, and its proved input signals hash to the event's `inputsHash`; it is looked
 * up first by the keeper's idempotency key (derived from the inputs in the rebalance's calldata:
 * one Redis read per API key), then, for rebalances made otherwise, in the newest
 * {@link JOB_SCAN_LIMIT} jobs, read at most once per 2 s whatever the requests. A match is kept (a
 * verified job does not change); a miss is retried after 10 s.
 *
 * @example
 * ```ts
 * import { VaultProofJobs } from './src/explorer/vaultProofJobs.ts'
 * const matcher = new VaultProofJobs(source)
 * const jobs = await matcher.match(vault, rebalances, { nOutputs: 3, nFeatures: 9 }) // one ProofJobView | null per rebalance
 * ```
 */
export class VaultProofJobs {
  private found = new Map<string, ProofJobView>()
  private missed = new Map<string, number>()
  private scan: { at: number; jobs: Promise<JobRecord[]> } | undefined

  constructor(private readonly source: VaultJobSource) {}

  async match(vault: Address, rebalances: readonly RebalanceRecord[], layout: { nOutputs: number; nFeatures: number }): Promise<(ProofJobView | null)[]> {
    const recent = () => {
      if (!this.scan || Date.now() - this.scan.at > SCAN_TTL_MS) {
        const jobs = this.source.recent(JOB_SCAN_LIMIT)
        jobs.catch(() => { this.scan = undefined }) // a failed read is not kept
        this.scan = { at: Date.now(), jobs }
      }
      return this.scan.jobs
    }
    const out: (ProofJobView | null)[] = []
    for (const r of rebalances) {
      const key = `${vault.toLowerCase()}:${r.blockHash}:${r.logIndex}`
      const hit = this.found.get(key)
      if (hit) { out.push(hit); continue }
      if ((this.missed.get(key) ?? 0) > Date.now()) { out.push(null); continue }
      const view = await this.find(vault, r, layout, recent)
      this.bound()
      if (view) this.found.set(key, view)
      else this.missed.set(key, Date.now() + MISS_TTL_MS)
      out.push(view ?? null)
    }
    return out
  }

  private async find(vault: Address, r: RebalanceRecord, n: Layout, recent: () => Promise<JobRecord[]>): Promise<ProofJobView | undefined> {
    if (r.inputSignals) {
      const ids = this.source.idsForKey(keeperIdempotencyKey(vault, r.round, r.inputSignals))
      for (const rec of await Promise.all(ids.map((id) => this.source.get(id)))) if (rec && fits(rec, vault, r, n)) return view(rec, r, 'idempotency-key')
    }
    const rec = (await recent()).find((j) => fits(j, vault, r, n))
    return rec ? view(rec, r, 'input-signals') : undefined
  }

  private bound() {
    // A long-lived API must not grow forever: both maps are small per vault, so a crude cap suffices.
    if (this.found.size > 10_000) this.found.clear()
    if (this.missed.size > 10_000) this.missed.clear()
  }
}

/** The job proved this rebalance's statement: same vault (subject), round and input signals. */
function fits(j: JobRecord, vault: Address, r: RebalanceRecord, { nOutputs: n, nFeatures }: Layout): boolean {
  if (!j.result) return false
  try {
    if (BigInt(j.subject) !== BigInt(vault) || BigInt(j.round) !== r.round) return false
    // Public signals: the n scores, then the n × nFeatures inputs (then subject and round).
    const inputs = j.result.publicSignals.slice(n, n + n * nFeatures).map(BigInt)
    return rebalanceInputsHash(inputs) === r.inputsHash
  } catch {
    return false // a record this code cannot read is no match
  }
}

function view(j: JobRecord, r: RebalanceRecord, matchedBy: ProofJobView['matchedBy']): ProofJobView {
  let proofMatches = false
  try {
    proofMatches = keccak256(encodeJobProof(j.requirements.backend, j.result!.proof)) === (r.proofHash as Hex)
  } catch {
    // a proof the encoder refuses cannot be the one posted
  }
  const id = encodeURIComponent(j.id)
  return {
    jobId: j.id, status: j.status, verified: j.status === 'verified', circuitId: j.circuitId,
    ...(j.engine ? { engine: j.engine } : {}), ...(j.result?.provedBy ?? j.workerId ? { workerId: (j.result?.provedBy ?? j.workerId)! } : {}),
    matchedBy, proofMatches, proofUrl: `/jobs/${id}/proof`, verifyUrl: `/jobs/${id}/verify`,
  }
}
