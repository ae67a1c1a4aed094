//! GPU proving (feature `cuda`): the key's G1 bases (A, B1, C, H) uploaded once and kept resident
//! on the device, one pre-allocated sppark Pippenger context per base set (cuda/zkml_msm.cu), and
//! a prover that runs those four MSMs on the GPU while the CPU does the QAP and the G2 MSM (B2:
//! G2 on the GPU is not built; it is one MSM of five, and the CPU overlaps it with the GPU's work).
//!
//! Fallback: without a device (`device_count() == 0`) `GpuKey::new` fails with `GPU_UNAVAILABLE`;
//! `prove_or_cpu` proves on the CPU when the key has no GPU context or when the device is busy
//! with another proof (one proof at a time per process holds it), so callers never wait on it.
//!
//! ```no_run
//! # fn f(pk: &zkml_native::zkey::ZkeyPk, w: &[ark_bn254::Fr]) -> zkml_native::error::Result<()> {
//! use zkml_native::gpu::{GpuKey, prove_or_cpu};
//! let gk = GpuKey::new(pk).ok(); // None: no GPU, the CPU proves
//! let (proof, timings, on_gpu) = prove_or_cpu(pk, gk.as_ref(), w, 1u64.into(), 2u64.into())?;
//! # Ok(()) }
//! ```

use std::ffi::c_void;
use std::sync::Mutex;
use std::time::Instant;

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ff::{BigInt, PrimeField};
use rayon::prelude::*;

use crate::error::{NativeError, Result};
use crate::msm::msm_split;
use crate::prover::{self, Proof, Sums, Timings};
use crate::tables::KeyTables;
use crate::zkey::ZkeyPk;

// blst is linked for sppark's host-side field code; nothing here calls it directly.
use blst as _;

// The arkworks types cross as raw memory; layout_ok() checks the layout they are read with.
#[allow(improper_ctypes)]
extern "C" {
    fn zkml_gpu_count() -> i32;
    fn zkml_gpu_info(dev: i32, name: *mut u8, name_len: usize, total_mem: *mut usize) -> i32;
    fn zkml_msm_new(points: *const G1Affine, n: usize, stride: usize, handle: *mut *mut c_void) -> sppark::Error;
    fn zkml_msm_run(handle: *mut c_void, out: *mut G1Projective, scalars: *const BigInt<4>, n: usize) -> sppark::Error;
    fn zkml_msm_free(handle: *mut c_void);
}

/// CUDA devices visible to this process (0 without a driver or a device; never fails).
pub fn device_count() -> usize {
    unsafe { zkml_gpu_count() }.max(0) as usize
}

/// One device as `zkml worker --engine cuda` advertises it.
#[derive(Debug, Clone)]
pub struct DeviceInfo {
    pub name: String,
    pub memory_bytes: usize,
    /// Compute capability × 10 (90 for H100/H200).
    pub compute: i32,
}

/// The devices, in CUDA order.
pub fn devices() -> Vec<DeviceInfo> {
    (0..device_count() as i32)
        .filter_map(|d| {
            let mut name = [0u8; 256];
            let mut mem = 0usize;
            let cc = unsafe { zkml_gpu_info(d, name.as_mut_ptr(), name.len(), &mut mem) };
            (cc >= 0).then(|| DeviceInfo {
                name: String::from_utf8_lossy(&name[..name.iter().position(|&b| b == 0).unwrap_or(0)]).into_owned(),
                memory_bytes: mem,
                compute: cc,
            })
        })
        .collect()
}

fn gpu_err(what: &str, e: sppark::Error) -> NativeError {
    NativeError::new("GPU_FAILED", format!("{what}: CUDA error {} ({})", e.code, String::from(&e)))
}

/// The kernels read arkworks' G1Affine as sppark's affine-with-infinity: x, y (Montgomery limbs)
/// at offsets 0 and 32, the infinity flag at 64. Rust does not promise that field order, so check it.
pub fn layout_ok() -> Result<()> {
    use ark_ec::AffineRepr;
    fn bytes<T>(v: &T) -> &[u8] {
        unsafe { std::slice::from_raw_parts(v as *const T as *const u8, std::mem::size_of::<T>()) }
    }
    let g = G1Affine::generator();
    let id = G1Affine::identity();
    let ok = std::mem::size_of::<G1Affine>() >= 65
        && bytes(&g)[..32] == *bytes(&g.x)
        && bytes(&g)[32..64] == *bytes(&g.y)
        && bytes(&id)[64] == 1
        && bytes(&g)[64] == 0
        && std::mem::size_of::<G1Projective>() == 96;
    if ok {
        Ok(())
    } else {
        Err(NativeError::new("GPU_FAILED", "expected arkworks' G1Affine as (x, y, infinity) and G1Projective as (x, y, z), got another memory layout: this arkworks build cannot feed the GPU kernels"))
    }
}

/// G1 bases resident on the device with their Pippenger buckets: `msm` reuses both every call.
pub struct DeviceMsm {
    handle: *mut c_void,
    len: usize,
}

// The handle is only used under GpuKey's mutex (or by its single owner).
unsafe impl Send for DeviceMsm {}
unsafe impl Sync for DeviceMsm {}

impl DeviceMsm {
    /// Uploads `bases` (arkworks layout, read as sppark's affine-with-infinity) to device 0.
    pub fn new(bases: &[G1Affine]) -> Result<DeviceMsm> {
        layout_ok()?;
        if device_count() == 0 {
            return Err(NativeError::new("GPU_UNAVAILABLE", "expected a CUDA device, found none (no NVIDIA driver or no GPU): prove on the CPU"));
        }
        let mut handle = std::ptr::null_mut();
        let e = unsafe { zkml_msm_new(bases.as_ptr(), bases.len(), std::mem::size_of::<G1Affine>(), &mut handle) };
        if e.code != 0 || handle.is_null() {
            return Err(gpu_err(&format!("uploading {} G1 bases", bases.len()), e));
        }
        Ok(DeviceMsm { handle, len: bases.len() })
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Σ scalars[i]·bases[i] over the first `scalars.len()` bases (canonical scalars, < r).
    pub fn msm(&self, scalars: &[BigInt<4>]) -> Result<G1Projective> {
        if scalars.len() > self.len {
            return Err(NativeError::new("GPU_FAILED", format!("expected at most {} scalars (the resident bases), got {}", self.len, scalars.len())));
        }
        if scalars.is_empty() {
            return Ok(G1Projective::default());
        }
        let mut out = G1Projective::default();
        let e = unsafe { zkml_msm_run(self.handle, &mut out, scalars.as_ptr(), scalars.len()) };
        if e.code != 0 {
            return Err(gpu_err(&format!("an MSM of {} points", scalars.len()), e));
        }
        Ok(out)
    }
}

impl Drop for DeviceMsm {
    fn drop(&mut self) {
        unsafe { zkml_msm_free(self.handle) }
    }
}

/// A key's four G1 base sets on the device. Empty sets (C of a circuit with no private wire) stay
/// on the CPU.
pub struct GpuKey {
    a: DeviceMsm,
    b1: DeviceMsm,
    c: Option<DeviceMsm>,
    h: DeviceMsm,
    busy: Mutex<()>,
}

impl GpuKey {
    /// Uploads the key's G1 bases; `GPU_UNAVAILABLE` without a device, `GPU_FAILED` on a CUDA error
    /// (out of device memory, a driver older than the runtime).
    pub fn new(pk: &ZkeyPk) -> Result<GpuKey> {
        Ok(GpuKey {
            a: DeviceMsm::new(&pk.a)?,
            b1: DeviceMsm::new(&pk.b1)?,
            c: if pk.c.is_empty() { None } else { Some(DeviceMsm::new(&pk.c)?) },
            h: DeviceMsm::new(&pk.h)?,
            busy: Mutex::new(()),
        })
    }
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// One proof's MSMs with the device held: the G1 four on the GPU, B2 on the CPU meanwhile.
fn msms_gpu(pk: &ZkeyPk, gk: &GpuKey, w: &[Fr], h: &[Fr], t: &mut Timings) -> Result<Sums> {
    let ws: Vec<BigInt<4>> = w.par_iter().map(|x| x.into_bigint()).collect();
    let hs: Vec<BigInt<4>> = h.par_iter().map(|x| x.into_bigint()).collect();
    let priv_ws = &ws[pk.n_public + 1..];
    let (g1, (b2, b2_ms)) = rayon::join(
        || -> Result<_> {
            let tt = Instant::now();
            let a = gk.a.msm(&ws[..gk.a.len().min(ws.len())])?;
            let a_ms = ms(tt);
            let tt = Instant::now();
            let b1 = gk.b1.msm(&ws[..gk.b1.len().min(ws.len())])?;
            let b1_ms = ms(tt);
            let tt = Instant::now();
            let c = match &gk.c {
                Some(c) => c.msm(&priv_ws[..c.len().min(priv_ws.len())])?,
                None => G1Projective::default(),
            };
            let c_ms = ms(tt);
            let tt = Instant::now();
            let hh = gk.h.msm(&hs)?;
            Ok((a, b1, c, hh, [a_ms, b1_ms, c_ms, ms(tt)]))
        },
        || {
            let tt = Instant::now();
            let b2 = msm_split(&pk.b2, &ws);
            (b2, ms(tt))
        },
    );
    let (a, b1, c, hh, g1_ms) = g1?;
    [t.msm_a_ms, t.msm_b1_ms, t.msm_c_ms, t.msm_h_ms] = g1_ms;
    t.msm_b2_ms = b2_ms;
    Ok(Sums { a, b1, b2, c, h: hh })
}

/// A proof with the G1 MSMs on the GPU; waits for the device if another proof holds it.
pub fn prove_gpu(pk: &ZkeyPk, gk: &GpuKey, w: &[Fr], r: Fr, s: Fr) -> Result<(Proof, Timings)> {
    check_len(pk, w)?;
    let mut t = Timings::default();
    let t0 = Instant::now();
    let h = prover::qap_h(pk, w)?;
    t.qap_ms = ms(t0);
    let _held = gk.busy.lock().unwrap_or_else(|p| p.into_inner());
    let sums = msms_gpu(pk, gk, w, &h, &mut t)?;
    let proof = prover::assemble(pk, sums, r, s);
    t.total_ms = ms(t0);
    Ok((proof, t))
}

fn check_len(pk: &ZkeyPk, w: &[Fr]) -> Result<()> {
    if w.len() != pk.n_vars {
        return Err(NativeError::new("NATIVE_KEY_MISMATCH", format!("expected a witness of {} wires (this key's circuit), got {}", pk.n_vars, w.len())));
    }
    Ok(())
}

/// On the GPU when `gk` is there and the device is free, else on the CPU (the same proof either
/// way); the flag says which. A GPU error also falls back to the CPU.
pub fn prove_or_cpu(pk: &ZkeyPk, gk: Option<&GpuKey>, w: &[Fr], r: Fr, s: Fr) -> Result<(Proof, Timings, bool)> {
    check_len(pk, w)?;
    if let Some(gk) = gk {
        let t0 = Instant::now();
        let h = prover::qap_h(pk, w)?;
        let qap_ms = ms(t0);
        if let Ok(_held) = gk.busy.try_lock() {
            let mut t = Timings { qap_ms, ..Timings::default() };
            if let Ok(sums) = msms_gpu(pk, gk, w, &h, &mut t) {
                let proof = prover::assemble(pk, sums, r, s);
                t.total_ms = ms(t0);
                return Ok((proof, t, true));
            }
        }
    }
    let (p, t) = prover::prove_with(pk, &KeyTables::default(), w, r, s)?;
    Ok((p, t, false))
}

/// Many witnesses of one circuit in one launch sequence: the QAPs of all on the CPU first (in
/// parallel), then the device held once for every proof's MSMs back to back, over the same
/// resident bases and buckets. `rs[i]` are proof i's blinding (r, s).
pub fn prove_batch_gpu(pk: &ZkeyPk, gk: &GpuKey, ws: &[Vec<Fr>], rs: &[(Fr, Fr)]) -> Result<Vec<(Proof, Timings)>> {
    if rs.len() != ws.len() {
        return Err(NativeError::new("NATIVE_KEY_MISMATCH", format!("expected one (r, s) per witness ({}), got {}", ws.len(), rs.len())));
    }
    for w in ws {
        check_len(pk, w)?;
    }
    let t0 = Instant::now();
    let hs: Vec<Vec<Fr>> = ws.par_iter().map(|w| prover::qap_h(pk, w)).collect::<Result<_>>()?;
    let qap_ms = ms(t0) / ws.len().max(1) as f64;
    let _held = gk.busy.lock().unwrap_or_else(|p| p.into_inner());
    let mut out = Vec::with_capacity(ws.len());
    for ((w, h), &(r, s)) in ws.iter().zip(&hs).zip(rs) {
        let t1 = Instant::now();
        let mut t = Timings { qap_ms, ..Timings::default() };
        let sums = msms_gpu(pk, gk, w, h, &mut t)?;
        out.push((prover::assemble(pk, sums, r, s), t));
        out.last_mut().unwrap().1.total_ms = ms(t1) + qap_ms;
    }
    Ok(out)
}
