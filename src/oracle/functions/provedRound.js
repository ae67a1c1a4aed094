// Chainlink Functions source: fetches the latest proved round of a feed from a zkml oracle's round API
// and returns it ABI-encoded (160 bytes, under Functions' 256-byte response limit):
//   abi.encode(int256 answer, uint256 round, uint256 subject, bytes32 commitment, uint256 modelVersion)
// The answer is recomputed here from the proof's output signal (not taken from the API's `answer` field),
// and commitment = sha256(proof ‖ abi.encodePacked(publicSignals)) is what ProvedFeed stores per round,
// so a consumer can check the DON's value against the proof the verifier contract accepted.
//
// args: [baseUrl, feedId, outputIndex, subjectIndex, roundIndex, scaleBits, decimals]
const [baseUrl, feedId, outputIndexS, subjectIndexS, roundIndexS, scaleBitsS, decimalsS] = args
const P = 21888242871839275222246405745257275088548364400416034343698204186575808495617n

const res = await Functions.makeHttpRequest({ url: `${baseUrl}/feeds/${encodeURIComponent(feedId)}/latest`, timeout: 9000 })
if (res.error || !res.data) throw Error(`round API failed: ${res.status ?? ''} ${res.message ?? ''}`)
const r = res.data
if (typeof r.proof !== 'string' || !/^0x[0-9a-fA-F]+$/.test(r.proof) || !Array.isArray(r.publicSignals))
  throw Error('round API: expected proof (0x hex) and publicSignals')

const signals = r.publicSignals.map((s) => BigInt(s))
for (const s of signals) if (s < 0n || s >= P) throw Error('signal outside the field')
const raw = signals[Number(outputIndexS)]
const subject = signals[Number(subjectIndexS)]
const round = signals[Number(roundIndexS)]
const signed = raw > P / 2n ? raw - P : raw
// BigInt division truncates toward zero, as Solidity's int division in ProvedFeed does.
const answer = (signed * 10n ** BigInt(decimalsS)) / (1n << BigInt(scaleBitsS))

const hexToBytes = (h) => {
  const s = h.slice(2)
  const out = new Uint8Array(s.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16)
  return out
}
const word = (x) => {
  let v = x < 0n ? (1n << 256n) + x : x
  const out = new Uint8Array(32)
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(v & 0xffn)
    v >>= 8n
  }
  return out
}
const proofBytes = hexToBytes(r.proof)
const preimage = new Uint8Array(proofBytes.length + 32 * signals.length)
preimage.set(proofBytes, 0)
signals.forEach((s, i) => preimage.set(word(s), proofBytes.length + 32 * i))
const commitment = new Uint8Array(await crypto.subtle.digest('SHA-256', preimage))

const out = new Uint8Array(160)
out.set(word(answer), 0)
out.set(word(round), 32)
out.set(word(subject), 64)
out.set(commitment, 96)
out.set(word(BigInt(r.modelVersion ?? 0)), 128)
return out
