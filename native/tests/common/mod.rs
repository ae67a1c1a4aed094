//! Inputs the MSM profiles (msm_cpu.rs, msm_table.rs) share, so both time the same MSM.

use ark_bn254::Fr;
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::{CurveGroup, PrimeGroup};
use ark_ff::{BigInt, PrimeField, UniformRand};
use ark_std::rand::{rngs::StdRng, SeedableRng};

/// 2^k distinct bases (multiples of a random point, normalized in one batch) and 2^k random
/// full-size scalars, from a fixed seed.
pub fn random_msm<P: SWCurveConfig<ScalarField = Fr>>(k: u32) -> (Vec<Affine<P>>, Vec<BigInt<4>>) {
    let mut rng = StdRng::seed_from_u64(1);
    let n = 1usize << k;
    let p = Projective::<P>::generator() * Fr::rand(&mut rng);
    let mut acc = p;
    let g = Projective::<P>::normalize_batch(&(0..n).map(|_| { acc += p; acc }).collect::<Vec<_>>());
    let s = (0..n).map(|_| Fr::rand(&mut rng).into_bigint()).collect();
    (g, s)
}
