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

  // prover network and API (issue 3): add codes below this line

  // chain, contracts and oracle (issue 4): add codes below this line
  SOLIDITY_COMPILE_FAILED: 'solc rejected a Solidity source.',
  CHAIN_UNAVAILABLE: 'The chain node could not be started or reached.',

  // market (issue 5): add codes below this line
  MARKET_PROFILE_INVALID: 'A hardware profile is missing, malformed, or has no fit for the backend.',
  MARKET_QUOTE_INVALID: 'A quote was asked with missing or out-of-range parameters.',
  MARKET_CIRCUIT_NOT_FOUND: 'No manifest is known for the circuit a quote or request names.',
  MARKET_TX_FAILED: 'A ProofMarket transaction reverted or could not be sent.',
  MARKET_REQUEST_NOT_FOUND: 'No live market request matches a proving job.',
} as const

export type ErrorCode = keyof typeof errorCodes
