//! Pippenger MSM with batch-affine bucket accumulation, for full-size scalars.
//!
//! arkworks adds each base into a projective bucket (a mixed addition, ~11 field
//! multiplications). Here buckets stay affine and additions are done in rounds: one pending
//! addition per bucket per round, all the rounds' slopes inverted together (Montgomery's trick),
//! about 6 multiplications per addition. Equal x (doubling or P + (−P)) falls back to one
//! projective addition; the result is the same group element (tests/msm.rs).

use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ff::PrimeField;
use ark_ec::{AdditiveGroup, AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{batch_inversion, BigInt, Field, Zero};
use rayon::prelude::*;

/// Σ scalars[i]·bases[i] over 256-bit little-endian scalars.
pub fn msm_batch_affine<P: SWCurveConfig>(bases: &[Affine<P>], scalars: &[BigInt<4>]) -> Projective<P>
where
    P::ScalarField: PrimeField<BigInt = BigInt<4>>,
{
    let n = bases.len().min(scalars.len());
    if n < 256 {
        // Small inputs: rounds of tiny batches gain nothing; arkworks' projective buckets.
        return Projective::<P>::msm_bigint(&bases[..n], &scalars[..n]);
    }
    let c = (((n as f64).ln() as usize) + 2).clamp(4, 16);
    let num_bits = 254usize;
    let windows: Vec<usize> = (0..num_bits).step_by(c).collect();
    let sums: Vec<Projective<P>> = windows.par_iter().map(|&w| window_sum(&bases[..n], &scalars[..n], w, c)).collect();
    let mut total = Projective::<P>::zero();
    for s in sums.iter().rev() {
        for _ in 0..c {
            total.double_in_place();
        }
        total += s;
    }
    total
}

fn digit(s: &BigInt<4>, w: usize, c: usize) -> usize {
    let limb = w / 64;
    let off = w % 64;
    let mut v = s.0[limb] >> off;
    if off + c > 64 && limb + 1 < 4 {
        v |= s.0[limb + 1] << (64 - off);
    }
    (v & ((1u64 << c) - 1)) as usize
}

fn window_sum<P: SWCurveConfig>(bases: &[Affine<P>], scalars: &[BigInt<4>], w: usize, c: usize) -> Projective<P> {
    let nb = (1usize << c) - 1;
    let mut buckets: Vec<Affine<P>> = vec![Affine::<P>::identity(); nb];
    let mut pending: Vec<(u32, u32)> = Vec::with_capacity(bases.len());
    for (i, s) in scalars.iter().enumerate() {
        let d = digit(s, w, c);
        if d != 0 && !bases[i].is_zero() {
            pending.push(((d - 1) as u32, i as u32));
        }
    }
    let mut stamp: Vec<u32> = vec![0; nb];
    let mut round = 0u32;
    let mut batch: Vec<(u32, u32)> = Vec::with_capacity(nb.min(pending.len()));
    let mut denom: Vec<P::BaseField> = Vec::with_capacity(nb.min(pending.len()));
    let mut next: Vec<(u32, u32)> = Vec::new();
    while !pending.is_empty() {
        round += 1;
        batch.clear();
        denom.clear();
        next.clear();
        for &(b, i) in &pending {
            let bu = b as usize;
            if stamp[bu] == round {
                next.push((b, i));
                continue;
            }
            let p = &bases[i as usize];
            let acc = &buckets[bu];
            if acc.is_zero() {
                buckets[bu] = *p;
                stamp[bu] = round;
                continue;
            }
            if acc.x == p.x {
                // Doubling or cancellation: rare; do it projectively.
                buckets[bu] = (acc.into_group() + p).into_affine();
                stamp[bu] = round;
                continue;
            }
            stamp[bu] = round;
            batch.push((b, i));
            denom.push(p.x - acc.x);
        }
        batch_inversion(&mut denom);
        for (&(b, i), inv) in batch.iter().zip(&denom) {
            let p = &bases[i as usize];
            let acc = &mut buckets[b as usize];
            let lambda = (p.y - acc.y) * inv;
            let x3 = lambda.square() - acc.x - p.x;
            let y3 = lambda * (acc.x - x3) - acc.y;
            *acc = Affine::<P>::new_unchecked(x3, y3);
        }
        std::mem::swap(&mut pending, &mut next);
    }
    let mut running = Projective::<P>::zero();
    let mut res = Projective::<P>::zero();
    for b in buckets.iter().rev() {
        running += b;
        res += &running;
    }
    res
}

