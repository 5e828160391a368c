import { describe, expect, it } from 'vitest';
import { encodeMulaw, decodeMulaw } from '../../../src/audio/mulaw.js';
import { WavFormatError, readWav, writeWavMulaw, writeWavPcm16 } from '../../../src/audio/wav.js';

function ramp(n: number, step = 100): Int16Array {
  return Int16Array.from({ length: n }, (_, i) => ((i * step) % 60000) - 30000);
}

/** Inserts a chunk right after the 12-byte RIFF header and fixes the RIFF size. */
function withChunkBefore(wav: Uint8Array, id: string, body: Uint8Array): Uint8Array {
  const pad = body.length & 1;
  const chunk = new Uint8Array(8 + body.length + pad);
  for (let i = 0; i < 4; i++) chunk[i] = id.charCodeAt(i);
  new DataView(chunk.buffer).setUint32(4, body.length, true);
  chunk.set(body, 8);
  const out = new Uint8Array(wav.length + chunk.length);
  out.set(wav.subarray(0, 12));
  out.set(chunk, 12);
  out.set(wav.subarray(12), 12 + chunk.length);
  new DataView(out.buffer).setUint32(4, out.length - 8, true);
  return out;
}

describe('PCM16 WAV', () => {
  it('round-trips mono samples at any rate with a standard 44-byte header', () => {
    const samples = ramp(1001);
    const wav = writeWavPcm16(samples, 22050);
    expect(wav.length).toBe(44 + 2002);
    expect(Buffer.from(wav.subarray(0, 4)).toString()).toBe('RIFF');
    const back = readWav(wav);
    expect(back).toMatchObject({ sampleRateHz: 22050, channels: 1, format: 'pcm16' });
    expect(Array.from(back.samples)).toEqual(Array.from(samples));
  });

  it('mixes stereo down to mono by averaging', () => {
    const interleaved = new Int16Array([1000, 3000, -2000, -4000, 32767, 32767]);
    const back = readWav(writeWavPcm16(interleaved, 16000, 2));
    expect(back.channels).toBe(2);
    expect(Array.from(back.samples)).toEqual([2000, -3000, 32767]);
  });

  it('skips LIST and other unknown chunks, including odd-sized ones with a pad byte', () => {
    const samples = ramp(50);
    const wav = withChunkBefore(writeWavPcm16(samples, 8000), 'LIST', new TextEncoder().encode('INFOISFT-odd'));
    const odd = withChunkBefore(wav, 'junk', new Uint8Array(3));
    expect(Array.from(readWav(odd).samples)).toEqual(Array.from(samples));
  });

  it('accepts a streaming placeholder size on the data chunk', () => {
    const wav = writeWavPcm16(ramp(20), 8000);
    new DataView(wav.buffer).setUint32(40, 0x7ffff000, true);
    expect(readWav(wav).samples.length).toBe(20);
  });

  it('reads WAVE_FORMAT_EXTENSIBLE PCM', () => {
    const samples = ramp(10);
    const plain = writeWavPcm16(samples, 48000);
    // Rebuild the header with a 40-byte extensible fmt chunk.
    const out = new Uint8Array(12 + 48 + 8 + samples.length * 2);
    const v = new DataView(out.buffer);
    out.set(plain.subarray(0, 16));
    v.setUint32(4, out.length - 8, true);
    v.setUint32(16, 40, true);
    out.set(plain.subarray(20, 36), 20);
    v.setUint16(20, 0xfffe, true);
    v.setUint16(36, 22, true);
    v.setUint16(44, 1, true); // sub-format GUID starts with 0x0001 = PCM
    out.set(plain.subarray(36), 60);
    const back = readWav(out);
    expect(back.sampleRateHz).toBe(48000);
    expect(Array.from(back.samples)).toEqual(Array.from(samples));
  });
});

describe('mu-law WAV', () => {
  it('round-trips bytes as format 7 with a fact chunk, decoding to PCM16', () => {
    const bytes = encodeMulaw(ramp(161, 333));
    const wav = writeWavMulaw(bytes);
    const view = new DataView(wav.buffer);
    expect(view.getUint16(20, true)).toBe(7);
    expect(Buffer.from(wav.subarray(38, 42)).toString()).toBe('fact');
    expect(wav.length % 2).toBe(0); // odd data is padded
    const back = readWav(wav);
    expect(back).toMatchObject({ sampleRateHz: 8000, channels: 1, format: 'mulaw' });
    expect(Array.from(back.samples)).toEqual(Array.from(decodeMulaw(bytes)));
  });
});

describe('broken files', () => {
  const good = writeWavPcm16(ramp(100), 8000);

  it('rejects a non-WAV buffer', () => {
    expect(() => readWav(new TextEncoder().encode('hello world, not audio'))).toThrow(/not a RIFF\/WAVE/);
    expect(() => readWav(new Uint8Array(4))).toThrow(WavFormatError);
  });

  it('rejects a truncated data chunk with the sizes in the message', () => {
    expect(() => readWav(good.subarray(0, 100))).toThrow(/declares 200 bytes but only 56 remain/);
  });

  it('rejects a file without fmt or without data', () => {
    const noData = good.slice(0, 36);
    new DataView(noData.buffer).setUint32(4, 28, true);
    expect(() => readWav(noData)).toThrow(/no data chunk/);
    const noFmt = good.slice();
    noFmt.set(new TextEncoder().encode('xxxx'), 12);
    expect(() => readWav(noFmt)).toThrow(/no fmt chunk/);
  });

  it('rejects unsupported encodings', () => {
    const float = good.slice();
    const v = new DataView(float.buffer);
    v.setUint16(20, 3, true);
    v.setUint16(34, 32, true);
    expect(() => readWav(float)).toThrow(/unsupported format 3 with 32 bits/);
    const eightBit = good.slice();
    new DataView(eightBit.buffer).setUint16(34, 8, true);
    expect(() => readWav(eightBit)).toThrow(/unsupported format 1 with 8 bits/);
  });

  it('rejects a short fmt chunk and zero channels', () => {
    const shortFmt = good.slice();
    new DataView(shortFmt.buffer).setUint32(16, 8, true);
    expect(() => readWav(shortFmt)).toThrow(WavFormatError);
    const zero = good.slice();
    new DataView(zero.buffer).setUint16(22, 0, true);
    expect(() => readWav(zero)).toThrow(/zero channels/);
  });
});
