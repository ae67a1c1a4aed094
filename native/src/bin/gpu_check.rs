//! The GPU check (feature `cuda`; scripts/gpu-check.sh runs it on a GPU host, scripts/gpu-pack.sh
//! builds it for sm_90 with the CUDA runtime linked statically).
//!
//! 1. lists the CUDA devices; none: says so and exits 3 (unless `--cpu-only`, which runs the CPU
//!    half of every step, so the script is testable on a machine without a GPU);
//! 2. MSM correctness and speed: for n = 2^min..2^max random G1 points and scalars (plus edge
//!    cases: zero and one scalars, r − 1, a point at infinity), GPU = CPU, timed (upload apart);
//! 3. full Groth16 proofs of a synthetic chain circuit (2^k − 2 constraints, an insecure bench key,
//!    benchkey.rs) at each `--proof-logs` size: the GPU proof must equal the CPU proof for the same
//!    blinding (r, s), both timed; the smallest size's proof, public signals and verification key
//!    are written to `--out` for `snarkjs groth16 verify` afterwards;
//! 4. batched proofs/s of a real circuit (`--batch-zkey` + `--batch-wtns`, e.g. pool-risk): the
//!    CPU (proofs in parallel, as the addon's proveBatch) against `gpu::prove_batch_gpu`;
//! 5. one summary table on stdout, and `summary.json` in `--out`.
//!
//! Sizes past the time budget (`--budget-s`) are skipped and reported as skipped.
//!
//!   gpu_check [--probe] [--cpu-only] [--out DIR] [--min-log 16] [--max-log 22] [--proof-logs 16,18,20,22]
//!             [--batch-zkey F --batch-wtns W1,W2,… --batch-n 256] [--budget-s 480]

use std::fmt::Write as _;
use std::time::Instant;

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{CurveGroup, PrimeGroup};
use ark_ff::{BigInt, One, PrimeField, UniformRand, Zero};
use ark_std::rand::{rngs::StdRng, SeedableRng};
use rayon::prelude::*;

use zkml_native::gpu::{self, DeviceMsm, GpuKey};
use zkml_native::msm::msm_split;
use zkml_native::prover::{self, Proof};
use zkml_native::tables::KeyTables;
use zkml_native::zkey::ZkeyPk;
use zkml_native::{benchkey, wtns};

struct Args {
    cpu_only: bool,
    out: String,
    min_log: u32,
    max_log: u32,
    proof_logs: Vec<u32>,
    batch_zkey: Option<String>,
    batch_wtns: Vec<String>,
    batch_n: usize,
    budget_s: f64,
}

fn args() -> Args {
    let mut a = Args { cpu_only: false, out: "gpu-check-out".into(), min_log: 16, max_log: 22, proof_logs: vec![16, 18, 20, 22], batch_zkey: None, batch_wtns: vec![], batch_n: 256, budget_s: 480.0 };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut v = || it.next().unwrap_or_else(|| die(&format!("expected a value after {k}")));
        match k.as_str() {
            "--cpu-only" => a.cpu_only = true,
            "--probe" => {
                // scripts/gpu-check.sh: does this build load here (glibc, libstdc++)?
                println!("gpu_check: loads");
                std::process::exit(0)
            }
            "--out" => a.out = v(),
            "--min-log" => a.min_log = num(&v()),
            "--max-log" => a.max_log = num(&v()),
            "--proof-logs" => a.proof_logs = v().split(',').filter(|s| !s.is_empty()).map(num).collect(),
            "--batch-zkey" => a.batch_zkey = Some(v()),
            "--batch-wtns" => a.batch_wtns = v().split(',').filter(|s| !s.is_empty()).map(String::from).collect(),
            "--batch-n" => a.batch_n = num::<u32>(&v()) as usize,
            "--budget-s" => a.budget_s = num::<u32>(&v()) as f64,
            _ => die(&format!("expected one of --cpu-only --out --min-log --max-log --proof-logs --batch-zkey --batch-wtns --batch-n --budget-s, got {k}")),
        }
    }
    a
}

fn num<T: std::str::FromStr>(s: &str) -> T {
    s.parse().unwrap_or_else(|_| die(&format!("expected a number, got {s:?}")))
}

fn die(msg: &str) -> ! {
    eprintln!("gpu_check: {msg}");
    std::process::exit(2)
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// Random G1 points, fast: per chunk one scalar multiplication, then repeated additions.
fn random_points(n: usize, seed: u64) -> Vec<G1Affine> {
    let chunk = 1 << 12;
    let mut rng = StdRng::seed_from_u64(seed);
    let q = G1Projective::generator() * Fr::rand(&mut rng);
    let starts: Vec<Fr> = (0..n.div_ceil(chunk)).map(|_| Fr::rand(&mut rng)).collect();
    let proj: Vec<G1Projective> = starts
        .par_iter()
        .enumerate()
        .flat_map_iter(|(c, s)| {
            let len = chunk.min(n - c * chunk);
            let mut p = G1Projective::generator() * s;
            (0..len).map(move |_| {
                p += q;
                p
            })
        })
        .collect();
    G1Projective::normalize_batch(&proj)
}

struct Row {
    what: String,
    n: String,
    cpu_ms: Option<f64>,
    gpu_ms: Option<f64>,
    check: String,
}

fn fmt_ms(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.1}")).unwrap_or_else(|| "-".into())
}

fn g1_json(p: &G1Affine) -> String {
    use ark_ec::AffineRepr;
    match p.xy() {
        Some((x, y)) => format!("[\"{}\",\"{}\",\"1\"]", x.into_bigint(), y.into_bigint()),
        None => "[\"0\",\"1\",\"0\"]".into(),
    }
}

fn g2_json(p: &ark_bn254::G2Affine) -> String {
    use ark_ec::AffineRepr;
    let (x, y) = p.xy().expect("a verification key point is not infinity");
    format!("[[\"{}\",\"{}\"],[\"{}\",\"{}\"],[\"1\",\"0\"]]", x.c0.into_bigint(), x.c1.into_bigint(), y.c0.into_bigint(), y.c1.into_bigint())
}

/// snarkjs's verification_key.json for `pk` (what `snarkjs zkey export verificationkey` writes,
/// less vk_alphabeta_12, which verify does not read).
fn vkey_json(pk: &ZkeyPk) -> String {
    format!(
        "{{\"protocol\":\"groth16\",\"curve\":\"bn128\",\"nPublic\":{},\"vk_alpha_1\":{},\"vk_beta_2\":{},\"vk_gamma_2\":{},\"vk_delta_2\":{},\"IC\":[{}]}}",
        pk.n_public,
        g1_json(&pk.alpha1),
        g2_json(&pk.beta2),
        g2_json(&pk.gamma2),
        g2_json(&pk.delta2),
        pk.ic.iter().map(g1_json).collect::<Vec<_>>().join(",")
    )
}

/// The chain circuit of bench/prove-engines.ts: w[i+3] = w[i+2]·(w[i+2] + 1), wire 1 the last value.
fn chain_r1cs(m: usize) -> Vec<u8> {
    let n_wires = m + 3;
    let mut hdr = Vec::new();
    hdr.extend_from_slice(&32u32.to_le_bytes());
    for l in Fr::MODULUS.0 {
        hdr.extend_from_slice(&l.to_le_bytes());
    }
    for v in [n_wires as u32, 1, 0, 1] {
        hdr.extend_from_slice(&v.to_le_bytes());
    }
    hdr.extend_from_slice(&(n_wires as u64).to_le_bytes());
    hdr.extend_from_slice(&(m as u32).to_le_bytes());
    let one = {
        let mut b = [0u8; 32];
        b[0] = 1;
        b
    };
    let mut cons = Vec::with_capacity(m * 36 * 4);
    let term = |c: &mut Vec<u8>, w: usize| {
        c.extend_from_slice(&(w as u32).to_le_bytes());
        c.extend_from_slice(&one);
    };
    for i in 0..m {
        let x = 2 + i;
        let y = if i == m - 1 { 1 } else { x + 1 };
        cons.extend_from_slice(&1u32.to_le_bytes());
        term(&mut cons, x);
        cons.extend_from_slice(&2u32.to_le_bytes());
        term(&mut cons, 0);
        term(&mut cons, x);
        cons.extend_from_slice(&1u32.to_le_bytes());
        term(&mut cons, y);
    }
    let labels: Vec<u8> = (0..n_wires as u64).flat_map(|i| i.to_le_bytes()).collect();
    let mut out = b"r1cs".to_vec();
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&3u32.to_le_bytes());
    for (t, body) in [(1u32, &hdr), (2, &cons), (3, &labels)] {
        out.extend_from_slice(&t.to_le_bytes());
        out.extend_from_slice(&(body.len() as u64).to_le_bytes());
        out.extend_from_slice(body);
    }
    out
}

fn chain_witness(m: usize, x0: Fr) -> Vec<Fr> {
    let mut w = vec![Fr::zero(); m + 3];
    w[0] = Fr::one();
    w[2] = x0;
    for i in 0..m {
        let x = w[2 + i];
        let y = x * (x + Fr::one());
        if i == m - 1 {
            w[1] = y
        } else {
            w[3 + i] = y
        }
    }
    w
}

fn same(a: &Proof, b: &Proof) -> bool {
    a.a == b.a && a.b == b.b && a.c == b.c
}

fn main() {
    let a = args();
    let started = Instant::now();
    let left = |frac: f64| a.budget_s - started.elapsed().as_secs_f64() > frac;
    std::fs::create_dir_all(&a.out).unwrap_or_else(|e| die(&format!("cannot create {}: {e}", a.out)));
    if let Err(e) = gpu::layout_ok() {
        die(&e.to_string());
    }
    println!("gpu_check: arkworks point layout matches the kernels' (x, y, infinity)");
    let devs = gpu::devices();
    let threads = rayon::current_num_threads();
    if devs.is_empty() {
        println!("gpu_check: no CUDA device (no NVIDIA driver, or no GPU visible to this process)");
        if !a.cpu_only {
            std::process::exit(3);
        }
        println!("gpu_check: --cpu-only: running the CPU half of every step");
    }
    for (i, d) in devs.iter().enumerate() {
        println!("gpu_check: device {i}: {} ({:.1} GiB, sm_{})", d.name, d.memory_bytes as f64 / (1u64 << 30) as f64, d.compute);
    }
    println!("gpu_check: CPU threads {threads}");
    let use_gpu = !devs.is_empty() && !a.cpu_only;
    let mut rows: Vec<Row> = Vec::new();
    let mut failures = 0usize;

    // 2. MSMs.
    let mut last_ms = 0.0;
    for k in a.min_log..=a.max_log {
        if !left(4.0 * last_ms / 1000.0 + 5.0) {
            rows.push(Row { what: "msm G1".into(), n: format!("2^{k}"), cpu_ms: None, gpu_ms: None, check: "skipped (time)".into() });
            continue;
        }
        let t = Instant::now();
        let n = 1usize << k;
        let mut bases = random_points(n, k as u64);
        let mut rng = StdRng::seed_from_u64(1000 + k as u64);
        let mut scalars: Vec<BigInt<4>> = (0..n).map(|_| Fr::rand(&mut rng).into_bigint()).collect();
        scalars[0] = BigInt::zero();
        scalars[1] = BigInt::one();
        scalars[2] = (-Fr::one()).into_bigint();
        scalars[3] = BigInt::from(12345u64);
        bases[4] = G1Affine::identity();
        let setup_ms = ms(t);
        let t = Instant::now();
        let cpu = msm_split(&bases, &scalars);
        let cpu_ms = ms(t);
        let (gpu_ms, check, upload) = if use_gpu {
            let t = Instant::now();
            match DeviceMsm::new(&bases) {
                Ok(d) => {
                    let upload_ms = ms(t);
                    let _ = d.msm(&scalars); // warm-up (first launch, module load)
                    let mut best = f64::MAX;
                    let mut res = Ok(G1Projective::zero());
                    for _ in 0..3 {
                        let t = Instant::now();
                        res = d.msm(&scalars);
                        best = best.min(ms(t));
                    }
                    match res {
                        Ok(g) if g.into_affine() == cpu.into_affine() => (Some(best), "GPU = CPU".to_string(), upload_ms),
                        Ok(_) => {
                            failures += 1;
                            (Some(best), "MISMATCH".to_string(), upload_ms)
                        }
                        Err(e) => {
                            failures += 1;
                            (None, format!("GPU error: {e}"), upload_ms)
                        }
                    }
                }
                Err(e) => {
                    failures += 1;
                    (None, format!("GPU error: {e}"), 0.0)
                }
            }
        } else {
            (None, "cpu only".to_string(), 0.0)
        };
        eprintln!("msm 2^{k}: setup {setup_ms:.0} ms, cpu {cpu_ms:.1} ms, gpu {} ms (upload {upload:.1} ms), {check}", fmt_ms(gpu_ms));
        last_ms = cpu_ms + setup_ms;
        rows.push(Row { what: "msm G1".into(), n: format!("2^{k}"), cpu_ms: Some(cpu_ms), gpu_ms, check });
    }

    // 3. Full proofs of the chain circuit.
    let mut wrote_vk = false;
    let mut last_s = 0.0;
    let mut logs = a.proof_logs.clone();
    logs.sort();
    for &k in &logs {
        if !left(6.0 * last_s + 10.0) {
            rows.push(Row { what: "proof (chain)".into(), n: format!("2^{k}"), cpu_ms: None, gpu_ms: None, check: "skipped (time)".into() });
            continue;
        }
        let t0 = Instant::now();
        let m = (1usize << k) - 2;
        let r1cs = chain_r1cs(m);
        let zkey = match benchkey::insecure_bench_key(&r1cs, 7) {
            Ok(z) => z,
            Err(e) => die(&format!("bench key 2^{k}: {e}")),
        };
        let pk = ZkeyPk::parse(&zkey).unwrap_or_else(|e| die(&format!("bench key 2^{k}: {e}")));
        drop(zkey);
        let w = chain_witness(m, Fr::from(3u64));
        let key_ms = ms(t0);
        let mut rng = StdRng::seed_from_u64(99);
        let (r, s) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
        let t = Instant::now();
        let (cpu_p, _) = prover::prove_with(&pk, &KeyTables::default(), &w, r, s).unwrap_or_else(|e| die(&format!("cpu proof: {e}")));
        let cpu_ms = ms(t);
        let (gpu_ms, check, gpu_p) = if use_gpu {
            match GpuKey::new(&pk) {
                Ok(gk) => {
                    let _ = gpu::prove_gpu(&pk, &gk, &w, r, s); // warm-up
                    let t = Instant::now();
                    match gpu::prove_gpu(&pk, &gk, &w, r, s) {
                        Ok((p, _)) if same(&p, &cpu_p) => (Some(ms(t)), "GPU proof = CPU proof".to_string(), Some(p)),
                        Ok((p, _)) => {
                            failures += 1;
                            (Some(ms(t)), "MISMATCH".to_string(), Some(p))
                        }
                        Err(e) => {
                            failures += 1;
                            (None, format!("GPU error: {e}"), None)
                        }
                    }
                }
                Err(e) => {
                    failures += 1;
                    (None, format!("GPU error: {e}"), None)
                }
            }
        } else {
            (None, "cpu only".to_string(), None)
        };
        if !wrote_vk {
            // The GPU's proof where there is one (the CPU's otherwise), for snarkjs to verify.
            let p = gpu_p.as_ref().unwrap_or(&cpu_p);
            let sig = prover::public_signals(&pk, &w);
            let dir = &a.out;
            let write = |f: &str, s: String| std::fs::write(format!("{dir}/{f}"), s).unwrap_or_else(|e| die(&format!("cannot write {dir}/{f}: {e}")));
            write("proof.json", prover::proof_json(p));
            write("public.json", format!("[{}]", sig.iter().map(|x| format!("\"{x}\"")).collect::<Vec<_>>().join(",")));
            write("verification_key.json", vkey_json(&pk));
            write("proof-source.txt", format!("{} proof of the chain circuit at 2^{k}\n", if gpu_p.is_some() { "GPU" } else { "CPU" }));
            wrote_vk = true;
        }
        eprintln!("proof 2^{k}: key {key_ms:.0} ms, cpu {cpu_ms:.1} ms, gpu {} ms, {check}", fmt_ms(gpu_ms));
        last_s = (key_ms + cpu_ms) / 1000.0;
        rows.push(Row { what: "proof (chain)".into(), n: format!("2^{k}"), cpu_ms: Some(cpu_ms), gpu_ms, check });
    }

    // 4. Batched proofs of a real circuit.
    if let Some(zk) = &a.batch_zkey {
        let bytes = std::fs::read(zk).unwrap_or_else(|e| die(&format!("cannot read {zk}: {e}")));
        let pk = ZkeyPk::parse(&bytes).unwrap_or_else(|e| die(&format!("{zk}: {e}")));
        if a.batch_wtns.is_empty() {
            die("expected --batch-wtns with --batch-zkey");
        }
        let base: Vec<Vec<Fr>> = a.batch_wtns.iter().map(|f| wtns::parse_wtns(&std::fs::read(f).unwrap_or_else(|e| die(&format!("cannot read {f}: {e}")))).unwrap_or_else(|e| die(&format!("{f}: {e}")))).collect();
        let ws: Vec<Vec<Fr>> = (0..a.batch_n).map(|i| base[i % base.len()].clone()).collect();
        let mut rng = StdRng::seed_from_u64(5);
        let rs: Vec<(Fr, Fr)> = (0..ws.len()).map(|_| (Fr::rand(&mut rng), Fr::rand(&mut rng))).collect();
        let t = Instant::now();
        let cpu: Vec<Proof> = ws.par_iter().zip(&rs).map(|(w, &(r, s))| prover::prove_with(&pk, &KeyTables::default(), w, r, s).map(|x| x.0)).collect::<Result<_, _>>().unwrap_or_else(|e| die(&format!("cpu batch: {e}")));
        let cpu_ms = ms(t);
        let (gpu_ms, check) = if use_gpu {
            match GpuKey::new(&pk) {
                Ok(gk) => {
                    let _ = gpu::prove_batch_gpu(&pk, &gk, &ws[..1], &rs[..1]);
                    let t = Instant::now();
                    match gpu::prove_batch_gpu(&pk, &gk, &ws, &rs) {
                        Ok(ps) if ps.iter().zip(&cpu).all(|(g, c)| same(&g.0, c)) => (Some(ms(t)), "GPU proofs = CPU proofs".to_string()),
                        Ok(_) => {
                            failures += 1;
                            (Some(ms(t)), "MISMATCH".to_string())
                        }
                        Err(e) => {
                            failures += 1;
                            (None, format!("GPU error: {e}"))
                        }
                    }
                }
                Err(e) => {
                    failures += 1;
                    (None, format!("GPU error: {e}"))
                }
            }
        } else {
            (None, "cpu only".to_string())
        };
        let per_s = |x: f64| ws.len() as f64 / (x / 1000.0);
        eprintln!("batch {}×{}: cpu {:.1} proofs/s, gpu {} proofs/s, {check}", ws.len(), pk.n_constraints(), per_s(cpu_ms), gpu_ms.map(|g| format!("{:.1}", per_s(g))).unwrap_or("-".into()));
        rows.push(Row { what: format!("batch {} proofs ({} constraints)", ws.len(), pk.n_constraints()), n: format!("{}/s cpu", per_s(cpu_ms) as u64), cpu_ms: Some(cpu_ms), gpu_ms, check });
    }

    // 5. The summary.
    let mut table = String::new();
    let _ = writeln!(table, "\n{:<34} {:>10} {:>12} {:>12} {:>8}  check", "what", "n", "cpu ms", "gpu ms", "cpu/gpu");
    for r in &rows {
        let ratio = match (r.cpu_ms, r.gpu_ms) {
            (Some(c), Some(g)) if g > 0.0 => format!("{:.2}x", c / g),
            _ => "-".into(),
        };
        let _ = writeln!(table, "{:<34} {:>10} {:>12} {:>12} {:>8}  {}", r.what, r.n, fmt_ms(r.cpu_ms), fmt_ms(r.gpu_ms), ratio, r.check);
    }
    let _ = writeln!(table, "\ndevice: {}; CPU threads {threads}; {:.0} s; {} failure(s)", devs.first().map(|d| d.name.as_str()).unwrap_or("none"), started.elapsed().as_secs_f64(), failures);
    print!("{table}");
    let json_rows: Vec<String> = rows
        .iter()
        .map(|r| format!("{{\"what\":{:?},\"n\":{:?},\"cpuMs\":{},\"gpuMs\":{},\"check\":{:?}}}", r.what, r.n, r.cpu_ms.map(|v| format!("{v:.3}")).unwrap_or("null".into()), r.gpu_ms.map(|v| format!("{v:.3}")).unwrap_or("null".into()), r.check))
        .collect();
    let dev_json = devs.first().map(|d| format!("{{\"name\":{:?},\"memoryBytes\":{},\"compute\":{}}}", d.name, d.memory_bytes, d.compute)).unwrap_or("null".into());
    let _ = std::fs::write(format!("{}/summary.json", a.out), format!("{{\"device\":{dev_json},\"cpuThreads\":{threads},\"failures\":{failures},\"rows\":[{}]}}\n", json_rows.join(",")));
    let _ = std::fs::write(format!("{}/summary.txt", a.out), table);
    std::process::exit(if failures > 0 { 1 } else { 0 });
}
