//! circom/snarkjs's R1CS-to-QAP reduction, as an arkworks `R1CSToQAP`.
//!
//! arkworks' default `LibsnarkReduction` divides A·B − C by the vanishing polynomial and pairs
//! the quotient's coefficients with powers of tau; snarkjs keys instead hold H bases that are
//! Lagrange polynomials over the coset of odd powers of ω₂ₙ (the 2n-th root of unity), scaled so
//! that no division is needed. A proof is valid for a snarkjs key only if H is computed that way:
//!
//! 1. a_i = A_i·w, b_i = B_i·w for every row (the circuit's constraints, then circom's
//!    public-input rows, which are A-only rows stored in the zkey's coefficients), zero padded
//!    to the domain size n; c_i = a_i·b_i (C is never stored: on satisfied rows it equals C_i·w,
//!    and the C bases of the key carry the real C).
//! 2. For each of a, b, c: inverse FFT over the size-n domain, multiply coefficient k by ω₂ₙᵏ,
//!    FFT again: the evaluations on the odd coset.
//! 3. h_i = a_i·b_i − c_i on the coset, paired with the key's H bases in one MSM.

use ark_ff::PrimeField;
use ark_groth16::r1cs_to_qap::{evaluate_constraint, R1CSToQAP};
use ark_poly::EvaluationDomain;
use ark_relations::r1cs::{ConstraintMatrices, ConstraintSystemRef, SynthesisError};
use rayon::prelude::*;

/// circom's reduction (proving side only: keys come from snarkjs, never from arkworks' setup).
pub struct CircomReduction;

impl R1CSToQAP for CircomReduction {
    /// Setup-side map: not offered (keys are made by snarkjs).
    fn instance_map_with_evaluation<F: PrimeField, D: EvaluationDomain<F>>(
        _cs: ConstraintSystemRef<F>,
        _t: &F,
    ) -> Result<(Vec<F>, Vec<F>, Vec<F>, F, usize, usize), SynthesisError> {
        Err(SynthesisError::AssignmentMissing)
    }

    /// `num_constraints` is the number of matrix rows, public-input rows included;
    /// `num_inputs` is unused since those rows are in the matrices already.
    fn witness_map_from_matrices<F: PrimeField, D: EvaluationDomain<F>>(
        matrices: &ConstraintMatrices<F>,
        _num_inputs: usize,
        num_constraints: usize,
        full_assignment: &[F],
    ) -> Result<Vec<F>, SynthesisError> {
        let domain = D::new(num_constraints).ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
        let n = domain.size();
        let mut a = vec![F::zero(); n];
        let mut b = vec![F::zero(); n];
        a[..num_constraints]
            .par_iter_mut()
            .zip(b[..num_constraints].par_iter_mut())
            .zip(matrices.a.par_iter().zip(matrices.b.par_iter()))
            .for_each(|((a, b), (at, bt))| {
                *a = evaluate_constraint(at, full_assignment);
                *b = evaluate_constraint(bt, full_assignment);
            });
        let mut c: Vec<F> = a.par_iter().zip(b.par_iter()).map(|(x, y)| *x * y).collect();

        let shift = D::new(2 * n).ok_or(SynthesisError::PolynomialDegreeTooLarge)?.element(1);
        let to_coset = |v: &mut Vec<F>| {
            domain.ifft_in_place(v);
            D::distribute_powers_and_mul_by_const(v, shift, F::one());
            domain.fft_in_place(v);
        };
        // The three transforms are independent; run them side by side on the pool.
        rayon::join(|| to_coset(&mut a), || rayon::join(|| to_coset(&mut b), || to_coset(&mut c)));
        a.par_iter_mut().zip(b.par_iter()).zip(c.par_iter()).for_each(|((a, b), c)| {
            *a = *a * b - c;
        });
        Ok(a)
    }

    /// Setup-side scalars: not offered (keys are made by snarkjs).
    fn h_query_scalars<F: PrimeField, D: EvaluationDomain<F>>(
        _max_power: usize,
        _t: F,
        _zt: F,
        _delta_inverse: F,
    ) -> Result<Vec<F>, SynthesisError> {
        Err(SynthesisError::AssignmentMissing)
    }
}
