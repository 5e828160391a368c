/**
 * Call recording in the live call: every interview that goes live gets a call recorder on its session's audio tap
 * (attached as the registry adds it, before any audio flows either way); the session's end finishes it, whatever
 * ended the call, and the file becomes the interview's `call_recording` artifact with a `call.recording` event.
 * A lost recording (disk error) is a `call.recording_stopped` event, never a fault of the call.
 */
import { mkdirSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { CallRecorder } from '../../audio/call-recorder.js';
import { errorMessage } from '../../lib/errors.js';
import type { LogSink } from '../../lib/logger.js';
import type { Store } from '../../store/index.js';
import type { CallAudioTap } from '../../voice/call-session.js';
import type { LiveInterview, LiveInterviews } from '../live-registry.js';

export const RECORDING_KIND = 'call_recording';
export const RECORDING_CONTENT_TYPE = 'audio/wav';

export interface CallRecordingDeps {
  store: Pick<Store, 'artifacts'>;
  log: LogSink;
}

/** A live recording writes every 20 ms; one untouched this long belongs to a process that died (kill -9). */
export const ORPHAN_PARTIAL_MS = 10 * 60_000;

/**
 * Deletes the `.partial` files of recordings whose process died mid-call (their call is resumed by the recovery
 * sweeper; the audio up to the crash is not kept). Runs at startup in the background; returns how many went.
 */
export async function sweepOrphanRecordings(root: string, now = Date.now(), olderThanMs = ORPHAN_PARTIAL_MS): Promise<number> {
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    if (!/^recording-[0-9a-f-]{36}\.wav\.partial$/.test(name)) continue;
    const path = join(root, name);
    const info = await stat(path).catch(() => undefined);
    if (!info || now - info.mtimeMs < olderThanMs) continue;
    await rm(path, { force: true });
    removed++;
  }
  return removed;
}

/** Records every call the registry adds from now on; returns the unsubscribe. */
export function recordLiveCalls(registry: LiveInterviews, deps: CallRecordingDeps): () => void {
  // Once, here: the recorder opens its file at once and must find its folder.
  mkdirSync(deps.store.artifacts.root, { recursive: true });
  return registry.on((event, live) => {
    if (event === 'added' && !live.session.audioTap) live.session.audioTap = recordingTap(live, deps);
  });
}

function recordingTap(live: LiveInterview, deps: CallRecordingDeps): CallAudioTap {
  const { session } = live;
  const record = session.deps.record;
  // Under the artifacts root, so adopting it as an artifact is a rename.
  const file = join(deps.store.artifacts.root, `recording-${randomUUID()}.wav.partial`);
  const recorder = new CallRecorder({
    file,
    onStopped: (reason, err) => {
      deps.log.warn({ err, reason, interviewId: live.interviewId, callSid: live.callSid }, 'call recording stopped: the call goes on without it');
      record('call.recording_stopped', { reason, error: errorMessage(err), recordedMs: Math.round(recorder.durationMs) });
    },
  });
  return {
    inbound: (payload) => recorder.inbound(payload),
    outbound: (frame) => recorder.outbound(frame),
    async end() {
      const finished = await recorder.finish();
      if (!finished) return;
      try {
        const artifact = await deps.store.artifacts.putFile({ interviewId: live.interviewId, kind: RECORDING_KIND, contentType: RECORDING_CONTENT_TYPE, file: finished.file });
        record('call.recording', { artifactId: artifact.id, durationMs: finished.durationMs, bytes: artifact.byteSize });
      } catch (err) {
        deps.log.warn({ err, interviewId: live.interviewId, callSid: live.callSid }, 'storing the call recording failed');
        record('call.recording_stopped', { reason: 'storing failed', error: errorMessage(err), recordedMs: finished.durationMs });
      }
    },
  };
}
