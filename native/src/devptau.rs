//! TESTS AND BENCHMARKS ONLY: a snarkjs-compatible, phase-2-prepared powers-of-tau file made from a
//! PUBLIC tau, alpha and beta (`zkml dev-ptau`, src/dev/devPtau.ts derives them from a recorded seed).
//! Anyone can forge proofs for every circuit keyed with such a file: it is marked insecure in its
//! file name, in its contribution's name and (through that name) in every manifest (`testOnly`).
//!
//! ## File layout (snarkjs `binfileutils`, "ptau" version 1; every integer little-endian)
//!
//! ```text
//! "ptau" u32 version=1 u32 nSections=11
//! then per section: u32 type, u64 byteLength, body
//!  1 header      u32 n8=32, q (32 B LE), u32 power, u32 ceremonyPower (= power)
//!  2 tauG1       τ^i·G1,   i < 2^(power+1) − 1
//!  3 tauG2       τ^i·G2,   i < 2^power
//!  4 alphaTauG1  α·τ^i·G1, i < 2^power
//!  5 betaTauG1   β·τ^i·G1, i < 2^power
//!  6 betaG2      β·G2 (one point)
//!  7 contributions   u32 count (1), then the record src/dev/devPtau.ts builds; this writer only
//!                    fills in its nextChallenge (64 B at `next_challenge_at` within the body)
//! 12 lagrange tauG1      for p = 0 ..= power+1: the 2^p points L_i^(p)(τ)·G1 (see below)
//! 13 lagrange tauG2      for p = 0 ..= power:   L_i^(p)(τ)·G2
//! 14 lagrange alphaTauG1 for p = 0 ..= power:   α·L_i^(p)(τ)·G1
//! 15 lagrange betaTauG1  for p = 0 ..= power:   β·L_i^(p)(τ)·G1
//! ```
//!
//! Points are affine, coordinates in Montgomery form, little-endian ("LEM"): G1 = x‖y (64 B),
//! G2 = x.c0‖x.c1‖y.c0‖y.c1 (128 B). L^(p) is what snarkjs's `preparephase2` computes with an inverse
//! FFT over the points: L_i^(p) = (1/n)·Σ_k ω_n^(−ik)·τ^k (n = 2^p, natural order); at p = power+1 the
//! last power is taken as zero (the tauG1 section has one point fewer). Here the IFFT runs over the
//! scalars (τ is known) and each result is one fixed-base multiplication.
//!
//! nextChallenge = blake2b-512(responseHash ‖ sections 2..6 with every point "uncompressed": x‖y
//! big-endian in standard form, G2 as x.c1‖x.c0‖y.c1‖y.c0), as `snarkjs powersoftau verify` recomputes it.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::time::Instant;

use ark_bn254::{Fq, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::scalar_mul::BatchMulPreprocessing;
use ark_ec::{AffineRepr, PrimeGroup};
use ark_ff::{BigInteger, Field, One, PrimeField, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use blake2::{Blake2b512, Digest};
use rayon::prelude::*;

use crate::error::{NativeError, Result};

/// Scalars per batch: bounds memory (a batch of G2 results is 2^20 · 200 B).
const CHUNK: usize = 1 << 20;
/// The tauG1 Lagrange section goes one level past the power, and bn254's Fr has 2-adicity 28.
pub const MAX_POWER: u32 = 27;

fn err(s: String) -> NativeError {
    NativeError::new("PTAU_INVALID", s)
}

fn io(e: std::io::Error) -> NativeError {
    err(format!("expected a writable ptau file, got {e}"))
}

fn fq_lem(out: &mut Vec<u8>, f: &Fq) {
    for l in f.0 .0.iter() {
        out.extend_from_slice(&l.to_le_bytes());
    }
}

fn fq_be(out: &mut Vec<u8>, f: &Fq) {
    out.extend_from_slice(&f.into_bigint().to_bytes_be());
}

/// LEM bytes of a G1 point (all zero at infinity, like snarkjs's zeroAffine).
pub fn g1_lem(out: &mut Vec<u8>, p: &G1Affine) {
    match p.xy() {
        Some((x, y)) => {
            fq_lem(out, &x);
            fq_lem(out, &y);
        }
        None => out.extend_from_slice(&[0u8; 64]),
    }
}

/// LEM bytes of a G2 point.
pub fn g2_lem(out: &mut Vec<u8>, p: &G2Affine) {
    match p.xy() {
        Some((x, y)) => {
            for f in [x.c0, x.c1, y.c0, y.c1] {
                fq_lem(out, &f);
            }
        }
        None => out.extend_from_slice(&[0u8; 128]),
    }
}

/// snarkjs's "uncompressed" G1 (what its hashes cover): x‖y big-endian, standard form.
pub fn g1_unc(out: &mut Vec<u8>, p: &G1Affine) {
    match p.xy() {
        Some((x, y)) => {
            fq_be(out, &x);
            fq_be(out, &y);
        }
        None => {
            let mut z = [0u8; 64];
            z[0] = 0x40;
            out.extend_from_slice(&z)
        }
    }
}

/// snarkjs's "uncompressed" G2: x.c1‖x.c0‖y.c1‖y.c0, each big-endian, standard form.
pub fn g2_unc(out: &mut Vec<u8>, p: &G2Affine) {
    match p.xy() {
        Some((x, y)) => {
            for f in [x.c1, x.c0, y.c1, y.c0] {
                fq_be(out, &f);
            }
        }
        None => {
            let mut z = [0u8; 128];
            z[0] = 0x40;
            out.extend_from_slice(&z)
        }
    }
}

/// The hash snarkjs calls the first challenge of a ceremony of this power: blake2b-512 over the
/// blake2b-512 of nothing, then every point of a fresh accumulator (all generators) uncompressed.
pub fn first_challenge_hash(power: u32) -> [u8; 64] {
    let mut g1 = Vec::new();
    g1_unc(&mut g1, &G1Affine::generator());
    let mut g2 = Vec::new();
    g2_unc(&mut g2, &G2Affine::generator());
    let mut h = Blake2b512::new();
    h.update(Blake2b512::digest([]));
    let n = 1usize << power;
    let block = |h: &mut Blake2b512, p: &[u8], count: usize| {
        let per = 4096;
        let big: Vec<u8> = p.iter().copied().cycle().take(p.len() * per).collect();
        for _ in 0..count / per {
            h.update(&big);
        }
        for _ in 0..count % per {
            h.update(p);
        }
    };
    block(&mut h, &g1, 2 * n - 1);
    block(&mut h, &g2, n);
    block(&mut h, &g1, n);
    block(&mut h, &g1, n);
    h.update(&g2);
    h.finalize().into()
}

/// What the writer took, in milliseconds, for the report `zkml dev-ptau` prints.
#[derive(Default, Debug)]
pub struct Timings {
    pub powers_ms: f64,
    pub lagrange_ms: f64,
    pub total_ms: f64,
    pub bytes: u64,
}

struct Out {
    w: BufWriter<File>,
    buf: Vec<u8>,
    unc: Vec<u8>,
}

enum Group {
    G1(BatchMulPreprocessing<G1Projective>),
    G2(BatchMulPreprocessing<G2Projective>),
}

impl Group {
    fn g1(n: usize) -> Group {
        Group::G1(BatchMulPreprocessing::new(G1Projective::generator(), n.max(1)))
    }
    fn g2(n: usize) -> Group {
        Group::G2(BatchMulPreprocessing::new(G2Projective::generator(), n.max(1)))
    }
    fn size(&self) -> usize {
        match self {
            Group::G1(_) => 64,
            Group::G2(_) => 128,
        }
    }
}

impl Out {
    fn section_header(&mut self, ty: u32, len: u64) -> Result<()> {
        self.w.write_all(&ty.to_le_bytes()).map_err(io)?;
        self.w.write_all(&len.to_le_bytes()).map_err(io)
    }

    /// Writes s_i·G for every scalar, in chunks; with `hash`, feeds the uncompressed points to it.
    fn points(&mut self, g: &Group, scalars: &[Fr], mut hash: Option<&mut Blake2b512>) -> Result<()> {
        for chunk in scalars.chunks(CHUNK) {
            self.buf.clear();
            self.unc.clear();
            match g {
                Group::G1(t) => {
                    let pts = t.batch_mul(chunk);
                    for p in &pts {
                        g1_lem(&mut self.buf, p);
                        if hash.is_some() {
                            g1_unc(&mut self.unc, p);
                        }
                    }
                }
                Group::G2(t) => {
                    let pts = t.batch_mul(chunk);
                    for p in &pts {
                        g2_lem(&mut self.buf, p);
                        if hash.is_some() {
                            g2_unc(&mut self.unc, p);
                        }
                    }
                }
            }
            self.w.write_all(&self.buf).map_err(io)?;
            if let Some(h) = hash.as_deref_mut() {
                h.update(&self.unc);
            }
        }
        Ok(())
    }
}

/// τ^0 … τ^(n−1), times `factor`, computed in parallel blocks.
fn powers(tau: Fr, factor: Fr, n: usize) -> Vec<Fr> {
    let block = 1 << 14;
    let mut v = vec![Fr::zero(); n];
    v.par_chunks_mut(block).enumerate().for_each(|(b, out)| {
        let mut x = factor * tau.pow([(b * block) as u64]);
        for o in out.iter_mut() {
            *o = x;
            x *= tau;
        }
    });
    v
}

/// The Lagrange scalars of level p: IFFT of (τ^0 … τ^(n−1)) over the 2^p-th roots of unity, times
/// `factor`; `drop_last` zeroes τ^(n−1) first (the tauG1 section's extra level, see the layout).
pub fn lagrange(tau: Fr, factor: Fr, p: u32, drop_last: bool) -> Result<Vec<Fr>> {
    let n = 1usize << p;
    let mut v = powers(tau, factor, n);
    if drop_last {
        v[n - 1] = Fr::zero();
    }
    if n > 1 {
        let d = Radix2EvaluationDomain::<Fr>::new(n).ok_or_else(|| err(format!("expected a power at most {MAX_POWER}, got {p}")))?;
        d.ifft_in_place(&mut v);
    }
    Ok(v)
}

/// Writes the whole file. `contribution` is section 7's body; its bytes at
/// `next_challenge_at..+64` are replaced by the next challenge hash, computed as the file is written
/// from `response_hash` (the contribution's, computed by the caller) and the points.
pub fn write_dev_ptau(
    path: &str,
    power: u32,
    tau: Fr,
    alpha: Fr,
    beta: Fr,
    contribution: &[u8],
    response_hash: &[u8],
    next_challenge_at: usize,
) -> Result<Timings> {
    if power == 0 || power > MAX_POWER {
        return Err(err(format!("expected a power in 1..={MAX_POWER}, got {power}")));
    }
    if response_hash.len() != 64 || next_challenge_at + 64 > contribution.len() {
        return Err(err(format!(
            "expected a 64-byte response hash and a nextChallenge inside the contribution, got {} bytes and offset {next_challenge_at} of {}",
            response_hash.len(),
            contribution.len()
        )));
    }
    if tau.is_zero() || alpha.is_zero() || beta.is_zero() {
        return Err(err("expected nonzero tau, alpha and beta, got a zero".into()));
    }
    let t0 = Instant::now();
    let n = 1usize << power;
    let file = File::create(path).map_err(io)?;
    let mut o = Out { w: BufWriter::with_capacity(8 << 20, file), buf: Vec::new(), unc: Vec::new() };

    o.w.write_all(b"ptau").map_err(io)?;
    o.w.write_all(&1u32.to_le_bytes()).map_err(io)?;
    o.w.write_all(&11u32.to_le_bytes()).map_err(io)?;

    // 1: header
    o.section_header(1, 4 + 32 + 4 + 4)?;
    o.w.write_all(&32u32.to_le_bytes()).map_err(io)?;
    o.w.write_all(&Fq::MODULUS.to_bytes_le()).map_err(io)?;
    o.w.write_all(&power.to_le_bytes()).map_err(io)?;
    o.w.write_all(&power.to_le_bytes()).map_err(io)?;

    let mut h = Blake2b512::new();
    h.update(response_hash);
    let g1 = Group::g1(2 * n);
    let g2 = Group::g2(2 * n);
    // 2..6
    o.section_header(2, (2 * n as u64 - 1) * 64)?;
    o.points(&g1, &powers(tau, Fr::one(), 2 * n - 1), Some(&mut h))?;
    o.section_header(3, n as u64 * 128)?;
    o.points(&g2, &powers(tau, Fr::one(), n), Some(&mut h))?;
    o.section_header(4, n as u64 * 64)?;
    o.points(&g1, &powers(tau, alpha, n), Some(&mut h))?;
    o.section_header(5, n as u64 * 64)?;
    o.points(&g1, &powers(tau, beta, n), Some(&mut h))?;
    o.section_header(6, 128)?;
    o.points(&g2, &[beta], Some(&mut h))?;
    let next: [u8; 64] = h.finalize().into();
    // 7
    let mut c = contribution.to_vec();
    c[next_challenge_at..next_challenge_at + 64].copy_from_slice(&next);
    o.section_header(7, c.len() as u64)?;
    o.w.write_all(&c).map_err(io)?;
    let powers_ms = t0.elapsed().as_secs_f64() * 1000.0;

    // 12..15: Σ_{p ≤ last} 2^p = 2^(last+1) − 1 points each
    let lag = |o: &mut Out, ty: u32, g: &Group, factor: Fr, last: u32| -> Result<()> {
        o.section_header(ty, ((1u64 << (last + 1)) - 1) * g.size() as u64)?;
        for p in 0..=last {
            let v = lagrange(tau, factor, p, p == power + 1)?;
            o.points(g, &v, None)?;
        }
        Ok(())
    };
    lag(&mut o, 12, &g1, Fr::one(), power + 1)?;
    lag(&mut o, 13, &g2, Fr::one(), power)?;
    lag(&mut o, 14, &g1, alpha, power)?;
    lag(&mut o, 15, &g1, beta, power)?;
    o.w.flush().map_err(io)?;
    let bytes = o.w.get_mut().seek(SeekFrom::End(0)).map_err(io)?;
    let total_ms = t0.elapsed().as_secs_f64() * 1000.0;
    Ok(Timings { powers_ms, lagrange_ms: total_ms - powers_ms, total_ms, bytes })
}

/// An Fr from a decimal string (below r).
pub fn fr_decimal(s: &str, what: &str) -> Result<Fr> {
    let mut acc = Fr::zero();
    let ten = Fr::from(10u64);
    if s.is_empty() || s.len() > 78 {
        return Err(err(format!("expected {what} as a decimal integer below r, got {s:?}")));
    }
    for ch in s.chars() {
        let d = ch.to_digit(10).ok_or_else(|| err(format!("expected {what} as a decimal integer, got {s:?}")))?;
        acc = acc * ten + Fr::from(d as u64);
    }
    Ok(acc)
}
