//! Golden-byte tests of the file readers, against files our TypeScript writers and snarkjs made
//! (tests/fixtures: the 4-constraint circuit of test/integration/snark-circuit.ts, its witness,
//! and the Groth16 key snarkjs set up for it with the bundled pot15, with its exported vkey).

use ark_bn254::{Fr, G1Affine};
use ark_ec::AffineRepr;
use ark_ff::{PrimeField, Zero};
use zkml_native::r1cs::R1cs;
use zkml_native::wtns::parse_wtns;
use zkml_native::zkey::ZkeyPk;

const ZKEY: &[u8] = include_bytes!("fixtures/small.zkey");
const R1CS: &[u8] = include_bytes!("fixtures/small.r1cs");
const WTNS: &[u8] = include_bytes!("fixtures/small.wtns");
const VKEY: &str = include_str!("fixtures/small.vkey.json");

/// writeWtns([1n, 9n, 3n]) from src/compiler/r1cs/writeWtns.ts, byte for byte.
const WTNS_193: &str = "77746e73020000000200000001000000280000000000000020000000010000f093f5e1439170b97948e833285d588181b64550b829a031e1724e643003000000020000006000000000000000010000000000000000000000000000000000000000000000000000000000000009000000000000000000000000000000000000000000000000000000000000000300000000000000000000000000000000000000000000000000000000000000";

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

/// The decimal strings of vk_alpha_1 in the snarkjs vkey JSON (a tiny scan; no JSON crate).
fn alpha_from_vkey() -> (String, String) {
    let at = VKEY.find("\"vk_alpha_1\"").unwrap();
    let nums: Vec<String> = VKEY[at..].split('"').filter(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit())).take(2).map(String::from).collect();
    (nums[0].clone(), nums[1].clone())
}

#[test]
fn wtns_golden_bytes() {
    let w = parse_wtns(&hex(WTNS_193)).unwrap();
    assert_eq!(w, vec![Fr::from(1u64), Fr::from(9u64), Fr::from(3u64)]);
}

#[test]
fn wtns_refusals() {
    let mut b = hex(WTNS_193);
    b[0] = b'x';
    assert!(parse_wtns(&b).unwrap_err().to_string().starts_with("WITNESS_INVALID: expected a .wtns file"));
    let mut b = hex(WTNS_193);
    b[12 + 12 + 40 + 12] = 2; // wire 0 = 2
    assert!(parse_wtns(&b).unwrap_err().message.contains("wire 0"));
    let b = hex(WTNS_193);
    assert!(parse_wtns(&b[..b.len() - 1]).unwrap_err().message.contains("expected section 2"));
    let mut b = hex(WTNS_193);
    let v = 12 + 12 + 40 + 12 + 32; // witness[1], set to r (not below r)
    b[v..v + 32].copy_from_slice(&hex("010000f093f5e1439170b97948e833285d588181b64550b829a031e1724e6430"));
    assert!(parse_wtns(&b).unwrap_err().message.contains("witness[1] below r"));
}

#[test]
fn zkey_golden_file() {
    let pk = ZkeyPk::parse(ZKEY).unwrap();
    assert_eq!((pk.n_vars, pk.n_public, pk.domain_size, pk.n_constraints()), (7, 4, 16, 4));
    // The Montgomery limbs read as arkworks' Fq give snarkjs's own decimal alpha1.
    let (x, y) = alpha_from_vkey();
    let (ax, ay) = pk.alpha1.xy().unwrap();
    assert_eq!((ax.into_bigint().to_string(), ay.into_bigint().to_string()), (x, y));
    // Constraint 3's A is (in2 − 4·one): the stored coef·R² decodes to P − 4 for wire 0.
    let row = &pk.matrices.a[3];
    assert!(row.contains(&(-Fr::from(4u64), 0)) && row.contains(&(Fr::from(1u64), 4)), "{row:?}");
    // circom's public-input rows: A-only rows nConstraints + s with coefficient 1 on wire s.
    for s in 0..=4 {
        assert_eq!(pk.matrices.a[4 + s], vec![(Fr::from(1u64), s)]);
        assert!(pk.matrices.b[4 + s].is_empty());
    }
    assert_eq!((pk.a.len(), pk.b2.len(), pk.c.len(), pk.h.len(), pk.ic.len()), (7, 7, 2, 16, 5));
    assert!(pk.h.iter().all(|p: &G1Affine| p.is_on_curve()));
}

#[test]
fn zkey_refusals() {
    let mut b = ZKEY.to_vec();
    b[0] = b'p';
    assert_eq!(ZkeyPk::parse(&b).err().unwrap().code, "NATIVE_KEY_INVALID");
    assert_eq!(ZkeyPk::parse(&ZKEY[..ZKEY.len() - 10]).err().unwrap().code, "NATIVE_KEY_INVALID");
    // Flip a byte of alpha1's y: off the curve (or not below q).
    let mut b = ZKEY.to_vec();
    let at = find_section(&b, 2) + 4 + 32 + 4 + 32 + 12 + 40;
    b[at] ^= 1;
    let e = ZkeyPk::parse(&b).err().unwrap();
    assert!(e.message.contains("alpha1"), "{e}");
}

#[test]
fn r1cs_matches_key_and_checks_witness() {
    let pk = ZkeyPk::parse(ZKEY).unwrap();
    let r = R1cs::parse(R1CS).unwrap();
    r.check_matches(&pk).unwrap();
    let mut w = parse_wtns(WTNS).unwrap();
    assert_eq!(r.first_unsatisfied(&w), None);
    w[6] += Fr::from(1u64); // t ≠ x·x
    assert_eq!(r.first_unsatisfied(&w), Some(0));
    assert!(!w[6].is_zero());
}

fn find_section(b: &[u8], ty: u32) -> usize {
    let mut pos = 12;
    loop {
        let t = u32::from_le_bytes(b[pos..pos + 4].try_into().unwrap());
        let len = u64::from_le_bytes(b[pos + 4..pos + 12].try_into().unwrap()) as usize;
        if t == ty {
            return pos + 12;
        }
        pos += 12 + len;
    }
}

#[test]
fn zkey_hostile_sizes_are_refused_before_allocating() {
    // domainSize 2^27 in the header: the H section is far too small for it.
    let mut b = ZKEY.to_vec();
    let at = find_section(&b, 2) + 4 + 32 + 4 + 32 + 8;
    b[at..at + 4].copy_from_slice(&(1u32 << 27).to_le_bytes());
    let e = ZkeyPk::parse(&b).err().unwrap();
    assert!(e.message.contains("section 9 (H)"), "{e}");
}
