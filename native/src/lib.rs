//! zkml-native: a Groth16 prover for snarkjs keys, as a Node addon (napi-rs) on arkworks.
//!
//! JavaScript sees one class, `NativeKey`: built once from a `.zkey` (and optionally the
//! circuit's `.r1cs`), it holds the key in the native layout and proves any number of
//! witnesses, one at a time (`prove`) or many in one call (`proveBatch`), off the JS thread.
//! Errors are thrown as `Error("CODE: message")` with a project error code.

pub mod benchkey;
pub mod binfile;
pub mod devptau;
pub mod error;
pub mod field;
#[cfg(feature = "cuda")]
pub mod gpu;
pub mod msm;
pub mod msm_affine;
pub mod msm_table;
pub mod prover;
pub mod qap;
pub mod r1cs;
pub mod tables;
pub mod verify;
pub mod wtns;
pub mod zkey;
#[cfg(feature = "node")]
mod node;
