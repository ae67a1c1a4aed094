/**
 * Every `zkml` command and its one-line summary, in one place: `zkml --help` prints this table without
 * importing a single command module (each pulls in its own heavy dependencies: the compiler,
 * onnxruntime, viem, fastify). One entry per file in ./commands; test/unit/cli-command-table.test.ts
 * fails when the two drift apart.
 *
 * @example
 * ```ts
 * import { commandTable } from './commandTable.ts'
 * commandTable.prove // 'prove one inference of a compiled circuit'
 * ```
 */
export const commandTable = {
  audit: 'check a feed\'s chain of custody: feed → registry → verifier → manifest → ONNX',
  compile: 'compile an ONNX model into a circuit, keys and a Solidity verifier',
  'dev-ptau': 'TESTS ONLY: write an insecure prepared powers of tau (public tau) of power N, for circuits up to 2^N',
  inspect: 'list every node of an ONNX model: op, support status, estimated constraints',
  ops: 'list the supported ONNX ops with their attributes, dtypes and constraint costs',
  keeper: 'run the vault keeper: prove a ProvedAllocationVault\'s pool allocation through the network and rebalance it',
  oracle: 'run the oracle: prove pool inputs through the prover network and post rounds to feeds',
  prove: 'prove one inference of a compiled circuit',
  quote: 'price a proof of a compiled circuit from its size and a measured hardware profile',
  register: 'register a compiled circuit with a prover network (the model owner\'s path)',
  reputation: 'show provers\' ProofMarket reputation: locks, on-time, late, slashed, rejected proofs, score',
  serve: 'run the HTTP API and the coordinator that verifies every worker result',
  verify: 'verify a proof against a compiled circuit',
  version: 'print the versions of zkml and the proving tools it pins',
  worker: 'run a prover worker: take jobs this host can prove from Redis, prove, hand in',
} as const satisfies Record<string, string>

/** A command's name: the file `./commands/<name>.ts`. */
export type CommandName = keyof typeof commandTable
