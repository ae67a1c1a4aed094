// Just enough typing for the parts of snarkjs this adapter calls. snarkjs ships no types.
// File arguments accept a path or an in-memory fastfile ({ type: 'mem', data? }) or a Uint8Array.
declare module 'snarkjs' {
  type FileLike = string | Uint8Array | { type: 'mem'; data?: Uint8Array }
  type Logger = { debug(m: string): void; info(m: string): void; warn(m: string): void; error(m: string): void }
  type Proof = Record<string, unknown>
  export const zKey: {
    newZKey(r1cs: FileLike, ptau: FileLike, zkey: FileLike, logger?: Logger): Promise<unknown>
    contribute(oldZkey: FileLike, newZkey: FileLike, name: string, entropy: string, logger?: Logger): Promise<unknown>
    exportVerificationKey(zkey: FileLike, logger?: Logger): Promise<Record<string, unknown>>
    exportSolidityVerifier(zkey: FileLike, templates: Record<string, string>, logger?: Logger): Promise<string>
  }
  export const plonk: {
    setup(r1cs: FileLike, ptau: FileLike, zkey: FileLike, logger?: Logger): Promise<unknown>
    prove(zkey: FileLike, wtns: FileLike, logger?: Logger): Promise<{ proof: Proof; publicSignals: string[] }>
    verify(vkey: Record<string, unknown>, publicSignals: string[], proof: Proof, logger?: Logger): Promise<boolean>
  }
  export const groth16: {
    prove(zkey: FileLike, wtns: FileLike, logger?: Logger): Promise<{ proof: Proof; publicSignals: string[] }>
    verify(vkey: Record<string, unknown>, publicSignals: string[], proof: Proof, logger?: Logger): Promise<boolean>
  }
  export const wtns: {
    check(r1cs: FileLike, wtns: FileLike, logger?: Logger): Promise<boolean>
  }
  export const r1cs: {
    info(r1cs: FileLike, logger?: Logger): Promise<Record<string, unknown>>
  }
  export const powersOfTau: {
    verify(ptau: string, logger?: Logger): Promise<boolean>
  }
  export const curves: {
    getCurveFromName(name: string, options?: { singleThread?: boolean }): Promise<unknown>
  }
}

declare module 'r1csfile' {
  type Field = { toObject(e: unknown): bigint }
  export function readR1cs(
    file: string | Uint8Array | { type: 'mem'; data: Uint8Array },
    options: { loadConstraints?: boolean; loadMap?: boolean; loadCustomGates?: boolean; singleThread?: boolean },
  ): Promise<{
    n8: number
    prime: bigint
    F: Field
    nVars: number
    nOutputs: number
    nPubInputs: number
    nPrvInputs: number
    nLabels: number
    nConstraints: number
    constraints: [Record<string, unknown>, Record<string, unknown>, Record<string, unknown>][]
    map?: number[]
  }>
}
