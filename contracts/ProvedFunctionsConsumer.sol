// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @notice The round data a ProvedFeed exposes for cross-checking a Functions result.
interface IProvedFeedRounds {
    struct Round {
        int256 answer;
        uint64 updatedAt;
        uint32 modelVersion;
        uint32 modelId;
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
/// When a ProvedFeed for the same subject lives on this chain, a result for a round the feed has must match
/// the commitment and answer of the proof the feed accepted (else it is rejected), and is marked `verified`: the Functions DON then only
/// carries the value, while its correctness rests on the verifier contract.
contract ProvedFunctionsConsumer {
    struct Result {
        int256 answer;
        uint256 round;
        uint256 subject;
        bytes32 commitment;
        uint256 modelVersion;
        uint64 receivedAt;
        bool verified;
    }

    uint256 public constant RESPONSE_BYTES = 160;

    error OnlyRouter(address caller);
    error UnexpectedRequestId(bytes32 requestId);
    error NotOwner(address caller);

    event RequestSent(bytes32 indexed requestId);
    event ResultStored(bytes32 indexed requestId, uint256 indexed round, int256 answer, bytes32 commitment, bool verified);
    event RequestFailed(bytes32 indexed requestId, bytes err);
    event ResponseRejected(bytes32 indexed requestId, string reason);

    address public immutable router;
    address public immutable owner;
    /// Optional on-chain ProvedFeed to cross-check commitments against (address(0) = none).
    IProvedFeedRounds public immutable feed;
    uint256 public immutable subject;

    mapping(bytes32 => bool) public pending;
    Result public latest;

    constructor(address _router, IProvedFeedRounds _feed, uint256 _subject) {
        router = _router;
        owner = msg.sender;
        feed = _feed;
        subject = _subject;
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
        (int256 answer, uint256 round, uint256 subj, bytes32 commitment, uint256 modelVersion) =
            abi.decode(response, (int256, uint256, uint256, bytes32, uint256));
        if (subj != subject) {
            emit ResponseRejected(requestId, "subject");
            return;
        }
        if (round <= latest.round) {
            emit ResponseRejected(requestId, "stale round");
            return;
        }
        bool verified = false;
        if (address(feed) != address(0) && round <= type(uint80).max) {
            // A round the feed has (proof checked there) must match it exactly; one it lacks yet
            // (e.g. the feed lives on another chain and lags) is stored as unverified.
            try feed.roundInfo(uint80(round)) returns (IProvedFeedRounds.Round memory r) {
                if (r.commitment != commitment || r.answer != answer) {
                    emit ResponseRejected(requestId, "commitment mismatch");
                    return;
                }
                verified = true;
            } catch {}
        }
        latest = Result(answer, round, subj, commitment, modelVersion, uint64(block.timestamp), verified);
        emit ResultStored(requestId, round, answer, commitment, verified);
    }
}
