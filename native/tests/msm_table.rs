//! The fixed-base table MSM must equal arkworks' MSM on random inputs, G1 and G2, every window.

mod common;

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{CurveGroup, VariableBaseMSM};
use ark_ff::{PrimeField, UniformRand};
use ark_std::rand::{rngs::StdRng, SeedableRng};
use zkml_native::msm::msm_split_with;
use zkml_native::msm_table::{table_window, FixedBaseTable};

#[test]
fn table_msm_equals_arkworks_g1_and_g2() {
    let mut rng = StdRng::seed_from_u64(16);
    for (n, c) in [(1usize, 8usize), (300, 9), (1000, 13), (700, 17)] {
        let mut g1: Vec<G1Affine> = (0..n).map(|_| G1Projective::rand(&mut rng).into_affine()).collect();
        if n > 10 {
            // Equal, opposite and zero bases force the doubling / cancellation paths.
            g1[1] = g1[0];
            g1[2] = -g1[0];
            g1[3] = G1Affine::identity();
        }
        let s: Vec<Fr> = (0..n).map(|i| if i == 5 { -Fr::from(1u64) } else { Fr::rand(&mut rng) }).collect();
        let big: Vec<_> = s.iter().map(|x| x.into_bigint()).collect();
        let idx: Vec<u32> = (0..n as u32).collect();
        let t1 = FixedBaseTable::new(&g1, c);
        assert_eq!(t1.msm(&idx, &big), G1Projective::msm(&g1, &s).unwrap(), "G1 n={n} c={c}");
        // A subset of indices, reversed: only those bases count.
        let sub: Vec<u32> = idx.iter().rev().step_by(3).copied().collect();
        let sub_s: Vec<_> = sub.iter().map(|&i| big[i as usize]).collect();
        let want: G1Projective = sub.iter().map(|&i| g1[i as usize] * s[i as usize]).sum();
        assert_eq!(t1.msm(&sub, &sub_s), want, "G1 subset n={n} c={c}");
        let m = n.min(300);
        let g2: Vec<G2Affine> = (0..m).map(|_| G2Projective::rand(&mut rng).into_affine()).collect();
        let t2 = FixedBaseTable::new(&g2, c);
        assert_eq!(t2.msm(&idx[..m], &big[..m]), G2Projective::msm(&g2, &s[..m]).unwrap(), "G2 n={m} c={c}");
    }
}

#[test]
fn table_msm_on_thread_counts_that_do_not_divide_the_buckets() {
    // Bucket ranges are cut per thread; with 6 threads and 128 buckets (c = 8) a naive cut made
    // ranges that start past the last bucket.
    let mut rng = StdRng::seed_from_u64(9);
    let g: Vec<G1Affine> = (0..300).map(|_| G1Projective::rand(&mut rng).into_affine()).collect();
    let s: Vec<Fr> = (0..300).map(|_| Fr::rand(&mut rng)).collect();
    let big: Vec<_> = s.iter().map(|x| x.into_bigint()).collect();
    let idx: Vec<u32> = (0..300).collect();
    let want = G1Projective::msm(&g, &s).unwrap();
    for threads in [1usize, 3, 6, 7] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        for c in [8usize, 9] {
            let t = FixedBaseTable::new(&g, c);
            assert_eq!(pool.install(|| t.msm(&idx, &big)), want, "threads {threads} c {c}");
        }
    }
}

#[test]
fn split_with_table_equals_arkworks_for_mixed_scalars() {
    let mut rng = StdRng::seed_from_u64(5);
    let n = 2000;
    let g: Vec<G1Affine> = (0..n).map(|_| G1Projective::rand(&mut rng).into_affine()).collect();
    let s: Vec<Fr> = (0..n)
        .map(|i| match i % 4 {
            0 => Fr::from(0u64),
            1 => Fr::from(u64::rand(&mut rng)),
            2 => -Fr::from(3u64),
            _ => Fr::rand(&mut rng),
        })
        .collect();
    let big: Vec<_> = s.iter().map(|x| x.into_bigint()).collect();
    let t = FixedBaseTable::new(&g, table_window(n));
    assert_eq!(msm_split_with(&g, &big, Some(&t)), G1Projective::msm(&g, &s).unwrap());
}

/// `cargo test --release --no-default-features --test msm_table -- --ignored --nocapture`
/// (ZKML_SPEED_LOG2=16,18 for the sizes): the table MSM against the per-proof batch-affine one and
/// arkworks' on random full-size scalars, G1 and G2, best of three (of thirty to 2^12). A profile, not a check.
#[test]
#[ignore]
fn table_speed() {
    let sizes: Vec<u32> = std::env::var("ZKML_SPEED_LOG2").unwrap_or("16".into()).split(',').map(|x| x.parse().unwrap()).collect();
    for k in sizes {
        speed::<ark_bn254::g1::Config>("G1", k);
        speed::<ark_bn254::g2::Config>("G2", k);
    }
}

fn speed<P: ark_ec::short_weierstrass::SWCurveConfig<ScalarField = Fr>>(name: &str, k: u32) {
    use ark_ec::short_weierstrass::Projective;
    let n = 1usize << k;
    let (g, s) = common::random_msm::<P>(k);
    let idx: Vec<u32> = (0..n as u32).collect();
    let t0 = std::time::Instant::now();
    let t = FixedBaseTable::new(&g, table_window(n));
    let build = t0.elapsed();
    // Alternate the three, best of three: on a shared machine single timings are noise.
    let mut best = [std::time::Duration::MAX; 3];
    // Small sizes take well under a millisecond's noise: more rounds there.
    for _ in 0..(if k <= 12 { 30 } else { 3 }) {
        let t0 = std::time::Instant::now();
        let a = t.msm(&idx, &s);
        best[0] = best[0].min(t0.elapsed());
        let t0 = std::time::Instant::now();
        let b = zkml_native::msm_affine::msm_batch_affine(&g, &s);
        best[1] = best[1].min(t0.elapsed());
        let t0 = std::time::Instant::now();
        let c = Projective::<P>::msm_bigint(&g, &s);
        best[2] = best[2].min(t0.elapsed());
        assert_eq!(a, b);
        assert_eq!(a, c);
    }
    println!("{name} 2^{k}: table (c={}, {} MiB) {:?} (build {:?}), batch-affine {:?}, arkworks {:?}", t.window(), t.bytes() >> 20, best[0], build, best[1], best[2]);
}
