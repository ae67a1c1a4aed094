// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IERC20} from "./IERC20.sol";
import {IZkmlVerifier} from "./IZkmlVerifier.sol";
import {ModelRegistry} from "./ModelRegistry.sol";
import {MockYieldPool} from "./MockYieldPool.sol";
import {RiskFactsRegistry} from "./RiskFactsRegistry.sol";

/// @notice An ERC-4626 vault over one ERC-20 that spreads its deposits across N yield pools (N = 1…5)
/// in the proportions a registered model proves (models/pool-allocator: one risk-adjusted APY score
/// per pool; weight ∝ max(score, 0)).
///
/// `rebalance(proof, publicSignals)` is permissionless because the caller chooses nothing: the vault
/// reads every pool's state itself in the block (and audit score and launch date from a governance-set
/// `RiskFactsRegistry`), computes the model's 9 features per pool as integers (`poolFeatures`),
/// quantizes them with the compiler's exact rounding (`quantize`: round half up of raw · 2^s / den) and
/// refuses the proof unless its input signals are exactly those values. The proof must also name this
/// vault as its subject and a round above the last, and the registered verifier (whose code must still
/// be the registered code) must accept it.
///
/// Safety: per-pool caps (a pool's target is at most capBps of total assets; the rest stays idle),
/// at most maxMoveBps of total assets moved per rebalance (larger moves are scaled down, each pool's
/// move rounded toward zero), a cooldown between rebalances. Pool balances are kept in asset units,
/// so moving funds changes no depositor's claim: a rebalance never lowers the share price.
/// ERC-4626 rounding is in the vault's favour (deposit/redeem round down, mint/withdraw round up) and
/// shares carry a virtual offset of one (no donation inflation of the first deposit).
/// Pending pool yield is accrued before every deposit, withdrawal and rebalance; `preview*` do not
/// include yield not yet accrued.
contract ProvedAllocationVault is IERC20 {
    uint256 internal constant FIELD_P =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    uint256 public constant N_FEATURES = 9;
    uint256 public constant MAX_POOLS = 5;

    struct Config {
        IERC20 asset;
        ModelRegistry registry;
        uint256 modelId;
        RiskFactsRegistry riskFacts;
        MockYieldPool[] pools;
        /// Largest share of total assets each pool may hold after a rebalance, in bps.
        uint16[] capBps;
        /// Largest share of total assets one rebalance may move, in bps.
        uint16 maxMoveBps;
        /// Seconds between rebalances.
        uint32 cooldown;
        /// Fixed-point scale of the circuit's input signals (the manifest's input scaleBits).
        uint8 inputScaleBits;
        string name;
        string symbol;
    }

    error BadConfig(string what);
    error UnknownModel(uint256 modelId);
    error CooldownActive(uint256 readyAt, uint256 nowTs);
    error SignalCountMismatch(uint256 expected, uint256 got);
    error WrongSubject(uint256 expected, uint256 got);
    error StaleRound(uint256 round, uint256 lastRound);
    error InputMismatch(uint256 pool, uint256 feature, uint256 expected, uint256 got);
    error VerifierCodeChanged(address verifier, bytes32 registered, bytes32 current);
    error InvalidProof();
    error OutputOutOfRange(uint256 signal);
    error ZeroShares();
    error ZeroAssets();
    error InsufficientShares(address owner, uint256 balance, uint256 needed);
    error InsufficientAllowance(address spender, uint256 allowance, uint256 needed);
    error InsufficientLiquidity(uint256 needed, uint256 available);
    error TransferFailed();
    error ZeroAddress();
    error Reentrancy();

    /// ERC-4626 events.
    event Deposit(address indexed sender, address indexed owner, uint256 assets, uint256 shares);
    event Withdraw(address indexed sender, address indexed receiver, address indexed owner, uint256 assets, uint256 shares);
    /// One proved rebalance: the scores the proof carries, each pool's balance before and after, the
    /// amount moved, and hashes pinning the proof and its input signals.
    event Rebalanced(uint256 indexed round, address indexed caller, uint256 indexed modelId, Record record);

    /// What `Rebalanced` carries. `before`/`after_` are pool balances (idle is the rest of totalAssets);
    /// proofHash = keccak256(proof); inputsHash = keccak256(abi.encodePacked(model input signals)).
    struct Record {
        uint256 round;
        int256[] scores;
        uint256[] before;
        uint256[] after_;
        uint256 moved;
        bytes32 proofHash;
        bytes32 inputsHash;
    }

    IERC20 public immutable asset;
    ModelRegistry public immutable registry;
    uint256 public immutable modelId;
    RiskFactsRegistry public immutable riskFacts;
    uint16 public immutable maxMoveBps;
    uint32 public immutable cooldown;
    uint8 public immutable inputScaleBits;
    uint8 public immutable decimals;

    string public name;
    string public symbol;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    MockYieldPool[] private _pools;
    uint16[] private _capBps;
    uint256 public lastRound;
    uint256 public lastRebalanceAt;
    uint256 private _lock = 1;

    constructor(Config memory c) {
        uint256 n = c.pools.length;
        if (n == 0 || n > MAX_POOLS) revert BadConfig("pools: 1 to 5");
        if (c.capBps.length != n) revert BadConfig("capBps: one per pool");
        if (c.maxMoveBps == 0 || c.maxMoveBps > 10_000) revert BadConfig("maxMoveBps: 1 to 10000");
        if (c.inputScaleBits > 64) revert BadConfig("inputScaleBits > 64");
        if (!c.registry.exists(c.modelId)) revert UnknownModel(c.modelId);
        ModelRegistry.Layout memory l = c.registry.model(c.modelId).layout;
        if (l.nOutputs != n || l.nInputs != n * N_FEATURES) revert BadConfig("model layout: N outputs, 9N inputs");
        for (uint256 i = 0; i < n; ++i) {
            if (c.capBps[i] > 10_000) revert BadConfig("capBps > 10000");
            if (address(c.pools[i].asset()) != address(c.asset)) revert BadConfig("pool asset differs");
            if (!c.riskFacts.isKnown(address(c.pools[i]))) revert BadConfig("pool has no risk facts");
            for (uint256 k = 0; k < i; ++k) if (c.pools[k] == c.pools[i]) revert BadConfig("pool listed twice");
            _pools.push(c.pools[i]);
            _capBps.push(c.capBps[i]);
        }
        asset = c.asset;
        registry = c.registry;
        modelId = c.modelId;
        riskFacts = c.riskFacts;
        maxMoveBps = c.maxMoveBps;
        cooldown = c.cooldown;
        inputScaleBits = c.inputScaleBits;
        name = c.name;
        symbol = c.symbol;
        (bool ok, bytes memory d) = address(c.asset).staticcall(abi.encodeWithSignature("decimals()"));
        decimals = ok && d.length >= 32 ? abi.decode(d, (uint8)) : 18;
    }

    modifier nonReentrant() {
        if (_lock != 1) revert Reentrancy();
        _lock = 2;
        _;
        _lock = 1;
    }

    // ---------------------------------------------------------------- views: pools and features

    function pools() external view returns (MockYieldPool[] memory) {
        return _pools;
    }

    function capBps() external view returns (uint16[] memory) {
        return _capBps;
    }

    /// @notice Idle assets and each pool's balance held for the vault.
    function allocation() public view returns (uint256 idle, uint256[] memory inPools) {
        idle = asset.balanceOf(address(this));
        inPools = new uint256[](_pools.length);
        for (uint256 i = 0; i < _pools.length; ++i) inPools[i] = _pools[i].balanceOf(address(this));
    }

    /// @notice Denominator of each feature: the feature's value is its integer / this.
    function featureDenominators() public pure returns (uint256[9] memory d) {
        d = [uint256(10_000), 10_000, 10_000, 10_000, 10_000, 1, 100, 365, 10_000];
    }

    /// @notice Pool `i`'s 9 features as clamped integers, read now (models/pool-allocator/features.ts):
    /// apy bps, 30-day TVL change bps, reward share bps, utilization bps, oracle deviation bps,
    /// whole hours since the oracle update, audit score, whole days since launch, top-10 share bps.
    function poolFeatures(uint256 i) public view returns (int256[9] memory f) {
        MockYieldPool p = _pools[i];
        f[0] = _clamp(int256(uint256(p.latestApyBps())), 0, 20_000);
        f[1] = _tvlChangeBps(p.tvlUsd(), p.tvlUsd30dAgo());
        f[2] = int256(uint256(p.rewardShareBps()));
        f[3] = int256(uint256(p.utilizationBps()));
        f[4] = _deviationBps(p.oraclePrice(), p.referencePrice());
        uint64 upd = p.oracleUpdatedAt();
        f[5] = upd == 0 ? int256(48) : _clamp(int256((block.timestamp - upd) / 1 hours), 0, 48);
        (uint8 audit, uint64 launchedAt) = riskFacts.facts(address(p));
        f[6] = int256(uint256(audit));
        f[7] = _clamp(int256((block.timestamp - launchedAt) / 1 days), 0, 2_920);
        f[8] = int256(uint256(p.top10ConcentrationBps()));
    }

    /// @notice The model input signals a proof must carry now: every pool's features, quantized, as
    /// field elements, pool-major.
    function expectedInputSignals() public view returns (uint256[] memory s) {
        uint256[9] memory den = featureDenominators();
        s = new uint256[](_pools.length * N_FEATURES);
        for (uint256 i = 0; i < _pools.length; ++i) {
            int256[9] memory f = poolFeatures(i);
            for (uint256 j = 0; j < N_FEATURES; ++j) s[i * N_FEATURES + j] = toField(quantize(f[j], den[j], inputScaleBits));
        }
    }

    /// @notice The compiler's input quantization of raw/den at scale 2^s, exactly: round half up of
    /// raw · 2^s / den = floor((2 · raw · 2^s + den) / (2 · den)). |raw| < 2^64, den ≥ 1, s ≤ 64.
    function quantize(int256 raw, uint256 den, uint8 s) public pure returns (int256) {
        int256 d = int256(2 * den);
        int256 num = 2 * raw * int256(1 << s) + int256(den);
        int256 q = num / d;
        if (num % d != 0 && num < 0) q -= 1; // floor
        return q;
    }

    /// @notice A signed integer as a field element (negatives wrap to P − |q|).
    function toField(int256 q) public pure returns (uint256) {
        return q >= 0 ? uint256(q) : FIELD_P - uint256(-q);
    }

    function _clamp(int256 v, int256 lo, int256 hi) private pure returns (int256) {
        return v < lo ? lo : v > hi ? hi : v;
    }

    function _tvlChangeBps(uint256 nowUsd, uint256 monthAgo) private pure returns (int256) {
        if (monthAgo == 0) return 0;
        if (nowUsd >= monthAgo) {
            uint256 up = nowUsd - monthAgo;
            if (up / monthAgo >= 2) return 20_000;
            return int256((up * 10_000) / monthAgo);
        }
        // Truncated toward zero, like the keeper's bigint division; clamped at −90%.
        return _clamp(-int256(((monthAgo - nowUsd) * 10_000) / monthAgo), -9_000, 0);
    }

    function _deviationBps(int256 price, int256 ref) private pure returns (int256) {
        if (ref <= 0) return 2_000;
        uint256 diff = price >= ref ? uint256(price - ref) : uint256(ref - price);
        if (diff >= uint256(ref)) return 2_000;
        return _clamp(int256((diff * 10_000) / uint256(ref)), 0, 2_000);
    }

    // ---------------------------------------------------------------- rebalance

    /// @notice Moves funds to the allocation the proof's scores give (see the contract notice).
    /// Anyone may call it. Returns each pool's balance after.
    function rebalance(bytes calldata proof, uint256[] calldata publicSignals)
        external
        nonReentrant
        returns (uint256[] memory)
    {
        if (lastRebalanceAt != 0 && block.timestamp < lastRebalanceAt + cooldown)
            revert CooldownActive(lastRebalanceAt + cooldown, block.timestamp);
        uint256 n = _pools.length;
        Record memory r;
        r.round = _checkProof(proof, publicSignals);
        r.proofHash = keccak256(proof);
        r.inputsHash = keccak256(abi.encodePacked(publicSignals[n:n + n * N_FEATURES]));
        _accrueAll();
        r.scores = new int256[](n);
        for (uint256 i = 0; i < n; ++i) r.scores[i] = _signed(publicSignals[i]);
        uint256 total;
        (total, r.before) = allocation();
        for (uint256 i = 0; i < n; ++i) total += r.before[i];
        (r.after_, r.moved) = _move(r.before, _targets(r.scores, total), total);
        lastRound = r.round;
        lastRebalanceAt = block.timestamp;
        emit Rebalanced(r.round, msg.sender, modelId, r);
        return r.after_;
    }

    /// Cheap binding checks first, then the inputs against state, then the proof.
    function _checkProof(bytes calldata proof, uint256[] calldata publicSignals) private view returns (uint256 round) {
        ModelRegistry.Model memory m = registry.model(modelId);
        ModelRegistry.Layout memory l = m.layout;
        uint256 expected = uint256(l.nOutputs) + l.nInputs + 2;
        if (publicSignals.length != expected) revert SignalCountMismatch(expected, publicSignals.length);
        uint256 subject = publicSignals[l.subjectIndex];
        if (subject != uint256(uint160(address(this)))) revert WrongSubject(uint256(uint160(address(this))), subject);
        round = publicSignals[l.roundIndex];
        if (round <= lastRound) revert StaleRound(round, lastRound);
        uint256[] memory want = expectedInputSignals();
        for (uint256 k = 0; k < want.length; ++k) {
            uint256 got = publicSignals[l.nOutputs + k];
            if (got != want[k]) revert InputMismatch(k / N_FEATURES, k % N_FEATURES, want[k], got);
        }
        bytes32 code = address(m.verifier).codehash;
        if (code != m.codeHash) revert VerifierCodeChanged(address(m.verifier), m.codeHash, code);
        if (!m.verifier.verify(proof, publicSignals)) revert InvalidProof();
    }

    function _signed(uint256 raw) private pure returns (int256 v) {
        if (raw >= FIELD_P) revert OutputOutOfRange(raw);
        v = raw > FIELD_P / 2 ? -int256(FIELD_P - raw) : int256(raw);
        if (v > int256(1 << 120) || v < -int256(1 << 120)) revert OutputOutOfRange(raw);
    }

    /// @notice Target balances for `scores` and `total` assets: total · max(score, 0) / Σ max(score, 0),
    /// rounded down, then capped at capBps of total. All scores ≤ 0 → all zero (everything idle).
    function targetsFor(int256[] memory scores, uint256 total) public view returns (uint256[] memory) {
        return _targets(scores, total);
    }

    function _targets(int256[] memory scores, uint256 total) private view returns (uint256[] memory t) {
        uint256 n = _pools.length;
        t = new uint256[](n);
        uint256 sum;
        for (uint256 i = 0; i < n; ++i) if (scores[i] > 0) sum += uint256(scores[i]);
        if (sum == 0) return t;
        for (uint256 i = 0; i < n; ++i) {
            if (scores[i] <= 0) continue;
            uint256 w = (total * uint256(scores[i])) / sum;
            uint256 cap = (total * _capBps[i]) / 10_000;
            t[i] = w < cap ? w : cap;
        }
    }

    /// Withdraws from pools above target, then deposits into pools below it, scaled so at most
    /// maxMoveBps of `total` moves, and never more than the vault holds idle.
    function _move(uint256[] memory before, uint256[] memory target, uint256 total)
        private
        returns (uint256[] memory after_, uint256 moved)
    {
        uint256 n = before.length;
        uint256 outSum;
        uint256 inSum;
        for (uint256 i = 0; i < n; ++i) {
            if (before[i] > target[i]) outSum += before[i] - target[i];
            else inSum += target[i] - before[i];
        }
        uint256 want = outSum > inSum ? outSum : inSum;
        uint256 limit = (total * maxMoveBps) / 10_000;
        after_ = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            if (before[i] <= target[i]) continue;
            uint256 amt = before[i] - target[i];
            if (want > limit) amt = (amt * limit) / want;
            if (amt > 0) _pools[i].withdraw(amt);
            moved += amt;
        }
        uint256 deposited;
        for (uint256 i = 0; i < n; ++i) {
            if (before[i] >= target[i]) continue;
            uint256 amt = target[i] - before[i];
            if (want > limit) amt = (amt * limit) / want;
            uint256 idle = asset.balanceOf(address(this));
            if (amt > idle) amt = idle;
            if (amt == 0) continue;
            if (!asset.approve(address(_pools[i]), amt)) revert TransferFailed();
            _pools[i].deposit(amt);
            deposited += amt;
        }
        if (deposited > moved) moved = deposited;
        for (uint256 i = 0; i < n; ++i) after_[i] = _pools[i].balanceOf(address(this));
    }

    function _accrueAll() private {
        for (uint256 i = 0; i < _pools.length; ++i) _pools[i].accrue();
    }

    // ---------------------------------------------------------------- ERC-4626

    function totalAssets() public view returns (uint256 t) {
        t = asset.balanceOf(address(this));
        for (uint256 i = 0; i < _pools.length; ++i) t += _pools[i].balanceOf(address(this));
    }

    function convertToShares(uint256 assets) public view returns (uint256) {
        return (assets * (totalSupply + 1)) / (totalAssets() + 1);
    }

    function convertToAssets(uint256 shares) public view returns (uint256) {
        return (shares * (totalAssets() + 1)) / (totalSupply + 1);
    }

    function maxDeposit(address) external pure returns (uint256) {
        return type(uint256).max;
    }

    function maxMint(address) external pure returns (uint256) {
        return type(uint256).max;
    }

    function maxWithdraw(address owner) external view returns (uint256) {
        return convertToAssets(balanceOf[owner]);
    }

    function maxRedeem(address owner) external view returns (uint256) {
        return balanceOf[owner];
    }

    function previewDeposit(uint256 assets) public view returns (uint256) {
        return convertToShares(assets);
    }

    function previewMint(uint256 shares) public view returns (uint256) {
        return _ceilDiv(shares * (totalAssets() + 1), totalSupply + 1);
    }

    function previewWithdraw(uint256 assets) public view returns (uint256) {
        return _ceilDiv(assets * (totalSupply + 1), totalAssets() + 1);
    }

    function previewRedeem(uint256 shares) public view returns (uint256) {
        return convertToAssets(shares);
    }

    function deposit(uint256 assets, address receiver) external nonReentrant returns (uint256 shares) {
        _accrueAll();
        shares = previewDeposit(assets);
        if (shares == 0) revert ZeroShares();
        _enter(receiver, assets, shares);
    }

    function mint(uint256 shares, address receiver) external nonReentrant returns (uint256 assets) {
        _accrueAll();
        if (shares == 0) revert ZeroShares();
        assets = previewMint(shares);
        _enter(receiver, assets, shares);
    }

    function withdraw(uint256 assets, address receiver, address owner) external nonReentrant returns (uint256 shares) {
        _accrueAll();
        if (assets == 0) revert ZeroAssets();
        shares = previewWithdraw(assets);
        _exit(receiver, owner, assets, shares);
    }

    function redeem(uint256 shares, address receiver, address owner) external nonReentrant returns (uint256 assets) {
        _accrueAll();
        assets = previewRedeem(shares);
        if (assets == 0) revert ZeroAssets();
        _exit(receiver, owner, assets, shares);
    }

    function _enter(address receiver, uint256 assets, uint256 shares) private {
        if (receiver == address(0)) revert ZeroAddress();
        if (!asset.transferFrom(msg.sender, address(this), assets)) revert TransferFailed();
        totalSupply += shares;
        balanceOf[receiver] += shares;
        emit Transfer(address(0), receiver, shares);
        emit Deposit(msg.sender, receiver, assets, shares);
    }

    function _exit(address receiver, address owner, uint256 assets, uint256 shares) private {
        if (receiver == address(0)) revert ZeroAddress();
        if (msg.sender != owner) _spendAllowance(owner, msg.sender, shares);
        uint256 b = balanceOf[owner];
        if (b < shares) revert InsufficientShares(owner, b, shares);
        balanceOf[owner] = b - shares;
        totalSupply -= shares;
        emit Transfer(owner, address(0), shares);
        _pull(assets);
        if (!asset.transfer(receiver, assets)) revert TransferFailed();
        emit Withdraw(msg.sender, receiver, owner, assets, shares);
    }

    /// Makes `amount` idle: from the vault's own balance first, then from the pools in order.
    function _pull(uint256 amount) private {
        uint256 idle = asset.balanceOf(address(this));
        if (idle >= amount) return;
        uint256 need = amount - idle;
        for (uint256 i = 0; i < _pools.length && need > 0; ++i) {
            uint256 have = _pools[i].balanceOf(address(this));
            uint256 take = have < need ? have : need;
            if (take == 0) continue;
            _pools[i].withdraw(take);
            need -= take;
        }
        if (need > 0) revert InsufficientLiquidity(amount, amount - need);
    }

    function _ceilDiv(uint256 a, uint256 b) private pure returns (uint256) {
        return a == 0 ? 0 : (a - 1) / b + 1;
    }

    // ---------------------------------------------------------------- ERC-20 shares

    function transfer(address to, uint256 value) external returns (bool) {
        _transferShares(msg.sender, to, value);
        return true;
    }

    function approve(address spender, uint256 value) external returns (bool) {
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        _spendAllowance(from, msg.sender, value);
        _transferShares(from, to, value);
        return true;
    }

    function _spendAllowance(address owner, address spender, uint256 value) private {
        uint256 a = allowance[owner][spender];
        if (a == type(uint256).max) return;
        if (a < value) revert InsufficientAllowance(spender, a, value);
        allowance[owner][spender] = a - value;
    }

    function _transferShares(address from, address to, uint256 value) private {
        if (to == address(0)) revert ZeroAddress();
        uint256 b = balanceOf[from];
        if (b < value) revert InsufficientShares(from, b, value);
        balanceOf[from] = b - value;
        balanceOf[to] += value;
        emit Transfer(from, to, value);
    }
}
