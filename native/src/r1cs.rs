//! Reader for iden3 constraint systems (`.r1cs`), as src/compiler/r1cs/writeR1cs.ts writes them,
//! used to refuse a witness that does not satisfy the circuit before any proving work.
//! A `.zkey` does not store the C matrix, so the check needs the circuit's `.r1cs`; the reader
//! also checks that its A and B rows are the key's, so a check passes only for the key's circuit.
//!
//! ```text
//! iden3 container (binfile.rs), magic "r1cs", version 1, all integers LE
//! section 1  header: u32 n8 = 32, prime r (n8 bytes), u32 nWires, u32 nPubOut, u32 nPubIn,
//!            u32 nPrvIn, u64 nLabels, u32 mConstraints
//! section 2  constraints: mConstraints × (A, B, C), each linear combination
//!            u32 nTerms, then nTerms × { u32 wireId, 32-byte coefficient, standard form LE }
//! section 3  wire → label map (ignored)
//! ```

use ark_bn254::Fr;
use ark_ff::{BigInt, PrimeField, Zero};
use rayon::prelude::*;

use crate::binfile::{BinFile, Reader};
use crate::error::{NativeError, Result};
use crate::field::fr_standard;
use crate::zkey::ZkeyPk;

pub type Lc = Vec<(Fr, usize)>;

/// A constraint system: for each constraint (A, B, C) with A·w × B·w = C·w.
pub struct R1cs {
    pub n_wires: usize,
    pub n_public: usize,
    pub constraints: Vec<(Lc, Lc, Lc)>,
}

fn rerr(s: String) -> NativeError {
    NativeError::key(format!("the .r1cs given with the key: {s}"))
}

impl R1cs {
    pub fn parse(bytes: &[u8]) -> Result<R1cs> {
        let f = BinFile::parse(bytes, b"r1cs", rerr)?;
        let mut h = Reader::new(f.section(1, rerr)?, "the r1cs header", rerr);
        if h.u32()? != 32 || BigInt::new(h.limbs()?) != Fr::MODULUS {
            return Err(rerr("expected n8 = 32 and the BN254 scalar field prime, got another field".into()));
        }
        let n_wires = h.u32()? as usize;
        let n_pub_out = h.u32()? as usize;
        let n_pub_in = h.u32()? as usize;
        let _n_prv_in = h.u32()?;
        let _n_labels = h.u64()?;
        let m = h.u32()? as usize;
        let mut r = Reader::new(f.section(2, rerr)?, "the constraints section", rerr);
        let lc = |r: &mut Reader| -> Result<Lc> {
            let n = r.u32()? as usize;
            let mut out = Vec::with_capacity(n.min((r.bytes.len() - r.pos) / 36));
            for _ in 0..n {
                let w = r.u32()? as usize;
                let v = fr_standard(r.limbs()?).ok_or_else(|| rerr("expected coefficients below r, got a larger one".into()))?;
                if w >= n_wires {
                    return Err(rerr(format!("expected wire ids below {n_wires}, got {w}")));
                }
                out.push((v, w));
            }
            Ok(out)
        };
        // Each constraint takes at least 12 bytes: a hostile count cannot reserve more than the file holds.
        let mut constraints = Vec::with_capacity(m.min(r.bytes.len() / 12));
        for _ in 0..m {
            let a = lc(&mut r)?;
            let b = lc(&mut r)?;
            let c = lc(&mut r)?;
            constraints.push((a, b, c));
        }
        r.done()?;
        Ok(R1cs { n_wires, n_public: n_pub_out + n_pub_in, constraints })
    }

    /// Checks this system is the key's circuit: same wires, public count, and A/B rows.
    pub fn check_matches(&self, pk: &ZkeyPk) -> Result<()> {
        let mismatch = |what: String| NativeError::new("NATIVE_KEY_MISMATCH", format!("the .r1cs is not the circuit of this zkey: {what}"));
        if self.n_wires != pk.n_vars || self.n_public != pk.n_public || self.constraints.len() != pk.n_constraints() {
            return Err(mismatch(format!(
                "expected {} wires, {} public signals, {} constraints (the zkey's), got {}, {}, {}",
                pk.n_vars, pk.n_public, pk.n_constraints(), self.n_wires, self.n_public, self.constraints.len()
            )));
        }
        let norm = |lc: &Lc| {
            let mut v: Vec<(usize, Fr)> = lc.iter().filter(|(c, _)| !c.is_zero()).map(|(c, w)| (*w, *c)).collect();
            v.sort_by_key(|x| x.0);
            v
        };
        let bad = (0..self.constraints.len()).into_par_iter().find_first(|&i| {
            let (a, b, _) = &self.constraints[i];
            norm(a) != norm(&pk.matrices.a[i]) || norm(b) != norm(&pk.matrices.b[i])
        });
        if let Some(i) = bad {
            return Err(mismatch(format!("expected constraint {i}'s A and B to equal the zkey's coefficients, got others")));
        }
        Ok(())
    }

    /// The first constraint the witness breaks, or None when A·w × B·w = C·w everywhere.
    pub fn first_unsatisfied(&self, w: &[Fr]) -> Option<usize> {
        let dot = |lc: &Lc| lc.iter().fold(Fr::zero(), |acc, (c, i)| acc + *c * w[*i]);
        (0..self.constraints.len()).into_par_iter().find_first(|&i| {
            let (a, b, c) = &self.constraints[i];
            dot(a) * dot(b) != dot(c)
        })
    }
}
