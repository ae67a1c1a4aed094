// Shared by the browser tests (not itself a test file): a minimal PNG decoder on node:zlib, enough
// for Chromium's screenshots (8-bit RGB or RGBA, non-interlaced), so a test can look at pixels
// without an image dependency.
import { inflateSync } from 'node:zlib'

export type DecodedPng = { width: number; height: number; channels: 3 | 4; pixels: Uint8Array }

/** Decodes an 8-bit RGB/RGBA, non-interlaced PNG; throws on anything else. */
export function decodePng(buf: Buffer): DecodedPng {
  const sig = '89504e470d0a1a0a'
  if (buf.subarray(0, 8).toString('hex') !== sig) throw new Error(`expected a PNG signature, got ${buf.subarray(0, 8).toString('hex')}`)
  let off = 8
  let width = 0, height = 0, channels: 3 | 4 = 4
  const idat: Buffer[] = []
  while (off < buf.length) {
    const len = buf.readUInt32BE(off)
    const type = buf.subarray(off + 4, off + 8).toString('latin1')
    const data = buf.subarray(off + 8, off + 8 + len)
    if (type === 'IHDR') {
      width = data.readUInt32BE(0)
      height = data.readUInt32BE(4)
      const depth = data[8], color = data[9], interlace = data[12]
      if (depth !== 8 || (color !== 2 && color !== 6) || interlace !== 0) throw new Error(`expected 8-bit RGB(A) non-interlaced, got depth ${depth} color ${color} interlace ${interlace}`)
      channels = color === 2 ? 3 : 4
    } else if (type === 'IDAT') idat.push(data)
    else if (type === 'IEND') break
    off += 12 + len
  }
  const raw = inflateSync(Buffer.concat(idat))
  const stride = width * channels
  const pixels = new Uint8Array(height * stride)
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1))
    const row = y * stride
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? pixels[row + x - channels]! : 0
      const b = y > 0 ? pixels[row - stride + x]! : 0
      const c = x >= channels && y > 0 ? pixels[row - stride + x - channels]! : 0
      let v = src[x]!
      if (filter === 1) v += a
      else if (filter === 2) v += b
      else if (filter === 3) v += (a + b) >> 1
      else if (filter === 4) {
        const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c)
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c
      } else if (filter !== 0) throw new Error(`expected PNG filter 0–4, got ${filter}`)
      pixels[row + x] = v & 0xff
    }
  }
  return { width, height, channels, pixels }
}

/** How many pixels are "ink": darker than `threshold` on every colour channel average. */
export function darkPixels(png: DecodedPng, threshold = 128): number {
  let n = 0
  for (let i = 0; i < png.pixels.length; i += png.channels) {
    const lum = (png.pixels[i]! + png.pixels[i + 1]! + png.pixels[i + 2]!) / 3
    if (lum < threshold) n++
  }
  return n
}

/** How many distinct RGB colours the image holds (a blank or single-colour image has 1). */
export function distinctColours(png: DecodedPng): number {
  const seen = new Set<number>()
  for (let i = 0; i < png.pixels.length; i += png.channels) seen.add((png.pixels[i]! << 16) | (png.pixels[i + 1]! << 8) | png.pixels[i + 2]!)
  return seen.size
}
