/**
 * The media socket's protocol and bad-input policy, over real WebSockets on loopback. Every bad input runs while
 * a second, healthy call is live on the same server, which must be unaffected.
 */
import { callEvents } from '../../src/store/events/call-events.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startListeningApp, type ListeningApp } from '../helpers/listening-app.js';
import { newCallSid, offerCall, RawStream } from '../helpers/raw-stream.js';

const SILENCE = Buffer.alloc(160, 0xff);

describe('Twilio media socket', () => {
  let t: ListeningApp;
  const newInterview = async () =>
    (await t.store.interviews.create({ candidate: { name: 'Katherine Johnson', phone: '+14155550142' }, role: { title: 'Data Engineer' } })).id;

  async function liveCall(): Promise<{ stream: RawStream; interviewId: string }> {
    const interviewId = await newInterview();
    const stream = await RawStream.open(t.url, t.authToken);
    const token = await offerCall(t.url, t.authToken, interviewId, stream.callSid);
    stream.connected();
    stream.start(token);
    return { stream, interviewId };
  }

  /** A healthy call keeps receiving audio and can still end cleanly. */
  async function assertHealthy(healthy: RawStream): Promise<void> {
    const before = healthy.of('media').length;
    healthy.media(SILENCE, 20);
    await healthy.waitFor(() => healthy.of('media').length > before || healthy.of('mark').length > 0);
    expect(healthy.ws.readyState).toBe(healthy.ws.OPEN);
  }

  beforeAll(async () => {
    t = await startListeningApp();
  });
  afterAll(async () => t.close());

  it('speaks the opening disclosure as paced mu-law frames with marks, and records the call', async () => {
    const { stream, interviewId } = await liveCall();
    // The whole disclosure (several seconds): wait until its last sentence's mark has been sent.
    await stream.waitFor(() => stream.of('media').length > 100 && stream.of('mark').length >= 2, 30_000);
    const media = stream.of('media');
    expect(media.length).toBeGreaterThan(10);
    for (const m of media) {
      expect(m.streamSid).toBe(stream.streamSid);
      const bytes = Buffer.from(m.media!.payload, 'base64');
      expect(bytes.length).toBeGreaterThan(0);
      expect(bytes.length).toBeLessThanOrEqual(160);
    }
    // Paced near real time, not dumped: the gaps between frames average close to 20 ms.
    const span = media.at(-1)!.atMs - media[0]!.atMs;
    expect(span / (media.length - 1)).toBeGreaterThan(12);
    expect(stream.of('mark')[0]!.mark!.name).toMatch(/^greeting:\d+$/);

    // Echo the marks as Twilio would, then hang up.
    for (const m of stream.of('mark')) stream.mark(m.mark!.name);
    stream.media(SILENCE, 20);
    stream.stop();
    expect((await stream.closed).code).toBe(1000);

    await stream.waitFor(() => false, 300).catch(() => undefined);
    // The call's own events (scoring and report events written by workers may follow the end).
    const events = (await t.store.events.list(interviewId)).filter((e) => Object.hasOwn(callEvents, e.type));
    const types = events.map((e) => e.type);
    expect(types.slice(0, 3)).toEqual(['twilio.voice_webhook', 'call.stream_offered', 'call.stream_started']);
    expect(types).toContain('call.audio_summary');
    expect(types.at(-1)).toBe('call.ended');
    const summary = events.find((e) => e.type === 'call.audio_summary')!.payload;
    expect(summary.inboundFrames).toBe(1);
    expect(summary.outboundFrames).toBeGreaterThan(10);
    expect(events.at(-1)!.payload.reason).toBe('stop');
    // Hung up during the opening: the interview did not reach its close, so it is to be called back.
    expect((await t.store.interviews.get(interviewId))?.status).toBe('incomplete');
  }, 60_000);

  it('refuses an upgrade without a valid signature (403)', async () => {
    await expect(RawStream.open(t.url, t.authToken, newCallSid(), { signature: 'bad' })).rejects.toThrow(/403/);
    await expect(RawStream.open(t.url, 'wrong-token')).rejects.toThrow(/403/);
  });

  describe('bad input, with a healthy call alongside', () => {
    let healthy: RawStream;
    beforeAll(async () => {
      healthy = (await liveCall()).stream;
      await healthy.waitFor(() => healthy.of('media').length > 0, 30_000);
    }, 60_000);
    afterAll(() => healthy.stop());

    it('closes 1008 when no start arrives within 5 s', async () => {
      const s = await RawStream.open(t.url, t.authToken);
      s.connected();
      expect((await s.closed).code).toBe(1008);
      await assertHealthy(healthy);
    }, 15_000);

    it('closes 1008 for a start without a token, with an unknown token, or with a token for another CallSid', async () => {
      const noToken = await RawStream.open(t.url, t.authToken);
      noToken.start(undefined);
      expect((await noToken.closed).code).toBe(1008);

      const unknown = await RawStream.open(t.url, t.authToken);
      unknown.start('made-up-token');
      expect((await unknown.closed).code).toBe(1008);

      const interviewId = await newInterview();
      const owner = newCallSid();
      const token = await offerCall(t.url, t.authToken, interviewId, owner);
      const thief = await RawStream.open(t.url, t.authToken);
      thief.start(token, newCallSid());
      expect((await thief.closed).code).toBe(1008);
      await assertHealthy(healthy);
    });

    it('a stream token is single-use', async () => {
      const interviewId = await newInterview();
      const callSid = newCallSid();
      const token = await offerCall(t.url, t.authToken, interviewId, callSid);
      const first = await RawStream.open(t.url, t.authToken, callSid);
      first.start(token);
      await first.waitFor(() => first.of('media').length > 0, 30_000);
      const replay = await RawStream.open(t.url, t.authToken, callSid);
      replay.start(token);
      expect((await replay.closed).code).toBe(1008);
      first.stop();
      await first.closed;
    }, 60_000);

    it('drops binary, non-JSON, unknown-event and bad-base64 frames, media before start and a second start, and keeps the socket', async () => {
      const interviewId = await newInterview();
      const s = await RawStream.open(t.url, t.authToken);
      s.media(SILENCE, 0); // before start
      s.sendRaw(Buffer.from([1, 2, 3]), true);
      s.sendRaw('{not json');
      s.send({ event: 'party' });
      const token = await offerCall(t.url, t.authToken, interviewId, s.callSid);
      s.start(token);
      await s.waitFor(() => s.of('media').length > 0, 30_000);
      s.start(token); // second start
      s.send({ event: 'media', sequenceNumber: '9', streamSid: s.streamSid, media: { track: 'inbound', chunk: '1', timestamp: '1', payload: '###' } });
      s.media(SILENCE, 40);
      await new Promise((r) => setTimeout(r, 200));
      expect(s.ws.readyState).toBe(s.ws.OPEN);
      const metrics = (await t.app.inject({ method: 'GET', url: '/metrics', headers: t.auth })).body;
      for (const reason of ['binary', 'invalid_json', 'unknown_event', 'bad_base64', 'before_start', 'duplicate_start']) {
        expect(metrics, reason).toMatch(new RegExp(`screenline_media_frames_rejected_total\\{reason="${reason}"\\} [1-9]`));
      }
      s.stop();
      await s.closed;
      await assertHealthy(healthy);
      // The end of the call finishes its recording before the summary is written: wait for it.
      const summary = await vi.waitFor(
        async () => {
          const found = (await t.store.events.list(interviewId)).find((e) => e.type === 'call.audio_summary');
          if (!found) throw new Error('no call.audio_summary yet');
          return found;
        },
        { timeout: 10_000, interval: 50 },
      );
      expect(summary.payload.inboundFrames).toBe(1);
    }, 60_000);

    it('closes a socket that sends a frame over 64 KiB (1009)', async () => {
      const s = await RawStream.open(t.url, t.authToken);
      s.sendRaw(JSON.stringify({ event: 'media', pad: 'x'.repeat(70 * 1024) }));
      expect((await s.closed).code).toBe(1009);
      await assertHealthy(healthy);
    });

    it('closes a socket that keeps sending garbage (1008 after 20 bad frames)', async () => {
      const s = await RawStream.open(t.url, t.authToken);
      for (let i = 0; i < 25; i++) s.sendRaw('garbage');
      expect((await s.closed).code).toBe(1008);
      await assertHealthy(healthy);
    });

    it('ends the session cleanly when the caller drops without stop', async () => {
      const { stream, interviewId } = await liveCall();
      await stream.waitFor(() => stream.of('media').length > 0, 30_000);
      stream.ws.terminate();
      await stream.closed;
      const until = Date.now() + 5000;
      let ended;
      while (!(ended = (await t.store.events.list(interviewId)).find((e) => e.type === 'call.ended')) && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(ended?.payload.reason).toBe('socket_closed');
      await assertHealthy(healthy);
    }, 60_000);
  });
});
