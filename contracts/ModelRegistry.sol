// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IZkmlVerifier} from "./IZkmlVerifier.sol";

/// @notice Append-only registry of proved models. Each entry ties a model (sha256 of the ONNX file) to
/// the circuit compiled from it (sha256 of the .r1cs), the verifier contract for that circuit, and the
/// layout of its public signals (`outputs…, model inputs…, context (subject, round)`).
/// Models are grouped in families by name; a new version of a family is a new entry, never an edit,
/// so a feed that pinned model id N keeps verifying against exactly what N said.
contract ModelRegistry {
    /// Where things sit in a proof's public signals. Indices are 0-based positions in `publicSignals`.
    struct Layout {
        uint16 nOutputs;
        uint16 nInputs;
        uint16 subjectIndex;
        uint16 roundIndex;
        /// Fixed-point fractional bits of the outputs: value = signedInt / 2^scaleBits.
        uint8 scaleBits;
    }

    struct Model {
        bytes32 family;
        bytes32 modelHash;
        bytes32 circuitHash;
        IZkmlVerifier verifier;
        Layout layout;
        uint32 version;
        address owner;
        uint64 registeredAt;
    }

    error UnknownModel(uint256 modelId);
    error NotFamilyOwner(bytes32 family, address owner, address caller);
    error NotAVerifier(address verifier);
    error LayoutMismatch(uint256 verifierSignals, uint256 layoutSignals);
    error BadLayout(uint256 subjectIndex, uint256 roundIndex, uint256 nOutputs, uint256 nInputs);
    error ZeroHash();

    event ModelRegistered(
        uint256 indexed modelId,
        bytes32 indexed family,
        uint32 version,
        bytes32 modelHash,
        bytes32 circuitHash,
        address verifier,
        address owner
    );

    Model[] private _models;
    mapping(bytes32 family => address) public familyOwner;
    mapping(bytes32 family => uint256[]) private _versions;

    /// @notice Registers a new model version. The first registrant of a family name owns the family.
    /// @return modelId the new entry's id (its index; ids start at 0).
    function register(
        string calldata name,
        bytes32 modelHash,
        bytes32 circuitHash,
        IZkmlVerifier verifier,
        Layout calldata layout
    ) external returns (uint256 modelId) {
        bytes32 family = keccak256(bytes(name));
        address owner = familyOwner[family];
        if (owner == address(0)) familyOwner[family] = msg.sender;
        else if (owner != msg.sender) revert NotFamilyOwner(family, owner, msg.sender);
        if (modelHash == bytes32(0) || circuitHash == bytes32(0)) revert ZeroHash();
        if (address(verifier).code.length == 0) revert NotAVerifier(address(verifier));
        uint256 total = uint256(layout.nOutputs) + layout.nInputs + 2;
        // The context signals come after outputs and inputs, and are two distinct positions.
        if (
            layout.nOutputs == 0 || layout.subjectIndex < uint256(layout.nOutputs) + layout.nInputs
                || layout.roundIndex < uint256(layout.nOutputs) + layout.nInputs || layout.subjectIndex >= total
                || layout.roundIndex >= total || layout.subjectIndex == layout.roundIndex
        ) revert BadLayout(layout.subjectIndex, layout.roundIndex, layout.nOutputs, layout.nInputs);
        uint256 n;
        try verifier.publicSignalCount() returns (uint256 c) {
            n = c;
        } catch {
            revert NotAVerifier(address(verifier));
        }
        if (n != total) revert LayoutMismatch(n, total);

        modelId = _models.length;
        uint32 version = uint32(_versions[family].length + 1);
        _models.push(
            Model({
                family: family,
                modelHash: modelHash,
                circuitHash: circuitHash,
                verifier: verifier,
                layout: layout,
                version: version,
                owner: msg.sender,
                registeredAt: uint64(block.timestamp)
            })
        );
        _versions[family].push(modelId);
        emit ModelRegistered(modelId, family, version, modelHash, circuitHash, address(verifier), msg.sender);
    }

    /// @notice The entry for `modelId`; reverts `UnknownModel` when there is none.
    function model(uint256 modelId) external view returns (Model memory) {
        if (modelId >= _models.length) revert UnknownModel(modelId);
        return _models[modelId];
    }

    /// @notice Whether `modelId` is registered.
    function exists(uint256 modelId) external view returns (bool) {
        return modelId < _models.length;
    }

    /// @notice Number of entries ever registered.
    function modelCount() external view returns (uint256) {
        return _models.length;
    }

    /// @notice The model ids of a family, oldest first (index i is version i+1).
    function versions(string calldata name) external view returns (uint256[] memory) {
        return _versions[keccak256(bytes(name))];
    }

    /// @notice Checks `proof` against the verifier registered for `modelId`.
    function verify(uint256 modelId, bytes calldata proof, uint256[] calldata publicSignals) external view returns (bool) {
        if (modelId >= _models.length) revert UnknownModel(modelId);
        return _models[modelId].verifier.verify(proof, publicSignals);
    }
}
