/**
 * The call recorder: a valid stereo WAV whose left channel is the inbound frames and right channel the agent frames
 * sent between them (aligned by inbound frames, FIFO capped), written as a stream; a disk error stays contained.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync, WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CallRecorder, RECORDER_CHUNK_BYTES, RECORDER_FIFO_FRAMES } from '../../src/audio/call-recorder.js';
import { MULAW_DECODE_TABLE } from '../../src/audio/mulaw.js';
import { readWav } from '../../src/audio/wav.js';

const frame = (code: number, n = 160) => new Uint8Array(n).fill(code);

/** The file's stereo data as [left, right] per sample, after checking the header's sizes against the file. */
function channels(buf: Buffer): { left: Int16Array; right: Int16Array } {
  expect(buf.toString('latin1', 0, 4)).toBe('RIFF');
  expect(buf.readUInt32LE(4)).toBe(buf.length - 8);
  expect(buf.readUInt16LE(22)).toBe(2);
  expect(buf.readUInt32LE(24)).toBe(8000);
  expect(buf.readUInt16LE(34)).toBe(16);
  expect(buf.toString('latin1', 36, 40)).toBe('data');
  expect(buf.readUInt32LE(40)).toBe(buf.length - 44);
  const pairs = (buf.length - 44) / 4;
  const left = new Int16Array(pairs);
  const right = new Int16Array(pairs);
  for (let i = 0; i < pairs; i++) {
    left[i] = buf.readInt16LE(44 + i * 4);
    right[i] = buf.readInt16LE(46 + i * 4);
  }
  return { left, right };
}

describe('CallRecorder', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'recorder-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('writes a stereo WAV: left the inbound frames, right the agent frames sent since the previous inbound one', async () => {
    const file = join(dir, 'call.wav');
    const stopped: string[] = [];
    const r = new CallRecorder({ file, onStopped: (reason) => stopped.push(reason) });
    // Distinct codes with distinct decoded values: caller 0x10+i, agent 0x90+i.
    const caller = (i: number) => frame(0x10 + i);
    const agent = (i: number) => frame(0x90 + i);
    r.inbound(caller(0)); // nothing sent yet: silence on the right
    r.outbound(agent(0));
    r.inbound(caller(1)); // → agent 0
    r.outbound(agent(1));
    r.outbound(agent(2));
    r.inbound(caller(2)); // → agent 1 (FIFO)
    r.inbound(caller(3)); // → agent 2
    // A burst past the cap: the oldest frames are dropped, the newest RECORDER_FIFO_FRAMES kept.
    for (let i = 3; i < 3 + RECORDER_FIFO_FRAMES + 2; i++) r.outbound(agent(i));
    for (let i = 4; i < 4 + RECORDER_FIFO_FRAMES + 1; i++) r.inbound(caller(i));
    const inboundFrames = 4 + RECORDER_FIFO_FRAMES + 1;
    expect(r.droppedAgentBytes).toBe(2 * 160);

    const done = await r.finish();
    expect(stopped).toEqual([]);
    expect(done).toMatchObject({ file, bytes: 44 + inboundFrames * 160 * 4, durationMs: inboundFrames * 20 });
    const buf = await readFile(file);
    expect(buf.length).toBe(done!.bytes);
    const wav = readWav(buf);
    expect(wav).toMatchObject({ sampleRateHz: 8000, channels: 2, format: 'pcm16' });

    const { left, right } = channels(buf);
    expect(left.length).toBe(inboundFrames * 160);
    const blockOf = (ch: Int16Array, b: number) => [...new Set(ch.subarray(b * 160, (b + 1) * 160))];
    for (let b = 0; b < inboundFrames; b++) expect(blockOf(left, b)).toEqual([MULAW_DECODE_TABLE[0x10 + b]]);
    const expectedAgent = [null, 0, 1, 2, 5, 6, 7, 8, null];
    expect(expectedAgent.length).toBe(inboundFrames);
    for (let b = 0; b < inboundFrames; b++) {
      const a = expectedAgent[b];
      expect(blockOf(right, b), `block ${b}`).toEqual([a === null ? 0 : MULAW_DECODE_TABLE[0x90 + a!]]);
    }
  });

  it('keeps alignment when inbound frames are not 160 bytes (agent audio is consumed sample by sample)', async () => {
    const file = join(dir, 'odd.wav');
    const r = new CallRecorder({ file });
    r.outbound(frame(0x90));
    r.inbound(frame(0x10, 100)); // 100 of the agent's 160 samples
    r.inbound(frame(0x11, 100)); // the other 60, then silence
    const done = await r.finish();
    const { left, right } = channels(await readFile(done!.file));
    expect(left.length).toBe(200);
    expect(right.subarray(0, 160).every((s) => s === MULAW_DECODE_TABLE[0x90])).toBe(true);
    expect(right.subarray(160).every((s) => s === 0)).toBe(true);
  });

  it('a call with no audio is still a valid (empty) WAV; finish is idempotent and later frames are ignored', async () => {
    const file = join(dir, 'empty.wav');
    const r = new CallRecorder({ file });
    const a = await r.finish();
    r.inbound(frame(0x10));
    const b = await r.finish();
    expect(b).toBe(a);
    const buf = await readFile(file);
    expect(buf.length).toBe(44);
    expect(channels(buf).left.length).toBe(0);
  });

  it('writes half-second chunks, not a write per frame, and loses no audio at the end', async () => {
    const file = join(dir, 'chunks.wav');
    const writes = vi.spyOn(WriteStream.prototype, 'write');
    try {
      const r = new CallRecorder({ file });
      // 5 s and one frame: 251 inbound frames of 640 bytes of stereo each.
      for (let i = 0; i < 251; i++) {
        r.inbound(frame(i % 2 ? 0x10 : 0x90));
        if (i % 2) r.outbound(frame(0x20));
      }
      const done = await r.finish();
      expect(done!.durationMs).toBe(5020);
      // The header, then chunks of 25 whole frames (25 × 640 bytes fit in 16 KiB): 11 chunks, and nothing else.
      expect(writes.mock.calls.length).toBe(1 + Math.ceil(251 / Math.floor(RECORDER_CHUNK_BYTES / 640)));
    } finally {
      writes.mockRestore();
    }
    const { left, right } = channels(await readFile(file));
    expect(left.length).toBe(251 * 160);
    expect(left[250 * 160]).toBe(MULAW_DECODE_TABLE[0x90]);
    expect(left[249 * 160]).toBe(MULAW_DECODE_TABLE[0x10]);
    expect(right[250 * 160]).toBe(MULAW_DECODE_TABLE[0x20]);
  });

  it('a disk error ends the recording, once, without throwing into the caller', async () => {
    const file = join(dir, 'no-such-folder', 'call.wav');
    const stopped: { reason: string; err: unknown }[] = [];
    const r = new CallRecorder({ file, onStopped: (reason, err) => stopped.push({ reason, err }) });
    for (let i = 0; i < 10; i++) {
      expect(() => r.inbound(frame(0x10))).not.toThrow();
      expect(() => r.outbound(frame(0x90))).not.toThrow();
    }
    expect(await r.finish()).toBeUndefined();
    expect(stopped).toHaveLength(1);
    expect(stopped[0]!.reason).toBe('disk error');
    expect(String(stopped[0]!.err)).toMatch(/ENOENT/);
    expect(r.active).toBe(false);
    expect(() => r.inbound(frame(0x10))).not.toThrow();
  });

  it('a disk that falls behind stops the recording (memory stays bounded) and the partial file is removed', async () => {
    const file = join(dir, 'slow.wav');
    const stopped: string[] = [];
    const r = new CallRecorder({ file, maxQueuedBytes: 1000, onStopped: (reason) => stopped.push(reason) });
    // Synchronous writes queue up in the stream: 2 frames = 1,280 bytes, more than the cap.
    r.inbound(frame(0x10));
    r.inbound(frame(0x10));
    expect(stopped).toEqual(['disk too slow']);
    expect(await r.finish()).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(existsSync(file)).toBe(false);
  });

  it('a reporter that throws does not turn a lost recording into a throw', async () => {
    const r = new CallRecorder({
      file: join(dir, 'missing', 'x.wav'),
      onStopped: () => {
        throw new Error('reporter bug');
      },
    });
    expect(await r.finish()).toBeUndefined();
  });
});

describe('orphaned partial recordings', () => {
  it('deletes only recording partials nobody has written to for ten minutes', async () => {
    const { sweepOrphanRecordings, ORPHAN_PARTIAL_MS } = await import('../../src/interview/capabilities/recording.js');
    const { writeFile, utimes, readdir } = await import('node:fs/promises');
    const root = await mkdtemp(join(tmpdir(), 'screenline-orphans-'));
    try {
      const old = 'recording-00000000-0000-4000-8000-000000000001.wav.partial';
      const live = 'recording-00000000-0000-4000-8000-000000000002.wav.partial';
      const other = 'report-1.pdf';
      for (const n of [old, live, other]) await writeFile(join(root, n), 'x');
      const past = (Date.now() - ORPHAN_PARTIAL_MS - 60_000) / 1000;
      await utimes(join(root, old), past, past);
      await utimes(join(root, other), past, past);
      expect(await sweepOrphanRecordings(root)).toBe(1);
      expect((await readdir(root)).sort()).toEqual([live, other].sort());
      expect(await sweepOrphanRecordings(join(root, 'missing'))).toBe(0);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
