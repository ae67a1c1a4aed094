// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @notice Governance-set facts about pools that no contract can read from chain state: audit score
/// (0–100) and the protocol's launch date. `ProvedAllocationVault` reads them in the block it
/// rebalances, so a proof's audit and age inputs must equal what governance set. Every change is an
/// event, so anyone can follow what the allocator was told.
contract RiskFactsRegistry {
    struct Facts {
        uint8 auditScore;
        uint64 launchedAt;
        bool known;
    }

    error NotGovernance(address caller);
    error BadFacts(string what);
    error UnknownPool(address pool);

    event FactsSet(address indexed pool, uint8 auditScore, uint64 launchedAt);
    event GovernanceTransferred(address indexed previous, address indexed next);

    address public governance;
    mapping(address => Facts) private _facts;

    constructor(address _governance) {
        if (_governance == address(0)) revert BadFacts("governance = 0");
        governance = _governance;
    }

    function setFacts(address pool, uint8 auditScore, uint64 launchedAt) external {
        if (msg.sender != governance) revert NotGovernance(msg.sender);
        if (auditScore > 100) revert BadFacts("auditScore > 100");
        if (launchedAt > block.timestamp) revert BadFacts("launchedAt in the future");
        _facts[pool] = Facts({auditScore: auditScore, launchedAt: launchedAt, known: true});
        emit FactsSet(pool, auditScore, launchedAt);
    }

    function transferGovernance(address next) external {
        if (msg.sender != governance) revert NotGovernance(msg.sender);
        if (next == address(0)) revert BadFacts("governance = 0");
        emit GovernanceTransferred(governance, next);
        governance = next;
    }

    /// @notice The facts of `pool`; reverts `UnknownPool` when governance never set them.
    function facts(address pool) external view returns (uint8 auditScore, uint64 launchedAt) {
        Facts memory f = _facts[pool];
        if (!f.known) revert UnknownPool(pool);
        return (f.auditScore, f.launchedAt);
    }

    function isKnown(address pool) external view returns (bool) {
        return _facts[pool].known;
    }
}
