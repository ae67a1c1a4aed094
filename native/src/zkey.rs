//! Reader for snarkjs Groth16 proving keys (`.zkey`), into the cached native layout.
//!
//! Binary layout (iden3 container, see binfile.rs; magic "zkey", version 1). All integers LE.
//! Points are stored affine with coordinates in Montgomery form, LE ("LEM"): G1 = x‖y (64 bytes),
//! G2 = x.c0‖x.c1‖y.c0‖y.c1 (128 bytes); the point at infinity is all zeros.
//!
//! ```text
//! section 1  header: u32 protocol (1 = groth16; 2 = plonk, 10 = fflonk are refused)
//! section 2  groth16 header:
//!              u32 n8q = 32, q (n8q bytes LE), u32 n8r = 32, r (n8r bytes LE),
//!              u32 nVars (wires, incl. wire 0 = 1), u32 nPublic (outputs + public inputs),
//!              u32 domainSize (power of two ≥ nConstraints + nPublic + 1),
//!              alpha1 G1, beta1 G1, beta2 G2, gamma2 G2, delta1 G1, delta2 G2
//! section 3  IC: (nPublic + 1) G1 points (verification key; read for completeness)
//! section 4  coefficients: u32 nCoefs, then nCoefs × { u32 matrix (0 = A, 1 = B),
//!              u32 constraint, u32 signal, 32-byte value stored as coef·R² mod r }
//!            (C is not stored: the prover takes C = A∘B over the domain). snarkjs appends, for
//!            s = 0..=nPublic, an A-term (constraint nConstraints + s, signal s, coef 1): circom's
//!            extra public-input constraints, which bind the public signals to the proof.
//! section 5  A:  nVars G1
//! section 6  B1: nVars G1
//! section 7  B2: nVars G2
//! section 8  C:  (nVars − nPublic − 1) G1, for the private wires
//! section 9  H:  domainSize G1, Lagrange bases over the odd powers of the 2·domainSize-th root
//!            of unity, so the prover multiplies them with (A·B − C) evaluated on that coset
//! section 10 contributions (ignored)
//! ```

use ark_bn254::{Fq, Fr, G1Affine, G2Affine};
use ark_ff::{BigInt, PrimeField};
use ark_relations::r1cs::ConstraintMatrices;
use rayon::prelude::*;

use crate::binfile::{BinFile, Reader};
use crate::error::{NativeError, Result};
use crate::field::{fr_zkey_coef, g1_mont, g2_mont};

/// A Groth16 proving key in the native layout: affine points (Montgomery form, as arkworks keeps
/// them) and the A/B matrices as rows, parsed once and shared by every proof.
pub struct ZkeyPk {
    pub n_vars: usize,
    pub n_public: usize,
    pub domain_size: usize,
    /// Rows in the A/B matrices: the circuit's constraints plus nPublic + 1 public-input rows.
    pub n_rows: usize,
    pub alpha1: G1Affine,
    pub beta1: G1Affine,
    pub beta2: G2Affine,
    pub gamma2: G2Affine,
    pub delta1: G1Affine,
    pub delta2: G2Affine,
    pub ic: Vec<G1Affine>,
    pub matrices: ConstraintMatrices<Fr>,
    pub a: Vec<G1Affine>,
    pub b1: Vec<G1Affine>,
    pub b2: Vec<G2Affine>,
    pub c: Vec<G1Affine>,
    pub h: Vec<G1Affine>,
}

fn kerr(s: String) -> NativeError {
    NativeError::key(s)
}

fn g1s(body: &[u8], n: usize, what: &str) -> Result<Vec<G1Affine>> {
    if body.len() != n * 64 {
        return Err(kerr(format!("expected {what} to hold {n} G1 points ({} bytes), got {} bytes", n * 64, body.len())));
    }
    body.par_chunks_exact(64)
        .enumerate()
        .map(|(i, b)| g1_mont(b).ok_or_else(|| kerr(format!("expected {what}[{i}] to be a BN254 G1 point, got coordinates off the curve or not below q"))))
        .collect()
}

fn g2s(body: &[u8], n: usize, what: &str) -> Result<Vec<G2Affine>> {
    if body.len() != n * 128 {
        return Err(kerr(format!("expected {what} to hold {n} G2 points ({} bytes), got {} bytes", n * 128, body.len())));
    }
    body.par_chunks_exact(128)
        .enumerate()
        .map(|(i, b)| g2_mont(b).ok_or_else(|| kerr(format!("expected {what}[{i}] to be a BN254 G2 point, got coordinates off the curve or not below q"))))
        .collect()
}

fn one_g1(r: &mut Reader, what: &str) -> Result<G1Affine> {
    let b = r.take(64)?;
    g1_mont(b).ok_or_else(|| kerr(format!("expected {what} to be a BN254 G1 point, got one off the curve")))
}

fn one_g2(r: &mut Reader, what: &str) -> Result<G2Affine> {
    let b = r.take(128)?;
    g2_mont(b).ok_or_else(|| kerr(format!("expected {what} to be a BN254 G2 point, got one off the curve")))
}

impl ZkeyPk {
    /// Parses a snarkjs Groth16 `.zkey` over BN254.
    pub fn parse(bytes: &[u8]) -> Result<ZkeyPk> {
        let f = BinFile::parse(bytes, b"zkey", kerr)?;
        let mut h1 = Reader::new(f.section(1, kerr)?, "the zkey header", kerr);
        let protocol = h1.u32()?;
        if protocol != 1 {
            let name = match protocol { 2 => "plonk", 10 => "fflonk", _ => "unknown" };
            return Err(NativeError::new("ENGINE_BACKEND_UNSUPPORTED", format!("expected a groth16 zkey (protocol 1), got protocol {protocol} ({name}); the native engine proves Groth16 only")));
        }
        let mut h = Reader::new(f.section(2, kerr)?, "the groth16 header", kerr);
        let n8q = h.u32()?;
        let q = if n8q == 32 { h.limbs()? } else { [0; 4] };
        if n8q != 32 || BigInt::new(q) != Fq::MODULUS {
            return Err(kerr("expected a key over BN254 (n8q = 32 and its base field prime), got another curve".into()));
        }
        let n8r = h.u32()?;
        let r = if n8r == 32 { h.limbs()? } else { [0; 4] };
        if n8r != 32 || BigInt::new(r) != Fr::MODULUS {
            return Err(kerr("expected a key over BN254 (n8r = 32 and its scalar field prime), got another curve".into()));
        }
        let n_vars = h.u32()? as usize;
        let n_public = h.u32()? as usize;
        let domain_size = h.u32()? as usize;
        if n_vars == 0 || n_public + 1 > n_vars {
            return Err(kerr(format!("expected 0 < nPublic + 1 <= nVars, got nVars {n_vars}, nPublic {n_public}")));
        }
        // 2^28 is BN254 Fr's two-adicity: snarkjs would switch to another coset shift there.
        if !domain_size.is_power_of_two() || domain_size > 1 << 27 {
            return Err(kerr(format!("expected a power-of-two domain size up to 2^27, got {domain_size}")));
        }
        // Sizes come from the header: check them against the point sections before allocating
        // anything by them (a hostile header must not make us reserve gigabytes).
        for (ty, want, what) in [(5u32, n_vars * 64, "A"), (6, n_vars * 64, "B1"), (7, n_vars * 128, "B2"), (9, domain_size * 64, "H")] {
            let got = f.section(ty, kerr)?.len();
            if got != want {
                return Err(kerr(format!("expected section {ty} ({what}) of {want} bytes for nVars {n_vars} and domain {domain_size}, got {got} bytes")));
            }
        }
        let alpha1 = one_g1(&mut h, "alpha1")?;
        let beta1 = one_g1(&mut h, "beta1")?;
        let beta2 = one_g2(&mut h, "beta2")?;
        let gamma2 = one_g2(&mut h, "gamma2")?;
        let delta1 = one_g1(&mut h, "delta1")?;
        let delta2 = one_g2(&mut h, "delta2")?;

        let ic = g1s(f.section(3, kerr)?, n_public + 1, "IC")?;

        let mut cr = Reader::new(f.section(4, kerr)?, "the coefficients section", kerr);
        let n_coefs = cr.u32()? as usize;
        if cr.bytes.len() != 4 + n_coefs * 44 {
            return Err(kerr(format!("expected {n_coefs} coefficients ({} bytes), got {} bytes", 4 + n_coefs * 44, cr.bytes.len())));
        }
        let mut a_rows: Vec<Vec<(Fr, usize)>> = vec![Vec::new(); domain_size];
        let mut b_rows: Vec<Vec<(Fr, usize)>> = vec![Vec::new(); domain_size];
        let mut n_rows = 0usize;
        for i in 0..n_coefs {
            let m = cr.u32()?;
            let c = cr.u32()? as usize;
            let s = cr.u32()? as usize;
            let v = fr_zkey_coef(cr.limbs()?).ok_or_else(|| kerr(format!("expected coefficient {i} below r, got a larger value")))?;
            if c >= domain_size || s >= n_vars || m > 1 {
                return Err(kerr(format!("expected coefficient {i} with matrix 0|1, constraint < {domain_size}, signal < {n_vars}, got matrix {m}, constraint {c}, signal {s}")));
            }
            n_rows = n_rows.max(c + 1);
            if m == 0 { a_rows[c].push((v, s)) } else { b_rows[c].push((v, s)) }
        }
        if n_rows < n_public + 1 {
            return Err(kerr(format!("expected at least the {} public-input rows in the coefficients, got {n_rows} rows", n_public + 1)));
        }
        a_rows.truncate(n_rows);
        b_rows.truncate(n_rows);
        let a_nz = a_rows.iter().map(Vec::len).sum();
        let b_nz = b_rows.iter().map(Vec::len).sum();
        let matrices = ConstraintMatrices {
            num_instance_variables: n_public + 1,
            num_witness_variables: n_vars - n_public - 1,
            num_constraints: n_rows,
            a_num_non_zero: a_nz,
            b_num_non_zero: b_nz,
            c_num_non_zero: 0,
            a: a_rows,
            b: b_rows,
            c: Vec::new(),
        };

        let a = g1s(f.section(5, kerr)?, n_vars, "A")?;
        let b1 = g1s(f.section(6, kerr)?, n_vars, "B1")?;
        let b2 = g2s(f.section(7, kerr)?, n_vars, "B2")?;
        let c = g1s(f.section(8, kerr)?, n_vars - n_public - 1, "C")?;
        let hq = g1s(f.section(9, kerr)?, domain_size, "H")?;
        Ok(ZkeyPk { n_vars, n_public, domain_size, n_rows, alpha1, beta1, beta2, gamma2, delta1, delta2, ic, matrices, a, b1, b2, c, h: hq })
    }

    /// Circuit constraints (without the nPublic + 1 public-input rows).
    pub fn n_constraints(&self) -> usize {
        self.n_rows - self.n_public - 1
    }

    /// Approximate resident bytes of the cached key.
    pub fn bytes(&self) -> usize {
        let g1 = std::mem::size_of::<G1Affine>();
        let g2 = std::mem::size_of::<G2Affine>();
        (self.a.len() + self.b1.len() + self.c.len() + self.h.len() + self.ic.len()) * g1
            + self.b2.len() * g2
            + (self.matrices.a_num_non_zero + self.matrices.b_num_non_zero) * std::mem::size_of::<(Fr, usize)>()
    }
}

