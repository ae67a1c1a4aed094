//! Multi-scalar multiplication that exploits the shape of circuit witnesses.
//!
//! In our quantized circuits most wires are bits, small fixed-point values or small negatives
//! (r − m). arkworks' MSM walks all 254 bits of every scalar; here scalars are split first:
//! zero (skipped), one (a plain sum), |s| < 2^64 (a Pippenger over only the bits in use, with the
//! base negated for r − m) and the rest (arkworks' MSM). The sum is the same group element.

use ark_bn254::Fr;
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ff::{BigInt, BigInteger, PrimeField, Zero};
use rayon::prelude::*;

use crate::msm_table::FixedBaseTable;

/// Σ scalars[i]·bases[i] (lengths: the shorter of the two), split by scalar size.
pub fn msm_split<P: SWCurveConfig<ScalarField = Fr>>(bases: &[Affine<P>], scalars: &[BigInt<4>]) -> Projective<P> {
    msm_split_with(bases, scalars, None)
}

/// As `msm_split`, with the full-size scalars summed over `table` (the same bases, precomputed;
/// msm_table.rs) when there is one.
///
/// ```
/// use ark_bn254::{Fr, G1Affine, G1Projective};
/// use ark_ec::AffineRepr;
/// use ark_ff::PrimeField;
/// use zkml_native::{msm::msm_split_with, msm_table::FixedBaseTable};
/// let g = vec![G1Affine::generator(); 2];
/// let t = FixedBaseTable::new(&g, 8);
/// let s = vec![Fr::from(2u64).into_bigint(), (-Fr::from(3u64)).into_bigint()];
/// assert_eq!(msm_split_with(&g, &s, Some(&t)), -G1Projective::from(G1Affine::generator()));
/// ```
pub fn msm_split_with<P: SWCurveConfig<ScalarField = Fr>>(bases: &[Affine<P>], scalars: &[BigInt<4>], table: Option<&FixedBaseTable<P>>) -> Projective<P> {
    let n = bases.len().min(scalars.len());
    let r = Fr::MODULUS;
    let mut ones: Vec<Affine<P>> = Vec::new();
    let mut small_b: Vec<Affine<P>> = Vec::new();
    let mut small_s: Vec<u64> = Vec::new();
    let mut big_i: Vec<u32> = Vec::new();
    let mut big_s: Vec<BigInt<4>> = Vec::new();
    for i in 0..n {
        let s = &scalars[i];
        let l = s.0;
        if l[1] == 0 && l[2] == 0 && l[3] == 0 {
            match l[0] {
                _ if bases[i].infinity => {}
                0 => {}
                1 => ones.push(bases[i]),
                v => {
                    small_b.push(bases[i]);
                    small_s.push(v);
                }
            }
            continue;
        }
        // r − s < 2^64 ⇔ s is a small negative.
        let mut neg = r;
        neg.sub_with_borrow(s);
        if neg.0[1] == 0 && neg.0[2] == 0 && neg.0[3] == 0 {
            small_b.push(-bases[i]);
            small_s.push(neg.0[0]);
        } else {
            big_i.push(i as u32);
            big_s.push(*s);
        }
    }
    let (one_sum, (small_sum, big_sum)) = rayon::join(
        || ones.par_iter().fold(Projective::<P>::zero, |acc, b| acc + b).reduce(Projective::<P>::zero, |a, b| a + b),
        || rayon::join(|| msm_u64(&small_b, &small_s), || msm_big(bases, &big_i, &big_s, table)),
    );
    one_sum + small_sum + big_sum
}

/// The full-size part: over the table when it covers these bases, else a batch-affine Pippenger.
fn msm_big<P: SWCurveConfig<ScalarField = Fr>>(bases: &[Affine<P>], idx: &[u32], scalars: &[BigInt<4>], table: Option<&FixedBaseTable<P>>) -> Projective<P> {
    match table {
        // Small sets: the per-proof Pippenger is as quick and keeps the table's memory cold.
        Some(t) if t.len() == bases.len() && idx.len() >= 256 => t.msm(idx, scalars),
        _ => {
            let b: Vec<Affine<P>> = idx.iter().map(|&i| bases[i as usize]).collect();
            crate::msm_affine::msm_batch_affine(&b, scalars)
        }
    }
}

/// Pippenger over u64 scalars, windows only up to the largest bit in use.
pub fn msm_u64<P: SWCurveConfig>(bases: &[Affine<P>], scalars: &[u64]) -> Projective<P> {
    let n = bases.len().min(scalars.len());
    if n == 0 {
        return Projective::<P>::zero();
    }
    let max = scalars[..n].iter().copied().max().unwrap_or(0);
    let bits = (64 - max.leading_zeros()) as usize;
    if bits == 0 {
        return Projective::<P>::zero();
    }
    let c = if n < 32 { 3 } else { ((n as f64).ln() as usize + 2).min(16) }.min(bits.max(1));
    let windows: Vec<usize> = (0..bits).step_by(c).collect();
    let mask = (1u64 << c) - 1;
    let sums: Vec<Projective<P>> = windows
        .par_iter()
        .map(|&w| {
            let mut buckets = vec![Projective::<P>::zero(); (1 << c) - 1];
            for (s, b) in scalars[..n].iter().zip(&bases[..n]) {
                let d = (s >> w) & mask;
                if d != 0 {
                    buckets[(d - 1) as usize] += b;
                }
            }
            let mut running = Projective::<P>::zero();
            let mut res = Projective::<P>::zero();
            for b in buckets.into_iter().rev() {
                running += &b;
                res += &running;
            }
            res
        })
        .collect();
    crate::msm_affine::join_windows(&sums, c)
}

/// G1 entry point used by the prover.
pub fn msm_g1_split(bases: &[ark_bn254::G1Affine], scalars: &[BigInt<4>]) -> ark_bn254::G1Projective {
    msm_split::<ark_bn254::g1::Config>(bases, scalars)
}
