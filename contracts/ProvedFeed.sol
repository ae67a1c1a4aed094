// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {AggregatorV3Interface} from "./AggregatorV3Interface.sol";
import {IZkmlVerifier} from "./IZkmlVerifier.sol";
import {ModelRegistry} from "./ModelRegistry.sol";

/// @notice A Chainlink-compatible feed whose every round is a zk-proved model output for one subject
/// (e.g. one pool). `update` accepts a round only if the registered verifier accepts the proof and the
/// proof's public signals name this feed's subject and a round strictly newer than the last.
///
/// Why reporters are still permissioned: the proof shows output = model(inputs) for the public inputs,
/// not that those inputs are the pool's true state. Reporters are accountable for inputs; the proof
/// makes the computation and the binding to (subject, round) trustless, and `InputsCommitted` lets
/// anyone audit the inputs of each round against chain state at that block.
///
/// Round ids are the proof's `round` signal (sparse, strictly increasing), so a round id names the
/// same data on every chain and every replica of the oracle. A round may exceed the last by at most
/// `maxRoundJump`, so one update cannot push the round to the top of its range and freeze the feed; if a
/// bad round still gets in, the owner can roll `latestRound` back through a timelocked reset
/// (proposeRoundReset → wait `resetDelay` → executeRoundReset), announced by events first.
///
/// The answer is the output signal as the model computed it. When the registered model's `postprocess`
/// is `Sigmoid` (compiled with `--sigmoid outside`) the answer is a logit and the value is sigmoid(answer);
/// `postprocess()` says which, as the registry recorded it.
contract ProvedFeed is AggregatorV3Interface {
    uint256 internal constant FIELD_P =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// The oracle numbers rounds 1, 2, 3…; a million leaves room for skipped rounds and for rounds
    /// numbered by hour, while a frozen feed would take ~10^18 updates.
    uint80 public constant DEFAULT_MAX_ROUND_JUMP = 1_000_000;
    /// Two days: long enough for readers to see a proposed reset and stop reading before it applies.
    uint32 public constant DEFAULT_RESET_DELAY = 2 days;

    struct Config {
        ModelRegistry registry;
        uint256 modelId;
        uint256 subject;
        /// Which output signal (0-based among the outputs) is the answer.
        uint16 outputIndex;
        uint8 decimals;
        string description;
        /// Rounds older than this many seconds are stale; consumers should refuse them (see isStale).
        uint32 heartbeat;
        int256 minAnswer;
        int256 maxAnswer;
        /// Seconds between announcing a model upgrade and it taking effect.
        uint32 upgradeDelay;
        address owner;
        /// Largest allowed `round - latestRound` (0 = DEFAULT_MAX_ROUND_JUMP).
        uint80 maxRoundJump;
        /// Seconds between proposing and executing a round reset (0 = DEFAULT_RESET_DELAY).
        uint32 resetDelay;
    }

    struct Round {
        int256 answer;
        uint64 updatedAt;
        uint32 modelVersion;
        uint32 modelId;
        /// How many round resets had executed when this round was posted (see _roundAt).
        uint32 epoch;
        /// sha256(proof ‖ abi.encodePacked(publicSignals)): what the Functions source commits to.
        bytes32 commitment;
    }

    /// An executed reset: rounds in (to, from] posted before it are discarded.
    struct Reset {
        uint80 from;
        uint80 to;
    }

    /// Hashes that pin a round to its exact proof and signals.
    struct Audit {
        /// keccak256(proof)
        bytes32 proofHash;
        /// keccak256(abi.encodePacked(publicSignals))
        bytes32 signalsHash;
        /// keccak256(abi.encodePacked(model input signals)): compare with the inputs recomputed from chain state.
        bytes32 inputsHash;
        /// sha256(proof ‖ abi.encodePacked(publicSignals)), also stored per round.
        bytes32 commitment;
    }

    error NotOwner(address caller);
    error NotReporter(address caller);
    error UnknownModel(uint256 modelId);
    error BadConfig(string what);
    error SignalCountMismatch(uint256 expected, uint256 got);
    error InvalidProof();
    error WrongSubject(uint256 expected, uint256 got);
    error StaleRound(uint256 round, uint256 latestRound);
    error RoundOutOfRange(uint256 round);
    error OutputOutOfRange(uint256 signal);
    error AnswerOutOfBounds(int256 answer, int256 minAnswer, int256 maxAnswer);
    error NoDataPresent(uint80 roundId);
    error WrongFamily(bytes32 expected, bytes32 got);
    error NoPendingUpgrade();
    error UpgradeNotReady(uint256 eta, uint256 nowTs);
    error RoundJumpTooLarge(uint256 round, uint256 latestRound, uint256 maxRoundJump);
    error VerifierCodeChanged(address verifier, bytes32 registered, bytes32 current);
    error BadResetRound(uint256 toRound, uint256 latestRound);
    error NoPendingReset();
    error ResetNotReady(uint256 eta, uint256 nowTs);

    /// Chainlink's aggregator events, so existing indexers follow this feed unchanged.
    event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);
    event NewRound(uint256 indexed roundId, address indexed startedBy, uint256 startedAt);
    /// Everything needed to audit a round: re-run the verifier on (proof, signals) whose hashes are here,
    /// check the inputs against chain state at this block, and recompute the answer from rawOutput.
    event RoundProved(
        uint80 indexed roundId,
        uint256 indexed modelId,
        address indexed reporter,
        int256 answer,
        uint256 rawOutput,
        uint32 modelVersion,
        Audit audit
    );
    event ReporterSet(address indexed reporter, bool allowed);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
    event ModelUpgradeAnnounced(uint256 indexed fromModelId, uint256 indexed toModelId, uint256 eta);
    event ModelUpgradeCancelled(uint256 indexed toModelId);
    event ModelUpgraded(uint256 indexed fromModelId, uint256 indexed toModelId);
    event RoundResetProposed(uint80 indexed fromRound, uint80 indexed toRound, uint256 eta);
    event RoundResetCancelled(uint80 indexed toRound);
    event RoundReset(uint80 indexed fromRound, uint80 indexed toRound);

    ModelRegistry public immutable registry;
    uint256 public immutable subject;
    uint16 public immutable outputIndex;
    uint8 public immutable override decimals;
    uint32 public immutable heartbeat;
    int256 public immutable minAnswer;
    int256 public immutable maxAnswer;
    uint32 public immutable upgradeDelay;
    bytes32 public immutable family;
    uint80 public immutable maxRoundJump;
    uint32 public immutable resetDelay;

    string public override description;
    address public owner;
    uint256 public modelId;
    uint256 public pendingModelId;
    uint256 public pendingEta;
    uint80 public latestRound;
    /// A proposed round reset: the round `latestRound` goes back to, and when it may (0 = none pending).
    uint80 public pendingResetRound;
    uint256 public pendingResetEta;
    mapping(address => bool) public isReporter;
    mapping(uint80 => Round) private _rounds;
    /// Executed resets, oldest first; a round posted at epoch e is checked against resets[e..].
    Reset[] public resets;

    constructor(Config memory c) {
        if (!c.registry.exists(c.modelId)) revert UnknownModel(c.modelId);
        ModelRegistry.Model memory m = c.registry.model(c.modelId);
        if (c.outputIndex >= m.layout.nOutputs) revert BadConfig("outputIndex >= nOutputs");
        if (c.decimals > 18) revert BadConfig("decimals > 18");
        if (c.minAnswer >= c.maxAnswer) revert BadConfig("minAnswer >= maxAnswer");
        if (c.heartbeat == 0) revert BadConfig("heartbeat = 0");
        if (c.owner == address(0)) revert BadConfig("owner = 0");
        registry = c.registry;
        modelId = c.modelId;
        subject = c.subject;
        outputIndex = c.outputIndex;
        decimals = c.decimals;
        description = c.description;
        heartbeat = c.heartbeat;
        minAnswer = c.minAnswer;
        maxAnswer = c.maxAnswer;
        upgradeDelay = c.upgradeDelay;
        owner = c.owner;
        family = m.family;
        maxRoundJump = c.maxRoundJump == 0 ? DEFAULT_MAX_ROUND_JUMP : c.maxRoundJump;
        resetDelay = c.resetDelay == 0 ? DEFAULT_RESET_DELAY : c.resetDelay;
    }

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        _;
    }

    function version() external pure override returns (uint256) {
        return 1;
    }

    function setReporter(address reporter, bool allowed) external onlyOwner {
        isReporter[reporter] = allowed;
        emit ReporterSet(reporter, allowed);
    }

    function transferOwnership(address newOwner) external onlyOwner {
        if (newOwner == address(0)) revert BadConfig("owner = 0");
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    /// @notice Posts a proved round. See the contract notice for what is checked.
    function update(bytes calldata proof, uint256[] calldata publicSignals) external returns (uint80 roundId, int256 answer) {
        if (!isReporter[msg.sender]) revert NotReporter(msg.sender);
        Audit memory audit;
        uint32 modelVersion;
        uint8 scaleBits;
        (modelVersion, scaleBits, audit.inputsHash, roundId) = _check(proof, publicSignals);
        uint256 raw = publicSignals[outputIndex];
        answer = _toAnswer(raw, scaleBits);
        if (answer < minAnswer || answer > maxAnswer) revert AnswerOutOfBounds(answer, minAnswer, maxAnswer);
        audit.commitment = sha256(abi.encodePacked(proof, publicSignals));
        audit.proofHash = keccak256(proof);
        audit.signalsHash = keccak256(abi.encodePacked(publicSignals));
        _rounds[roundId] = Round({
            answer: answer,
            updatedAt: uint64(block.timestamp),
            modelVersion: modelVersion,
            modelId: uint32(modelId),
            epoch: uint32(resets.length),
            commitment: audit.commitment
        });
        latestRound = roundId;
        emit NewRound(roundId, msg.sender, block.timestamp);
        emit AnswerUpdated(answer, roundId, block.timestamp);
        emit RoundProved(
            roundId,
            modelId,
            msg.sender,
            answer,
            raw,
            modelVersion,
            audit
        );
    }

    /// Binding checks, then the proof. Cheap checks go first so a valid proof for another pool, or an
    /// old proof replayed, is rejected with its own error rather than as an invalid proof.
    function _check(bytes calldata proof, uint256[] calldata publicSignals)
        private
        view
        returns (uint32 modelVersion, uint8 scaleBits, bytes32 inputsHash, uint80 roundId)
    {
        ModelRegistry.Model memory m = registry.model(modelId);
        ModelRegistry.Layout memory l = m.layout;
        uint256 expected = uint256(l.nOutputs) + l.nInputs + 2;
        if (publicSignals.length != expected) revert SignalCountMismatch(expected, publicSignals.length);
        uint256 s = publicSignals[l.subjectIndex];
        if (s != subject) revert WrongSubject(subject, s);
        uint256 r = publicSignals[l.roundIndex];
        if (r > type(uint80).max) revert RoundOutOfRange(r);
        if (r <= latestRound) revert StaleRound(r, latestRound);
        if (r - latestRound > maxRoundJump) revert RoundJumpTooLarge(r, latestRound, maxRoundJump);
        // The registry bound this verifier's code at registration; a different code now (a redeployed
        // address) is not the verifier the model was registered with.
        bytes32 code = address(m.verifier).codehash;
        if (code != m.codeHash) revert VerifierCodeChanged(address(m.verifier), m.codeHash, code);
        if (!m.verifier.verify(proof, publicSignals)) revert InvalidProof();
        inputsHash = keccak256(abi.encodePacked(publicSignals[l.nOutputs:uint256(l.nOutputs) + l.nInputs]));
        return (m.version, l.scaleBits, inputsHash, uint80(r));
    }

    /// Field element → signed fixed point (> P/2 is negative) → this feed's decimals, truncating toward zero.
    function _toAnswer(uint256 raw, uint8 scaleBits) internal view returns (int256) {
        if (raw >= FIELD_P) revert OutputOutOfRange(raw);
        int256 v = raw > FIELD_P / 2 ? -int256(FIELD_P - raw) : int256(raw);
        int256 scale = int256(10 ** decimals);
        // |v| < 2^253 always; the multiplication must still fit int256.
        if (v > type(int256).max / scale || v < type(int256).min / scale) revert OutputOutOfRange(raw);
        return (v * scale) / int256(1 << scaleBits);
    }

    function getRoundData(uint80 _roundId)
        external
        view
        override
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        Round memory rd = _roundAt(_roundId);
        return (_roundId, rd.answer, rd.updatedAt, rd.updatedAt, _roundId);
    }

    function latestRoundData()
        external
        view
        override
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        uint80 id = latestRound;
        Round memory rd = _roundAt(id);
        return (id, rd.answer, rd.updatedAt, rd.updatedAt, id);
    }

    /// @notice Audit data of a round: model version and id that proved it, and the proof commitment.
    function roundInfo(uint80 roundId) external view returns (Round memory) {
        return _roundAt(roundId);
    }

    /// A round a reset discarded reads as never posted, even once later rounds pass its number.
    function _roundAt(uint80 roundId) private view returns (Round memory rd) {
        rd = _rounds[roundId];
        if (rd.updatedAt == 0 || roundId > latestRound) revert NoDataPresent(roundId);
        for (uint256 k = rd.epoch; k < resets.length; ++k)
            if (roundId > resets[k].to && roundId <= resets[k].from) revert NoDataPresent(roundId);
    }

    /// @notice How to read the answer: None (the model's value) or Sigmoid (a logit; value = sigmoid(answer)),
    /// as registered with the current model.
    function postprocess() external view returns (ModelRegistry.Postprocess) {
        return registry.model(modelId).postprocess;
    }

    /// @notice The circuit this feed's answers are proved with: the circuitId (sha256 of the circuit's
    /// canonical manifest JSON) registered with the current model. Equal to `circuitId(manifest)` of the
    /// manifest a reader holds, or the feed is not proving that circuit (docs/identity.md).
    function circuitId() external view returns (bytes32) {
        return registry.model(modelId).circuitId;
    }

    /// @notice Recovery from a bad round (owner, timelocked): proposes setting `latestRound` back to
    /// `toRound` (< latestRound) after `resetDelay`. Rounds above it then read as never posted and
    /// round numbers above it can be proved again.
    function proposeRoundReset(uint80 toRound) external onlyOwner {
        if (toRound >= latestRound) revert BadResetRound(toRound, latestRound);
        pendingResetRound = toRound;
        pendingResetEta = block.timestamp + resetDelay;
        emit RoundResetProposed(latestRound, toRound, pendingResetEta);
    }

    function cancelRoundReset() external onlyOwner {
        if (pendingResetEta == 0) revert NoPendingReset();
        emit RoundResetCancelled(pendingResetRound);
        pendingResetEta = 0;
        pendingResetRound = 0;
    }

    /// @notice Executes a proposed reset once `resetDelay` has passed (owner only).
    function executeRoundReset() external onlyOwner {
        if (pendingResetEta == 0) revert NoPendingReset();
        if (block.timestamp < pendingResetEta) revert ResetNotReady(pendingResetEta, block.timestamp);
        uint80 toRound = pendingResetRound;
        if (toRound >= latestRound) revert BadResetRound(toRound, latestRound);
        emit RoundReset(latestRound, toRound);
        resets.push(Reset({from: latestRound, to: toRound}));
        latestRound = toRound;
        pendingResetEta = 0;
        pendingResetRound = 0;
    }

    /// @notice True when there is no round yet or the latest is older than `heartbeat` seconds.
    function isStale() external view returns (bool) {
        uint64 t = _rounds[latestRound].updatedAt;
        return t == 0 || block.timestamp - t > heartbeat;
    }

    /// @notice Announces a switch to another version of the same model family, effective after `upgradeDelay`.
    function announceModelUpgrade(uint256 newModelId) external onlyOwner {
        if (!registry.exists(newModelId)) revert UnknownModel(newModelId);
        ModelRegistry.Model memory m = registry.model(newModelId);
        if (m.family != family) revert WrongFamily(family, m.family);
        if (outputIndex >= m.layout.nOutputs) revert BadConfig("outputIndex >= nOutputs");
        pendingModelId = newModelId;
        pendingEta = block.timestamp + upgradeDelay;
        emit ModelUpgradeAnnounced(modelId, newModelId, pendingEta);
    }

    function cancelModelUpgrade() external onlyOwner {
        if (pendingEta == 0) revert NoPendingUpgrade();
        emit ModelUpgradeCancelled(pendingModelId);
        pendingEta = 0;
        pendingModelId = 0;
    }

    /// @notice Applies an announced upgrade once its delay has passed; anyone may call it.
    function applyModelUpgrade() external {
        if (pendingEta == 0) revert NoPendingUpgrade();
        if (block.timestamp < pendingEta) revert UpgradeNotReady(pendingEta, block.timestamp);
        emit ModelUpgraded(modelId, pendingModelId);
        modelId = pendingModelId;
        pendingEta = 0;
        pendingModelId = 0;
    }
}
