//! The iden3 binary container shared by `.zkey`, `.wtns` and `.r1cs`.
//!
//! ```text
//! offset size field
//! 0      4    magic, 4 ASCII bytes ("zkey", "wtns", "r1cs")
//! 4      4    u32 LE version
//! 8      4    u32 LE nSections
//! 12     ...  nSections × { u32 LE type, u64 LE byte size, body }
//! ```
//! Sections are looked up by type; a type may appear once only (we refuse duplicates, since a
//! reader that picked the first and another that picked the last would prove different things).

use crate::error::{NativeError, Result};

/// A parsed container: the section bodies, by type, borrowed from the file bytes.
pub struct BinFile<'a> {
    pub version: u32,
    sections: Vec<(u32, &'a [u8])>,
}

impl<'a> BinFile<'a> {
    /// Parses the container. `err` builds the error of the caller's file kind.
    pub fn parse(bytes: &'a [u8], magic: &[u8; 4], err: fn(String) -> NativeError) -> Result<Self> {
        let name = String::from_utf8_lossy(magic).to_string();
        if bytes.len() < 12 || &bytes[0..4] != magic {
            let got = if bytes.len() >= 4 { format!("{:?}", String::from_utf8_lossy(&bytes[0..4])) } else { format!("{} bytes", bytes.len()) };
            return Err(err(format!("expected a .{name} file (magic \"{name}\"), got {got}")));
        }
        let version = u32_at(bytes, 4);
        let n = u32_at(bytes, 8) as usize;
        let mut pos = 12usize;
        let mut sections: Vec<(u32, &[u8])> = Vec::with_capacity(n);
        for i in 0..n {
            if pos + 12 > bytes.len() {
                return Err(err(format!("expected {n} sections in the .{name} file, got a file truncated in the header of section {i}")));
            }
            let ty = u32_at(bytes, pos);
            let size = u64::from_le_bytes(bytes[pos + 4..pos + 12].try_into().unwrap());
            let start = pos + 12;
            let end = start.checked_add(usize::try_from(size).unwrap_or(usize::MAX)).filter(|&e| e <= bytes.len());
            let Some(end) = end else {
                return Err(err(format!("expected section {ty} of {size} bytes at offset {start}, got a file of {} bytes", bytes.len())));
            };
            if sections.iter().any(|(t, _)| *t == ty) {
                return Err(err(format!("expected each section type once, got section {ty} twice")));
            }
            sections.push((ty, &bytes[start..end]));
            pos = end;
        }
        Ok(BinFile { version, sections })
    }

    /// The body of section `ty`, or an error naming what is missing.
    pub fn section(&self, ty: u32, err: fn(String) -> NativeError) -> Result<&'a [u8]> {
        self.sections
            .iter()
            .find(|(t, _)| *t == ty)
            .map(|(_, b)| *b)
            .ok_or_else(|| err(format!("expected section {ty}, got sections {:?}", self.sections.iter().map(|(t, _)| *t).collect::<Vec<_>>())))
    }
}

/// A cursor over a section body that fails with the caller's error instead of panicking.
pub struct Reader<'a> {
    pub bytes: &'a [u8],
    pub pos: usize,
    what: &'static str,
    err: fn(String) -> NativeError,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8], what: &'static str, err: fn(String) -> NativeError) -> Self {
        Reader { bytes, pos: 0, what, err }
    }
    pub fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        match self.pos.checked_add(n) {
            Some(end) if end <= self.bytes.len() => {
                let s = &self.bytes[self.pos..end];
                self.pos = end;
                Ok(s)
            }
            _ => Err((self.err)(format!("expected {n} more bytes in {} at offset {}, got {}", self.what, self.pos, self.bytes.len().saturating_sub(self.pos)))),
        }
    }
    pub fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().unwrap()))
    }
    pub fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().unwrap()))
    }
    /// Four little-endian u64 limbs (a 32-byte field element as stored, LE).
    pub fn limbs(&mut self) -> Result<[u64; 4]> {
        let b = self.take(32)?;
        Ok(limbs_le(b))
    }
    pub fn done(&self) -> Result<()> {
        if self.pos != self.bytes.len() {
            return Err((self.err)(format!("expected {} to end at {} bytes, got {}", self.what, self.pos, self.bytes.len())));
        }
        Ok(())
    }
}

pub fn u32_at(b: &[u8], pos: usize) -> u32 {
    u32::from_le_bytes(b[pos..pos + 4].try_into().unwrap())
}

pub fn limbs_le(b: &[u8]) -> [u64; 4] {
    let mut l = [0u64; 4];
    for (i, limb) in l.iter_mut().enumerate() {
        *limb = u64::from_le_bytes(b[i * 8..i * 8 + 8].try_into().unwrap());
    }
    l
}
