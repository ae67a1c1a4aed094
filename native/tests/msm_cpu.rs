//! `ZKML_MSM=g2:batch ZKML_SPEED_LOG2=16 cargo test --release --no-default-features --test msm_cpu -- --ignored --nocapture`:
//! the process CPU seconds of one MSM variant on random full-size scalars (CPU time: on a shared
//! machine wall time is other people's load). A profile, not a check; variants: batch (the
//! per-proof batch-affine Pippenger), ark (arkworks). `ZKML_REPS=N` repeats each for small sizes.

mod common;

use ark_bn254::Fr;
use ark_ec::short_weierstrass::{Projective, SWCurveConfig};
use ark_ec::VariableBaseMSM;

fn cpu_s() -> f64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap();
    let f: Vec<&str> = s.rsplit(')').next().unwrap().split_whitespace().collect();
    (f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap()) / 100.0
}

fn run<P: SWCurveConfig<ScalarField = Fr>>(name: &str, k: u32, variants: &[&str]) {
    let (g, s) = common::random_msm::<P>(k);
    let mut first: Option<Projective<P>> = None;
    // Small sizes take well under the clock's 10 ms CPU tick: repeat them (ZKML_REPS) and report per run.
    let reps: u32 = std::env::var("ZKML_REPS").unwrap_or("1".into()).parse().unwrap();
    for v in variants {
        let c0 = cpu_s();
        let t0 = std::time::Instant::now();
        let mut r = Projective::<P>::default();
        for _ in 0..reps {
            r = match *v {
                "batch" => zkml_native::msm_affine::msm_batch_affine(&g, &s),
                "ark" => Projective::<P>::msm_bigint(&g, &s),
                _ => panic!("unknown variant {v}"),
            };
        }
        let per = |x: f64| x * 1000.0 / reps as f64;
        println!("{name} 2^{k} {v}: {:.2} cpu-ms, {:.2} wall-ms a run ({reps} runs)", per(cpu_s() - c0), per(t0.elapsed().as_secs_f64()));
        match first {
            None => first = Some(r),
            Some(f) => assert_eq!(f, r, "{v} differs"),
        }
    }
}

#[test]
#[ignore]
fn msm_cpu() {
    let k: u32 = std::env::var("ZKML_SPEED_LOG2").unwrap_or("16".into()).parse().unwrap();
    let spec = std::env::var("ZKML_MSM").unwrap_or("g1:batch,ark;g2:batch,ark".into());
    for part in spec.split(';') {
        let (curve, vs) = part.split_once(':').unwrap();
        let vs: Vec<&str> = vs.split(',').collect();
        match curve {
            "g1" => run::<ark_bn254::g1::Config>("G1", k, &vs),
            "g2" => run::<ark_bn254::g2::Config>("G2", k, &vs),
            _ => panic!("curve {curve}"),
        }
    }
}
