//! Groth16 proving over a cached snarkjs key, with the same algebra as snarkjs's prover so the
//! proof verifies against the key's verification key (snarkjs `groth16.verify`, the exported
//! Solidity verifier):
//!
//! ```text
//! A  = α₁ + Σ wᵢ·Aᵢ + r·δ₁                 (G1)
//! B  = β₂ + Σ wᵢ·B2ᵢ + s·δ₂                (G2)
//! B' = β₁ + Σ wᵢ·B1ᵢ + s·δ₁                (G1, only to build C)
//! C  = Σ_{private i} wᵢ·Cᵢ + Σ hⱼ·Hⱼ + s·A + r·B' − r·s·δ₁
//! ```
//! with h from `CircomReduction` (qap.rs) and r, s fresh uniform scalars per proof.

use std::time::Instant;

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInt, PrimeField};
use ark_groth16::r1cs_to_qap::R1CSToQAP;
use ark_poly::Radix2EvaluationDomain;
use rayon::prelude::*;

use crate::error::{NativeError, Result};
use crate::msm::msm_split_with;
use crate::tables::KeyTables;
use crate::qap::CircomReduction;
use crate::zkey::ZkeyPk;

/// Where one proof's time went, in milliseconds.
#[derive(Default, Clone, Debug)]
pub struct Timings {
    pub qap_ms: f64,
    pub msm_a_ms: f64,
    pub msm_b1_ms: f64,
    pub msm_b2_ms: f64,
    pub msm_c_ms: f64,
    pub msm_h_ms: f64,
    pub total_ms: f64,
}

pub struct Proof {
    pub a: G1Affine,
    pub b: G2Affine,
    pub c: G1Affine,
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// Proves with witness `w` (already checked to be of this key's length) and blinding r, s.
pub fn prove(pk: &ZkeyPk, w: &[Fr], r: Fr, s: Fr) -> Result<(Proof, Timings)> {
    prove_with(pk, &KeyTables::default(), w, r, s)
}

/// As `prove`, with the key's fixed-base tables (tables.rs) where built: the same proof.
pub fn prove_with(pk: &ZkeyPk, tb: &KeyTables, w: &[Fr], r: Fr, s: Fr) -> Result<(Proof, Timings)> {
    if w.len() != pk.n_vars {
        return Err(NativeError::new("NATIVE_KEY_MISMATCH", format!("expected a witness of {} wires (this key's circuit), got {}", pk.n_vars, w.len())));
    }
    let mut t = Timings::default();
    let t0 = Instant::now();
    let h = qap_h(pk, w)?;
    t.qap_ms = ms(t0);

    let ws: Vec<BigInt<4>> = w.par_iter().map(|x| x.into_bigint()).collect();
    let tt = Instant::now();
    let a_acc = msm_split_with(&pk.a, &ws, tb.a.as_ref());
    t.msm_a_ms = ms(tt);
    let tt = Instant::now();
    let b1_acc = msm_split_with(&pk.b1, &ws, tb.b1.as_ref());
    t.msm_b1_ms = ms(tt);
    let tt = Instant::now();
    let b2_acc = msm_split_with(&pk.b2, &ws, tb.b2.as_ref());
    t.msm_b2_ms = ms(tt);
    let tt = Instant::now();
    let c_acc = msm_split_with(&pk.c, &ws[pk.n_public + 1..], tb.c.as_ref());
    t.msm_c_ms = ms(tt);
    let tt = Instant::now();
    let hs: Vec<BigInt<4>> = h.par_iter().map(|x| x.into_bigint()).collect();
    let h_acc = match &tb.h {
        Some(t) if t.len() == hs.len() => t.msm(&(0..hs.len() as u32).collect::<Vec<_>>(), &hs),
        _ => crate::msm_affine::msm_batch_affine(&pk.h, &hs),
    };
    t.msm_h_ms = ms(tt);

    let proof = assemble(pk, Sums { a: a_acc, b1: b1_acc, b2: b2_acc, c: c_acc, h: h_acc }, r, s);
    t.total_ms = ms(t0);
    Ok((proof, t))
}

/// The QAP step: h's evaluations over the odd coset (CircomReduction, qap.rs), one per H base.
pub fn qap_h(pk: &ZkeyPk, w: &[Fr]) -> Result<Vec<Fr>> {
    let h = CircomReduction::witness_map_from_matrices::<Fr, Radix2EvaluationDomain<Fr>>(&pk.matrices, pk.n_public + 1, pk.n_rows, w)
        .map_err(|e| NativeError::key(format!("QAP reduction failed: {e}")))?;
    if h.len() != pk.h.len() {
        return Err(NativeError::key(format!("expected a domain of {} (the key's H bases), got {}", pk.h.len(), h.len())));
    }
    Ok(h)
}

/// The five MSM results of one proof: Σ wᵢ·Aᵢ, Σ wᵢ·B1ᵢ, Σ wᵢ·B2ᵢ, Σ_{private} wᵢ·Cᵢ, Σ hⱼ·Hⱼ.
pub struct Sums {
    pub a: G1Projective,
    pub b1: G1Projective,
    pub b2: G2Projective,
    pub c: G1Projective,
    pub h: G1Projective,
}

/// The proof from the MSM sums and the blinding r, s (the formulas at the top of this file);
/// shared by the CPU and GPU (gpu.rs) provers.
pub fn assemble(pk: &ZkeyPk, m: Sums, r: Fr, s: Fr) -> Proof {
    let a = m.a + pk.alpha1 + pk.delta1 * r;
    let b = m.b2 + pk.beta2 + pk.delta2 * s;
    let b1 = m.b1 + pk.beta1 + pk.delta1 * s;
    let c = m.c + m.h + a * s + b1 * r - pk.delta1 * (r * s);
    Proof { a: a.into_affine(), b: b.into_affine(), c: c.into_affine() }
}

fn fq_str(x: ark_bn254::Fq) -> String {
    x.into_bigint().to_string()
}

/// snarkjs's proof JSON: projective-looking triples with z = 1, decimal strings.
pub fn proof_json(p: &Proof) -> String {
    let g1 = |q: &G1Affine| match q.xy() {
        Some((x, y)) => format!("[\"{}\",\"{}\",\"1\"]", fq_str(x), fq_str(y)),
        None => "[\"0\",\"1\",\"0\"]".to_string(),
    };
    let b = match p.b.xy() {
        Some((x, y)) => format!(
            "[[\"{}\",\"{}\"],[\"{}\",\"{}\"],[\"1\",\"0\"]]",
            fq_str(x.c0), fq_str(x.c1), fq_str(y.c0), fq_str(y.c1)
        ),
        None => "[[\"0\",\"0\"],[\"1\",\"0\"],[\"0\",\"0\"]]".to_string(),
    };
    format!("{{\"pi_a\":{},\"pi_b\":{},\"pi_c\":{},\"protocol\":\"groth16\",\"curve\":\"bn128\"}}", g1(&p.a), b, g1(&p.c))
}

/// The public signals (wires 1..=nPublic) as decimal strings, as snarkjs returns them.
pub fn public_signals(pk: &ZkeyPk, w: &[Fr]) -> Vec<String> {
    w[1..=pk.n_public].iter().map(|x| x.into_bigint().to_string()).collect()
}

