import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createPublicClient, http } from 'viem'
import { startAnvil } from '../../src/dev/anvil.ts'

test('anvil from npm starts on a free loopback port and mines', async () => {
  const anvil = await startAnvil()
  try {
    const client = createPublicClient({ transport: http(anvil.rpcUrl) })
    assert.equal(await client.getChainId(), 31337)
    assert.equal(await client.getBlockNumber(), 0n)
  } finally {
    await anvil.stop()
  }
})
