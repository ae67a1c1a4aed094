// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IZkmlVerifier} from "./IZkmlVerifier.sol";

/// @title ProofMarket
/// @notice A reverse Dutch auction for zkML proofs, modelled on Boundless's market.
///
/// A requester escrows `maxPrice` and asks for a proof of circuit `circuitId` about (`subject`, `round`).
/// `circuitId` is the circuit's one identity across the project: sha256 of its canonical manifest JSON,
/// the id the prover network, the ModelRegistry and the oracle use (docs/identity.md).
/// The offered price rises linearly from `minPrice` at `rampStart` to `maxPrice` at `rampStart + rampLength`.
/// The first prover to `lock` fixes the price, posts `collateral` from its deposit and is the only one paid
/// for a fulfilment until `lockDeadline`. A prover that misses it can be slashed by anyone: `burnBps` of its
/// collateral is burned (kept here forever, counted in `burned`), the rest is held for whoever fulfils late
/// (any prover until `deadline`), or for the requester when nobody does. After `deadline` an unfulfilled
/// request is refunded. A request is paid exactly once: every payout is a state transition out of a live state.
///
/// Payouts are credited to `balanceOf` and taken with `withdraw` (pull payments), every entry point is
/// `nonReentrant`, and effects precede the one external value transfer, so re-entering buys nothing.
/// `fulfil` checks the proof through the circuit's registered `IZkmlVerifier` and binds it to the request:
/// the public signals (`outputs…, inputs…, subject, round`) must end in the request's subject and round and
/// their inputs must hash to the request's `inputsHash`, which every request must set: the market never pays
/// for a proof over inputs the requester did not ask for.
///
/// A statement, `keccak256(abi.encode(circuitId, subject, round, inputsHash))`, is paid at most once across
/// all requests: re-sending a proof (or a re-randomised copy of it, a different byte string for the same
/// statement) to a second request for the same statement reverts `StatementAlreadyPaid`, and a new request
/// for a paid statement is refused. A live request whose statement was paid through another request can be
/// refunded at once (its lock holder, if any and still on time, gets its collateral back, unslashed).
contract ProofMarket {
    enum Status {
        None,
        Open, // escrowed, not locked: anyone may lock, or fulfil at the current price
        Locked, // a prover holds the lock
        Slashed, // the locker missed lockDeadline and was slashed; anyone may fulfil until deadline
        Fulfilled, // paid (terminal)
        Refunded // expired and refunded to the requester (terminal)
    }

    struct Circuit {
        IZkmlVerifier verifier;
        uint32 nOutputs;
    }

    /// @notice What a requester asks for. Times are unix seconds.
    struct Offer {
        /// The circuit's id (sha256 of its canonical manifest JSON), as registered with `registerCircuit`.
        bytes32 circuitId;
        uint256 subject;
        uint256 round;
        /// keccak256(abi.encodePacked(inputs)) over the public model-input signals (field elements, in
        /// signal order). Required: zero ("any inputs") is refused, see `inputsCommitment` in src/market.
        bytes32 inputsHash;
        uint128 minPrice;
        uint128 maxPrice;
        uint64 rampStart;
        uint32 rampLength;
        uint64 lockDeadline;
        uint64 deadline;
        uint128 collateral;
    }

    struct Payment {
        uint192 requestId;
        uint64 at;
    }

    struct Request {
        Offer offer;
        address requester;
        Status status;
        address prover;
        /// The price fixed at lock (or maxPrice while open): the part of the escrow owed for the proof.
        uint128 price;
        /// Collateral still held for this request (all of it while Locked, the non-burned part once Slashed).
        uint128 heldCollateral;
    }

    address public immutable owner;
    /// @notice Share of a slashed collateral that is burned, in basis points; the rest rewards the late fulfiller.
    uint16 public immutable burnBps;

    mapping(bytes32 => Circuit) public circuits;
    mapping(uint256 => Request) internal requests;
    /// @notice Withdrawable funds: prover deposits not locked as collateral, payments, refunds, rewards.
    mapping(address => uint256) public balanceOf;
    /// @notice Collateral currently locked by each prover across its requests.
    mapping(address => uint256) public lockedOf;
    /// @notice Slashed collateral that is burned: held by this contract, owed to nobody, never withdrawable.
    uint256 public burned;
    uint256 public requestCount;
    /// @notice Who paid each statement (see `statementOf`) and when: request id 0 while unpaid. One slot.
    mapping(bytes32 => Payment) public paidStatement;

    uint256 private entered = 1;

    event CircuitRegistered(bytes32 indexed circuitId, address verifier, uint32 nOutputs);
    event Deposited(address indexed account, uint256 amount);
    event Withdrawn(address indexed account, uint256 amount);
    event RequestSubmitted(uint256 indexed id, address indexed requester, bytes32 indexed circuitId, uint256 subject, uint256 round, Offer offer);
    event MaxPriceRaised(uint256 indexed id, uint128 maxPrice);
    event DeadlineExtended(uint256 indexed id, uint64 lockDeadline, uint64 deadline);
    event RequestLocked(uint256 indexed id, address indexed prover, uint128 price, uint128 collateral);
    event ProverSlashed(uint256 indexed id, address indexed prover, uint128 burned, uint128 heldForFulfiller);
    event RequestFulfilled(uint256 indexed id, address indexed prover, uint128 price, uint128 reward, bool late);
    event RequestRefunded(uint256 indexed id, address indexed requester, uint256 amount);

    error NotOwner(address caller);
    error Reentrancy();
    error CircuitAlreadyRegistered(bytes32 circuitId);
    error UnknownCircuit(bytes32 circuitId);
    error InvalidOffer(string reason);
    error WrongPayment(uint256 expected, uint256 got);
    error UnknownRequest(uint256 id);
    error WrongStatus(uint256 id, Status expected, Status got);
    error NotRequester(uint256 id, address caller);
    error LockExpired(uint256 id, uint64 lockDeadline, uint256 nowTs);
    error LockStillValid(uint256 id, uint64 lockDeadline, uint256 nowTs);
    error RequestExpired(uint256 id, uint64 deadline, uint256 nowTs);
    error RequestNotExpired(uint256 id, uint64 deadline, uint256 nowTs);
    error NotLockHolder(uint256 id, address prover, address caller);
    error InsufficientBalance(uint256 available, uint256 needed);
    error PublicSignalsMismatch(uint256 id, string what);
    error InvalidProof(uint256 id);
    error TransferFailed(address to, uint256 amount);
    error StatementAlreadyPaid(bytes32 statement, uint256 paidRequestId);

    modifier nonReentrant() {
        if (entered != 1) revert Reentrancy();
        entered = 2;
        _;
        entered = 1;
    }

    constructor(uint16 burnBps_) {
        if (burnBps_ > 10_000) revert InvalidOffer("burnBps > 10000");
        owner = msg.sender;
        burnBps = burnBps_;
    }

    // ---------------------------------------------------------------- circuits

    /// @notice Registers the verifier of a circuit, once. `circuitId` is the circuit's id: sha256 of its
    /// canonical manifest JSON, the id the prover network gives it (docs/identity.md).
    function registerCircuit(bytes32 circuitId, IZkmlVerifier verifier, uint32 nOutputs) external {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        if (address(circuits[circuitId].verifier) != address(0)) revert CircuitAlreadyRegistered(circuitId);
        if (address(verifier) == address(0)) revert InvalidOffer("verifier is zero");
        // The signals must hold the outputs plus subject and round.
        if (verifier.publicSignalCount() < uint256(nOutputs) + 2) revert InvalidOffer("nOutputs too large for verifier");
        circuits[circuitId] = Circuit(verifier, nOutputs);
        emit CircuitRegistered(circuitId, address(verifier), nOutputs);
    }

    // ---------------------------------------------------------------- funds

    /// @notice Adds to the caller's withdrawable balance (a prover's stake for collateral).
    function deposit() external payable nonReentrant {
        balanceOf[msg.sender] += msg.value;
        emit Deposited(msg.sender, msg.value);
    }

    /// @notice Withdraws from the unlocked balance. Locked collateral is not in `balanceOf`, so it cannot leave.
    function withdraw(uint256 amount) external nonReentrant {
        uint256 available = balanceOf[msg.sender];
        if (amount > available) revert InsufficientBalance(available, amount);
        balanceOf[msg.sender] = available - amount;
        emit Withdrawn(msg.sender, amount);
        (bool ok,) = msg.sender.call{value: amount}("");
        if (!ok) revert TransferFailed(msg.sender, amount);
    }

    // ---------------------------------------------------------------- requests

    /// @notice Opens a request, escrowing `offer.maxPrice`: `msg.value` plus the rest from the caller's balance.
    function submitRequest(Offer calldata offer) external payable nonReentrant returns (uint256 id) {
        if (address(circuits[offer.circuitId].verifier) == address(0)) revert UnknownCircuit(offer.circuitId);
        if (offer.minPrice > offer.maxPrice) revert InvalidOffer("minPrice > maxPrice");
        if (offer.lockDeadline <= offer.rampStart) revert InvalidOffer("lockDeadline <= rampStart");
        if (offer.deadline < offer.lockDeadline) revert InvalidOffer("deadline < lockDeadline");
        if (offer.deadline <= block.timestamp) revert InvalidOffer("deadline in the past");
        // A request binds the inputs it pays for: an open "any inputs" request pays for a proof of anything.
        if (offer.inputsHash == bytes32(0)) revert InvalidOffer("inputsHash is zero");
        bytes32 statement = statementOf(offer.circuitId, offer.subject, offer.round, offer.inputsHash);
        if (paidStatement[statement].requestId != 0) revert StatementAlreadyPaid(statement, paidStatement[statement].requestId);
        // Escrow comes from msg.value, topped up from the caller's balance: prepaid standing orders
        // deposit once and re-offer lapsed rounds from their refunds.
        if (msg.value > offer.maxPrice) revert WrongPayment(offer.maxPrice, msg.value);
        if (msg.value < offer.maxPrice) {
            uint256 need = offer.maxPrice - msg.value;
            uint256 available = balanceOf[msg.sender];
            if (available < need) revert InsufficientBalance(available, need);
            balanceOf[msg.sender] = available - need;
        }
        id = ++requestCount;
        Request storage r = requests[id];
        r.offer = offer;
        r.requester = msg.sender;
        r.status = Status.Open;
        r.price = offer.maxPrice;
        emit RequestSubmitted(id, msg.sender, offer.circuitId, offer.subject, offer.round, offer);
    }

    /// @notice Raises the max price of an open request; `msg.value` must be the difference.
    function raiseMaxPrice(uint256 id, uint128 newMaxPrice) external payable nonReentrant {
        Request storage r = _live(id);
        if (msg.sender != r.requester) revert NotRequester(id, msg.sender);
        if (r.status != Status.Open) revert WrongStatus(id, Status.Open, r.status);
        if (block.timestamp > r.offer.deadline) revert RequestExpired(id, r.offer.deadline, block.timestamp);
        uint128 old = r.offer.maxPrice;
        if (newMaxPrice <= old) revert InvalidOffer("new max price not higher");
        if (msg.value != newMaxPrice - old) revert WrongPayment(newMaxPrice - old, msg.value);
        r.offer.maxPrice = newMaxPrice;
        r.price = newMaxPrice;
        emit MaxPriceRaised(id, newMaxPrice);
    }

    /// @notice Moves the deadlines of a live request later. The lock deadline can only move while open:
    /// a locked prover's exclusivity is part of the deal it locked.
    function extendDeadline(uint256 id, uint64 newLockDeadline, uint64 newDeadline) external nonReentrant {
        Request storage r = _live(id);
        if (msg.sender != r.requester) revert NotRequester(id, msg.sender);
        if (block.timestamp > r.offer.deadline) revert RequestExpired(id, r.offer.deadline, block.timestamp);
        if (newDeadline < r.offer.deadline) revert InvalidOffer("deadline earlier");
        if (newLockDeadline != r.offer.lockDeadline) {
            if (r.status != Status.Open) revert WrongStatus(id, Status.Open, r.status);
            if (newLockDeadline < r.offer.lockDeadline) revert InvalidOffer("lockDeadline earlier");
        }
        if (newDeadline < newLockDeadline) revert InvalidOffer("deadline < lockDeadline");
        r.offer.lockDeadline = newLockDeadline;
        r.offer.deadline = newDeadline;
        emit DeadlineExtended(id, newLockDeadline, newDeadline);
    }

    /// @notice Locks an open request at the current price, moving `collateral` from the caller's balance
    /// (topped up by `msg.value`) into escrow. The escrow above the price goes back to the requester.
    function lock(uint256 id) external payable nonReentrant {
        Request storage r = _live(id);
        if (r.status != Status.Open) revert WrongStatus(id, Status.Open, r.status);
        if (block.timestamp >= r.offer.lockDeadline) revert LockExpired(id, r.offer.lockDeadline, block.timestamp);
        if (msg.value > 0) {
            balanceOf[msg.sender] += msg.value;
            emit Deposited(msg.sender, msg.value);
        }
        uint128 collateral = r.offer.collateral;
        uint256 available = balanceOf[msg.sender];
        if (available < collateral) revert InsufficientBalance(available, collateral);
        balanceOf[msg.sender] = available - collateral;
        lockedOf[msg.sender] += collateral;

        uint128 price = priceAt(id, block.timestamp);
        balanceOf[r.requester] += r.offer.maxPrice - price;
        r.price = price;
        r.status = Status.Locked;
        r.prover = msg.sender;
        r.heldCollateral = collateral;
        emit RequestLocked(id, msg.sender, price, collateral);
    }

    /// @notice Slashes a prover that missed its lock deadline. Anyone may call; `fulfil` and `refund` do it too.
    function slash(uint256 id) external nonReentrant {
        Request storage r = _live(id);
        if (r.status != Status.Locked) revert WrongStatus(id, Status.Locked, r.status);
        if (block.timestamp < r.offer.lockDeadline) revert LockStillValid(id, r.offer.lockDeadline, block.timestamp);
        _slash(id, r);
    }

    /// @notice Delivers the proof. The lock holder before `lockDeadline`; anyone on an open request (at the
    /// current price) or after a missed lock (late, until `deadline`, also earning the slashed reward).
    /// The proof is checked by the circuit's verifier and its signals must match the request; a proof that
    /// does not verify reverts `InvalidProof` and changes nothing.
    function fulfil(uint256 id, bytes calldata proof, uint256[] calldata publicSignals) external nonReentrant {
        Request storage r = _live(id);
        uint256 nowTs = block.timestamp;
        if (nowTs > r.offer.deadline) revert RequestExpired(id, r.offer.deadline, nowTs);
        bool late;
        if (r.status == Status.Open) {
            uint128 price = priceAt(id, nowTs);
            balanceOf[r.requester] += r.offer.maxPrice - price;
            r.price = price;
        } else if (r.status == Status.Locked) {
            if (nowTs < r.offer.lockDeadline) {
                if (msg.sender != r.prover) revert NotLockHolder(id, r.prover, msg.sender);
            } else {
                _slash(id, r);
                late = true;
            }
        } else {
            late = true; // Slashed
        }

        _checkProof(id, r.offer, proof, publicSignals);
        // The signals matched the request, so this is the request's statement: pay for it once, ever.
        bytes32 statement = statementOf(r.offer.circuitId, r.offer.subject, r.offer.round, r.offer.inputsHash);
        if (paidStatement[statement].requestId != 0) revert StatementAlreadyPaid(statement, paidStatement[statement].requestId);
        paidStatement[statement] = Payment(uint192(id), uint64(nowTs));

        uint128 price = r.price;
        uint128 held = r.heldCollateral;
        r.status = Status.Fulfilled;
        r.heldCollateral = 0;
        if (!late && held > 0) {
            // On time: the locker's collateral goes back to it.
            lockedOf[r.prover] -= held;
            balanceOf[r.prover] += held;
            held = 0;
        }
        r.prover = msg.sender;
        balanceOf[msg.sender] += uint256(price) + held;
        emit RequestFulfilled(id, msg.sender, price, held, late);
    }

    /// @notice Refunds an unfulfilled request after its deadline, or at once when its statement was paid through
    /// another request (it can never be fulfilled): the escrowed price and any slashed reward nobody earned.
    /// A lock holder on a superseded request gets its collateral back unslashed, unless its lock deadline had
    /// already passed when the statement was paid elsewhere (then it had missed its deal anyway).
    function refund(uint256 id) external nonReentrant {
        Request storage r = _live(id);
        Payment storage paid = paidStatement[statementOf(r.offer.circuitId, r.offer.subject, r.offer.round, r.offer.inputsHash)];
        bool superseded = paid.requestId != 0;
        if (block.timestamp <= r.offer.deadline && !superseded) revert RequestNotExpired(id, r.offer.deadline, block.timestamp);
        if (r.status == Status.Locked) {
            if (superseded && paid.at < r.offer.lockDeadline) {
                // Not the prover's fault: someone else proved the statement first.
                uint128 held = r.heldCollateral;
                lockedOf[r.prover] -= held;
                balanceOf[r.prover] += held;
                r.heldCollateral = 0;
            } else _slash(id, r);
        }
        uint256 amount = uint256(r.price) + r.heldCollateral;
        r.status = Status.Refunded;
        r.heldCollateral = 0;
        r.price = 0;
        balanceOf[r.requester] += amount;
        emit RequestRefunded(id, r.requester, amount);
    }

    // ---------------------------------------------------------------- views

    /// @notice The auction price at time `t`: minPrice before the ramp, maxPrice after it, linear between
    /// (rounded down). Mirrored by `priceAt` in src/market/priceAt.ts.
    function priceAt(uint256 id, uint256 t) public view returns (uint128) {
        Offer storage o = requests[id].offer;
        if (t <= o.rampStart) return o.minPrice;
        if (o.rampLength == 0 || t >= uint256(o.rampStart) + o.rampLength) return o.maxPrice;
        return uint128(uint256(o.minPrice) + (uint256(o.maxPrice - o.minPrice) * (t - o.rampStart)) / o.rampLength);
    }

    /// @notice The statement a request pays for: the circuit, the subject and round, and the inputs' hash.
    function statementOf(bytes32 circuitId, uint256 subject, uint256 round, bytes32 inputsHash) public pure returns (bytes32) {
        return keccak256(abi.encode(circuitId, subject, round, inputsHash));
    }

    function getRequest(uint256 id) external view returns (Request memory) {
        return requests[id];
    }

    /// @notice Funds this contract owes to somebody or holds burned, for the conservation check:
    /// equals address(this).balance whenever nobody sent ETH around the entry points (selfdestruct).
    function escrowOf(uint256 id) external view returns (uint256) {
        Request storage r = requests[id];
        if (r.status == Status.Open || r.status == Status.Locked || r.status == Status.Slashed)
            return uint256(r.price) + r.heldCollateral;
        return 0;
    }

    // ---------------------------------------------------------------- internals

    function _live(uint256 id) internal view returns (Request storage r) {
        r = requests[id];
        if (r.status == Status.None) revert UnknownRequest(id);
        if (r.status == Status.Fulfilled || r.status == Status.Refunded) revert WrongStatus(id, Status.Open, r.status);
    }

    function _slash(uint256 id, Request storage r) internal {
        uint128 collateral = r.heldCollateral;
        uint128 toBurn = uint128((uint256(collateral) * burnBps) / 10_000);
        lockedOf[r.prover] -= collateral;
        burned += toBurn;
        r.heldCollateral = collateral - toBurn;
        r.status = Status.Slashed;
        emit ProverSlashed(id, r.prover, toBurn, collateral - toBurn);
    }

    function _checkProof(uint256 id, Offer storage o, bytes calldata proof, uint256[] calldata s) internal view {
        Circuit storage c = circuits[o.circuitId];
        uint256 n = s.length;
        // The verifier reverts on a wrong count too; checking here gives the market's own error.
        if (n != c.verifier.publicSignalCount()) revert PublicSignalsMismatch(id, "count");
        if (s[n - 2] != o.subject) revert PublicSignalsMismatch(id, "subject");
        if (s[n - 1] != o.round) revert PublicSignalsMismatch(id, "round");
        if (keccak256(abi.encodePacked(s[c.nOutputs:n - 2])) != o.inputsHash)
            revert PublicSignalsMismatch(id, "inputs");
        if (!c.verifier.verify(proof, s)) revert InvalidProof(id);
    }
}
