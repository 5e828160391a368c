/** The WAV files a simulated call leaves behind. */
import { writeFile } from 'node:fs/promises';
import { FRAME_BYTES } from '../../audio/frames.js';
import { decodeMulaw } from '../../audio/mulaw.js';
import { writeWavMulaw, writeWavPcm16 } from '../../audio/wav.js';

/** What the caller heard: the agent audio that actually played, concatenated, as a mu-law WAV. */
export async function writeHeardWav(path: string, heard: Uint8Array): Promise<void> {
  await writeFile(path, writeWavMulaw(heard));
}

/** Per-frame pairs (caller sent, agent heard) → stereo PCM16 WAV on the call's own time axis. */
export async function writeRecordingWav(path: string, frames: { caller: Uint8Array; agent: Uint8Array }[]): Promise<void> {
  const stereo = new Int16Array(frames.length * FRAME_BYTES * 2);
  frames.forEach(({ caller, agent }, f) => {
    const c = decodeMulaw(caller);
    const a = decodeMulaw(agent);
    const base = f * FRAME_BYTES * 2;
    for (let i = 0; i < FRAME_BYTES; i++) {
      stereo[base + i * 2] = c[i] ?? 0;
      stereo[base + i * 2 + 1] = a[i] ?? 0;
    }
  });
  await writeFile(path, writeWavPcm16(stereo, 8000, 2));
}
