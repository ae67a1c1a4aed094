// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @notice Test-only attacker: acts on ProofMarket as a prover or requester, and whenever it receives ETH
/// replays `reentryData` against the market (e.g. withdraw again, lock, refund) and records what happened.
/// `propagate` makes a failed re-entry revert the payout itself, to check the outer call rolls back whole.
contract ReentrantCaller {
    address public immutable market;
    bytes public reentryData;
    bool public propagate;
    uint256 public attempts;
    uint256 public successes;
    bytes public lastError;

    constructor(address market_) {
        market = market_;
    }

    function arm(bytes calldata data, bool propagate_) external {
        reentryData = data;
        propagate = propagate_;
    }

    /// Forwards a call (with value) to the market as this contract.
    function act(bytes calldata data) external payable returns (bytes memory) {
        (bool ok, bytes memory ret) = market.call{value: msg.value}(data);
        if (!ok) assembly { revert(add(ret, 32), mload(ret)) }
        return ret;
    }

    receive() external payable {
        if (reentryData.length == 0 || attempts >= 3) return;
        attempts++;
        (bool ok, bytes memory ret) = market.call(reentryData);
        if (ok) successes++;
        else {
            lastError = ret;
            if (propagate) assembly { revert(add(ret, 32), mload(ret)) }
        }
    }
}
