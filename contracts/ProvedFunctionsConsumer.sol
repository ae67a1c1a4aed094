// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {ModelRegistry} from "./ModelRegistry.sol";

/// @notice The round data a ProvedFeed exposes for cross-checking a Functions result.
interface IProvedFeedRounds {
    struct Round {
        int256 answer;
        uint64 updatedAt;
        uint32 modelVersion;
        uint32 modelId;
        uint32 epoch;
        bytes32 commitment;
    }

    function roundInfo(uint80 roundId) external view returns (Round memory);
    function subject() external view returns (uint256);
}

/// @notice Receives the Chainlink Functions result of functions/provedRound.js.
/// Shape of Chainlink's FunctionsClient: the router calls `handleOracleFulfillment`, which checks the
/// caller and forwards to `fulfillRequest`. On a real network `router` is the Functions router and
/// `_sendRequest` goes through it; on anvil (no router) `router` is any address the test controls.
///
/// Response (160 bytes, within Functions' 256-byte limit):
///   abi.encode(int256 answer, uint256 round, uint256 subject, bytes32 commitment, uint256 modelVersion)
/// `answer` is already in `decimals`; `commitment` = sha256(proof ‖ abi.encodePacked(publicSignals)).
///
/// No round is accepted on the DON's word: a proof whose commitment the response names must have been
/// verified, either by a ProvedFeed on this chain that has the round (same commitment and answer), or
/// here, by `confirm(proof, publicSignals)` through the registered model's verifier (the proof does not
/// fit in a Functions response, so anyone who has it — the round API serves it — submits it). Until then
/// the response is only a candidate and `latest` does not move, so an unverified response (e.g. with round
/// 2^256-1) cannot freeze the consumer. A round may exceed `latest.round` by at most `maxRoundJump`; a bad
/// round that still gets in is undone by the owner's timelocked reset, as on ProvedFeed.
contract ProvedFunctionsConsumer {
    struct Result {
        int256 answer;
        uint256 round;
        uint256 subject;
        bytes32 commitment;
        uint256 modelVersion;
        uint64 receivedAt;
        /// True for every stored response (its proof was verified); false only for the empty result an
        /// owner's round reset leaves.
        bool verified;
    }

    /// A response waiting for its proof.
    struct Candidate {
        int256 answer;
        uint256 round;
    }

    struct Config {
        address router;
        /// Optional on-chain ProvedFeed to cross-check commitments against (address(0) = none).
        IProvedFeedRounds feed;
        uint256 subject;
        ModelRegistry registry;
        /// The registered model whose verifier checks `confirm`ed proofs.
        uint256 modelId;
        /// Which output signal (0-based among the outputs) is the answer, and its decimals.
        uint16 outputIndex;
        uint8 decimals;
        /// Largest allowed `round - latest.round` (0 = DEFAULT_MAX_ROUND_JUMP).
        uint256 maxRoundJump;
        /// Seconds between proposing and executing a round reset (0 = DEFAULT_RESET_DELAY).
        uint32 resetDelay;
    }

    uint256 public constant RESPONSE_BYTES = 160;
    uint256 public constant DEFAULT_MAX_ROUND_JUMP = 1_000_000;
    uint32 public constant DEFAULT_RESET_DELAY = 2 days;
    uint256 internal constant FIELD_P =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;

    error OnlyRouter(address caller);
    error UnexpectedRequestId(bytes32 requestId);
    error NotOwner(address caller);
    error BadConfig(string what);
    error NoCandidate(uint256 round, bytes32 commitment);
    error InvalidProof();
    error WrongSubject(uint256 expected, uint256 got);
    error StaleRound(uint256 round, uint256 latestRound);
    error RoundJumpTooLarge(uint256 round, uint256 latestRound, uint256 maxRoundJump);
    error SignalCountMismatch(uint256 expected, uint256 got);
    error AnswerMismatch(int256 response, int256 proved);
    error OutputOutOfRange(uint256 signal);
    error BadResetRound(uint256 toRound, uint256 latestRound);
    error NoPendingReset();
    error ResetNotReady(uint256 eta, uint256 nowTs);

    event RequestSent(bytes32 indexed requestId);
    event ResultStored(bytes32 indexed requestId, uint256 indexed round, int256 answer, bytes32 commitment, bool verified);
    event RequestFailed(bytes32 indexed requestId, bytes err);
    event ResponseRejected(bytes32 indexed requestId, string reason);
    /// A response no feed here has verified yet: it is stored once `confirm` verifies its proof.
    event ResponsePending(bytes32 indexed requestId, uint256 indexed round, bytes32 commitment);
    event RoundResetProposed(uint256 indexed fromRound, uint256 indexed toRound, uint256 eta);
    event RoundResetCancelled(uint256 indexed toRound);
    event RoundReset(uint256 indexed fromRound, uint256 indexed toRound);

    address public immutable router;
    address public immutable owner;
    IProvedFeedRounds public immutable feed;
    uint256 public immutable subject;
    ModelRegistry public immutable registry;
    uint256 public immutable modelId;
    uint16 public immutable outputIndex;
    uint8 public immutable decimals;
    uint256 public immutable maxRoundJump;
    uint32 public immutable resetDelay;

    mapping(bytes32 => bool) public pending;
    /// Responses awaiting their proof, by the commitment they name (so a second response for the same
    /// round cannot evict the first).
    mapping(bytes32 commitment => Candidate) public candidates;
    Result public latest;
    uint256 public pendingResetRound;
    uint256 public pendingResetEta;

    constructor(Config memory c) {
        if (!c.registry.exists(c.modelId)) revert BadConfig("unknown modelId");
        if (c.outputIndex >= c.registry.model(c.modelId).layout.nOutputs) revert BadConfig("outputIndex >= nOutputs");
        if (c.decimals > 18) revert BadConfig("decimals > 18");
        router = c.router;
        owner = msg.sender;
        feed = c.feed;
        subject = c.subject;
        registry = c.registry;
        modelId = c.modelId;
        outputIndex = c.outputIndex;
        decimals = c.decimals;
        maxRoundJump = c.maxRoundJump == 0 ? DEFAULT_MAX_ROUND_JUMP : c.maxRoundJump;
        resetDelay = c.resetDelay == 0 ? DEFAULT_RESET_DELAY : c.resetDelay;
    }

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        _;
    }

    /// @notice Recovery from a bad round (owner, timelocked): after `resetDelay`, `executeRoundReset` sets
    /// `latest` to an empty, unverified result at `toRound` (< latest.round), so rounds above it are
    /// accepted again and readers see no value until the next verified one.
    function proposeRoundReset(uint256 toRound) external onlyOwner {
        if (toRound >= latest.round) revert BadResetRound(toRound, latest.round);
        pendingResetRound = toRound;
        pendingResetEta = block.timestamp + resetDelay;
        emit RoundResetProposed(latest.round, toRound, pendingResetEta);
    }

    function cancelRoundReset() external onlyOwner {
        if (pendingResetEta == 0) revert NoPendingReset();
        emit RoundResetCancelled(pendingResetRound);
        pendingResetEta = 0;
        pendingResetRound = 0;
    }

    function executeRoundReset() external onlyOwner {
        if (pendingResetEta == 0) revert NoPendingReset();
        if (block.timestamp < pendingResetEta) revert ResetNotReady(pendingResetEta, block.timestamp);
        uint256 toRound = pendingResetRound;
        if (toRound >= latest.round) revert BadResetRound(toRound, latest.round);
        emit RoundReset(latest.round, toRound);
        latest = Result(0, toRound, subject, bytes32(0), 0, uint64(block.timestamp), false);
        pendingResetEta = 0;
        pendingResetRound = 0;
    }

    /// @notice Records a request id the router handed out (on a real network: returned by `_sendRequest`).
    function trackRequest(bytes32 requestId) external {
        if (msg.sender != owner && msg.sender != router) revert NotOwner(msg.sender);
        pending[requestId] = true;
        emit RequestSent(requestId);
    }

    /// @notice Entry point of the Functions router.
    function handleOracleFulfillment(bytes32 requestId, bytes memory response, bytes memory err) external {
        if (msg.sender != router) revert OnlyRouter(msg.sender);
        fulfillRequest(requestId, response, err);
    }

    /// Never reverts on a bad response (the router would only log it): it records why and keeps the old value.
    function fulfillRequest(bytes32 requestId, bytes memory response, bytes memory err) internal {
        if (!pending[requestId]) revert UnexpectedRequestId(requestId);
        delete pending[requestId];
        if (err.length > 0) {
            emit RequestFailed(requestId, err);
            return;
        }
        if (response.length != RESPONSE_BYTES) {
            emit ResponseRejected(requestId, "response length");
            return;
        }
        // modelVersion (the 5th word) is the DON's claim; stored results take it from the feed or the registry.
        (int256 answer, uint256 round, uint256 subj, bytes32 commitment,) =
            abi.decode(response, (int256, uint256, uint256, bytes32, uint256));
        if (subj != subject) {
            emit ResponseRejected(requestId, "subject");
            return;
        }
        if (round <= latest.round) {
            emit ResponseRejected(requestId, "stale round");
            return;
        }
        if (round - latest.round > maxRoundJump) {
            emit ResponseRejected(requestId, "round jump");
            return;
        }
        if (address(feed) != address(0) && round <= type(uint80).max) {
            // A round the feed has (proof checked there) must match it exactly.
            try feed.roundInfo(uint80(round)) returns (IProvedFeedRounds.Round memory r) {
                if (r.commitment != commitment || r.answer != answer) {
                    emit ResponseRejected(requestId, "commitment mismatch");
                    return;
                }
                _store(requestId, Result(answer, round, subj, commitment, r.modelVersion, uint64(block.timestamp), true));
                return;
            } catch {}
        }
        // No verified proof here yet (e.g. the feed lives on another chain): wait for `confirm`.
        candidates[commitment] = Candidate(answer, round);
        emit ResponsePending(requestId, round, commitment);
    }

    /// @notice Verifies the proof a pending response committed to and, if it holds, stores the response.
    /// Anyone may call it: the registered verifier, not the caller, is trusted.
    function confirm(bytes calldata proof, uint256[] calldata publicSignals) external {
        ModelRegistry.Model memory m = registry.model(modelId);
        ModelRegistry.Layout memory l = m.layout;
        uint256 expected = uint256(l.nOutputs) + l.nInputs + 2;
        if (publicSignals.length != expected) revert SignalCountMismatch(expected, publicSignals.length);
        uint256 round = publicSignals[l.roundIndex];
        bytes32 commitment = sha256(abi.encodePacked(proof, publicSignals));
        Candidate memory c = candidates[commitment];
        if (c.round == 0 || c.round != round) revert NoCandidate(round, commitment);
        if (publicSignals[l.subjectIndex] != subject) revert WrongSubject(subject, publicSignals[l.subjectIndex]);
        if (round <= latest.round) revert StaleRound(round, latest.round);
        if (round - latest.round > maxRoundJump) revert RoundJumpTooLarge(round, latest.round, maxRoundJump);
        // registry.verify also refuses a verifier whose code changed since registration.
        if (!registry.verify(modelId, proof, publicSignals)) revert InvalidProof();
        int256 proved = _toAnswer(publicSignals[outputIndex], l.scaleBits);
        if (proved != c.answer) revert AnswerMismatch(c.answer, proved);
        delete candidates[commitment];
        // The model version is the registry's, not the response's.
        _store(bytes32(0), Result(c.answer, round, subject, commitment, m.version, uint64(block.timestamp), true));
    }

    function _store(bytes32 requestId, Result memory r) private {
        latest = r;
        emit ResultStored(requestId, r.round, r.answer, r.commitment, true);
    }

    /// As ProvedFeed: field element → signed (> P/2 is negative) → `decimals`, truncating toward zero.
    function _toAnswer(uint256 raw, uint8 scaleBits) internal view returns (int256) {
        if (raw >= FIELD_P) revert OutputOutOfRange(raw);
        int256 v = raw > FIELD_P / 2 ? -int256(FIELD_P - raw) : int256(raw);
        int256 scale = int256(10 ** decimals);
        if (v > type(int256).max / scale || v < type(int256).min / scale) revert OutputOutOfRange(raw);
        return (v * scale) / int256(1 << scaleBits);
    }
}
