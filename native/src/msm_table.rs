//! Fixed-base MSM over precomputed tables, for the proving key's points.
//!
//! A proving key's bases never change across proofs. Pippenger with c-bit signed windows costs,
//! per window, one affine addition per base plus a bucket reduction (~2^(c−1) projective
//! additions), and the windows are then joined with c doublings each. With the shifted bases
//! 2^(c·k)·Pᵢ stored for every window k, all windows fall into ONE set of buckets: the same
//! additions, but a single bucket reduction (per thread) and no doublings, so c can be larger
//! (fewer additions) than a per-proof Pippenger can afford. Memory: n·⌈255/c⌉ affine points.
//!
//! ```text
//! table[i·W + k] = 2^(c·k)·Pᵢ,  W = 254/c + 1
//! Σ sᵢ·Pᵢ = Σᵢ Σₖ dᵢₖ·table[i·W + k]     (dᵢₖ the signed c-bit digits of sᵢ)
//! ```
//! The result is the same group element as arkworks' MSM (tests/msm_table.rs).

use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::{AdditiveGroup, AffineRepr, CurveGroup, PrimeGroup};
use ark_ff::{BigInt, PrimeField, Zero};
use rayon::prelude::*;

use crate::msm_affine::{bucket_sum, signed_digits};

/// Precomputed shifted copies of fixed bases (see the top of the file).
pub struct FixedBaseTable<P: SWCurveConfig> {
    c: usize,
    windows: usize,
    n: usize,
    points: Vec<Affine<P>>,
}

/// The window width that minimises n·(254/c + 1) affine additions plus the one bucket reduction
/// (~2^(c−1) buckets at ~4 affine additions each).
///
/// ```
/// assert_eq!(zkml_native::msm_table::table_window(1 << 16), 15);
/// ```
pub fn table_window(n: usize) -> usize {
    (8..=17usize).min_by_key(|&c| n * (254 / c + 1) + (1usize << (c - 1)) * 4).unwrap_or(12)
}

impl<P: SWCurveConfig> FixedBaseTable<P>
where
    P::ScalarField: PrimeField<BigInt = BigInt<4>>,
{
    /// Bytes a table of `n` bases with window `c` holds.
    pub fn bytes_for(n: usize, c: usize) -> usize {
        n * (254 / c + 1) * std::mem::size_of::<Affine<P>>()
    }

    /// Builds the table for `bases` with window `c` (8..=17): n·254 doublings, once per key.
    ///
    /// ```
    /// use ark_bn254::{Fr, G1Affine, G1Projective};
    /// use ark_ec::AffineRepr;
    /// use ark_ff::PrimeField;
    /// let g = vec![G1Affine::generator(); 3];
    /// let t = zkml_native::msm_table::FixedBaseTable::new(&g, 8);
    /// let s: Vec<_> = [1u64, 2, 3].iter().map(|&x| Fr::from(x).into_bigint()).collect();
    /// assert_eq!(t.msm(&[0, 1, 2], &s), G1Projective::from(G1Affine::generator()) * Fr::from(6u64));
    /// ```
    pub fn new(bases: &[Affine<P>], c: usize) -> Self {
        assert!((8..=17).contains(&c), "window {c} outside 8..=17");
        let windows = 254 / c + 1;
        assert!(bases.len() * windows < 1 << 31, "a table holds under 2^31 points (bit 31 of an index is a sign)");
        let points: Vec<Affine<P>> = bases
            .par_chunks(1024)
            .flat_map_iter(|chunk| {
                let mut proj: Vec<Projective<P>> = Vec::with_capacity(chunk.len() * windows);
                for b in chunk {
                    let mut acc = b.into_group();
                    for k in 0..windows {
                        if k > 0 {
                            for _ in 0..c {
                                acc.double_in_place();
                            }
                        }
                        proj.push(acc);
                    }
                }
                Projective::<P>::normalize_batch(&proj)
            })
            .collect();
        FixedBaseTable { c, windows, n: bases.len(), points }
    }

    pub fn len(&self) -> usize {
        self.n
    }

    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    pub fn window(&self) -> usize {
        self.c
    }

    pub fn bytes(&self) -> usize {
        self.points.len() * std::mem::size_of::<Affine<P>>()
    }

    /// Σ scalars[j]·bases[idx[j]] (256-bit little-endian scalars; idx < the table's length).
    pub fn msm(&self, idx: &[u32], scalars: &[BigInt<4>]) -> Projective<P> {
        let m = idx.len().min(scalars.len());
        if m == 0 {
            return Projective::<P>::zero();
        }
        let (c, w) = (self.c, self.windows);
        // Every (scalar, window) pair with a non-zero digit: (bucket, table index | sign bit 31).
        let pending: Vec<(u32, u32)> = (0..m)
            .into_par_iter()
            .flat_map_iter(|j| {
                let i = idx[j] as usize;
                assert!(i < self.n, "table index {i} out of {} bases", self.n);
                let skip = self.points[i * w].is_zero();
                signed_digits(&scalars[j], c, w).enumerate().filter_map(move |(k, d)| {
                    (d != 0 && !skip).then(|| (d.unsigned_abs() - 1, ((i * w + k) as u32) | if d < 0 { 1 << 31 } else { 0 }))
                })
            })
            .collect();
        // Threads own disjoint bucket ranges [lo, hi), not disjoint points: the total bucket
        // reduction stays one 2^(c−1) pass however many ranges there are, and many small ranges
        // balance well when the cores are shared. A range's Σ (b + 1)·S_b is its local weighted
        // sum plus lo·(its plain sum).
        let nb = 1usize << (c - 1);
        let step = nb.div_ceil((rayon::current_num_threads().max(1) * 4).min(nb));
        // Counted from the step, so no range starts past the last bucket (with 3 threads and 128
        // buckets a step of 11 makes 12 ranges, the last one short).
        let ranges = nb.div_ceil(step);
        (0..ranges)
            .into_par_iter()
            .map(|r| {
                let (lo, hi) = ((r * step) as u32, ((r + 1) * step).min(nb) as u32);
                let mine: Vec<(u32, u32)> = pending.iter().filter(|e| e.0 >= lo && e.0 < hi).map(|&(b, t)| (b - lo, t)).collect();
                let (weighted, plain) = bucket_sum(&self.points, mine, (hi - lo) as usize);
                weighted + plain.mul_bigint([lo as u64])
            })
            .reduce(Projective::<P>::zero, |a, b| a + b)
    }
}
