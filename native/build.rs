fn main() {
    // Only the addon build links against node's napi symbols.
    if std::env::var("CARGO_FEATURE_NODE").is_ok() {
        napi_build::setup();
    }
    #[cfg(feature = "cuda")]
    cuda::build();
}

/// Compiles cuda/zkml_msm.cu with nvcc for the GPU architecture(s) in ZKML_CUDA_ARCH (default
/// sm_90: H100/H200), against sppark's headers, and links the CUDA runtime statically, so the
/// result needs only the driver (libcuda.so) where it runs. nvcc: $NVCC, else PATH (sppark's own
/// build script needs it too); `node scripts/build-native.mjs --cuda` sets both.
#[cfg(feature = "cuda")]
mod cuda {
    use std::env;
    use std::path::PathBuf;

    fn nvcc() -> PathBuf {
        if let Ok(p) = env::var("NVCC") {
            return PathBuf::from(p);
        }
        let path = env::var_os("PATH").unwrap_or_default();
        for dir in env::split_paths(&path) {
            let p = dir.join("nvcc");
            if p.is_file() {
                return p;
            }
        }
        panic!("feature `cuda`: expected nvcc ($NVCC or on PATH), found none; run `node scripts/cuda-venv.mjs` (pip wheels into .venv-cuda) or `node scripts/build-native.mjs --cuda`");
    }

    fn host_adx() -> bool {
        #[cfg(target_arch = "x86_64")]
        return std::is_x86_feature_detected!("adx");
        #[cfg(not(target_arch = "x86_64"))]
        return false;
    }

    pub fn build() {
        println!("cargo:rerun-if-changed=cuda");
        println!("cargo:rerun-if-env-changed=NVCC");
        println!("cargo:rerun-if-env-changed=ZKML_CUDA_ARCH");
        let nvcc = nvcc();
        let home = nvcc.parent().and_then(|b| b.parent()).expect("nvcc's toolkit root").to_path_buf();
        let archs = env::var("ZKML_CUDA_ARCH").unwrap_or_else(|_| "90".into());
        let mut b = cc::Build::new();
        b.cuda(true).cudart("none");
        for a in archs.split(',').map(str::trim).filter(|a| !a.is_empty()) {
            b.flag("-gencode").flag(format!("arch=compute_{a},code=sm_{a}"));
        }
        // sppark's host-side BN254 code calls blst's assembly, which blst builds as the mulx
        // variants when ADX is on (a target feature, or found on the build host): match it.
        let adx = env::var("CARGO_CFG_TARGET_FEATURE").map(|f| f.split(',').any(|x| x == "adx")).unwrap_or(false)
            || (env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("x86_64") && host_adx());
        if adx {
            b.define("__ADX__", None);
        }
        b.flag("-t0") // nvcc's own threads, one per architecture
            .flag("-Xcompiler").flag("-Wno-unused-parameter")
            .flag("-diag-suppress=177")
            .define("TAKE_RESPONSIBILITY_FOR_ERROR_MESSAGE", None)
            .define("FEATURE_BN254", None)
            .include(env::var("DEP_SPPARK_ROOT").expect("sppark's DEP_SPPARK_ROOT"))
            .include(env::var("DEP_BLST_C_SRC").expect("blst's DEP_BLST_C_SRC"))
            .include(home.join("include"))
            .file("cuda/zkml_msm.cu")
            .compile("zkml_cuda");
        // The pip wheels lay the toolkit out flat (lib/), a system toolkit under targets/ or lib64/.
        for d in ["lib", "lib64", "targets/x86_64-linux/lib"] {
            let p = home.join(d);
            if p.is_dir() {
                println!("cargo:rustc-link-search=native={}", p.display());
            }
        }
        println!("cargo:rustc-link-lib=static=cudart_static");
        // ZKML_STATIC_CXX=1 (scripts/gpu-pack.sh): libstdc++ linked in too, so the binary that
        // travels to a GPU host needs only glibc (2.34+) and the NVIDIA driver there.
        println!("cargo:rerun-if-env-changed=ZKML_STATIC_CXX");
        let static_cxx = env::var("ZKML_STATIC_CXX").is_ok_and(|v| v == "1");
        if static_cxx {
            let out = std::process::Command::new("c++").arg("-print-file-name=libstdc++.a").output().expect("c++ -print-file-name");
            let a = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
            let dir = a.parent().filter(|_| a.is_absolute()).expect("expected libstdc++.a from `c++ -print-file-name`, got no path");
            println!("cargo:rustc-link-search=native={}", dir.display());
            println!("cargo:rustc-link-lib=static=stdc++");
        }
        for l in ["dl", "rt", "pthread"] {
            println!("cargo:rustc-link-lib={l}");
        }
        if !static_cxx {
            println!("cargo:rustc-link-lib=stdc++");
        }
    }
}
