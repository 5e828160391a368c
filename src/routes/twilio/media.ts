/**
 * GET /twilio/media: the Media Streams WebSocket. The upgrade is signed; `start` must carry a valid, unused
 * stream token for its CallSid. Then frames flow into a CallSession, which owns the call until it ends.
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.js';
import { publicWsUrl } from '../../config.js';
import { TwilioMediaConnection, type StreamHandler } from '../../telephony/twilio/media-connection.js';
import type { StartEvent } from '../../telephony/twilio/media-serializer.js';
import { createEventRecorder } from '../../store/event-recorder.js';
import { CallSession } from '../../voice/call-session.js';
import { callSynthesizer, startInterview } from '../../interview/start-interview.js';
import type { InterviewerOptions } from '../../interview/interviewer.js';
import type { InterviewStatus } from '../../store/index.js';
import { unregisterScript } from '../../sim/candidate-script.js';
import { twilioSignatureGuard } from './guard.js';

/** Interview status once the stream has ended, from why the session ended. */
function finalStatus(cause: unknown): InterviewStatus {
  if (cause === 'consent_refused') return 'consent_refused';
  if (cause === 'stt_unavailable') return 'failed';
  return 'completed';
}

export async function twilioMediaRoutes(app: FastifyInstance, opts: { config: Config; interviewer?: InterviewerOptions }): Promise<void> {
  const wsBase = publicWsUrl(opts.config, '');

  async function accept(start: StartEvent, transport: TwilioMediaConnection, log: FastifyInstance['log']): Promise<StreamHandler | { refuse: string }> {
    const token = start.customParameters.token;
    if (!token) return { refuse: 'start carried no stream token' };
    const consumed = await app.store.streamTokens.consume(token, start.callSid);
    if ('error' in consumed) {
      log.warn({ callSid: start.callSid, error: consumed.error }, 'stream token refused');
      return { refuse: `stream token ${consumed.error}` };
    }
    const interview = await app.store.interviews.get(consumed.interviewId);
    if (!interview) return { refuse: 'interview not found' };
    const clog = log.child({ interviewId: interview.id, callSid: start.callSid });
    const recorder = createEventRecorder(app.store, interview.id, clog);
    await app.store.interviews.transition(interview.id, 'in_progress', { from: ['scheduled', 'calling'] });
    recorder.record('call.stream_started', {
      callSid: start.callSid,
      streamSid: start.streamSid,
      tracks: start.tracks,
      mediaFormat: start.mediaFormat,
    });

    const synth = callSynthesizer(app.providers.tts, recorder.record);
    const session = new CallSession({
      interviewId: interview.id,
      callSid: start.callSid,
      streamSid: start.streamSid,
      transport,
      tts: synth.tts,
      record: recorder.record,
      log: clog,
    });
    app.telephony.calls.set(start.callSid, session);
    app.metrics.liveCalls.inc();
    clog.info('media stream started');

    startInterview(session, interview, {
      providers: app.providers,
      record: recorder.record,
      log: clog,
      observe: (stage, ms) => app.metrics.turnStageSeconds.observe({ stage }, ms / 1000),
      interviewer: opts.interviewer,
      conversation: { language: opts.config.deepgram.language, endpointingMs: opts.config.deepgram.endpointingMs },
    });

    return {
      onMedia: (ev) => session.handleMedia(ev.payload, ev.timestampMs),
      onMark: (name) => session.handleMark(name),
      onDtmf: (digit) => session.handleDtmf(digit),
      onEnd: (how) => {
        void (async () => {
          await session.end(how.stop ? 'stop' : 'socket_closed', { closeCode: how.code, closeReason: how.reason || null });
          synth.close();
          app.telephony.calls.delete(start.callSid);
          if (app.providers.sttIsSimulator) unregisterScript(start.callSid);
          app.metrics.liveCalls.dec();
          const ended = session.endedWith;
          app.metrics.callsEnded.inc({ reason: ended?.reason ?? 'unknown' });
          await app.store.interviews.transition(interview.id, finalStatus(ended?.detail?.cause), { from: ['in_progress'] });
          await recorder.flush();
          clog.info({ how }, 'media stream ended');
        })().catch((err: unknown) => clog.error({ err }, 'ending the call failed'));
      },
    };
  }

  app.get(
    '/twilio/media',
    { websocket: true, preValidation: twilioSignatureGuard(app, wsBase, 'media') },
    (socket, request) => {
      new TwilioMediaConnection(socket, {
        log: request.log,
        onRejectedFrame: (reason) => app.metrics.mediaFramesRejected.inc({ reason }),
        accept: (start, transport) => accept(start, transport, request.log),
      });
    },
  );
}
