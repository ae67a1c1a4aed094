//! The proving key's fixed-base tables (msm_table.rs), built once when a key loads, under a
//! memory budget: B2 first (G2 additions cost ~3x G1's, so its MSM gains most), then A, B1, H, C.
//! A base set that does not fit keeps the per-proof Pippenger; proofs are the same either way.

use ark_bn254::g1::Config as G1;
use ark_bn254::g2::Config as G2;

use crate::msm_table::{table_window, FixedBaseTable};
use crate::zkey::ZkeyPk;

/// Default budget for one key's tables, in MiB (`NativeKey`'s third argument overrides it): none.
/// Measured on the 2-core dev machine (tests/msm_table.rs `table_speed`, bench/prove-engines), the
/// table MSM was not reliably faster than the per-proof one or arkworks' (its points are read
/// scattered across n·W entries, the per-window MSM streams n), while a 2^18 key's tables took
/// 1.6 GiB and 89 s to build. Small keys gain little either (best of 30, G1: 2^9 2.1 ms against
/// 2.8, 2^10 4.2 against 4.7, 2^11 7.9 against 8.7; from 2^12 the table is slower, G2 from 2^10).
/// Opt in with a budget where a machine shows a gain.
pub const DEFAULT_TABLE_MB: u32 = 0;

#[derive(Default)]
pub struct KeyTables {
    pub a: Option<FixedBaseTable<G1>>,
    pub b1: Option<FixedBaseTable<G1>>,
    pub b2: Option<FixedBaseTable<G2>>,
    pub c: Option<FixedBaseTable<G1>>,
    pub h: Option<FixedBaseTable<G1>>,
}

impl KeyTables {
    /// Tables for `pk` within `budget_mb` MiB (0: none).
    ///
    /// ```no_run
    /// # fn f(pk: &zkml_native::zkey::ZkeyPk) {
    /// let t = zkml_native::tables::KeyTables::build(pk, 1024);
    /// println!("{} bytes of tables", t.bytes());
    /// # }
    /// ```
    pub fn build(pk: &ZkeyPk, budget_mb: u32) -> KeyTables {
        let mut left = budget_mb as usize * 1024 * 1024;
        let mut t = KeyTables::default();
        // Table indices carry a sign in bit 31 (msm_table.rs), so a table holds under 2^31 points
        // whatever the budget (`table_mb` comes from the caller).
        let mut fits = |n: usize, bytes: usize| n >= 256 && bytes <= left && n * 32 < 1 << 31 && { left -= bytes; true };
        let c2 = table_window(pk.b2.len());
        if fits(pk.b2.len(), FixedBaseTable::<G2>::bytes_for(pk.b2.len(), c2)) {
            t.b2 = Some(FixedBaseTable::new(&pk.b2, c2));
        }
        let g1 = |v: &[ark_bn254::G1Affine], fits: &mut dyn FnMut(usize, usize) -> bool| {
            let c = table_window(v.len());
            fits(v.len(), FixedBaseTable::<G1>::bytes_for(v.len(), c)).then(|| FixedBaseTable::new(v, c))
        };
        t.a = g1(&pk.a, &mut fits);
        t.b1 = g1(&pk.b1, &mut fits);
        t.h = g1(&pk.h, &mut fits);
        t.c = g1(&pk.c, &mut fits);
        t
    }

    /// Bytes the tables hold.
    pub fn bytes(&self) -> usize {
        [&self.a, &self.b1, &self.c, &self.h].iter().map(|t| t.as_ref().map_or(0, |t| t.bytes())).sum::<usize>()
            + self.b2.as_ref().map_or(0, |t| t.bytes())
    }
}
