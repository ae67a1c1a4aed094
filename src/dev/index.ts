// Development and test support: a local anvil, and fixture circuits deployed on it.
// Never imported by the network, prover, oracle or market at run time.
export { startAnvil, anvilPrivateKeys, anvilBinary, freePort, type AnvilInstance } from './anvil.ts'
export { fixtureCircuit, type FixtureCircuit } from './fixtureCircuit.ts'
export { provedFixture, type ProvedFixture } from './provedFixture.ts'
export { startPrivateRedisServer, redisPidOn, type PrivateRedis } from './redisServer.ts'
