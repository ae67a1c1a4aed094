//! Errors that cross into JavaScript as `CODE: message`. The TypeScript engine turns the code
//! prefix into a `BaseError` with the same stable code (src/prover/engines/native/errors.ts).

use std::fmt;

/// A failure with one of the project's stable error codes (docs/errors.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NativeError {
    pub code: &'static str,
    pub message: String,
}

impl NativeError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        NativeError { code, message: message.into() }
    }
    /// A `.zkey` (or `.r1cs` given with it) that cannot be read or is not a BN254 Groth16 key.
    pub fn key(message: impl Into<String>) -> Self {
        Self::new("NATIVE_KEY_INVALID", message)
    }
    /// A `.wtns` that cannot be read.
    pub fn wtns(message: impl Into<String>) -> Self {
        Self::new("WITNESS_INVALID", message)
    }
}

impl fmt::Display for NativeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for NativeError {}

pub type Result<T> = std::result::Result<T, NativeError>;
