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
use ark_ff::{BigInt, PrimeField};

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

/// A verification key parsed, checked and prepared once, for many proofs of one circuit: the
/// coordinator and every worker verify each job, and re-parsing the key (three G2 subgroup checks)
/// plus e(alpha, beta) was over half of a small job's verification.
///
/// The check becomes e(A, B) · e(vk_x, −gamma) · e(C, −delta) = e(alpha, beta): three Miller loops
/// (two against prepared G2 points) and one final exponentiation.
pub struct PreparedVk {
    alpha_beta: ark_ec::pairing::PairingOutput<Bn254>,
    neg_gamma: <Bn254 as Pairing>::G2Prepared,
    neg_delta: <Bn254 as Pairing>::G2Prepared,
    ic: Vec<G1Affine>,
}

impl PreparedVk {
    /// Parses and checks a flattened key (the module comment's layout) and prepares it.
    ///
    /// ```no_run
    /// # fn f(vk: Vec<String>, proof: Vec<String>, signals: Vec<String>) {
    /// let pvk = zkml_native::verify::PreparedVk::new(&vk).unwrap();
    /// assert!(pvk.verify(&proof, &signals).unwrap());
    /// # }
    /// ```
    pub fn new(vk: &[String]) -> Result<PreparedVk, NativeError> {
        if vk.len() < 14 + 2 || (vk.len() - 14) % 2 != 0 {
            return Err(NativeError::new("VKEY_INVALID", format!("expected 14 + 2·(n+1) verification-key numbers, got {}", vk.len())));
        }
        let n_ic = (vk.len() - 14) / 2;
        let alpha = g1(&vk[0], &vk[1]).ok_or_else(|| bad_vk("alpha"))?;
        let beta = g2(&vk[2..6]).ok_or_else(|| bad_vk("beta"))?;
        let gamma = g2(&vk[6..10]).ok_or_else(|| bad_vk("gamma"))?;
        let delta = g2(&vk[10..14]).ok_or_else(|| bad_vk("delta"))?;
        let ic: Vec<G1Affine> = (0..n_ic).map(|i| g1(&vk[14 + 2 * i], &vk[15 + 2 * i]).ok_or_else(|| bad_vk("IC"))).collect::<Result<_, _>>()?;
        Ok(PreparedVk {
            alpha_beta: Bn254::pairing(alpha, beta),
            neg_gamma: (-gamma.into_group()).into_affine().into(),
            neg_delta: (-delta.into_group()).into_affine().into(),
            ic,
        })
    }

    /// How many public signals the key takes.
    pub fn n_public(&self) -> usize {
        self.ic.len() - 1
    }

    /// Verifies one proof (A (x, y), B (x.c0, x.c1, y.c0, y.c1), C (x, y)) with its signals: false for
    /// any proof that is not canonical points of its groups or does not satisfy the equation.
    pub fn verify(&self, proof: &[String], signals: &[String]) -> Result<bool, NativeError> {
        if signals.len() != self.n_public() {
            return Err(NativeError::new("PUBLIC_SIGNALS_INVALID", format!("expected {} public signals (this key's), got {}", self.n_public(), signals.len())));
        }
        if proof.len() != 8 {
            return Ok(false);
        }
        let (Some(a), Some(b), Some(c)) = (g1(&proof[0], &proof[1]), g2(&proof[2..6]), g1(&proof[6], &proof[7])) else {
            return Ok(false);
        };
        // A negative quantized value is r − |x|, a full 254-bit scalar: taken as −|x| its
        // double-and-add runs over |x|'s few bits (pool-risk's 15 signals: 0.47 → 0.1 ms).
        let half = Fr::MODULUS_MINUS_ONE_DIV_TWO;
        let mut acc: G1Projective = self.ic[0].into_group();
        for (s, base) in signals.iter().zip(&self.ic[1..]) {
            let Some(s) = fr(s) else { return Ok(false) };
            let b = s.into_bigint();
            if b > half {
                acc -= base.mul_bigint((-s).into_bigint());
            } else {
                acc += base.mul_bigint(b);
            }
        }
        let vk_x = acc.into_affine();
        let b: <Bn254 as Pairing>::G2Prepared = b.into();
        let ml = Bn254::multi_miller_loop([a, vk_x, c], [b, self.neg_gamma.clone(), self.neg_delta.clone()]);
        Ok(Bn254::final_exponentiation(ml).is_some_and(|v| v == self.alpha_beta))
    }
}

/// Whether (x.c0, x.c1, y.c0, y.c1) is a point of G2 as the chain accepts it: canonical decimals
/// below q, on the twist, in the order-r subgroup (the canonical-encoding check's costly part).
///
/// ```
/// assert!(!zkml_native::verify::is_g2(&["1".into(), "0".into(), "2".into(), "0".into()]));
/// ```
pub fn is_g2(c: &[String]) -> bool {
    c.len() == 4 && g2(c).is_some()
}

/// Verifies a Groth16 proof (see the module comment for the layout); prepares the key on every
/// call (`PreparedVk` keeps it for many proofs).
pub fn verify_groth16(vk: &[String], proof: &[String], signals: &[String]) -> Result<bool, NativeError> {
    let pvk = PreparedVk::new(vk)?;
    if signals.len() != pvk.n_public() {
        return Err(NativeError::new("PUBLIC_SIGNALS_INVALID", format!("expected {} public signals (this key's), got {}", pvk.n_public(), signals.len())));
    }
    pvk.verify(proof, signals)
}

/// The unprepared check (four Miller loops): the reference the prepared one is tested against.
#[cfg(test)]
fn verify_reference(vk: &[String], proof: &[String], signals: &[String]) -> Option<bool> {
    use ark_ff::Zero;
    let n_ic = (vk.len() - 14) / 2;
    let alpha = g1(&vk[0], &vk[1])?;
    let beta = g2(&vk[2..6])?;
    let gamma = g2(&vk[6..10])?;
    let delta = g2(&vk[10..14])?;
    let ic: Vec<G1Affine> = (0..n_ic).map(|i| g1(&vk[14 + 2 * i], &vk[15 + 2 * i])).collect::<Option<_>>()?;
    let (a, b, c) = (g1(&proof[0], &proof[1])?, g2(&proof[2..6])?, g1(&proof[6], &proof[7])?);
    let mut acc: G1Projective = ic[0].into_group();
    for (s, base) in signals.iter().zip(&ic[1..]) {
        acc += base.mul_bigint(fr(s)?.into_bigint());
    }
    let out = Bn254::multi_pairing([(-a.into_group()).into_affine(), alpha, acc.into_affine(), c], [b, beta, gamma, delta]);
    Some(out.is_zero())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::BigInteger;

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
    use ark_ff::BigInteger;
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

#[cfg(test)]
mod prepared_tests {
    use super::*;
    use ark_bn254::G2Projective;
    use ark_ec::{AdditiveGroup, PrimeGroup};
    use ark_ff::{One, UniformRand};
    use ark_std::rand::{rngs::StdRng, SeedableRng};

    fn g1s(p: G1Projective) -> Vec<String> {
        let (x, y) = p.into_affine().xy().unwrap();
        vec![x.into_bigint().to_string(), y.into_bigint().to_string()]
    }
    fn g2s(p: G2Projective) -> Vec<String> {
        let (x, y) = p.into_affine().xy().unwrap();
        [x.c0, x.c1, y.c0, y.c1].iter().map(|c| c.into_bigint().to_string()).collect()
    }

    /// A key and a proof that satisfy the equation, built from known discrete logs:
    /// a·b = alpha·beta + x·gamma + c·delta with x = ic_0 + Σ s_i·ic_i.
    fn fixture(seed: u64, n_pub: usize) -> (Vec<String>, Vec<String>, Vec<String>) {
        let mut rng = StdRng::seed_from_u64(seed);
        let (g, h) = (G1Projective::generator(), G2Projective::generator());
        let [al, be, ga, de, a, b] = [(); 6].map(|_| Fr::rand(&mut rng));
        let ic: Vec<Fr> = (0..=n_pub).map(|_| Fr::rand(&mut rng)).collect();
        let s: Vec<Fr> = (0..n_pub).map(|_| Fr::rand(&mut rng)).collect();
        let x = ic[0] + s.iter().zip(&ic[1..]).map(|(s, i)| *s * i).sum::<Fr>();
        let c = (a * b - al * be - x * ga) / de;
        let mut vk = g1s(g * al);
        vk.extend(g2s(h * be));
        vk.extend(g2s(h * ga));
        vk.extend(g2s(h * de));
        for i in &ic {
            vk.extend(g1s(g * i));
        }
        let mut proof = g1s(g * a);
        proof.extend(g2s(h * b));
        proof.extend(g1s(g * c));
        (vk, proof, s.iter().map(|v| v.into_bigint().to_string()).collect())
    }

    /// The prepared check accepts exactly what the four-pairing reference accepts: the valid proof,
    /// and none of its coherent forgeries (each a well-formed proof of canonical points).
    #[test]
    fn prepared_matches_the_reference_and_refuses_forgeries() {
        for (seed, n) in [(1u64, 1usize), (2, 3), (3, 7)] {
            let (vk, proof, sig) = fixture(seed, n);
            let pvk = PreparedVk::new(&vk).unwrap();
            assert_eq!(verify_reference(&vk, &proof, &sig), Some(true));
            assert!(pvk.verify(&proof, &sig).unwrap());
            assert!(verify_groth16(&vk, &proof, &sig).unwrap());
            let g = G1Projective::generator();
            let mut forged: Vec<(&str, Vec<String>, Vec<String>)> = Vec::new();
            // C moved by G; A doubled; B swapped for another subgroup point; a signal off by one.
            let c = G1Affine::new_unchecked(fq(&proof[6]).unwrap(), fq(&proof[7]).unwrap());
            forged.push(("C + G", [&proof[..6], &g1s(c.into_group() + g)[..]].concat(), sig.clone()));
            let a = G1Affine::new_unchecked(fq(&proof[0]).unwrap(), fq(&proof[1]).unwrap());
            forged.push(("2A", [&g1s(a.into_group().double())[..], &proof[2..]].concat(), sig.clone()));
            forged.push(("B'", [&proof[..2], &g2s(G2Projective::generator())[..], &proof[6..]].concat(), sig.clone()));
            let mut s2 = sig.clone();
            s2[n - 1] = (fr(&s2[n - 1]).unwrap() + Fr::one()).into_bigint().to_string();
            forged.push(("signal + 1", proof.clone(), s2));
            for (what, p, s) in forged {
                assert_eq!(verify_reference(&vk, &p, &s), Some(false), "{what}: reference");
                assert!(!pvk.verify(&p, &s).unwrap(), "{what}: prepared");
            }
            // Malformed proofs are false, a wrong signal count is an error.
            assert!(!pvk.verify(&proof[..7], &sig).unwrap());
            assert!(pvk.verify(&proof, &sig[..n - 1]).is_err());
        }
    }

    #[test]
    fn is_g2_is_canonical_on_twist_and_in_subgroup() {
        assert!(is_g2(&g2s(G2Projective::generator())));
        assert!(!is_g2(&["1".into(), "0".into(), "2".into(), "0".into()]));
        assert!(!is_g2(&g2s(G2Projective::generator())[..3]));
    }
}
