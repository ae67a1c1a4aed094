//! The split MSM must equal arkworks' MSM for every mix of scalar sizes.

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{PrimeField, UniformRand};
use ark_std::rand::{rngs::StdRng, SeedableRng};
use zkml_native::msm::{msm_split, msm_u64};
use zkml_native::msm_affine::msm_batch_affine;

fn scalars(rng: &mut StdRng, n: usize) -> Vec<Fr> {
    (0..n)
        .map(|i| match i % 6 {
            0 => Fr::from(0u64),
            1 => Fr::from(1u64),
            2 => Fr::from(u64::rand(rng) >> (i % 50)),
            3 => -Fr::from(u64::rand(rng) >> (i % 40)),
            4 => -Fr::from(1u64),
            _ => Fr::rand(rng),
        })
        .collect()
}

#[test]
fn split_equals_arkworks_g1_and_g2() {
    let mut rng = StdRng::seed_from_u64(16);
    for n in [0usize, 1, 7, 40, 300] {
        let s = scalars(&mut rng, n);
        let big: Vec<_> = s.iter().map(|x| x.into_bigint()).collect();
        let g1: Vec<G1Affine> = (0..n).map(|_| G1Projective::rand(&mut rng).into_affine()).collect();
        assert_eq!(msm_split(&g1, &big), G1Projective::msm(&g1, &s).unwrap(), "G1 n={n}");
        let g2: Vec<G2Affine> = (0..n).map(|_| G2Projective::rand(&mut rng).into_affine()).collect();
        assert_eq!(msm_split(&g2, &big), G2Projective::msm(&g2, &s).unwrap(), "G2 n={n}");
    }
}

#[test]
fn u64_msm_all_widths() {
    let mut rng = StdRng::seed_from_u64(7);
    let g1: Vec<G1Affine> = (0..100).map(|_| G1Projective::rand(&mut rng).into_affine()).collect();
    for shift in [0u32, 20, 60, 63] {
        let s: Vec<u64> = (0..100).map(|_| u64::rand(&mut rng) >> shift).collect();
        let f: Vec<Fr> = s.iter().map(|&x| Fr::from(x)).collect();
        assert_eq!(msm_u64(&g1, &s), G1Projective::msm(&g1, &f).unwrap(), "shift {shift}");
    }
}

#[test]
fn batch_affine_equals_arkworks_incl_repeated_and_opposite_bases() {
    let mut rng = StdRng::seed_from_u64(3);
    // 2048: window c = 8, whose top window (bits 248..) reaches 128 buckets and takes the affine
    // path with a batch sized to them (the case that made a 2^18 MSM's top window 18x slow).
    for n in [0usize, 5, 300, 2048, 3000] {
        let mut g1: Vec<G1Affine> = (0..n).map(|_| G1Projective::rand(&mut rng).into_affine()).collect();
        // Equal and opposite bases force the doubling / cancellation fallback.
        if n > 10 {
            g1[1] = g1[0];
            g1[2] = -g1[0];
            g1[3] = G1Affine::identity();
        }
        let s: Vec<Fr> = (0..n).map(|i| if i < 4 { Fr::from(5u64) } else { Fr::rand(&mut rng) }).collect();
        let big: Vec<_> = s.iter().map(|x| x.into_bigint()).collect();
        assert_eq!(msm_batch_affine(&g1, &big), G1Projective::msm(&g1, &s).unwrap(), "G1 n={n}");
        let g2: Vec<G2Affine> = (0..n.min(600)).map(|_| G2Projective::rand(&mut rng).into_affine()).collect();
        assert_eq!(msm_batch_affine(&g2, &big[..g2.len()]), G2Projective::msm(&g2, &s[..g2.len()]).unwrap(), "G2 n={n}");
    }
}

#[test]
fn batch_affine_crowded_buckets() {
    // Every scalar the same: in each window all points fall into one bucket, so nearly every point
    // waits for a later batch and the stragglers end in the projective overflow (msm_affine.rs);
    // then a mix of two values, and bases that repeat (doublings inside a batch).
    let mut rng = StdRng::seed_from_u64(9);
    let n = 2500;
    let mut g1: Vec<G1Affine> = (0..n).map(|_| G1Projective::rand(&mut rng).into_affine()).collect();
    for i in (0..n).step_by(7) {
        g1[i] = g1[0];
    }
    let v = Fr::rand(&mut rng);
    let w = Fr::rand(&mut rng);
    for s in [vec![v; n], (0..n).map(|i| if i % 3 == 0 { v } else { w }).collect::<Vec<_>>()] {
        let big: Vec<_> = s.iter().map(|x| x.into_bigint()).collect();
        assert_eq!(msm_batch_affine(&g1, &big), G1Projective::msm(&g1, &s).unwrap());
        let g2: Vec<G2Affine> = (0..700).map(|i| if i % 5 == 0 { G2Affine::generator() } else { G2Projective::rand(&mut rng).into_affine() }).collect();
        assert_eq!(msm_batch_affine(&g2, &big[..700]), G2Projective::msm(&g2, &s[..700]).unwrap());
    }
}

/// `cargo test --release --no-default-features --test msm -- --ignored --nocapture`: times the
/// batch-affine MSM against arkworks' on random full-size scalars (a profile, not a check).
#[test]
#[ignore]
fn msm_speed() {
    let mut rng = StdRng::seed_from_u64(1);
    for k in [12u32, 14, 16] {
        let n = 1usize << k;
        let g: Vec<G1Affine> = {
            let p = G1Projective::rand(&mut rng);
            let mut acc = p;
            (0..n).map(|_| { acc += p; acc }).collect::<Vec<_>>().iter().map(|x| x.into_affine()).collect()
        };
        let s: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let big: Vec<_> = s.iter().map(|x| x.into_bigint()).collect();
        let t = std::time::Instant::now();
        let a = msm_batch_affine(&g, &big);
        let ta = t.elapsed();
        let t = std::time::Instant::now();
        let b = G1Projective::msm_bigint(&g, &big);
        let tb = t.elapsed();
        assert_eq!(a, b);
        println!("2^{k}: batch-affine {:?}, arkworks {:?}", ta, tb);
    }
}
