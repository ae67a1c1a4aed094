import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createPublicClient, createWalletClient, http, type Address, type PublicClient } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { startAnvil, anvilPrivateKeys, type AnvilInstance } from '../../src/dev/anvil.ts'
import { decodeRevert, deployContract, projectContract, writeAndWait } from '../../src/chain/index.ts'
import { BaseError } from '../../src/errors/index.ts'

// The one write-and-wait and the one revert decoder, on a real anvil and the generated MockYieldPool.
let anvil: AnvilInstance
let pub: PublicClient
let pool: Address
const walletFor = (i: number) => createWalletClient({ account: privateKeyToAccount(anvilPrivateKeys[i]!), chain: { ...foundry, id: anvil.chainId }, transport: http(anvil.rpcUrl) })
const { abi } = projectContract('MockYieldPool')

before(async () => {
  anvil = await startAnvil()
  pub = createPublicClient({ chain: { ...foundry, id: anvil.chainId }, transport: http(anvil.rpcUrl) }) as PublicClient
  pool = await deployContract({ wallet: walletFor(0), publicClient: pub }, projectContract('MockYieldPool'), [0n, 90])
})
after(async () => {
  await anvil?.stop()
})

test('writeAndWait sends a typed call, waits and returns the successful receipt', async () => {
  const receipt = await writeAndWait({ wallet: walletFor(0), publicClient: pub }, { address: pool, abi, functionName: 'setTvl', args: [1_000n, 900n] })
  assert.equal(receipt.status, 'success')
  const s = await pub.readContract({ address: pool, abi, functionName: 'snapshot' })
  assert.equal(s.tvlUsd, 1_000n)
  assert.equal(s.tvlUsd30dAgo, 900n)
})

test('writeAndWait sends 125% of the estimate + 50k (a later block may cost more), and keeps a caller\'s own limit', async () => {
  const clients = { wallet: walletFor(0), publicClient: pub }
  const call = { address: pool, abi, functionName: 'setTvl', args: [2_000n, 1_000n] } as const
  const estimate = await pub.estimateContractGas({ ...call, account: clients.wallet.account })
  const receipt = await writeAndWait(clients, call)
  const tx = await pub.getTransaction({ hash: receipt.transactionHash })
  assert.equal(tx.gas, estimate + estimate / 4n + 50_000n)
  assert.ok(receipt.gasUsed <= estimate, `used ${receipt.gasUsed}, estimated ${estimate}: the headroom is refunded`)
  const own = await writeAndWait(clients, { address: pool, abi, functionName: 'setTvl', args: [3_000n, 1_000n], gas: 210_000n })
  assert.equal((await pub.getTransaction({ hash: own.transactionHash })).gas, 210_000n)
})

test('writeAndWait: the headroom stops at the block gas limit (the node refuses a limit above it)', async () => {
  const clients = { wallet: walletFor(0), publicClient: pub }
  const call = { address: pool, abi, functionName: 'setTvl', args: [4_000n, 1_000n] } as const
  const estimate = await pub.estimateContractGas({ ...call, account: clients.wallet.account })
  const before = (await pub.getBlock({ blockTag: 'latest' })).gasLimit
  // A block limit between the estimate and the estimate with headroom.
  const limit = estimate + 10_000n
  await pub.request({ method: 'evm_setBlockGasLimit' as never, params: [`0x${limit.toString(16)}`] as never })
  try {
    await pub.request({ method: 'evm_mine' as never })
    assert.equal((await pub.getBlock({ blockTag: 'latest' })).gasLimit, limit)
    const receipt = await writeAndWait(clients, call)
    assert.equal(receipt.status, 'success')
    assert.equal((await pub.getTransaction({ hash: receipt.transactionHash })).gas, limit)
  } finally {
    await pub.request({ method: 'evm_setBlockGasLimit' as never, params: [`0x${before.toString(16)}`] as never })
    await pub.request({ method: 'evm_mine' as never })
  }
})

test('writeAndWait: a revert is caught at simulation, nothing is sent, and the custom error is named (CONTRACT_TX_FAILED or the caller\'s code)', async () => {
  const stranger = walletFor(1)
  const nonce = await pub.getTransactionCount({ address: stranger.account.address })
  const err = await writeAndWait({ wallet: stranger, publicClient: pub }, { address: pool, abi, functionName: 'setTvl', args: [1n, 1n] }).catch((e: unknown) => e)
  assert.ok(err instanceof BaseError, `expected a BaseError, got ${String(err)}`)
  assert.equal(err.code, 'CONTRACT_TX_FAILED')
  assert.equal(err.shortMessage, 'setTvl reverted with NotAdmin.')
  assert.deepEqual(err.meta, { error: 'NotAdmin', args: [stranger.account.address] })
  assert.deepEqual(decodeRevert(err), { name: 'NotAdmin', args: [stranger.account.address] }, 'decodeRevert finds it through the BaseError cause')
  assert.equal(await pub.getTransactionCount({ address: stranger.account.address }), nonce, 'no transaction was sent')

  const coded = await writeAndWait({ wallet: stranger, publicClient: pub }, { address: pool, abi, functionName: 'recordApy', args: [5] }, { code: 'MARKET_TX_FAILED' }).catch((e: unknown) => e)
  assert.ok(coded instanceof BaseError && coded.code === 'MARKET_TX_FAILED' && coded.meta?.error === 'NotAdmin')
})

test('writeAndWait: an unreachable node is a coded error, not a raw viem one', async () => {
  const dead = createPublicClient({ transport: http('http://127.0.0.1:9/', { retryCount: 0 }) }) as PublicClient
  const err = await writeAndWait({ wallet: walletFor(0), publicClient: dead }, { address: pool, abi, functionName: 'setTvl', args: [1n, 1n] }).catch((e: unknown) => e)
  assert.ok(err instanceof BaseError && err.code === 'CONTRACT_TX_FAILED', String(err))
  assert.equal(err.shortMessage, 'setTvl could not be sent.')
  assert.equal(decodeRevert(err), undefined)
})

// Type-level checks, enforced by `npm run typecheck` (an unused @ts-expect-error fails it): calls are checked against the ABI.
export function typeChecks(w: ReturnType<typeof walletFor>) {
  // @ts-expect-error: no such function on MockYieldPool
  void writeAndWait({ wallet: w, publicClient: pub }, { address: pool, abi, functionName: 'setTvll', args: [1n, 1n] })
  // @ts-expect-error: setTvl takes two uint256
  void writeAndWait({ wallet: w, publicClient: pub }, { address: pool, abi, functionName: 'setTvl', args: [1n] })
  // @ts-expect-error: a view function is not a transaction
  void writeAndWait({ wallet: w, publicClient: pub }, { address: pool, abi, functionName: 'snapshot' })
  // @ts-expect-error: the constructor takes (uint256 deployedAt, uint8 auditScore)
  void deployContract({ wallet: w, publicClient: pub }, projectContract('MockYieldPool'), ['0x', 90])
}
