// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IERC20} from "./IERC20.sol";

interface IMintable {
    function mint(address to, uint256 value) external;
}

/// @notice A yield-aggregator pool whose risk-relevant state lives on-chain, for the oracle's chain
/// adapter to read (it yields the pool-risk model's 12 features, models/pool-risk/features.ts).
/// "Mock" only in that its numbers are set by its admin instead of by real strategies: the adapter
/// reads it exactly as it would read a real pool's views.
///
/// Once its admin sets an asset (a MockERC20), it also holds deposits: each depositor's balance is
/// kept in asset units (no pool shares, so moving funds in and out loses no rounding), only the
/// depositor can withdraw it, `accrue()` mints yield at the latest recorded APY for the time elapsed,
/// and `slash(bps)` (admin) takes a share of every balance away: the stress scenario's loss event.
contract MockYieldPool {
    struct Snapshot {
        uint256 tvlUsd;
        uint256 tvlUsd30dAgo;
        /// Daily APY observations, oldest first, at most MAX_APY_HISTORY.
        uint32[] apyBpsHistory;
        /// Share of the APY paid in emitted reward tokens.
        uint16 rewardShareBps;
        uint16 utilizationBps;
        /// Price of the pool's asset from its own oracle and from a reference source, 8 decimals.
        int256 oraclePrice;
        int256 referencePrice;
        uint64 oracleUpdatedAt;
        /// 0..100
        uint8 auditScore;
        uint64 deployedAt;
        /// Share of TVL held by the 10 largest depositors.
        uint16 top10ConcentrationBps;
        uint64 blockTimestamp;
    }

    error NotAdmin(address caller);
    error BadValue(string what);
    error NoAsset();
    error AssetAlreadySet();
    error InsufficientDeposit(address depositor, uint256 balance, uint256 needed);
    error TooManyDepositors();
    error TransferFailed();

    event StateChanged(uint256 tvlUsd, uint16 utilizationBps, int256 oraclePrice);
    event Deposited(address indexed depositor, uint256 amount);
    event Withdrawn(address indexed depositor, uint256 amount);
    event Accrued(uint256 yieldMinted, uint32 apyBps, uint256 elapsed);
    event Slashed(uint16 bps, uint256 lost);

    address public immutable admin;
    uint256 public tvlUsd;
    uint256 public tvlUsd30dAgo;
    uint32[] private _apy;
    uint16 public rewardShareBps;
    uint16 public utilizationBps;
    int256 public oraclePrice;
    int256 public referencePrice;
    uint64 public oracleUpdatedAt;
    uint8 public auditScore;
    uint64 public deployedAt;
    uint16 public top10ConcentrationBps;

    uint256 public constant MAX_APY_HISTORY = 30;
    /// Accrual walks every depositor; a mock pool keeps that bounded.
    uint256 public constant MAX_DEPOSITORS = 32;

    IERC20 public asset;
    mapping(address => uint256) public balanceOf;
    uint256 public totalDeposits;
    uint64 public lastAccrual;
    address[] private _depositors;
    mapping(address => bool) private _isDepositor;

    constructor(uint64 _deployedAt, uint8 _auditScore) {
        if (_auditScore > 100) revert BadValue("auditScore > 100");
        admin = msg.sender;
        deployedAt = _deployedAt;
        auditScore = _auditScore;
    }

    modifier onlyAdmin() {
        if (msg.sender != admin) revert NotAdmin(msg.sender);
        _;
    }

    function setTvl(uint256 nowUsd, uint256 monthAgoUsd) external onlyAdmin {
        tvlUsd = nowUsd;
        tvlUsd30dAgo = monthAgoUsd;
        emit StateChanged(tvlUsd, utilizationBps, oraclePrice);
    }

    /// Appends a daily APY observation; keeps the latest MAX_APY_HISTORY.
    function recordApy(uint32 bps) external onlyAdmin {
        accrue(); // yield so far at the old rate
        if (_apy.length == MAX_APY_HISTORY) {
            for (uint256 i = 1; i < MAX_APY_HISTORY; ++i) _apy[i - 1] = _apy[i];
            _apy.pop();
        }
        _apy.push(bps);
    }

    /// Utilization and a fresh reading of the pool's price oracle (stamped now) against the reference.
    function setMarket(uint16 _utilizationBps, int256 _oraclePrice, int256 _referencePrice) external onlyAdmin {
        if (_utilizationBps > 10_000) revert BadValue("utilizationBps > 10000");
        if (_referencePrice <= 0) revert BadValue("referencePrice <= 0");
        utilizationBps = _utilizationBps;
        oraclePrice = _oraclePrice;
        referencePrice = _referencePrice;
        oracleUpdatedAt = uint64(block.timestamp);
        emit StateChanged(tvlUsd, utilizationBps, oraclePrice);
    }

    function setRiskFacts(uint8 _auditScore, uint16 _top10Bps, uint16 _rewardShareBps) external onlyAdmin {
        if (_auditScore > 100) revert BadValue("auditScore > 100");
        if (_top10Bps > 10_000 || _rewardShareBps > 10_000) revert BadValue("bps > 10000");
        auditScore = _auditScore;
        top10ConcentrationBps = _top10Bps;
        rewardShareBps = _rewardShareBps;
    }

    /// Sets the ERC-20 the pool takes deposits in (once).
    function setAsset(IERC20 _asset) external onlyAdmin {
        if (address(asset) != address(0)) revert AssetAlreadySet();
        if (address(_asset).code.length == 0) revert BadValue("asset is not a contract");
        asset = _asset;
        lastAccrual = uint64(block.timestamp);
    }

    /// Takes `amount` of the asset from the caller (approve first); accrues before.
    function deposit(uint256 amount) external {
        if (address(asset) == address(0)) revert NoAsset();
        accrue();
        if (!_isDepositor[msg.sender]) {
            if (_depositors.length == MAX_DEPOSITORS) revert TooManyDepositors();
            _isDepositor[msg.sender] = true;
            _depositors.push(msg.sender);
        }
        balanceOf[msg.sender] += amount;
        totalDeposits += amount;
        if (!asset.transferFrom(msg.sender, address(this), amount)) revert TransferFailed();
        emit Deposited(msg.sender, amount);
    }

    /// Pays `amount` of the caller's own balance back to the caller; accrues before.
    function withdraw(uint256 amount) external {
        if (address(asset) == address(0)) revert NoAsset();
        accrue();
        uint256 b = balanceOf[msg.sender];
        if (b < amount) revert InsufficientDeposit(msg.sender, b, amount);
        balanceOf[msg.sender] = b - amount;
        totalDeposits -= amount;
        if (!asset.transfer(msg.sender, amount)) revert TransferFailed();
        emit Withdrawn(msg.sender, amount);
    }

    /// Mints each depositor's yield for the time since the last accrual at the latest recorded APY
    /// (simple interest, rounded down per depositor). Anyone may call it.
    function accrue() public {
        uint256 elapsed = block.timestamp - lastAccrual;
        if (elapsed == 0 || address(asset) == address(0)) return;
        lastAccrual = uint64(block.timestamp);
        uint32 apy = latestApyBps();
        if (apy == 0) return;
        uint256 minted;
        for (uint256 i = 0; i < _depositors.length; ++i) {
            address d = _depositors[i];
            uint256 y = (balanceOf[d] * apy * elapsed) / (365 days * 10_000);
            if (y == 0) continue;
            balanceOf[d] += y;
            minted += y;
        }
        if (minted == 0) return;
        totalDeposits += minted;
        IMintable(address(asset)).mint(address(this), minted);
        emit Accrued(minted, apy, elapsed);
    }

    /// The stress scenario's loss event: `bps` of every balance is lost (sent to the admin).
    function slash(uint16 bps) external onlyAdmin {
        if (bps > 10_000) revert BadValue("bps > 10000");
        accrue();
        uint256 lost;
        for (uint256 i = 0; i < _depositors.length; ++i) {
            address d = _depositors[i];
            uint256 l = (balanceOf[d] * bps) / 10_000;
            balanceOf[d] -= l;
            lost += l;
        }
        totalDeposits -= lost;
        if (lost > 0 && !asset.transfer(admin, lost)) revert TransferFailed();
        emit Slashed(bps, lost);
    }

    /// The latest recorded APY in bps (0 before any is recorded).
    function latestApyBps() public view returns (uint32) {
        uint256 n = _apy.length;
        return n == 0 ? 0 : _apy[n - 1];
    }

    function apyHistory() external view returns (uint32[] memory) {
        return _apy;
    }

    /// Everything in one call, so the adapter reads a consistent state at one block.
    function snapshot() external view returns (Snapshot memory s) {
        s.tvlUsd = tvlUsd;
        s.tvlUsd30dAgo = tvlUsd30dAgo;
        s.apyBpsHistory = _apy;
        s.rewardShareBps = rewardShareBps;
        s.utilizationBps = utilizationBps;
        s.oraclePrice = oraclePrice;
        s.referencePrice = referencePrice;
        s.oracleUpdatedAt = oracleUpdatedAt;
        s.auditScore = auditScore;
        s.deployedAt = deployedAt;
        s.top10ConcentrationBps = top10ConcentrationBps;
        s.blockTimestamp = uint64(block.timestamp);
    }
}
