// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @notice The one verifier interface feeds, the registry and the market call.
/// Each compiled circuit gets a generated wrapper implementing it around snarkjs's
/// Groth16 or PLONK verifier, so callers never depend on the backend's calldata shape.
/// `proof` is the backend's proof ABI-encoded:
///   Groth16: abi.encode(uint256[2] a, uint256[2][2] b, uint256[2] c)
///   PLONK:   abi.encode(uint256[24] proof)
/// `publicSignals` are the circuit's public signals in the manifest's layout order:
///   outputs…, model inputs…, context (subject, round).
interface IZkmlVerifier {
    /// @return true when the proof verifies for these public signals.
    function verify(bytes calldata proof, uint256[] calldata publicSignals) external view returns (bool);

    /// @return the number of public signals the circuit has.
    function publicSignalCount() external view returns (uint256);

    /// @return sha256 of the verifying key's canonical JSON (src/compiler/snark/vkHash.ts documents the
    /// exact preimage); ModelRegistry checks it against the hash registered with the model.
    function vkHash() external view returns (bytes32);
}
