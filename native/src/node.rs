//! The napi-rs bindings: what JavaScript sees of the prover.

use std::sync::Arc;
use std::time::Instant;

use ark_bn254::Fr;
use ark_std::UniformRand;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use rayon::prelude::*;

use crate::error::NativeError;
use crate::{prover, wtns};
use crate::r1cs::R1cs;
use crate::tables::{KeyTables, DEFAULT_TABLE_MB};
use crate::zkey::ZkeyPk;

fn js_err(e: NativeError) -> napi::Error {
    napi::Error::new(Status::GenericFailure, e.to_string())
}

struct Loaded {
    pk: ZkeyPk,
    tables: KeyTables,
    r1cs: Option<R1cs>,
    /// The key's G1 bases on the GPU (feature `cuda`, after `enableGpu`); None: CPU only.
    #[cfg(feature = "cuda")]
    gpu: std::sync::OnceLock<Option<crate::gpu::GpuKey>>,
}

/// Proves with `w`: on the GPU when the key has its bases there and the device is free (else the
/// CPU, the same proof); the flag is true when the GPU made it.
fn prove_witness(k: &Loaded, w: &[Fr], r: Fr, s: Fr) -> std::result::Result<(prover::Proof, prover::Timings, bool), NativeError> {
    #[cfg(feature = "cuda")]
    if let Some(Some(gk)) = k.gpu.get() {
        return crate::gpu::prove_or_cpu(&k.pk, Some(gk), w, r, s);
    }
    let (p, t) = prover::prove_with(&k.pk, &k.tables, w, r, s)?;
    Ok((p, t, false))
}

/// One proof as JSON: `{"proof": {...snarkjs groth16 proof...}, "publicSignals": [...], "timings": {...}}`.
fn prove_one(k: &Loaded, wtns: &[u8]) -> std::result::Result<String, NativeError> {
    let t0 = Instant::now();
    let w = wtns::parse_wtns(wtns)?;
    let read_ms = t0.elapsed().as_secs_f64() * 1000.0;
    check_witness(k, &w)?;
    let check_ms = t0.elapsed().as_secs_f64() * 1000.0 - read_ms;
    let mut rng = rand::rngs::OsRng;
    let (r, s) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
    let (p, t, on_gpu) = prove_witness(k, &w, r, s)?;
    let sig = prover::public_signals(&k.pk, &w);
    Ok(format!(
        "{{\"proof\":{},\"publicSignals\":[{}],\"timings\":{{\"readMs\":{:.3},\"checkMs\":{:.3},\"qapMs\":{:.3},\"msmAMs\":{:.3},\"msmB1Ms\":{:.3},\"msmB2Ms\":{:.3},\"msmCMs\":{:.3},\"msmHMs\":{:.3},\"proveMs\":{:.3}}},\"gpu\":{}}}",
        prover::proof_json(&p),
        sig.iter().map(|x| format!("\"{x}\"")).collect::<Vec<_>>().join(","),
        read_ms, check_ms, t.qap_ms, t.msm_a_ms, t.msm_b1_ms, t.msm_b2_ms, t.msm_c_ms, t.msm_h_ms, t.total_ms, on_gpu
    ))
}

fn check_witness(k: &Loaded, w: &[Fr]) -> std::result::Result<(), NativeError> {
    if w.len() != k.pk.n_vars {
        return Err(NativeError::new(
            "NATIVE_KEY_MISMATCH",
            format!("expected a witness of {} wires (this key's circuit), got {} wires: the witness and the key are of different circuits", k.pk.n_vars, w.len()),
        ));
    }
    if let Some(r) = &k.r1cs {
        if let Some(i) = r.first_unsatisfied(w) {
            return Err(NativeError::new("CIRCUIT_UNSATISFIED", format!("expected a witness satisfying every constraint, got one that breaks constraint {i} (A·w × B·w ≠ C·w)")));
        }
    }
    Ok(())
}

/// A Groth16 proving key held natively across proofs.
#[napi]
pub struct NativeKey {
    inner: Arc<Loaded>,
}

#[napi]
impl NativeKey {
    /// Parses a snarkjs Groth16 `.zkey`; with the circuit's `.r1cs`, witnesses are checked
    /// against every constraint before proving (and the r1cs must be the key's circuit).
    /// `table_mb` caps the fixed-base tables built for this key (default 0: none; tables.rs says why).
    #[napi(constructor)]
    pub fn new(zkey: Buffer, r1cs: Option<Buffer>, table_mb: Option<u32>) -> Result<Self> {
        let pk = ZkeyPk::parse(&zkey).map_err(js_err)?;
        let r1cs = match r1cs {
            Some(b) => {
                let r = R1cs::parse(&b).map_err(js_err)?;
                r.check_matches(&pk).map_err(js_err)?;
                Some(r)
            }
            None => None,
        };
        let tables = KeyTables::build(&pk, table_mb.unwrap_or(DEFAULT_TABLE_MB));
        Ok(NativeKey {
            inner: Arc::new(Loaded {
                pk,
                tables,
                r1cs,
                #[cfg(feature = "cuda")]
                gpu: std::sync::OnceLock::new(),
            }),
        })
    }

    #[napi(getter)]
    pub fn n_vars(&self) -> u32 {
        self.inner.pk.n_vars as u32
    }
    #[napi(getter)]
    pub fn n_public(&self) -> u32 {
        self.inner.pk.n_public as u32
    }
    #[napi(getter)]
    pub fn n_constraints(&self) -> u32 {
        self.inner.pk.n_constraints() as u32
    }
    #[napi(getter)]
    pub fn domain_size(&self) -> u32 {
        self.inner.pk.domain_size as u32
    }
    #[napi(getter)]
    pub fn has_r1cs(&self) -> bool {
        self.inner.r1cs.is_some()
    }
    /// Approximate bytes the cached key holds.
    #[napi(getter)]
    pub fn bytes(&self) -> f64 {
        (self.inner.pk.bytes() + self.inner.tables.bytes()) as f64
    }
    /// Bytes of the fixed-base tables alone.
    #[napi(getter)]
    pub fn table_bytes(&self) -> f64 {
        self.inner.tables.bytes() as f64
    }

    /// Uploads the key's G1 bases to the GPU (once; later proofs use them while the device is
    /// free). Returns false without a GPU, in an addon built without `cuda`, or on a CUDA error
    /// (then `gpuError` says which); proofs then stay on the CPU.
    #[napi]
    pub fn enable_gpu(&self) -> bool {
        #[cfg(feature = "cuda")]
        {
            let k = &self.inner;
            let got = k.gpu.get_or_init(|| match crate::gpu::GpuKey::new(&k.pk) {
                Ok(g) => Some(g),
                Err(e) => {
                    *GPU_ERROR.lock().unwrap_or_else(|p| p.into_inner()) = Some(e.to_string());
                    None
                }
            });
            got.is_some()
        }
        #[cfg(not(feature = "cuda"))]
        false
    }

    /// Checks a `.wtns` against this key's circuit without proving: throws
    /// `NATIVE_KEY_MISMATCH` (another circuit), `CIRCUIT_UNSATISFIED` or `WITNESS_INVALID`.
    #[napi]
    pub fn check(&self, wtns: Buffer) -> Result<()> {
        let w = wtns::parse_wtns(&wtns).map_err(js_err)?;
        check_witness(&self.inner, &w).map_err(js_err)
    }

    /// Proves one `.wtns` on the libuv thread pool; resolves to the JSON of `prove_one`.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn prove(&self, wtns: Buffer) -> AsyncTask<ProveTask> {
        AsyncTask::new(ProveTask { key: self.inner.clone(), wtns: vec![wtns.to_vec()] })
    }

    /// Proves many `.wtns` of this circuit in one call; resolves to a JSON array, in order.
    /// Proofs run side by side on the thread pool, so small circuits use every core.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn prove_batch(&self, wtns: Vec<Buffer>) -> AsyncTask<ProveTask> {
        AsyncTask::new(ProveTask { key: self.inner.clone(), wtns: wtns.iter().map(|b| b.to_vec()).collect() })
    }
}

pub struct ProveTask {
    key: Arc<Loaded>,
    wtns: Vec<Vec<u8>>,
}

impl Task for ProveTask {
    type Output = String;
    type JsValue = String;

    fn compute(&mut self) -> Result<String> {
        if self.wtns.len() == 1 {
            return prove_one(&self.key, &self.wtns[0]).map_err(js_err);
        }
        let out: Vec<String> = self.wtns.par_iter().map(|w| prove_one(&self.key, w)).collect::<std::result::Result<_, _>>().map_err(js_err)?;
        Ok(format!("[{}]", out.join(",")))
    }

    fn resolve(&mut self, _env: Env, out: String) -> Result<String> {
        Ok(out)
    }
}

#[cfg(feature = "cuda")]
static GPU_ERROR: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

/// The addon's version and build, for the worker's capability report: `cuda` is true when built
/// with the GPU feature, `gpus` lists the devices it sees (`[{name, memoryBytes, compute}]`),
/// `gpuError` the last GPU upload's failure.
#[napi]
pub fn native_info() -> String {
    #[cfg(feature = "cuda")]
    let (cuda, gpus, gpu_error) = (
        true,
        crate::gpu::devices()
            .iter()
            .map(|d| format!("{{\"name\":{:?},\"memoryBytes\":{},\"compute\":{}}}", d.name, d.memory_bytes, d.compute))
            .collect::<Vec<_>>()
            .join(","),
        GPU_ERROR.lock().unwrap_or_else(|p| p.into_inner()).clone(),
    );
    #[cfg(not(feature = "cuda"))]
    let (cuda, gpus, gpu_error): (bool, String, Option<String>) = (false, String::new(), None);
    format!(
        "{{\"version\":\"{}\",\"threads\":{},\"cuda\":{},\"gpus\":[{}],\"gpuError\":{}}}",
        env!("CARGO_PKG_VERSION"),
        rayon::current_num_threads(),
        cuda,
        gpus,
        gpu_error.map(|e| format!("{e:?}")).unwrap_or("null".into())
    )
}

/// BENCHMARKS AND TESTS ONLY (bench/prove-engines): an insecure Groth16 `.zkey` for an `.r1cs`,
/// from seeded toxic waste (native/src/benchkey.rs). Never register such a key.
#[napi]
pub fn insecure_bench_key(r1cs: Buffer, seed: u32) -> Result<Buffer> {
    crate::benchkey::insecure_bench_key(&r1cs, seed as u64).map(Buffer::from).map_err(js_err)
}

/// Verifies a Groth16 proof against a verification key, both as snarkjs's decimal strings,
/// flattened (native/src/verify.rs gives the layout). Synchronous: a pairing product takes a few ms.
/// Throws `VKEY_INVALID` or `PUBLIC_SIGNALS_INVALID` for a bad key or signal count; a bad proof is `false`.
#[napi]
pub fn verify_groth16(vk: Vec<String>, proof: Vec<String>, signals: Vec<String>) -> Result<bool> {
    crate::verify::verify_groth16(&vk, &proof, &signals).map_err(js_err)
}

/// A verification key prepared once (native/src/verify.rs `PreparedVk`) for many proofs of one
/// circuit: the coordinator and the workers keep one per circuit. Same layout and answers as
/// `verifyGroth16`, about half its time on a small circuit.
#[napi]
pub struct NativeVerifier {
    pvk: crate::verify::PreparedVk,
}

#[napi]
impl NativeVerifier {
    /// Throws `VKEY_INVALID` for a key that is not canonical points of its groups.
    #[napi(constructor)]
    pub fn new(vk: Vec<String>) -> Result<Self> {
        Ok(NativeVerifier { pvk: crate::verify::PreparedVk::new(&vk).map_err(js_err)? })
    }

    #[napi(getter)]
    pub fn n_public(&self) -> u32 {
        self.pvk.n_public() as u32
    }

    /// A bad proof is `false`; a wrong signal count throws `PUBLIC_SIGNALS_INVALID`.
    #[napi]
    pub fn verify(&self, proof: Vec<String>, signals: Vec<String>) -> Result<bool> {
        self.pvk.verify(&proof, &signals).map_err(js_err)
    }
}

/// Whether (x.c0, x.c1, y.c0, y.c1), decimal strings, is a point of G2 as the chain accepts it:
/// canonical, on the twist, in the order-r subgroup (the canonical-encoding check's costly part).
#[napi]
pub fn is_g2(coords: Vec<String>) -> bool {
    crate::verify::is_g2(&coords)
}

/// TESTS AND BENCHMARKS ONLY (`zkml dev-ptau`): the first challenge hash of a ceremony of this power.
#[napi]
pub fn dev_ptau_first_challenge(power: u32) -> Result<Buffer> {
    if power == 0 || power > crate::devptau::MAX_POWER {
        return Err(js_err(NativeError::new("PTAU_INVALID", format!("expected a power in 1..={}, got {power}", crate::devptau::MAX_POWER))));
    }
    Ok(Buffer::from(crate::devptau::first_challenge_hash(power).to_vec()))
}

/// TESTS AND BENCHMARKS ONLY (`zkml dev-ptau`): writes an INSECURE prepared ptau from public
/// tau/alpha/beta (decimal strings) and the contribution section src/dev/devPtau.ts built
/// (native/src/devptau.rs has the layout). Resolves to JSON timings; runs off the JS thread.
#[napi(ts_return_type = "Promise<string>")]
pub fn dev_ptau_write(
    path: String,
    power: u32,
    tau: String,
    alpha: String,
    beta: String,
    contribution: Buffer,
    response_hash: Buffer,
    next_challenge_at: u32,
) -> AsyncTask<DevPtauTask> {
    AsyncTask::new(DevPtauTask { path, power, tau, alpha, beta, contribution: contribution.to_vec(), response_hash: response_hash.to_vec(), next_challenge_at })
}

pub struct DevPtauTask {
    path: String,
    power: u32,
    tau: String,
    alpha: String,
    beta: String,
    contribution: Vec<u8>,
    response_hash: Vec<u8>,
    next_challenge_at: u32,
}

impl Task for DevPtauTask {
    type Output = String;
    type JsValue = String;

    fn compute(&mut self) -> Result<String> {
        use crate::devptau::{fr_decimal, write_dev_ptau};
        let tau = fr_decimal(&self.tau, "tau").map_err(js_err)?;
        let alpha = fr_decimal(&self.alpha, "alpha").map_err(js_err)?;
        let beta = fr_decimal(&self.beta, "beta").map_err(js_err)?;
        let t = write_dev_ptau(&self.path, self.power, tau, alpha, beta, &self.contribution, &self.response_hash, self.next_challenge_at as usize).map_err(js_err)?;
        Ok(format!("{{\"powersMs\":{:.1},\"lagrangeMs\":{:.1},\"totalMs\":{:.1},\"bytes\":{}}}", t.powers_ms, t.lagrange_ms, t.total_ms, t.bytes))
    }

    fn resolve(&mut self, _env: Env, out: String) -> Result<String> {
        Ok(out)
    }
}

/// TESTS AND BENCHMARKS ONLY: a Groth16 `.zkey` for an `.r1cs` from known secrets (decimal strings):
/// with a dev ptau's tau, alpha, beta it is snarkjs's `zkey new` from that file, plus delta
/// (native/src/benchkey.rs). Runs off the JS thread.
#[napi(ts_return_type = "Promise<Buffer>")]
pub fn dev_zkey(r1cs: Buffer, tau: String, alpha: String, beta: String, delta: String) -> AsyncTask<DevZkeyTask> {
    AsyncTask::new(DevZkeyTask { r1cs: r1cs.to_vec(), secrets: [tau, alpha, beta, delta] })
}

pub struct DevZkeyTask {
    r1cs: Vec<u8>,
    secrets: [String; 4],
}

impl Task for DevZkeyTask {
    type Output = Vec<u8>;
    type JsValue = Buffer;

    fn compute(&mut self) -> Result<Vec<u8>> {
        use crate::devptau::fr_decimal;
        let [t, a, b, d] = &self.secrets;
        let (tau, alpha, beta, delta) = (
            fr_decimal(t, "tau").map_err(js_err)?,
            fr_decimal(a, "alpha").map_err(js_err)?,
            fr_decimal(b, "beta").map_err(js_err)?,
            fr_decimal(d, "delta").map_err(js_err)?,
        );
        crate::benchkey::key_from_secrets(&self.r1cs, tau, alpha, beta, delta).map_err(js_err)
    }

    fn resolve(&mut self, _env: Env, out: Vec<u8>) -> Result<Buffer> {
        Ok(Buffer::from(out))
    }
}
