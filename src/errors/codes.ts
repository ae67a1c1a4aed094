/**
 * Every stable error code of the project, with the one-line meaning that
 * docs/errors.md expands. A test checks that each code here is documented there.
 * Add a code here and a section in docs/errors.md together.
 *
 * @example
 * ```ts
 * import { errorCodes } from './src/errors/index.ts'
 * console.log(errorCodes.ONNX_UNSUPPORTED_OP)
 * ```
 */
export const errorCodes = {
  // compiler
  ONNX_MALFORMED: 'The file is not a valid ONNX protobuf model.',
  ONNX_UNSUPPORTED_OP: 'The model uses an operator the compiler does not support.',
  ONNX_SHAPE_MISMATCH: 'Tensor shapes in the model or in an input do not fit together.',
  ONNX_MISSING_TENSOR: 'A node refers to a tensor that no input, initializer or node defines.',
  ONNX_UNSUPPORTED_ATTRIBUTE: 'An operator attribute has a value the compiler does not support.',
  CALIBRATION_INVALID: 'The calibration samples are missing, malformed or of the wrong shape.',
  QUANTIZATION_OVERFLOW: 'A value does not fit the circuit\'s fixed-point range.',
  CIRCUIT_UNSATISFIED: 'A witness does not satisfy the circuit\'s constraints.',
  INPUT_INVALID: 'An inference input is malformed or of the wrong shape.',
  SETUP_FAILED: 'Key generation for the circuit failed.',
  PTAU_TOO_SMALL: 'The powers-of-tau file is too small for the circuit.',
  PROOF_INVALID: 'A proof failed verification.',
  ARTIFACT_NOT_FOUND: 'A circuit artifact is not in the store.',
  ARTIFACT_CORRUPT: 'A stored artifact does not match its content hash.',
  MANIFEST_INVALID: 'A circuit manifest is malformed or of an unknown version.',
  R1CS_INVALID: 'A constraint system is malformed (counts, wire ids or coefficients out of range).',
  WITNESS_INVALID: 'A witness vector is malformed (a value outside the field, or wire 0 not 1).',
  PROVE_FAILED: 'snarkjs could not make a proof from this zkey and witness.',
  PUBLIC_SIGNALS_INVALID: 'Public signals are not canonical decimal strings or not as many as the circuit has.',
  VKEY_INVALID: 'A Groth16 verification key is malformed (a point not canonical, not on its curve or not in its group).',
  PROOF_NONCANONICAL: 'A proof is not in the one encoding the on-chain verifier accepts (affine, reduced, on the curve, G2 in its subgroup).',
  ONNX_NONFINITE_VALUE: 'A weight, bias or constant of the model is NaN or infinite.',
  ONNX_INPUT_TYPE_UNSUPPORTED: 'A graph input has an element type the compiler does not take (string, complex, …; floats, integers and bools are fine).',
  ONNX_RUNTIME_FAILED: 'onnxruntime-node could not load or run the model for the fidelity reference.',
  PTAU_TEST_ONLY: 'The bundled test-only powers of tau was refused for a production compile.',
  PTAU_INVALID: 'A powers-of-tau file is unreadable or not a snarkjs ptau file.',
  FIDELITY_EXCEEDED: 'No fixed-point scale keeps the quantized model within its tolerance of the float model; the message names the layer where the error grew.',

  // prover network and API (issue 3): add codes below this line
  REDIS_UNAVAILABLE: 'Redis could not be reached at start-up.',
  REQUEST_INVALID: 'An HTTP request does not match the route\'s schema.',
  UNAUTHORIZED: 'A write request lacks a valid API key.',
  ROUTE_NOT_FOUND: 'No HTTP route matches the method and path.',
  PAYLOAD_TOO_LARGE: 'An HTTP request body exceeds the size limit.',
  INTERNAL_ERROR: 'An unexpected server-side failure.',
  CIRCUIT_NOT_FOUND: 'No circuit with this id is registered.',
  CIRCUIT_ARTIFACT_MISMATCH: 'Registered artifact bytes do not match the manifest.',
  JOB_NOT_FOUND: 'No proving job with this id exists.',
  IDEMPOTENCY_CONFLICT: 'An idempotency key was reused with a different request.',
  JOB_STATE_INVALID: 'A job state change is not allowed from the job\'s current state.',
  NO_ELIGIBLE_WORKER: 'A job\'s requirements exceed what any worker class can offer.',
  WORKER_HOOK_FAILED: 'A worker lifecycle hook threw and the job was released.',
  URL_INVALID: 'An HTTP request URL is malformed (bad %-encoding).',
  URL_TOO_LONG: 'A path parameter of an HTTP request is longer than any id.',
  MEDIA_TYPE_UNSUPPORTED: 'An HTTP request body is not JSON.',
  REDIS_NOT_DURABLE: 'Redis has no persistence (AOF or RDB) and --allow-volatile-redis was not given.',
  REDIS_URL_INVALID: 'A redis+cluster:// URL does not list host:port seed nodes.',

  // chain, contracts and oracle (issue 4): add codes below this line
  SOLIDITY_COMPILE_FAILED: 'solc rejected a Solidity source.',
  CHAIN_UNAVAILABLE: 'The chain node could not be started or reached.',
  CONTRACT_DEPLOY_FAILED: 'A contract creation transaction was rejected or reverted.',
  ORACLE_CONFIG_INVALID: 'The oracle configuration is malformed.',
  ADAPTER_FAILED: 'An input adapter could not produce the model inputs.',
  PROVER_API_ERROR: 'The prover network API answered with an error or could not be reached.',
  PROVER_JOB_FAILED: 'A proving job ended failed or without a proof.',
  PROVER_TIMEOUT: 'A proving job did not finish within the oracle\'s wait limit.',
  FEED_UPDATE_REVERTED: 'A feed update was rejected by the feed contract.',
  ORACLE_STATE_CORRUPT: 'The oracle\'s persisted state file is unreadable.',
  FUNCTIONS_SIMULATION_FAILED: 'The Chainlink Functions simulator could not run the source.',
  ORACLE_ROUND_FAILED: 'An oracle pass ended without posting a due round for a feed.',
  AUDIT_LINK_BROKEN: 'zkml audit found a link from feed to ONNX file that does not match.',
  PROOF_REJECTED_ON_CHAIN: 'A feed refused a network-verified proof as invalid; the round is re-proved with a new job.',
  ORACLE_INPUTS_MISMATCH: 'A proof\'s input signals are not the quantized inputs the oracle read for the round.',
  CONTRACT_TX_FAILED: 'A contract transaction reverted (its custom error decoded) or could not be sent.',
  ORACLE_CIRCUIT_MISMATCH: 'A feed\'s model is registered on-chain with another circuitId than the circuit the oracle proves for it.',

  // market (issue 5): add codes below this line
  MARKET_PROFILE_INVALID: 'A hardware profile is missing, malformed, or has no fit for the backend.',
  MARKET_QUOTE_INVALID: 'A quote was asked with missing or out-of-range parameters.',
  MARKET_CIRCUIT_NOT_FOUND: 'No manifest is known for the circuit a quote or request names.',
  MARKET_TX_FAILED: 'A ProofMarket transaction reverted or could not be sent.',
  MARKET_REQUEST_NOT_FOUND: 'No live market request matches a proving job.',
  MARKET_CONFIG_INVALID: 'Market options are malformed: no RPC URL, a bad market address or prover key, or no contract there.',

  // explorer (issue 6): add codes below this line
  JOB_HAS_NO_PROOF: 'A proof was asked of a job that has not been verified (yet).',
  FEEDS_CONFIG_INVALID: 'The explorer\'s feed configuration file is unreadable or malformed.',
  VAULT_NOT_FOUND: 'The explorer was asked for a vault its configuration does not list.',

  // native prover (issue 16): add codes below this line
  NATIVE_KEY_INVALID: 'The native prover cannot read a proving key: not a BN254 Groth16 .zkey, or a malformed one.',
  NATIVE_KEY_MISMATCH: 'A witness or .r1cs is not of the proving key\'s circuit (wire count, public count or coefficients differ).',
  ENGINE_BACKEND_UNSUPPORTED: 'The chosen proving engine does not prove this backend (the native engine proves Groth16 only).',
  ENGINE_UNAVAILABLE: 'The proving engine asked for cannot run here (unknown name, or the native addon is not built).',
  // GPU prover (issue 19): add codes below this line
  GPU_UNAVAILABLE: 'The GPU prover found no CUDA device (no NVIDIA driver or no GPU); proofs run on the CPU.',
  GPU_FAILED: 'A CUDA call of the GPU prover failed (device memory, a driver older than the CUDA runtime); proofs run on the CPU.',
  // ezkl backend (issue 15): add codes below this line
  EZKL_UNAVAILABLE: 'Python 3 or the pinned ezkl wheel is missing from the project virtualenv (.venv).',
  EZKL_FAILED: 'An ezkl call in the Python bridge raised an exception.',
  EZKL_BRIDGE_CRASHED: 'The ezkl Python bridge process died or answered something other than a JSON line.',
} as const

export type ErrorCode = keyof typeof errorCodes
