// zkml-native's GPU kernels (feature `cuda`): BN254 G1 multi-scalar multiplication on sppark's
// Pippenger (Supranational, Apache-2.0, crates.io `sppark`), with the bases kept resident on the
// device across proofs. Compiled by build.rs with nvcc for sm_90 (H100/H200), cudart static.
//
// The C ABI (gpu.rs is its only caller):
//   zkml_gpu_count()                      devices visible (0 when no driver or no device)
//   zkml_gpu_info(dev, name, len, &mem)   the device's name and global memory (bytes)
//   zkml_msm_new(points, n, stride, &h)   uploads n arkworks G1Affine points (stride bytes each:
//                                         x, y Montgomery form LE, then the infinity flag) and
//                                         pre-allocates the buckets; h is the handle
//   zkml_msm_run(h, &out, scalars, n)     out = Σ scalars[i]·points[i], n ≤ the handle's n,
//                                         scalars canonical (not Montgomery) 4×u64 LE; out is
//                                         Jacobian (X, Y, Z) Montgomery, arkworks' G1Projective
//   zkml_msm_free(h)
// Errors come back as sppark's RustError { code, strdup'ed message } (code 0: success). No C++
// exception crosses the ABI.

#include <cuda.h>
#include <cuda_runtime.h>

#include <ff/alt_bn128.hpp>
#include <ec/jacobian_t.hpp>
#include <ec/xyzz_t.hpp>

typedef jacobian_t<fp_t> point_t;
typedef xyzz_t<fp_t> bucket_t;
typedef bucket_t::affine_inf_t affine_t;
typedef fr_t scalar_t;

#include <msm/pippenger.cuh>

#include <cstring>
#include <new>

typedef msm_t<bucket_t, point_t, affine_t, scalar_t> zkml_msm_t;

#ifndef __CUDA_ARCH__

extern "C" int zkml_gpu_count()
{
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
        (void)cudaGetLastError();
        return 0;
    }
    return n;
}

extern "C" int zkml_gpu_info(int dev, char* name, size_t name_len, size_t* total_mem)
{
    cudaDeviceProp prop;
    if (cudaGetDeviceProperties(&prop, dev) != cudaSuccess) {
        (void)cudaGetLastError();
        return -1;
    }
    if (name_len) {
        strncpy(name, prop.name, name_len - 1);
        name[name_len - 1] = 0;
    }
    *total_mem = prop.totalGlobalMem;
    return prop.major * 10 + prop.minor;
}

extern "C" RustError::by_value zkml_msm_new(const affine_t points[], size_t npoints,
                                            size_t ffi_affine_sz, void** handle)
{
    *handle = nullptr;
    try {
        if (zkml_gpu_count() == 0)
            return RustError{cudaErrorNoDevice, "no CUDA device"};
        *handle = new zkml_msm_t(points, npoints, ffi_affine_sz);
        return RustError{0};
    } catch (const cuda_error& e) {
        return RustError{e.code(), e.what()};
    } catch (const std::bad_alloc&) {
        return RustError{cudaErrorMemoryAllocation, "host allocation failed"};
    } catch (...) {
        return RustError{cudaErrorUnknown, "unknown error creating the MSM context"};
    }
}

extern "C" RustError::by_value zkml_msm_run(void* handle, point_t* out,
                                            const scalar_t scalars[], size_t nscalars)
{
    try {
        auto* m = static_cast<zkml_msm_t*>(handle);
        return m->invoke(*out, static_cast<const affine_t*>(nullptr), nscalars, scalars, false);
    } catch (const cuda_error& e) {
        return RustError{e.code(), e.what()};
    } catch (...) {
        return RustError{cudaErrorUnknown, "unknown error in the MSM"};
    }
}

extern "C" void zkml_msm_free(void* handle)
{
    try {
        delete static_cast<zkml_msm_t*>(handle);
    } catch (...) {
    }
}

#endif
