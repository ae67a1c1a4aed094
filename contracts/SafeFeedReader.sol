// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {AggregatorV3Interface} from "./AggregatorV3Interface.sol";

/// @notice The way a consumer should read a ProvedFeed (or any Chainlink feed): never trust
/// `answer` alone. Checks that the round is complete (answeredInRound ≥ roundId, updatedAt ≠ 0),
/// fresh (younger than maxAge) and inside the consumer's own sane range.
contract SafeFeedReader {
    error NoAnswer();
    error IncompleteRound(uint80 roundId, uint80 answeredInRound);
    error StaleAnswer(uint256 updatedAt, uint256 nowTs, uint256 maxAge);
    error AnswerOutOfRange(int256 answer, int256 min, int256 max);

    AggregatorV3Interface public immutable feed;
    uint256 public immutable maxAge;
    int256 public immutable minAnswer;
    int256 public immutable maxAnswer;

    constructor(AggregatorV3Interface _feed, uint256 _maxAge, int256 _min, int256 _max) {
        feed = _feed;
        maxAge = _maxAge;
        minAnswer = _min;
        maxAnswer = _max;
    }

    /// @return answer the latest answer, in the feed's decimals, if every check passes.
    function read() external view returns (int256 answer) {
        (uint80 roundId, int256 a, , uint256 updatedAt, uint80 answeredInRound) = feed.latestRoundData();
        if (updatedAt == 0) revert NoAnswer();
        if (answeredInRound < roundId) revert IncompleteRound(roundId, answeredInRound);
        if (block.timestamp - updatedAt > maxAge) revert StaleAnswer(updatedAt, block.timestamp, maxAge);
        if (a < minAnswer || a > maxAnswer) revert AnswerOutOfRange(a, minAnswer, maxAnswer);
        return a;
    }
}
