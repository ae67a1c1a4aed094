//! Reader for iden3 witness files (`.wtns`), as src/compiler/r1cs/writeWtns.ts writes them.
//!
//! ```text
//! iden3 container (binfile.rs), magic "wtns", version 2, all integers LE
//! section 1  header: u32 n8 = 32, prime r (n8 bytes LE), u32 nWitness
//! section 2  values: nWitness × n8 bytes, standard (not Montgomery) form, LE; wire 0 = 1 first
//! ```

use ark_bn254::Fr;
use ark_ff::{BigInt, One, PrimeField};
use rayon::prelude::*;

use crate::binfile::{limbs_le, BinFile, Reader};
use crate::error::{NativeError, Result};
use crate::field::fr_standard;

fn werr(s: String) -> NativeError {
    NativeError::wtns(s)
}

/// Parses a `.wtns` into field elements, checking the prime, the count, each value < r and
/// wire 0 = 1 (the prover adds the key's wire-0 bases as the constant one).
pub fn parse_wtns(bytes: &[u8]) -> Result<Vec<Fr>> {
    let f = BinFile::parse(bytes, b"wtns", werr)?;
    let mut h = Reader::new(f.section(1, werr)?, "the wtns header", werr);
    let n8 = h.u32()?;
    if n8 != 32 {
        return Err(werr(format!("expected n8 = 32 (BN254), got {n8}")));
    }
    if BigInt::new(h.limbs()?) != Fr::MODULUS {
        return Err(werr("expected the BN254 scalar field prime in the wtns header, got another prime".into()));
    }
    let n = h.u32()? as usize;
    let body = f.section(2, werr)?;
    if body.len() != n * 32 {
        return Err(werr(format!("expected {n} values ({} bytes), got {} bytes", n * 32, body.len())));
    }
    let w: Vec<Fr> = body
        .par_chunks_exact(32)
        .enumerate()
        .map(|(i, b)| fr_standard(limbs_le(b)).ok_or_else(|| werr(format!("expected witness[{i}] below r, got a larger value"))))
        .collect::<Result<_>>()?;
    if w.first().map(|v| !v.is_one()).unwrap_or(true) {
        return Err(werr("expected wire 0 (the constant one) = 1, got another value or an empty witness".into()));
    }
    Ok(w)
}
