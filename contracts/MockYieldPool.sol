// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @notice A yield-aggregator pool whose risk-relevant state lives on-chain, for the oracle's chain
/// adapter to read. "Mock" only in that its numbers are set by its admin instead of by real strategies:
/// the adapter reads it exactly as it would read a real pool's views.
contract MockYieldPool {
    struct Snapshot {
        uint256 tvlUsd;
        uint256 tvlUsd7dAgo;
        uint32[] apyBpsHistory;
        uint16 utilizationBps;
        /// Price of the pool's asset from its own oracle and from a reference source, 8 decimals.
        int256 oraclePrice;
        int256 referencePrice;
        /// 0..100
        uint8 auditScore;
        uint64 deployedAt;
        /// Share of TVL held by the 10 largest depositors.
        uint16 top10ConcentrationBps;
        uint16 leverageBps;
        uint16 withdrawalQueueBps;
        uint8 incidents;
        uint64 blockTimestamp;
    }

    error NotAdmin(address caller);
    error BadValue(string what);

    event StateChanged(uint256 tvlUsd, uint16 utilizationBps, int256 oraclePrice);

    address public immutable admin;
    uint256 public tvlUsd;
    uint256 public tvlUsd7dAgo;
    uint32[] private _apy;
    uint16 public utilizationBps;
    int256 public oraclePrice;
    int256 public referencePrice;
    uint8 public auditScore;
    uint64 public deployedAt;
    uint16 public top10ConcentrationBps;
    uint16 public leverageBps;
    uint16 public withdrawalQueueBps;
    uint8 public incidents;

    uint256 public constant MAX_APY_HISTORY = 30;

    constructor(uint64 _deployedAt, uint8 _auditScore) {
        admin = msg.sender;
        deployedAt = _deployedAt;
        auditScore = _auditScore;
    }

    modifier onlyAdmin() {
        if (msg.sender != admin) revert NotAdmin(msg.sender);
        _;
    }

    function setTvl(uint256 nowUsd, uint256 weekAgoUsd) external onlyAdmin {
        tvlUsd = nowUsd;
        tvlUsd7dAgo = weekAgoUsd;
        emit StateChanged(tvlUsd, utilizationBps, oraclePrice);
    }

    /// Appends an APY observation; keeps the latest MAX_APY_HISTORY.
    function recordApy(uint32 bps) external onlyAdmin {
        if (_apy.length == MAX_APY_HISTORY) {
            for (uint256 i = 1; i < MAX_APY_HISTORY; ++i) _apy[i - 1] = _apy[i];
            _apy.pop();
        }
        _apy.push(bps);
    }

    function setMarket(uint16 _utilizationBps, int256 _oraclePrice, int256 _referencePrice) external onlyAdmin {
        if (_utilizationBps > 10_000) revert BadValue("utilizationBps > 10000");
        if (_referencePrice <= 0) revert BadValue("referencePrice <= 0");
        utilizationBps = _utilizationBps;
        oraclePrice = _oraclePrice;
        referencePrice = _referencePrice;
        emit StateChanged(tvlUsd, utilizationBps, oraclePrice);
    }

    function setRiskFacts(uint8 _auditScore, uint16 _top10Bps, uint16 _leverageBps, uint16 _withdrawalQueueBps, uint8 _incidents)
        external
        onlyAdmin
    {
        if (_auditScore > 100) revert BadValue("auditScore > 100");
        if (_top10Bps > 10_000 || _withdrawalQueueBps > 10_000) revert BadValue("bps > 10000");
        auditScore = _auditScore;
        top10ConcentrationBps = _top10Bps;
        leverageBps = _leverageBps;
        withdrawalQueueBps = _withdrawalQueueBps;
        incidents = _incidents;
    }

    function apyHistory() external view returns (uint32[] memory) {
        return _apy;
    }

    /// Everything in one call, so the adapter reads a consistent state at one block.
    function snapshot() external view returns (Snapshot memory s) {
        s.tvlUsd = tvlUsd;
        s.tvlUsd7dAgo = tvlUsd7dAgo;
        s.apyBpsHistory = _apy;
        s.utilizationBps = utilizationBps;
        s.oraclePrice = oraclePrice;
        s.referencePrice = referencePrice;
        s.auditScore = auditScore;
        s.deployedAt = deployedAt;
        s.top10ConcentrationBps = top10ConcentrationBps;
        s.leverageBps = leverageBps;
        s.withdrawalQueueBps = withdrawalQueueBps;
        s.incidents = incidents;
        s.blockTimestamp = uint64(block.timestamp);
    }
}
