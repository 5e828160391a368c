/**
 * The recorder on a call session's audio tap: every way a call ends (stop, hang-up, socket drop, a fault, the
 * drain's closing line) finishes the recording exactly once, before `call.ended`, with the agent's frames (the
 * closing line or the apology included) on the right channel.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CallSession, type CallAudioTap } from '../../src/voice/call-session.js';
import { CallRecorder, type FinishedRecording } from '../../src/audio/call-recorder.js';
import { FakeSynthesizer } from '../../src/providers/testing/index.js';
import { PlayingTransport } from '../helpers/voice-harness.js';

const log = { info() {}, warn() {}, error() {}, debug() {} };

describe('the recorder on the session audio tap', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'recorder-session-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  const endings: [string, (s: CallSession) => Promise<void>][] = [
    ['stop', async (s) => s.requestEnd('stop')],
    ['hangup', async (s) => s.requestEnd('hangup')],
    ['socket drop', async (s) => s.requestEnd('socket_closed', { closeCode: 1006 })],
    ['a fault (apology)', (s) => s.fail('test', new Error('boom'))],
    ['draining (closing line)', (s) => s.closeWith('We have to end the call here.', 'draining', { cause: 'draining' })],
  ];

  for (const [name, endCall] of endings) {
    it(`${name}: the recording is finished once, before call.ended`, async () => {
      const transport = new PlayingTransport();
      const events: { type: string; payload: Record<string, unknown> }[] = [];
      const record = (type: string, payload: Record<string, unknown> = {}) => events.push({ type, payload });
      const session = new CallSession({ interviewId: 'i1', callSid: 'CA1', streamSid: 'MZ1', transport, tts: new FakeSynthesizer(), record, log });
      transport.session = session;
      const recorder = new CallRecorder({ file: join(dir, `${name.replace(/\W+/g, '-')}.wav`) });
      let ends = 0;
      let finished: FinishedRecording | undefined;
      const tap: CallAudioTap = {
        inbound: (p) => recorder.inbound(p),
        outbound: (f) => recorder.outbound(f),
        async end() {
          ends++;
          finished = await recorder.finish();
          record('call.recording', { durationMs: finished?.durationMs });
        },
      };
      session.audioTap = tap;
      // The caller's line runs on its 20 ms clock while the session lives.
      const caller = new Uint8Array(160).fill(0x20);
      const clock = setInterval(() => session.handleMedia(caller, 0), 20);
      try {
        await new Promise((r) => setTimeout(r, 200));
        await endCall(session);
        await session.done;
        await session.end('stop'); // a second end changes nothing
      } finally {
        clearInterval(clock);
      }
      expect(ends).toBe(1);
      const types = events.map((e) => e.type);
      expect(types.indexOf('call.recording')).toBeGreaterThan(-1);
      expect(types.indexOf('call.recording')).toBeLessThan(types.indexOf('call.ended'));
      expect(finished).toBeDefined();
      const buf = await readFile(finished!.file);
      expect(buf.readUInt32LE(40)).toBe(buf.length - 44);
      expect(finished!.durationMs).toBeGreaterThanOrEqual(100);
      if (name.includes('closing') || name.includes('fault')) {
        // The last words were sent while the caller's clock ran: they are on the agent's channel.
        let energy = 0;
        for (let i = 46; i < buf.length; i += 4) energy += Math.abs(buf.readInt16LE(i));
        expect(energy).toBeGreaterThan(0);
      }
    }, 30_000);
  }
});
