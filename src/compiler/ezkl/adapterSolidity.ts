import { CONTEXT, type InstanceRun } from './context.ts'

/**
 * Solidity for the IZkmlVerifier adapter around ezkl's Halo2Verifier, appended to ezkl's file. The adapter deploys the
 * Halo2 verifier from its constructor (one creation, no address to wire up; each runtime stays
 * under EIP-170's limit), takes the manifest's public signals (outputs…, inputs…, subject,
 * round), rebuilds ezkl's instances from them — subject and round as 16-bit limbs × 2^inputScale
 * in the context slots — and calls `verifyProof` with STATICCALL. `proof` is ezkl's proof bytes
 * (`hex_proof`) as they are.
 *
 * @example
 * ```ts
 * const src = ezklAdapterSolidity('ZkmlEzklVerifier_pool_risk', { signals: 15, inputScale: 12, instances: manifest.ezkl.instances, vkHash: manifest.vkHash })
 * ```
 */
export function ezklAdapterSolidity(name: string, o: { signals: number; inputScale: number; instances: ReadonlyArray<InstanceRun>; vkHash: `0x${string}` }): string {
  if (!/^0x[0-9a-f]{64}$/.test(o.vkHash)) throw new Error(`vkHash must be 0x + 64 lower-case hex digits, got ${o.vkHash}`)
  const nInstances = o.instances.reduce((n, r) => n + (r.from === 'context' ? CONTEXT.subjectLimbs + CONTEXT.roundLimbs : r.length), 0)
  const fill: string[] = []
  for (const r of o.instances) {
    if (r.from === 'context') fill.push('        k = _context(inst, k, s[SIGNALS - 2], s[SIGNALS - 1]);')
    else fill.push(`        for (uint256 i = 0; i < ${r.length}; ++i) inst[k++] = s[${r.start} + i];`)
  }
  return `// ---- zkml-oracle adapter: IZkmlVerifier around ezkl's Halo2 (KZG) verifier (above, in the same file) ----
pragma solidity ^0.8.20;

/// Identical to contracts/IZkmlVerifier.sol; inlined so this file compiles on its own.
interface IZkmlVerifier {
    function verify(bytes calldata proof, uint256[] calldata publicSignals) external view returns (bool);
    function publicSignalCount() external view returns (uint256);
    function vkHash() external view returns (bytes32);
}

/// ezkl's verifyProof only reads memory and calldata; declared view here so verify() can STATICCALL it.
interface IHalo2VerifierView {
    function verifyProof(bytes calldata proof, uint256[] calldata instances) external view returns (bool);
}

/// @notice ezkl (Halo2/KZG) verifier for one circuit behind the uniform IZkmlVerifier interface.
/// Subject (uint160) and round (uint64) are public instances of the circuit as 16-bit limbs, each
/// scaled by 2^${o.inputScale}; this contract derives them from publicSignals, so a proof verifies for one
/// (subject, round) only. A wrong signal count reverts; a proof that does not verify returns false.
contract ${name} is IZkmlVerifier {
    uint256 internal constant SIGNALS = ${o.signals};
    uint256 internal constant INSTANCES = ${nInstances};
    uint256 internal constant INPUT_SCALE = ${o.inputScale};
    uint256 internal constant GAS_MARGIN = 10000;

    address public immutable halo2;

    error PublicSignalCount(uint256 expected, uint256 got);
    error InsufficientGas(uint256 gasAtCall);

    constructor() {
        halo2 = address(new Halo2Verifier());
    }

    function publicSignalCount() external pure override returns (uint256) {
        return SIGNALS;
    }

    /// sha256 of ezkl's vk.key for this circuit (the manifest's vkHash), checked by ModelRegistry at registration.
    function vkHash() external pure override returns (bytes32) {
        return ${o.vkHash};
    }

    function verify(bytes calldata proof, uint256[] calldata s) external view override returns (bool) {
        if (s.length != SIGNALS) revert PublicSignalCount(SIGNALS, s.length);
        // Outside uint160 / uint64 a subject or round has no limbs, so no proof names it.
        if (s[SIGNALS - 2] >> ${CONTEXT.subjectLimbs * CONTEXT.limbBits} != 0 || s[SIGNALS - 1] >> ${CONTEXT.roundLimbs * CONTEXT.limbBits} != 0) return false;
        uint256[] memory inst = new uint256[](INSTANCES);
        uint256 k = 0;
${fill.join('\n')}
        uint256 gasBefore = gasleft();
        // ezkl's verifier reverts on a bad proof; a revert is "does not verify", unless the call was
        // starved of gas (a caller could otherwise make a valid proof read false): then revert.
        try IHalo2VerifierView(halo2).verifyProof(proof, inst) returns (bool ok) {
            return ok;
        } catch {
            if (gasleft() < gasBefore / 64 + GAS_MARGIN) revert InsufficientGas(gasBefore);
            return false;
        }
    }

    function _context(uint256[] memory inst, uint256 k, uint256 subject, uint256 round) private pure returns (uint256) {
        for (uint256 i = 0; i < ${CONTEXT.subjectLimbs}; ++i) inst[k++] = ((subject >> (${CONTEXT.limbBits} * i)) & 0xffff) << INPUT_SCALE;
        for (uint256 i = 0; i < ${CONTEXT.roundLimbs}; ++i) inst[k++] = ((round >> (${CONTEXT.limbBits} * i)) & 0xffff) << INPUT_SCALE;
        return k;
    }
}
`
}
