//! Pippenger MSM with batch-affine bucket accumulation, for full-size scalars.
//!
//! arkworks adds each base into a projective bucket (a mixed addition, ~11 field
//! multiplications). Here buckets stay affine and additions are done in rounds: one pending
//! addition per bucket per round, all the rounds' slopes inverted together (Montgomery's trick),
//! about 6 multiplications per addition. Equal x (doubling or P + (−P)) falls back to one
//! projective addition; the result is the same group element (tests/msm.rs).

use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ff::PrimeField;
use ark_ec::{AdditiveGroup, AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{BigInt, Field, One, Zero};
use rayon::prelude::*;

/// Σ scalars[i]·bases[i] over 256-bit little-endian scalars.
pub fn msm_batch_affine<P: SWCurveConfig>(bases: &[Affine<P>], scalars: &[BigInt<4>]) -> Projective<P>
where
    P::ScalarField: PrimeField<BigInt = BigInt<4>>,
{
    let n = bases.len().min(scalars.len());
    // Small inputs: batches of a few dozen additions per inversion gain nothing; arkworks' projective
    // buckets. Over Fq2 (G2) an addition costs ~3x more against one inversion, so batching pays
    // sooner. Measured (tests/msm_cpu.rs, ZKML_REPS): G1 at 2^10 4.7 ms arkworks against 5.8 here,
    // 2^11 8.7 against 9.6, 2^12 15.1 against 13.9; G2 at 2^10 15.7 against 12.8.
    let small = if P::BaseField::extension_degree() > 1 { 256 } else { 3072 };
    if n < small {
        return Projective::<P>::msm_bigint(&bases[..n], &scalars[..n]);
    }
    // Signed digits in (−2^(c−1), 2^(c−1)]: half the buckets of unsigned ones. c ≈ ln n + 1 balances
    // n·(254/c) affine additions against (254/c)·2^c projective ones in the bucket sums.
    let c = (((n as f64).ln() as usize) + 1).clamp(4, 17);
    let num_windows = 254 / c + 1;
    let digits = window_major_digits(&scalars[..n], c, num_windows);
    let sums: Vec<Projective<P>> = (0..num_windows)
        .into_par_iter()
        .map(|k| window_sum(&bases[..n], &digits[k * n..(k + 1) * n], k, c))
        .collect();
    join_windows(&sums, c)
}

/// Σ_k 2^(c·k)·sums[k], from the top window down (Horner: c doublings a window).
pub(crate) fn join_windows<P: SWCurveConfig>(sums: &[Projective<P>], c: usize) -> Projective<P> {
    let mut total = Projective::<P>::zero();
    for s in sums.iter().rev() {
        for _ in 0..c {
            total.double_in_place();
        }
        total += s;
    }
    total
}

/// Every scalar's signed digits, window-major: `digits[k·n + i]` is scalar i's digit in window k,
/// so each window reads one contiguous run (scalar-major made every window stride through all of
/// them, and at 2^18 the digits alone are 21 MB). Written in parallel by blocks of scalars; the
/// carries run along a scalar, so a block writes its scalars' digits in every window.
fn window_major_digits(scalars: &[BigInt<4>], c: usize, num_windows: usize) -> Vec<i32> {
    let n = scalars.len();
    let mut digits = vec![0i32; n * num_windows];
    struct Out(*mut i32);
    // SAFETY: blocks cover disjoint scalar ranges, so every (k, i) slot is written by one block.
    unsafe impl Sync for Out {}
    let out = Out(digits.as_mut_ptr());
    let out = &out;
    scalars.par_chunks(4096).enumerate().for_each(|(b, chunk)| {
        for (j, s) in chunk.iter().enumerate() {
            let i = b * 4096 + j;
            for (k, d) in signed_digits(s, c, num_windows).enumerate() {
                // SAFETY: k < num_windows and i < n, inside the n·num_windows allocation.
                unsafe { *out.0.add(k * n + i) = d };
            }
        }
    });
    digits
}

/// The scalar as Σ d_k·2^(c·k) with d_k in (−2^(c−1), 2^(c−1)] (a carry moves up a window).
pub(crate) fn signed_digits(s: &BigInt<4>, c: usize, num_windows: usize) -> impl Iterator<Item = i32> {
    // On the stack: called once per scalar (254 / 4 + 1 = 64 windows at most).
    let mut out = [0i32; 64];
    let num_windows = num_windows.min(64);
    let mut carry = 0i64;
    let half = 1i64 << (c - 1);
    for (k, d) in out[..num_windows].iter_mut().enumerate() {
        let mut v = digit(s, k * c, c) as i64 + carry;
        carry = 0;
        if v > half {
            v -= 1i64 << c;
            carry = 1;
        }
        *d = v as i32;
    }
    // floor(254/c)·c ≥ 255 − c for every c in 4..=17, so the top window never carries out.
    debug_assert_eq!(carry, 0);
    out.into_iter().take(num_windows)
}

/// Bits [w, w + c) of the scalar.
fn digit(s: &BigInt<4>, w: usize, c: usize) -> usize {
    let limb = w / 64;
    let off = w % 64;
    let mut v = s.0[limb] >> off;
    if off + c > 64 && limb + 1 < 4 {
        v |= s.0[limb + 1] << (64 - off);
    }
    (v & ((1u64 << c) - 1)) as usize
}

/// Window k's sum; `digits` is that window's run (one digit per base).
fn window_sum<P: SWCurveConfig>(bases: &[Affine<P>], digits: &[i32], k: usize, c: usize) -> Projective<P> {
    let nb = 1usize << (c - 1);
    // The top window holds only the scalars' last few bits: its digits fall in a handful of buckets,
    // so batches would stay tiny (one inversion per few additions). Projective buckets there.
    let top_bits = 254usize.saturating_sub(c * k) + 1;
    if top_bits < 7 {
        let mut buckets = vec![Projective::<P>::zero(); nb];
        for (i, b) in bases.iter().enumerate() {
            let d = digits[i];
            if d != 0 && !b.is_zero() {
                if d > 0 { buckets[d as usize - 1] += b } else { buckets[(-d) as usize - 1] -= b }
            }
        }
        let mut running = Projective::<P>::zero();
        let mut res = Projective::<P>::zero();
        for b in buckets.iter().rev() {
            running += b;
            res += &running;
        }
        return res;
    }
    // The batch size follows the buckets this window can reach, not all of them: the top window of
    // a 2^18 MSM (c = 13) holds 8 bits, 128 of 4096 buckets, and batches of nb / 4 = 1024 left
    // nearly every point waiting on a busy bucket, retried again and again (that window took 18x
    // the others).
    let reachable = nb.min(1usize << top_bits.min(31));
    let mut st = Stream::<P>::new(nb, reachable);
    for (i, b) in bases.iter().enumerate() {
        let d = digits[i];
        if d != 0 && !b.is_zero() {
            st.push(bases, d.unsigned_abs() - 1, (i as u32) | if d < 0 { 1 << 31 } else { 0 });
        }
    }
    st.finish(bases);
    let mut running = Projective::<P>::zero();
    let mut res = Projective::<P>::zero();
    for (k, b) in st.buckets.iter().enumerate().rev() {
        running += b;
        if let Some(o) = st.overflow.get(k) {
            running += o;
        }
        res += &running;
    }
    res
}

/// One window's affine buckets, fed points in base order (the bases are read as a stream, not
/// gathered at random): an addition waits in a batch until the batch is full, then the whole batch
/// shares one inversion (Montgomery's trick). A point whose bucket already has an addition in the
/// batch waits in `deferred` for the next batch.
struct Stream<P: SWCurveConfig> {
    buckets: Vec<Affine<P>>,
    busy: Vec<bool>,
    batch: Vec<(u32, u32)>,
    deferred: Vec<(u32, u32)>,
    denom: Vec<P::BaseField>,
    prefix: Vec<P::BaseField>,
    overflow: Vec<Projective<P>>,
    cap: usize,
}

impl<P: SWCurveConfig> Stream<P> {
    /// `nb` buckets, of which the window's digits can reach the first `reachable`.
    fn new(nb: usize, reachable: usize) -> Self {
        // Batch size: large enough that the inversion is a few % of the batch, small against the
        // bucket count so that few points find their bucket busy (about cap / 2nb of them). nb / 4
        // measured best of nb / 2, 4, 8, 16 at 2^16 (tests/msm_cpu.rs), if within the noise of a shared machine.
        let cap = (reachable / 4).clamp(32, 1024).min(nb);
        Stream {
            buckets: vec![Affine::<P>::identity(); nb],
            busy: vec![false; nb],
            batch: Vec::with_capacity(cap),
            deferred: Vec::new(),
            denom: Vec::with_capacity(cap),
            prefix: Vec::with_capacity(cap),
            overflow: Vec::new(),
            cap,
        }
    }

    /// Queues `base t` (bit 31: negated) for bucket `b`; full batches are flushed, and the points
    /// that waited are retried once enough of them have piled up.
    #[inline]
    fn push(&mut self, bases: &[Affine<P>], b: u32, t: u32) {
        if self.place(bases, b, t) && self.deferred.len() >= self.cap {
            self.retry(bases);
        }
    }

    /// Places one point (true when that flushed a batch); never retries, so never recurses.
    #[inline]
    fn place(&mut self, bases: &[Affine<P>], b: u32, t: u32) -> bool {
        let bu = b as usize;
        if self.busy[bu] {
            self.deferred.push((b, t));
            return false;
        }
        if self.buckets[bu].infinity {
            self.buckets[bu] = point(bases, t);
            return false;
        }
        self.busy[bu] = true;
        self.batch.push((b, t));
        if self.batch.len() == self.cap {
            self.flush(bases);
            return true;
        }
        false
    }

    /// Places the waiting points again (points of a crowded bucket may wait once more).
    fn retry(&mut self, bases: &[Affine<P>]) {
        for (b, t) in std::mem::take(&mut self.deferred) {
            self.place(bases, b, t);
        }
    }

    /// Drains the batch and the waiting points. When a retry fills only a tiny batch (the rest
    /// crowd a few buckets), the rest go to projective overflow buckets instead of one inversion
    /// per handful of additions.
    fn finish(&mut self, bases: &[Affine<P>]) {
        loop {
            self.flush(bases);
            if self.deferred.is_empty() {
                return;
            }
            self.retry(bases);
            if self.batch.len() < 16 && !self.deferred.is_empty() {
                if self.overflow.is_empty() {
                    self.overflow = vec![Projective::<P>::zero(); self.buckets.len()];
                }
                for (b, t) in std::mem::take(&mut self.deferred) {
                    self.overflow[b as usize] += point(bases, t);
                }
            }
        }
    }

    /// Adds every batched point into its bucket with one shared inversion.
    fn flush(&mut self, bases: &[Affine<P>]) {
        if self.batch.is_empty() {
            return;
        }
        self.denom.clear();
        self.prefix.clear();
        let mut prod = P::BaseField::one();
        for e in self.batch.iter_mut() {
            let (b, t) = *e;
            let p = &bases[(t & 0x7fff_ffff) as usize];
            let acc = &mut self.buckets[b as usize];
            let d = if acc.x == p.x {
                // Doubling or cancellation: rare; projectively, and out of the batch (denominator 1,
                // bucket u32::MAX: the second pass skips it).
                *acc = (acc.into_group() + point(bases, t)).into_affine();
                self.busy[b as usize] = false;
                e.0 = u32::MAX;
                P::BaseField::one()
            } else {
                p.x - acc.x
            };
            self.prefix.push(prod);
            prod *= &d;
            self.denom.push(d);
        }
        let mut inv = prod.inverse().expect("non-zero denominators");
        for j in (0..self.batch.len()).rev() {
            let (b, t) = self.batch[j];
            let inv_j = inv * self.prefix[j];
            inv *= &self.denom[j];
            if b == u32::MAX {
                continue;
            }
            let bu = b as usize;
            self.busy[bu] = false;
            let p = &bases[(t & 0x7fff_ffff) as usize];
            let py = if t >> 31 == 1 { -p.y } else { p.y };
            let acc = &mut self.buckets[bu];
            let lambda = (py - acc.y) * inv_j;
            let x3 = lambda.square() - acc.x - p.x;
            acc.y = lambda * (acc.x - x3) - acc.y;
            acc.x = x3;
        }
        self.batch.clear();
    }
}

/// (Σ_b (b + 1)·S_b, Σ_b S_b) where S_b sums the points sent to bucket b, for `pending` entries
/// (bucket, base index with bit 31 set for a negated base). Buckets are accumulated affinely in rounds (see the top of the
/// file); shared by the per-window Pippenger above and the fixed-base table MSM (msm_table.rs).
pub(crate) fn bucket_sum<P: SWCurveConfig>(bases: &[Affine<P>], pending: Vec<(u32, u32)>, nb: usize) -> (Projective<P>, Projective<P>) {
    let mut buckets: Vec<Affine<P>> = vec![Affine::<P>::identity(); nb];
    // Entries grouped by bucket (a counting sort): round r adds each bucket's r-th entry, so a
    // round visits only the buckets that still have one, instead of rescanning every pending entry.
    let mut start = vec![0u32; nb + 1];
    for &(b, _) in &pending {
        start[b as usize + 1] += 1;
    }
    for k in 0..nb {
        start[k + 1] += start[k];
    }
    let mut fill = start.clone();
    let mut sorted = vec![0u32; pending.len()];
    for &(b, i) in &pending {
        sorted[fill[b as usize] as usize] = i;
        fill[b as usize] += 1;
    }
    drop(pending);
    let mut active: Vec<u32> = (0..nb as u32).filter(|&b| start[b as usize + 1] > start[b as usize]).collect();
    let mut batch: Vec<(u32, u32)> = Vec::with_capacity(active.len());
    let mut denom: Vec<P::BaseField> = Vec::with_capacity(active.len());
    // Projective overflow buckets: once a round's batch gets small (a skewed window, such as the
    // top one where every digit is tiny, puts most points in a few buckets) one inversion per
    // round no longer pays, so the remaining additions go here instead.
    let mut overflow: Vec<Projective<P>> = Vec::new();
    let mut round = 0u32;
    while !active.is_empty() {
        batch.clear();
        denom.clear();
        for &b in &active {
            let bu = b as usize;
            let i = sorted[(start[bu] + round) as usize];
            let p = &point(bases, i);
            let acc = &buckets[bu];
            if acc.is_zero() {
                buckets[bu] = *p;
            } else if acc.x == p.x {
                // Doubling or cancellation: rare; do it projectively.
                buckets[bu] = (acc.into_group() + p).into_affine();
            } else {
                batch.push((b, i));
                denom.push(p.x - acc.x);
            }
        }
        serial_inversion(&mut denom);
        for (&(b, i), inv) in batch.iter().zip(&denom) {
            let p = &point(bases, i);
            let acc = &mut buckets[b as usize];
            let lambda = (p.y - acc.y) * inv;
            let x3 = lambda.square() - acc.x - p.x;
            let y3 = lambda * (acc.x - x3) - acc.y;
            *acc = Affine::<P>::new_unchecked(x3, y3);
        }
        round += 1;
        active.retain(|&b| start[b as usize + 1] - start[b as usize] > round);
        if !active.is_empty() && batch.len() < 64 {
            overflow = vec![Projective::<P>::zero(); nb];
            for &b in &active {
                let bu = b as usize;
                for &i in &sorted[(start[bu] + round) as usize..start[bu + 1] as usize] {
                    overflow[bu] += point(bases, i);
                }
            }
            break;
        }
    }
    let mut running = Projective::<P>::zero();
    let mut res = Projective::<P>::zero();
    for (k, b) in buckets.iter().enumerate().rev() {
        running += b;
        if let Some(o) = overflow.get(k) {
            running += o;
        }
        res += &running;
    }
    (res, running)
}

/// Montgomery's trick on one thread (the windows already run in parallel): every element
/// replaced by its inverse with one field inversion. No element is zero (distinct x).
fn serial_inversion<F: Field>(v: &mut [F]) {
    if v.is_empty() {
        return;
    }
    let mut prefix = Vec::with_capacity(v.len());
    let mut acc = F::one();
    for x in v.iter() {
        prefix.push(acc);
        acc *= x;
    }
    let mut inv = acc.inverse().expect("non-zero denominators");
    for (x, p) in v.iter_mut().zip(prefix).rev() {
        let t = inv * *x;
        *x = inv * p;
        inv = t;
    }
}


#[inline]
fn point<P: SWCurveConfig>(bases: &[Affine<P>], tagged: u32) -> Affine<P> {
    let p = bases[(tagged & 0x7fff_ffff) as usize];
    if tagged >> 31 == 1 { -p } else { p }
}
