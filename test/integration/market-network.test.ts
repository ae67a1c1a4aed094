// The market wired into the real prover network: ProverWorkers on the real Redis (BullMQ), a
// Coordinator, real Groth16 proofs (an engine over the snark adapter for the hand-built market
// circuit, since the model compiler is not needed to exercise payment), a real anvil with ProofMarket.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Hex } from 'viem'
import { mod } from '../../src/compiler/field.ts'
import { writeWtns } from '../../src/compiler/r1cs/index.ts'
import { prove, verify, terminateSnark, type SnarkProof, type VerificationKey } from '../../src/compiler/snark/index.ts'
import {
  connectRedis, CircuitRegistry, CircuitCache, Coordinator, LocalArtifactStore, ProverQueue, ProverWorker, detectHardware, sha256Hex,
  type ProvingEngine, type LoadedCircuit,
} from '../../src/prover/index.ts'
import { marketHooks, proverReputation, type MarketHookEvent } from '../../src/market/index.ts'
import { startMarketFixture, circuitId as onChainCircuitId, type MarketFixture } from './market-fixture.ts'
import { deletePrefix, tempDir, testPrefix, until } from './prover-helpers.ts'

const redis = await connectRedis()
const prefix = testPrefix('market')
const dirs = tempDir('market-net')
let f: MarketFixture
let registry: CircuitRegistry
let queue: ProverQueue
let coordinator: Coordinator
let networkCircuitId = ''
const workers: ProverWorker[] = []
const store = new LocalArtifactStore(join(dirs.dir, 'store'))

type Loaded = LoadedCircuit & { zkey: Uint8Array; vkey: VerificationKey }
/** A real engine for the market circuit: witness in TypeScript, proof and check by snarkjs via the adapter. */
function engine(opts: { hang?: Promise<void> } = {}): ProvingEngine {
  return {
    async load(dir) {
      const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'))
      const zkey = new Uint8Array(await readFile(join(dir, manifest.artifacts.zkey.file)))
      const vkey = JSON.parse(await readFile(join(dir, manifest.artifacts.vkey.file), 'utf8'))
      const circuit: Loaded = {
        dir, manifest, zkey, vkey,
        computeWitness(input, { subject, round }) {
          const x = 3n
          const inp = BigInt(input[0]!)
          const w = [1n, mod(inp * x), inp, subject, round, x, mod(subject * round)]
          return { wtns: writeWtns(w), publicSignals: [w[1]!, inp, subject, round].map(String), outputs: [Number(w[1])] }
        },
      }
      return circuit
    },
    async prove(c, input, ctx) {
      if (opts.hang) await opts.hang // a worker that stops mid-proof never gets past here
      const { wtns, outputs } = c.computeWitness(input, ctx)
      const { proof, publicSignals } = await prove('groth16', (c as Loaded).zkey, wtns)
      return { proof, publicSignals, outputs }
    },
    verify: (c, proof, publicSignals) => verify('groth16', (c as Loaded).vkey, publicSignals, proof as SnarkProof),
  }
}

before(async () => {
  f = await startMarketFixture({ burnBps: 5000 })
  // The keys the on-chain verifier was generated from: a proof under any other key is rejected (InvalidProof).
  const { r1cs, zkey, vkey } = f.keys
  const art: Record<string, Uint8Array> = {
    r1cs, zkey, vkey: new TextEncoder().encode(JSON.stringify(vkey)), witnessProgram: new TextEncoder().encode('{"hand-built":true}'),
  }
  const entry = (name: string, file: string) => ({ file, sha256: sha256Hex(art[name]!), bytes: art[name]!.length })
  const manifest = {
    manifestVersion: 1, name: 'market-circuit', modelHash: sha256Hex('market-model'), circuitHash: sha256Hex(r1cs), backend: 'groth16', curve: 'bn128',
    quantization: { scaleBits: 0, activationBits: 32, sigmoid: 'outside', target: 'accuracy' },
    inputs: [{ name: 'x', shape: [1, 1] }], outputs: [{ name: 'y', shape: [1, 1] }],
    publicSignals: [{ kind: 'output', name: 'y', index: 0, scaleBits: 0 }, { kind: 'input', name: 'x', index: 0, scaleBits: 0 }, { kind: 'context', name: 'subject' }, { kind: 'context', name: 'round' }],
    constraints: 2, wires: 7, fidelity: { reference: 'none', samples: 0, maxAbsError: 0, meanAbsError: 0, tolerance: 0 },
    artifacts: { r1cs: entry('r1cs', 'circuit.r1cs'), zkey: entry('zkey', 'circuit.zkey'), vkey: entry('vkey', 'vkey.json'), witnessProgram: entry('witnessProgram', 'witness.json') },
    tools: {}, createdAt: '2026-11-22T00:00:00Z',
  }
  registry = new CircuitRegistry(redis, prefix, store)
  networkCircuitId = (await registry.register(manifest, art)).id
  queue = new ProverQueue({ redis, prefix, registry, attempts: 6, backoffMs: 200 })
  coordinator = new Coordinator({ redis, prefix, circuits: new CircuitCache({ registry, store, engine: engine(), workDir: join(dirs.dir, 'coord') }), engine: engine() })
  coordinator.start()
})
after(async () => {
  for (const w of workers) await w.stop().catch(() => {})
  await coordinator?.close().catch(() => {})
  await queue?.close().catch(() => {})
  await deletePrefix(redis, prefix)
  redis.disconnect()
  await f?.stop()
  await terminateSnark()
  dirs.remove()
  // Something in this file (a worker stopped mid-proof, or a client of its) keeps a handle open after
  // cleanup, so the process never exits and the serial runner waits forever. Until that handle is
  // found, end the process once every result is reported; unref'd, it fires only if something lingers.
  setTimeout(() => process.exit(process.exitCode ?? 0), 3000).unref()
})

async function startWorker(walletIndex: number, events: MarketHookEvent[], eng = engine()) {
  const hooks = marketHooks({
    wallet: f.wallets[walletIndex]!, client: f.client, market: f.market.address, backendOf: () => 'groth16', pollMs: 100,
    onChainCircuitId: () => onChainCircuitId, onEvent: (e) => { events.push(e); if (process.env.ZKML_TEST_VERBOSE) console.error(`[m${walletIndex}]`, e.event) },
  })
  const w = new ProverWorker({
    redis: redis.duplicate(), prefix, store, engine: eng, hardware: await detectHardware({ noGpu: true }), hooks, id: `market-w${walletIndex}`,
    lockDurationMs: 2000, stalledIntervalMs: 500, pollMs: 100, heartbeatMs: 500, shutdownGraceMs: 300,
  })
  if (process.env.ZKML_TEST_VERBOSE) w.on('log', (e) => console.error(`[w${walletIndex}]`, JSON.stringify(e, (_k, v) => (typeof v === 'bigint' ? String(v) : v))))
  await w.start()
  workers.push(w)
  return w
}
const bal = (a: Hex) => f.read<bigint>('balanceOf', [a])
const fulfilledEvents = async (id: bigint) =>
  (await f.client.getContractEvents({ address: f.market.address, abi: f.market.abi, eventName: 'RequestFulfilled', fromBlock: 0n }))
    .filter((e) => (e.args as { id: bigint }).id === id)

test('two workers on the queue: the job is locked, proved and paid exactly once', async () => {
  const { id, offer } = await f.submit(f.wallets[0]!, { round: 101n, subject: 42n })
  const evA: MarketHookEvent[] = []
  const evB: MarketHookEvent[] = []
  await startWorker(1, evA)
  await startWorker(2, evB)
  const { jobId } = await queue.submit({ circuitId: networkCircuitId, input: [5], subject: '42', round: String(offer.round) })
  await until(async () => [...evA, ...evB].some((e) => e.event === 'fulfilled'), 60_000, 'a fulfilment')
  const winnerEv = evA.some((e) => e.event === 'fulfilled') ? evA : evB
  assert.ok(winnerEv.some((e) => e.event === 'locked'), 'the paid worker locked first')
  const r = await f.read<{ status: number; prover: Hex; price: bigint }>('getRequest', [id])
  assert.equal(r.status, 4)
  assert.equal((await fulfilledEvents(id)).length, 1)
  const rec = await until(async () => { const j = await coordinator.jobs.get(jobId); return j?.status === 'verified' && j }, 10_000, 'job verified')
  assert.equal(rec.status, 'verified')
  for (const w of workers.splice(0)) await w.stop()
})

test('a worker that stops mid-proof is slashed; the job is re-delivered and the other worker fulfils late', async () => {
  const { id, offer } = await f.submit(f.wallets[0]!, { round: 102n, subject: 42n })
  const evA: MarketHookEvent[] = []
  const evB: MarketHookEvent[] = []
  const A = await startWorker(3, evA, engine({ hang: new Promise(() => {}) }))
  await queue.submit({ circuitId: networkCircuitId, input: [5], subject: '42', round: String(offer.round) })
  await until(async () => evA.some((e) => e.event === 'locked'), 30_000, 'A locks')
  await A.stop() // mid-proof: the job is released, A's lock on-chain stays
  const a0 = await bal(f.wallets[3]!.account.address)
  await startWorker(4, evB)
  await until(async () => evB.some((e) => e.event === 'lock-foreign'), 30_000, 'B takes the job over A’s lock')
  // B proves, then waits for A's lock deadline on chain time.
  await new Promise((r) => setTimeout(r, 500))
  assert.equal((await f.read<{ status: number }>('getRequest', [id])).status, 2)
  await f.warp(offer.lockDeadline + 1n)
  await until(async () => evB.some((e) => e.event === 'fulfilled'), 30_000, 'B fulfils late')
  const r = await f.read<{ status: number; prover: Hex }>('getRequest', [id])
  assert.equal(r.status, 4)
  assert.equal(r.prover, f.wallets[4]!.account.address)
  assert.equal(await bal(f.wallets[3]!.account.address), a0, 'A recovers nothing')
  assert.equal((await fulfilledEvents(id)).length, 1)
  const [repA] = await proverReputation(f.client, f.market.address, [f.wallets[3]!.account.address])
  assert.equal(repA!.slashed, 1)
})
