//! BENCHMARKS AND TESTS ONLY: a Groth16 key for a `.r1cs`, written as a snarkjs `.zkey`, made from
//! random toxic waste that this process knows (and drops). Whoever ran it could forge proofs: never
//! register such a key. It exists because the bundled powers of tau stop at 2^15, and
//! bench/prove-engines measures snarkjs and the native prover at 2^16 and 2^18 on the same key.
//!
//! The key is what snarkjs's `zkey new` would make from a ceremony with this tau (γ = 1 as there):
//! A_j = u_j(τ)·G1, B_j = v_j(τ)·G1/G2, IC_s = (β·u_s + α·v_s + w_s)(τ)·G1,
//! C_j = (β·u_j + α·v_j + w_j)(τ)/δ·G1 for private j, and H_i = L^(2n)_(2i+1)(τ)/δ·G1, the odd entries
//! of the ptau's Lagrange level 2n (powers up to τ^(2n−2), devptau.rs), so that Σ P(x_i)·H_i =
//! h(τ)Z(τ)/δ over the odd coset x_i = ω₂ₙ·ωₙⁱ for P = A·B − C, exactly the pairing qap.rs computes.
//! `key_from_secrets` with a dev ptau's secrets and δ = 1 is byte for byte snarkjs's `zkey new` from it.

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::scalar_mul::BatchMulPreprocessing;
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
use ark_ff::{Field, One, PrimeField, UniformRand, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use ark_std::rand::{rngs::StdRng, SeedableRng};

use crate::error::{NativeError, Result};
use crate::r1cs::R1cs;

fn g1_bytes(out: &mut Vec<u8>, p: &G1Affine) {
    match p.xy() {
        Some((x, y)) => {
            for l in x.0 .0.iter().chain(y.0 .0.iter()) {
                out.extend_from_slice(&l.to_le_bytes());
            }
        }
        None => out.extend_from_slice(&[0u8; 64]),
    }
}

fn g2_bytes(out: &mut Vec<u8>, p: &G2Affine) {
    match p.xy() {
        Some((x, y)) => {
            for f in [x.c0, x.c1, y.c0, y.c1] {
                for l in f.0 .0.iter() {
                    out.extend_from_slice(&l.to_le_bytes());
                }
            }
        }
        None => out.extend_from_slice(&[0u8; 128]),
    }
}

fn section(out: &mut Vec<u8>, ty: u32, body: Vec<u8>) {
    out.extend_from_slice(&ty.to_le_bytes());
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    out.extend_from_slice(&body);
}

fn g1_batch(scalars: &[Fr]) -> Vec<G1Affine> {
    let table = BatchMulPreprocessing::new(G1Projective::generator(), scalars.len().max(1));
    table.batch_mul(scalars)
}

fn g2_batch(scalars: &[Fr]) -> Vec<G2Affine> {
    let table = BatchMulPreprocessing::new(G2Projective::generator(), scalars.len().max(1));
    table.batch_mul(scalars)
}

/// Makes an insecure Groth16 `.zkey` for `r1cs_bytes` from a seeded RNG (see the module doc).
pub fn insecure_bench_key(r1cs_bytes: &[u8], seed: u64) -> Result<Vec<u8>> {
    let mut rng = StdRng::seed_from_u64(seed);
    let (tau, alpha, beta, delta) = (Fr::rand(&mut rng), Fr::rand(&mut rng), Fr::rand(&mut rng), Fr::rand(&mut rng));
    key_from_secrets(r1cs_bytes, tau, alpha, beta, delta)
}

/// TESTS AND BENCHMARKS ONLY: the Groth16 `.zkey` for `r1cs_bytes` from known toxic waste. With the
/// tau, alpha and beta of a `zkml dev-ptau` file and delta = 1 it is byte for byte what snarkjs's
/// `zkey new` makes from that file (test/integration/dev-ptau.test.ts checks it), without reading it:
/// the test-only Groth16 setup for circuits too large for snarkjs's setup on a small machine.
pub fn key_from_secrets(r1cs_bytes: &[u8], tau: Fr, alpha: Fr, beta: Fr, delta: Fr) -> Result<Vec<u8>> {
    if delta.is_zero() {
        return Err(NativeError::key("expected a nonzero delta, got 0"));
    }
    let r1cs = R1cs::parse(r1cs_bytes)?;
    let n_vars = r1cs.n_wires;
    let n_pub = r1cs.n_public;
    let m = r1cs.constraints.len();
    let rows = m + n_pub + 1;
    let domain = Radix2EvaluationDomain::<Fr>::new(rows).ok_or_else(|| NativeError::key(format!("expected at most 2^27 rows, got {rows}")))?;
    let n = domain.size();
    let lag = domain.evaluate_all_lagrange_coefficients(tau);
    let (mut u, mut v, mut w) = (vec![Fr::zero(); n_vars], vec![Fr::zero(); n_vars], vec![Fr::zero(); n_vars]);
    for (i, (a, b, c)) in r1cs.constraints.iter().enumerate() {
        for (coef, j) in a {
            u[*j] += *coef * lag[i];
        }
        for (coef, j) in b {
            v[*j] += *coef * lag[i];
        }
        for (coef, j) in c {
            w[*j] += *coef * lag[i];
        }
    }
    for s in 0..=n_pub {
        u[s] += lag[m + s];
    }
    let delta_inv = delta.inverse().unwrap();
    let ic_s: Vec<Fr> = (0..=n_pub).map(|j| beta * u[j] + alpha * v[j] + w[j]).collect();
    let c_s: Vec<Fr> = (n_pub + 1..n_vars).map(|j| (beta * u[j] + alpha * v[j] + w[j]) * delta_inv).collect();
    // H: what snarkjs's `zkey new` reads from the ptau's Lagrange section at level log2(2n) (the
    // tauG1 powers up to τ^(2n−2), see devptau.rs), odd entries, over δ: H_i = L^(2n)_(2i+1)(τ)/δ·G1.
    // Over the odd coset x_i = ω₂ₙ·ωₙⁱ these give Σ P(x_i)·H_i = h(τ)Z(τ)/δ for deg P ≤ 2n − 2.
    let lag2 = crate::devptau::lagrange(tau, delta_inv, (2 * n).trailing_zeros(), true)?;
    let h_s: Vec<Fr> = lag2.iter().skip(1).step_by(2).copied().collect();
    let a_pts = g1_batch(&u);
    let b1_pts = g1_batch(&v);
    let b2_pts = g2_batch(&v);
    let ic_pts = g1_batch(&ic_s);
    let c_pts = g1_batch(&c_s);
    let h_pts = g1_batch(&h_s);
    let g1 = |s: Fr| (G1Projective::generator() * s).into_affine();
    let g2 = |s: Fr| (G2Projective::generator() * s).into_affine();

    let mut out = Vec::new();
    out.extend_from_slice(b"zkey");
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&9u32.to_le_bytes());
    section(&mut out, 1, 1u32.to_le_bytes().to_vec());
    let mut h = Vec::new();
    h.extend_from_slice(&32u32.to_le_bytes());
    for l in ark_bn254::Fq::MODULUS.0 {
        h.extend_from_slice(&l.to_le_bytes());
    }
    h.extend_from_slice(&32u32.to_le_bytes());
    for l in Fr::MODULUS.0 {
        h.extend_from_slice(&l.to_le_bytes());
    }
    for x in [n_vars as u32, n_pub as u32, n as u32] {
        h.extend_from_slice(&x.to_le_bytes());
    }
    g1_bytes(&mut h, &g1(alpha));
    g1_bytes(&mut h, &g1(beta));
    g2_bytes(&mut h, &g2(beta));
    g2_bytes(&mut h, &G2Affine::generator());
    g1_bytes(&mut h, &g1(delta));
    g2_bytes(&mut h, &g2(delta));
    section(&mut out, 2, h);
    let mut b = Vec::new();
    ic_pts.iter().for_each(|p| g1_bytes(&mut b, p));
    section(&mut out, 3, b);
    // Coefficients stored as coef·R² (see field.rs): the Montgomery limbs of coef·R.
    let r_mont = Fr::from_bigint(Fr::R).unwrap();
    let mut coefs: Vec<(u32, u32, u32, Fr)> = Vec::new();
    for (i, (a, bb, _)) in r1cs.constraints.iter().enumerate() {
        coefs.extend(a.iter().map(|(c, j)| (0, i as u32, *j as u32, *c)));
        coefs.extend(bb.iter().map(|(c, j)| (1, i as u32, *j as u32, *c)));
    }
    coefs.extend((0..=n_pub).map(|s| (0, (m + s) as u32, s as u32, Fr::one())));
    let mut b = Vec::with_capacity(4 + coefs.len() * 44);
    b.extend_from_slice(&(coefs.len() as u32).to_le_bytes());
    for (mat, c, s, val) in coefs {
        for x in [mat, c, s] {
            b.extend_from_slice(&x.to_le_bytes());
        }
        for l in (val * r_mont).0 .0 {
            b.extend_from_slice(&l.to_le_bytes());
        }
    }
    section(&mut out, 4, b);
    for (ty, pts) in [(5u32, &a_pts), (6, &b1_pts)] {
        let mut b = Vec::with_capacity(pts.len() * 64);
        pts.iter().for_each(|p| g1_bytes(&mut b, p));
        section(&mut out, ty, b);
    }
    let mut b = Vec::with_capacity(b2_pts.len() * 128);
    b2_pts.iter().for_each(|p| g2_bytes(&mut b, p));
    section(&mut out, 7, b);
    for (ty, pts) in [(8u32, &c_pts), (9, &h_pts)] {
        let mut b = Vec::with_capacity(pts.len() * 64);
        pts.iter().for_each(|p| g1_bytes(&mut b, p));
        section(&mut out, ty, b);
    }
    Ok(out)
}
