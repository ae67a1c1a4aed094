// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IZkmlVerifier} from "./IZkmlVerifier.sol";

/// @notice Append-only registry of proved models. Each entry ties a model family's version to one circuit,
/// named by its `circuitId` (sha256 of the circuit's canonical manifest JSON, the id the prover network,
/// the ProofMarket and the oracle use; it commits to the ONNX file, the .r1cs, the keys and every other
/// artifact: docs/identity.md), the verifier contract for that circuit, the verifier's verifying-key hash
/// and code hash (so the verifier is bound to one setup of that circuit), the post-processing a reader
/// must apply to the outputs, and the layout of its public signals
/// (`outputs…, model inputs…, context (subject, round)`).
///
/// What the binding proves: `vkHash` is checked against the verifier's own `vkHash()` at registration,
/// and `codeHash` (the verifier's EXTCODEHASH at registration) at every `verify`, so the code that answers
/// cannot change afterwards. A hostile registrant can still deploy a contract that lies about its
/// `vkHash()`; `zkml audit` catches that by comparing `codeHash` with the runtime code of the verifier the
/// manifest's artifacts compile to, and the manifest's vkHash with its verification key.
/// Models are grouped in families by name; a new version of a family is a new entry, never an edit,
/// so a feed that pinned model id N keeps verifying against exactly what N said. A model id is an entry
/// (family, version) of this registry, not a circuit identity: successive versions of a family point at
/// successive circuitIds.
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

    /// What a reader applies to the output signals to get the model's value.
    /// None: the outputs are the model's final values. Sigmoid: the model was compiled with
    /// `--sigmoid outside`, the outputs are logits and the value is sigmoid(output).
    enum Postprocess {
        None,
        Sigmoid
    }

    struct Model {
        bytes32 family;
        /// sha256 of the circuit's canonical manifest JSON: the circuit's one identity (docs/identity.md).
        bytes32 circuitId;
        IZkmlVerifier verifier;
        /// verificationKeyHash of the circuit's verifying key (equal to verifier.vkHash() at registration).
        bytes32 vkHash;
        /// EXTCODEHASH of the verifier at registration; `verify` refuses once it differs.
        bytes32 codeHash;
        Postprocess postprocess;
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
    error VkHashMismatch(bytes32 registered, bytes32 verifierVkHash);
    error VerifierCodeChanged(address verifier, bytes32 registered, bytes32 current);

    event ModelRegistered(
        uint256 indexed modelId,
        bytes32 indexed family,
        bytes32 indexed circuitId,
        uint32 version,
        address verifier,
        address owner,
        bytes32 vkHash,
        bytes32 codeHash,
        Postprocess postprocess
    );

    Model[] private _models;
    mapping(bytes32 family => address) public familyOwner;
    mapping(bytes32 family => uint256[]) private _versions;

    /// @notice Registers a new model version. The first registrant of a family name owns the family.
    /// `circuitId` is the circuit's id (sha256 of its canonical manifest JSON); `vkHash` is the manifest's
    /// vkHash, and the verifier must report the same from `vkHash()`.
    /// @return modelId the new entry's id (its index; ids start at 0).
    function register(
        string calldata name,
        bytes32 circuitId,
        IZkmlVerifier verifier,
        bytes32 vkHash,
        Postprocess postprocess,
        Layout calldata layout
    ) external returns (uint256 modelId) {
        bytes32 family = keccak256(bytes(name));
        address owner = familyOwner[family];
        if (owner == address(0)) familyOwner[family] = msg.sender;
        else if (owner != msg.sender) revert NotFamilyOwner(family, owner, msg.sender);
        if (circuitId == bytes32(0) || vkHash == bytes32(0)) revert ZeroHash();
        _checkVerifier(verifier, vkHash, layout);
        // Built in memory one field at a time: as locals they would not fit the stack.
        Model memory m;
        m.family = family;
        m.circuitId = circuitId;
        m.verifier = verifier;
        m.vkHash = vkHash;
        m.codeHash = address(verifier).codehash;
        m.postprocess = postprocess;
        m.layout = layout;
        m.version = uint32(_versions[family].length + 1);
        m.owner = msg.sender;
        m.registeredAt = uint64(block.timestamp);
        modelId = _models.length;
        _models.push(m);
        _versions[family].push(modelId);
        emit ModelRegistered(
            modelId, family, circuitId, m.version, address(verifier), msg.sender, vkHash, m.codeHash, postprocess
        );
    }

    /// The verifier is a contract whose signal count fits the layout and whose vkHash is the registered one.
    function _checkVerifier(IZkmlVerifier verifier, bytes32 vkHash, Layout calldata layout) private view {
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
        bytes32 got;
        try verifier.vkHash() returns (bytes32 h) {
            got = h;
        } catch {
            revert NotAVerifier(address(verifier));
        }
        if (got != vkHash) revert VkHashMismatch(vkHash, got);
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

    /// @notice Checks `proof` against the verifier registered for `modelId`; reverts `VerifierCodeChanged`
    /// when the verifier's code is no longer the code registered (a self-destructed and redeployed address).
    function verify(uint256 modelId, bytes calldata proof, uint256[] calldata publicSignals) external view returns (bool) {
        if (modelId >= _models.length) revert UnknownModel(modelId);
        Model storage m = _models[modelId];
        checkVerifierCode(m.verifier, m.codeHash);
        return m.verifier.verify(proof, publicSignals);
    }

    /// @notice Reverts `VerifierCodeChanged` unless `verifier`'s EXTCODEHASH is `registered`.
    /// Feeds call it before trusting a registered verifier's answer.
    function checkVerifierCode(IZkmlVerifier verifier, bytes32 registered) public view {
        bytes32 current = address(verifier).codehash;
        if (current != registered) revert VerifierCodeChanged(address(verifier), registered, current);
    }
}
