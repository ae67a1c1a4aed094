//! Conversions between the byte forms in iden3 files and arkworks' BN254 types.
//!
//! arkworks keeps `Fp` as four little-endian u64 limbs in Montgomery form (value·R mod p,
//! R = 2^256), which is exactly how snarkjs stores points in a `.zkey` ("LEM"). So a point is
//! read by copying limbs, after checking each coordinate is below the modulus (non-canonical
//! limbs would be a different key that still "parses").

use ark_bn254::{Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ff::{BigInt, PrimeField};

/// A base-field element stored in Montgomery form; None when not below q.
pub fn fq_mont(l: [u64; 4]) -> Option<Fq> {
    let b = BigInt::new(l);
    (b < Fq::MODULUS).then(|| Fq::new_unchecked(b))
}

/// A scalar stored in standard form (`.wtns`, `.r1cs`); None when not below r.
pub fn fr_standard(l: [u64; 4]) -> Option<Fr> {
    Fr::from_bigint(BigInt::new(l))
}

/// A `.zkey` coefficient. snarkjs writes coef·R² mod r (so that one Montgomery multiplication
/// with a standard-form witness value gives the product in Montgomery form); the value is the
/// stored number read as Montgomery (coef·R) times R⁻¹. None when not below r.
pub fn fr_zkey_coef(l: [u64; 4]) -> Option<Fr> {
    let b = BigInt::new(l);
    if b >= Fr::MODULUS {
        return None;
    }
    // new_unchecked(1) is the element whose Montgomery limbs are 1, i.e. R⁻¹.
    Some(Fr::new_unchecked(b) * Fr::new_unchecked(BigInt::one()))
}

/// A G1 point from 64 bytes (x, y in Montgomery form); (0, 0) is the point at infinity.
/// None when a coordinate is not canonical or the point is not on the curve.
pub fn g1_mont(b: &[u8]) -> Option<G1Affine> {
    let x = fq_mont(crate::binfile::limbs_le(&b[0..32]))?;
    let y = fq_mont(crate::binfile::limbs_le(&b[32..64]))?;
    if x == Fq::from(0u64) && y == Fq::from(0u64) {
        return Some(G1Affine::identity());
    }
    let p = G1Affine::new_unchecked(x, y);
    p.is_on_curve().then_some(p)
}

/// A G2 point from 128 bytes (x.c0, x.c1, y.c0, y.c1 in Montgomery form); all zero is infinity.
pub fn g2_mont(b: &[u8]) -> Option<G2Affine> {
    let f = |o: usize| fq_mont(crate::binfile::limbs_le(&b[o..o + 32]));
    let x = Fq2::new(f(0)?, f(32)?);
    let y = Fq2::new(f(64)?, f(96)?);
    if x == Fq2::from(0u64) && y == Fq2::from(0u64) {
        return Some(G2Affine::identity());
    }
    let p = G2Affine::new_unchecked(x, y);
    p.is_on_curve().then_some(p)
}
