import type { Account, Chain, Hex, PublicClient, Transport, WalletClient } from 'viem'
import { BaseError } from '../errors/index.ts'
import { decodeRevert, writeAndWait } from '../chain/index.ts'
import type { Backend } from '../compiler/manifest.ts'
import { encodeJobProof } from '../chain/encodeJobProof.ts'
import type { WorkerHooks, WorkerJob, ProveOutcome } from '../prover/index.ts'
import { attestationMessage } from '../network/resultAttestation.ts' // not the network index: it loads bullmq
import { proofMarketContract } from './proofMarketContract.ts'
import { RequestStatus } from './offer.ts'

export type MarketHooksOptions = {
  wallet: WalletClient<Transport, Chain, Account>
  client: PublicClient
  market: Hex
  /** The circuit's backend, to ABI-encode its proof for the verifier. */
  backendOf(job: WorkerJob): Backend | Promise<Backend>
  /**
   * The inputs commitment a request for this job must carry (`inputsCommitment(inputSignalsOf(manifest,
   * job.input))`): only a request for exactly the job's inputs is locked and fulfilled, so a worker never
   * locks a request its proof cannot pay (the contract would refuse it, and slash the lock).
   */
  inputsHashOf(job: WorkerJob): Hex | Promise<Hex>
  /** Called for every market step, for logs and reputation bookkeeping. */
  onEvent?(e: MarketHookEvent): void
  /** Chain-time polling while waiting for a foreign lock to lapse. Default 250 ms. */
  pollMs?: number
}

export type MarketHookEvent =
  | { event: 'locked' | 'lock-held' | 'lock-foreign' | 'open' ; jobId: string; requestId: bigint }
  | { event: 'fulfilled'; jobId: string; requestId: bigint; late: boolean; txHash: Hex }
  | { event: 'lost'; jobId: string; requestId: bigint; reason: string }
  | { event: 'proof-rejected'; jobId: string; code: string }

const abi = proofMarketContract.abi

/**
 * The custom error a market call reverted with (decoded by `decodeRevert`), or the error's short message.
 *
 * @example
 * ```ts
 * import { marketRevertReason } from './src/market/index.ts'
 * try { await hooks.afterProve(job, outcome) } catch (e) { console.log(marketRevertReason(e)) } // 'LockExpired'
 * ```
 */
export function marketRevertReason(e: unknown): string {
  const revert = decodeRevert(e)
  if (revert) return revert.name
  return (e as { shortMessage?: string })?.shortMessage ?? (e as Error)?.message ?? String(e)
}

/**
 * Worker lifecycle hooks that take part in the ProofMarket: `beforeProve` locks the job's open request
 * (posting collateral), or goes on when a lock is already held, by itself or by a prover it may replace late;
 * `afterProve` fulfils with the verified proof, first waiting out a foreign lock until its deadline (the
 * contract then slashes the late locker and pays this worker price + reward). A job whose request another
 * prover already settled is `lost`: nothing is owed, nothing is paid twice (the contract enforces it).
 *
 * @example
 * ```ts
 * import { ProverWorker } from './src/prover/index.ts'
 * import { marketHooks } from './src/market/index.ts'
 * const hooks = marketHooks({ wallet, client, market: '0x…', backendOf: () => 'groth16',
 *   inputsHashOf: (job) => inputsCommitment(inputSignalsOf(manifest, job.input)) })
 * const worker = new ProverWorker({ redis, prefix, store, engine, hardware, hooks })
 * ```
 */
export function marketHooks(opts: MarketHooksOptions): WorkerHooks & { requestOf(jobId: string): bigint | undefined } {
  const me = opts.wallet.account.address.toLowerCase()
  const requests = new Map<string, bigint>()
  const emit = (e: MarketHookEvent) => opts.onEvent?.(e)
  // One circuit identity (docs/identity.md): the market's bytes32 circuit id is the network's circuitId.
  const circuitOf = (job: WorkerJob): Hex => {
    if (/^0x[0-9a-fA-F]{64}$/.test(job.circuitId)) return job.circuitId as Hex
    throw new BaseError('MARKET_REQUEST_NOT_FOUND', `Job ${job.jobId} names no circuit the market can know.`, {
      details: `expected the job's circuitId as 0x + 64 hex digits (sha256 of the canonical manifest, the ProofMarket's circuit id), got ${JSON.stringify(job.circuitId).slice(0, 80)}`,
    })
  }
  const getRequest = (id: bigint) => opts.client.readContract({ address: opts.market, abi, functionName: 'getRequest', args: [id] })
  const clients = { wallet: opts.wallet, publicClient: opts.client }
  const asMarketTx = { code: 'MARKET_TX_FAILED' } as const
  const chainNow = async () => (await opts.client.getBlock()).timestamp

  /** The newest live request for the job's (circuit, subject, round, inputs). */
  async function findRequest(job: WorkerJob): Promise<bigint | undefined> {
    const cached = requests.get(job.jobId)
    if (cached !== undefined) return cached
    const logs = await opts.client.getContractEvents({
      address: opts.market, abi, eventName: 'RequestSubmitted', args: { circuitId: circuitOf(job) }, fromBlock: 0n, strict: true,
    })
    const subject = BigInt(job.subject)
    const round = BigInt(job.round)
    const inputsHash = (await opts.inputsHashOf(job)).toLowerCase()
    for (const l of logs.reverse()) {
      if (l.args.subject !== subject || l.args.round !== round || l.args.offer.inputsHash.toLowerCase() !== inputsHash) continue
      const r = await getRequest(l.args.id)
      if (r.status >= 1 && r.status <= 3) {
        requests.set(job.jobId, l.args.id)
        return l.args.id
      }
    }
    return undefined
  }

  return {
    requestOf: (jobId) => requests.get(jobId),

    // The coordinator counts a rejected proof against the address that signed it (reputation).
    async attestResult(sub) {
      return { prover: opts.wallet.account.address, signature: await opts.wallet.signMessage({ account: opts.wallet.account, message: attestationMessage(sub) }) }
    },

    async beforeProve(job) {
      const id = await findRequest(job)
      if (id === undefined)
        throw new BaseError('MARKET_REQUEST_NOT_FOUND', `No live market request for job ${job.jobId}.`, {
          details: `expected an Open, Locked or Slashed request for circuit ${circuitOf(job)}, subject ${job.subject}, round ${job.round} and inputs ${await opts.inputsHashOf(job)}; got none`,
        })
      const r = await getRequest(id)
      const status = RequestStatus[r.status]
      if (status === 'Open') {
        const free = await opts.client.readContract({ address: opts.market, abi, functionName: 'balanceOf', args: [opts.wallet.account.address] })
        const topUp = r.offer.collateral > free ? r.offer.collateral - free : 0n
        try {
          await writeAndWait(clients, { address: opts.market, abi, functionName: 'lock', args: [id], value: topUp }, asMarketTx)
          emit({ event: 'locked', jobId: job.jobId, requestId: id })
        } catch (e) {
          // Lost the race to lock (rejected at estimation, or mined after the winner's and reverted):
          // prove anyway, we may fulfil late if the winner misses its deadline.
          const now = await getRequest(id)
          if (RequestStatus[now.status] !== 'Locked' || now.prover.toLowerCase() === me)
            throw new BaseError('MARKET_TX_FAILED', 'lock failed.', { details: marketRevertReason(e), cause: e })
          emit({ event: 'lock-foreign', jobId: job.jobId, requestId: id })
        }
      } else if (status === 'Locked' && r.prover.toLowerCase() === me) emit({ event: 'lock-held', jobId: job.jobId, requestId: id })
      else emit({ event: status === 'Locked' ? 'lock-foreign' : 'open', jobId: job.jobId, requestId: id })
    },

    async afterProve(job, outcome: ProveOutcome) {
      if (outcome.status !== 'verified') {
        if (outcome.status !== 'duplicate' && 'error' in outcome) emit({ event: 'proof-rejected', jobId: job.jobId, code: outcome.error.code })
        return
      }
      const id = await findRequest(job)
      if (id === undefined) return
      let r = await getRequest(id)
      // Someone else holds a valid lock: wait for it to lapse (it may still deliver) unless the request settles.
      while (RequestStatus[r.status] === 'Locked' && r.prover.toLowerCase() !== me && (await chainNow()) < r.offer.lockDeadline) {
        await new Promise((res) => setTimeout(res, opts.pollMs ?? 250))
        r = await getRequest(id)
      }
      if (r.status >= 4) {
        emit({ event: 'lost', jobId: job.jobId, requestId: id, reason: RequestStatus[r.status]! })
        return
      }
      const late = !(RequestStatus[r.status] === 'Locked' && r.prover.toLowerCase() === me && (await chainNow()) < r.offer.lockDeadline) && r.status !== 1
      // encodeJobProof: snarkjs proofs ABI-encoded, ezkl proofs as their bytes.
      const proof = encodeJobProof(await opts.backendOf(job), outcome.result.proof)
      try {
        const { transactionHash: txHash } = await writeAndWait(clients, { address: opts.market, abi, functionName: 'fulfil', args: [id, proof, outcome.result.publicSignals.map(BigInt)] }, asMarketTx)
        emit({ event: 'fulfilled', jobId: job.jobId, requestId: id, late, txHash })
      } catch (e) {
        const reason = marketRevertReason(e)
        // StatementAlreadyPaid: another request for the same statement was paid with this proof's twin.
        if (reason === 'WrongStatus' || reason === 'RequestExpired' || reason === 'StatementAlreadyPaid') {
          emit({ event: 'lost', jobId: job.jobId, requestId: id, reason })
          return
        }
        throw new BaseError('MARKET_TX_FAILED', 'fulfil failed.', { details: reason, cause: e })
      }
    },
  }
}
