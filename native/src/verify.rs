//! Groth16 verification (snarkjs's equation, BN254) for the network's hot path: every proof is
//! verified by the worker that made it and again by the coordinator before anyone believes it,
//! and snarkjs's WASM pairing made that a large share of each small job's cost.
//!
//! Input is the snarkjs JSON's decimal strings, flattened by the caller (affine points only):
//! - vk: alpha (x, y), beta (x.c0, x.c1, y.c0, y.c1), gamma (4), delta (4), then IC_0..IC_n (x, y each);
//! - proof: A (x, y), B (x.c0, x.c1, y.c0, y.c1), C (x, y);
//! - signals: the n public signals.
//!
//! Strict where snarkjs is lenient, as the on-chain verifier is: every coordinate must be a
//! canonical decimal below q, every signal below r, every point on its curve, B in the order-r
//! subgroup of G2; a proof failing any of these is `Ok(false)`, never reduced into a valid one.
//! A malformed verification key is an error (it is the operator's file, not the prover's).
//! The check: e(-A, B) · e(alpha, beta) · e(vk_x, gamma) · e(C, delta) = 1, with
//! vk_x = IC_0 + Σ s_i · IC_i.

use ark_bn254::{Bn254, Fq, Fq2, Fr, G1Affine, G1Projective, G2Affine};
use ark_ec::pairing::Pairing;
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInt, BigInteger, PrimeField, Zero};

use crate::error::NativeError;

/// A canonical decimal (no sign, no leading zeros but "0", at most 78 digits) as 256-bit limbs.
pub fn parse_dec(s: &str) -> Option<BigInt<4>> {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 78 || (b.len() > 1 && b[0] == b'0') || !b.iter().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut l = [0u64; 4];
    for &c in b {
        let mut carry = (c - b'0') as u128;
        for limb in l.iter_mut() {
            let v = (*limb as u128) * 10 + carry;
            *limb = v as u64;
            carry = v >> 64;
        }
        if carry != 0 {
            return None;
        }
    }
    Some(BigInt::new(l))
}

fn fq(s: &str) -> Option<Fq> {
    Fq::from_bigint(parse_dec(s)?)
}

fn fr(s: &str) -> Option<Fr> {
    Fr::from_bigint(parse_dec(s)?)
}

/// A G1 point from (x, y); None unless canonical and on the curve. (G1 has cofactor 1.)
fn g1(x: &str, y: &str) -> Option<G1Affine> {
    let p = G1Affine::new_unchecked(fq(x)?, fq(y)?);
    p.is_on_curve().then_some(p)
}

/// A G2 point from (x.c0, x.c1, y.c0, y.c1); None unless canonical, on the curve and in the
/// order-r subgroup (the twist has points outside it that would break soundness arguments).
fn g2(c: &[String]) -> Option<G2Affine> {
    let p = G2Affine::new_unchecked(Fq2::new(fq(&c[0])?, fq(&c[1])?), Fq2::new(fq(&c[2])?, fq(&c[3])?));
    (p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve()).then_some(p)
}

fn bad_vk(what: &str) -> NativeError {
    NativeError::new("VKEY_INVALID", format!("expected a snarkjs Groth16 BN254 verification key, got one whose {what} is not a canonical point of its group"))
}

/// Verifies a Groth16 proof (see the module comment for the layout).
pub fn verify_groth16(vk: &[String], proof: &[String], signals: &[String]) -> Result<bool, NativeError> {
    if vk.len() < 14 + 2 || (vk.len() - 14) % 2 != 0 {
        return Err(NativeError::new("VKEY_INVALID", format!("expected 14 + 2·(n+1) verification-key numbers, got {}", vk.len())));
    }
    let n_ic = (vk.len() - 14) / 2;
    if signals.len() + 1 != n_ic {
        return Err(NativeError::new("PUBLIC_SIGNALS_INVALID", format!("expected {} public signals (this key's), got {}", n_ic - 1, signals.len())));
    }
    let alpha = g1(&vk[0], &vk[1]).ok_or_else(|| bad_vk("alpha"))?;
    let beta = g2(&vk[2..6]).ok_or_else(|| bad_vk("beta"))?;
    let gamma = g2(&vk[6..10]).ok_or_else(|| bad_vk("gamma"))?;
    let delta = g2(&vk[10..14]).ok_or_else(|| bad_vk("delta"))?;
    let ic: Vec<G1Affine> = (0..n_ic).map(|i| g1(&vk[14 + 2 * i], &vk[15 + 2 * i]).ok_or_else(|| bad_vk("IC"))).collect::<Result<_, _>>()?;
    if proof.len() != 8 {
        return Ok(false);
    }
    let (Some(a), Some(b), Some(c)) = (g1(&proof[0], &proof[1]), g2(&proof[2..6]), g1(&proof[6], &proof[7])) else {
        return Ok(false);
    };
    let mut acc: G1Projective = ic[0].into_group();
    for (s, base) in signals.iter().zip(&ic[1..]) {
        let Some(s) = fr(s) else { return Ok(false) };
        acc += base.mul_bigint(s.into_bigint());
    }
    let vk_x = acc.into_affine();
    let out = Bn254::multi_pairing([(-a.into_group()).into_affine(), alpha, vk_x, c], [b, beta, gamma, delta]);
    Ok(out.is_zero())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_canonical_and_bounded() {
        assert_eq!(parse_dec("0"), Some(BigInt::new([0, 0, 0, 0])));
        assert_eq!(parse_dec("18446744073709551616"), Some(BigInt::new([0, 1, 0, 0])));
        for bad in ["", "01", "-1", "1 ", "0x1", "1e3"] {
            assert_eq!(parse_dec(bad), None, "{bad:?}");
        }
        // 2^256 overflows four limbs.
        assert_eq!(parse_dec("115792089237316195423570985008687907853269984665640564039457584007913129639936"), None);
        // q itself is not a field element; q - 1 is.
        let q = Fq::MODULUS.to_string();
        assert!(fq(&q).is_none());
        let mut m = Fq::MODULUS;
        m.sub_with_borrow(&BigInt::one());
        assert!(fq(&m.to_string()).is_some());
    }
}

#[cfg(test)]
mod subgroup_tests {
    use super::*;
    use ark_ec::AffineRepr;

    fn coords(p: &G2Affine) -> Vec<String> {
        let (x, y) = p.xy().unwrap();
        [x.c0, x.c1, y.c0, y.c1].iter().map(|c| c.into_bigint().to_string()).collect()
    }

    /// A point on the twist outside the order-r subgroup parses as a curve point but is refused;
    /// the same point cleared by the cofactor is accepted. (Without the subgroup check, B could be
    /// such a point: snarkjs's and the chain's verifiers would then disagree.)
    #[test]
    fn g2_refuses_twist_points_outside_the_subgroup() {
        let mut found = false;
        for i in 0u64..1000 {
            let x = Fq2::new(Fq::from(i), Fq::from(1u64));
            let Some(p) = G2Affine::get_point_from_x_unchecked(x, false) else { continue };
            if p.is_in_correct_subgroup_assuming_on_curve() {
                continue;
            }
            assert!(p.is_on_curve());
            assert!(g2(&coords(&p)).is_none(), "outside the subgroup: refused");
            let cleared = p.clear_cofactor();
            assert!(g2(&coords(&cleared)).is_some(), "cleared by the cofactor: accepted");
            found = true;
            break;
        }
        assert!(found);
    }

    /// Coordinates at or above q are refused, not reduced into another point.
    #[test]
    fn g1_refuses_unreduced_coordinates() {
        let gen = G1Affine::generator();
        let (x, y) = gen.xy().unwrap();
        let (xs, ys) = (x.into_bigint().to_string(), y.into_bigint().to_string());
        assert!(g1(&xs, &ys).is_some());
        let mut x_plus_q = x.into_bigint();
        x_plus_q.add_with_carry(&Fq::MODULUS);
        assert!(g1(&x_plus_q.to_string(), &ys).is_none());
    }
}
