/**
 * Minimal RIFF/WAVE reader and writers: PCM16 (any rate, any channel count, mixed down to mono on read) and
 * G.711 mu-law (format 7). Unknown chunks (LIST, fact, …) are skipped; malformed files raise `WavFormatError`.
 */
import { MULAW_DECODE_TABLE } from './mulaw.js';

export class WavFormatError extends Error {
  constructor(message: string) {
    super(`WAV: ${message}`);
    this.name = 'WavFormatError';
  }
}

export interface WavAudio {
  sampleRateHz: number;
  /** Channels in the file (samples are always mono). */
  channels: number;
  format: 'pcm16' | 'mulaw';
  /** Decoded PCM16, mono (multi-channel files are averaged). */
  samples: Int16Array;
}

const FORMAT_PCM = 1;
const FORMAT_MULAW = 7;
const FORMAT_EXTENSIBLE = 0xfffe;
/** Streaming writers put a placeholder size in the data chunk and may never fix it. */
const STREAMING_SIZE_MIN = 0x7fff0000;

function fourcc(view: DataView, at: number): string {
  return String.fromCharCode(view.getUint8(at), view.getUint8(at + 1), view.getUint8(at + 2), view.getUint8(at + 3));
}

export function readWav(buf: Uint8Array): WavAudio {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length < 12 || fourcc(view, 0) !== 'RIFF' || fourcc(view, 8) !== 'WAVE') {
    throw new WavFormatError('not a RIFF/WAVE file');
  }
  let fmt: { format: number; channels: number; sampleRateHz: number; bitsPerSample: number; blockAlign: number } | undefined;
  let data: Uint8Array | undefined;
  let at = 12;
  while (at + 8 <= buf.length) {
    const id = fourcc(view, at);
    let size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (body + size > buf.length) {
      if (id === 'data' && (size >= STREAMING_SIZE_MIN || size === 0)) size = buf.length - body;
      else throw new WavFormatError(`chunk "${id}" declares ${size} bytes but only ${buf.length - body} remain`);
    }
    if (id === 'fmt ') {
      if (size < 16) throw new WavFormatError(`fmt chunk too short (${size} bytes)`);
      let format = view.getUint16(body, true);
      if (format === FORMAT_EXTENSIBLE) {
        if (size < 40) throw new WavFormatError('extensible fmt chunk too short');
        format = view.getUint16(body + 24, true); // first two bytes of the sub-format GUID
      }
      fmt = {
        format,
        channels: view.getUint16(body + 2, true),
        sampleRateHz: view.getUint32(body + 4, true),
        blockAlign: view.getUint16(body + 12, true),
        bitsPerSample: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      data = buf.subarray(body, body + size);
      break; // the data chunk is last in practice; a header after it would not change the samples
    }
    at = body + size + (size & 1); // chunks are word-aligned
  }
  if (!fmt) throw new WavFormatError('no fmt chunk before the data');
  if (!data) throw new WavFormatError('no data chunk');
  const { format, channels, sampleRateHz, bitsPerSample } = fmt;
  if (channels < 1) throw new WavFormatError('zero channels');
  if (sampleRateHz < 1) throw new WavFormatError('zero sample rate');

  if (format === FORMAT_PCM && bitsPerSample === 16) {
    const frames = Math.floor(data.length / (2 * channels));
    const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    return { sampleRateHz, channels, format: 'pcm16', samples: mixDown(frames, channels, (i) => dv.getInt16(i * 2, true)) };
  }
  if (format === FORMAT_MULAW && bitsPerSample === 8) {
    const frames = Math.floor(data.length / channels);
    return { sampleRateHz, channels, format: 'mulaw', samples: mixDown(frames, channels, (i) => MULAW_DECODE_TABLE[data[i]!]!) };
  }
  throw new WavFormatError(`unsupported format ${format} with ${bitsPerSample} bits per sample (PCM16 and mu-law only)`);
}

function mixDown(frames: number, channels: number, sampleAt: (index: number) => number): Int16Array {
  const out = new Int16Array(frames);
  if (channels === 1) {
    for (let i = 0; i < frames; i++) out[i] = sampleAt(i);
    return out;
  }
  for (let i = 0; i < frames; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += sampleAt(i * channels + c);
    out[i] = Math.round(sum / channels);
  }
  return out;
}

function header(view: DataView, riffSize: number): void {
  const put = (at: number, s: string) => {
    for (let i = 0; i < 4; i++) view.setUint8(at + i, s.charCodeAt(i));
  };
  put(0, 'RIFF');
  view.setUint32(4, riffSize, true);
  put(8, 'WAVE');
  put(12, 'fmt ');
}

/** PCM16 WAV; `samples` are interleaved when `channels` > 1. */
export function writeWavPcm16(samples: Int16Array, sampleRateHz: number, channels = 1): Uint8Array {
  const dataBytes = samples.length * 2;
  const out = new Uint8Array(44 + dataBytes);
  const view = new DataView(out.buffer);
  header(view, 36 + dataBytes);
  view.setUint32(16, 16, true);
  view.setUint16(20, FORMAT_PCM, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRateHz, true);
  view.setUint32(28, sampleRateHz * channels * 2, true);
  view.setUint16(32, channels * 2, true);
  view.setUint16(34, 16, true);
  out.set([0x64, 0x61, 0x74, 0x61], 36); // "data"
  view.setUint32(40, dataBytes, true);
  for (let i = 0; i < samples.length; i++) view.setInt16(44 + i * 2, samples[i]!, true);
  return out;
}

/** mu-law WAV (format 7, 8-bit, mono) with the `fact` chunk non-PCM formats require. */
export function writeWavMulaw(bytes: Uint8Array, sampleRateHz = 8000): Uint8Array {
  const pad = bytes.length & 1;
  const out = new Uint8Array(58 + bytes.length + pad);
  const view = new DataView(out.buffer);
  header(view, 50 + bytes.length + pad);
  view.setUint32(16, 18, true);
  view.setUint16(20, FORMAT_MULAW, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, sampleRateHz, true);
  view.setUint32(28, sampleRateHz, true);
  view.setUint16(32, 1, true);
  view.setUint16(34, 8, true);
  view.setUint16(36, 0, true); // cbSize
  out.set([0x66, 0x61, 0x63, 0x74], 38); // "fact"
  view.setUint32(42, 4, true);
  view.setUint32(46, bytes.length, true);
  out.set([0x64, 0x61, 0x74, 0x61], 50); // "data"
  view.setUint32(54, bytes.length, true);
  out.set(bytes, 58);
  return out;
}
