// The practice page's audio: the microphone as 20 ms mu-law frames at 8 kHz, and playback of the agent's frames
// with Twilio's semantics (a mark is echoed once the audio queued before it has played; `clear` drops everything
// queued at once and echoes the pending marks).
import { encodeMulaw, decodeMulaw } from '../../audio/mulaw';
import workletUrl from './mic-worklet.ts?worker&url';

export const FRAME_SAMPLES = 160;

/** Chromium resamples a microphone source into an 8 kHz context (workspace-facts §E); Firefox would throw here. */
export function createContext(): AudioContext {
  return new AudioContext({ sampleRate: 8000, latencyHint: 'interactive' });
}

export interface Microphone {
  stop(): void;
}

/** Captures the microphone; `onFrame` gets each 20 ms frame as 160 mu-law bytes. */
export async function openMicrophone(ctx: AudioContext, onFrame: (mulaw: Uint8Array) => void): Promise<Microphone> {
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: { channelCount: 1, echoCancellation: true, noiseSuppression: false, autoGainControl: false },
  });
  await ctx.audioWorklet.addModule(workletUrl);
  const source = ctx.createMediaStreamSource(stream);
  const node = new AudioWorkletNode(ctx, 'mic-frames', { numberOfInputs: 1, numberOfOutputs: 1, channelCount: 1 });
  const pcm = new Int16Array(FRAME_SAMPLES);
  node.port.onmessage = (e: MessageEvent<Float32Array | { error: string }>) => {
    const data = e.data;
    if (!(data instanceof Float32Array)) return console.warn('practice microphone:', data.error);
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      const s = Math.max(-1, Math.min(1, data[i] ?? 0));
      pcm[i] = s < 0 ? s * 32768 : s * 32767;
    }
    onFrame(encodeMulaw(pcm, new Uint8Array(FRAME_SAMPLES)));
  };
  // A silent sink keeps the worklet in the rendered graph without playing the microphone back.
  const sink = ctx.createGain();
  sink.gain.value = 0;
  source.connect(node).connect(sink).connect(ctx.destination);
  return {
    stop() {
      source.disconnect();
      node.disconnect();
      for (const track of stream.getTracks()) track.stop();
    },
  };
}

/** Silent frames at the frame rate, for typed mode: the line stays open, as a muted phone's does. */
export function silentFrames(onFrame: (mulaw: Uint8Array) => void): Microphone {
  const silence = new Uint8Array(FRAME_SAMPLES).fill(0xff);
  const started = performance.now();
  let sent = 0;
  const timer = setInterval(() => {
    // Catch up by elapsed time, so a throttled timer does not slow the stream clock.
    const due = Math.floor((performance.now() - started) / 20);
    while (sent < due) {
      onFrame(silence);
      sent++;
    }
  }, 20);
  return { stop: () => clearInterval(timer) };
}

export class Player {
  private nextAt = 0;
  private readonly sources = new Set<AudioBufferSourceNode>();
  private marks: { name: string; at: number }[] = [];
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly pcm = new Int16Array(FRAME_SAMPLES);
  clears = 0;
  framesReceived = 0;
  /** The last `clear`: how much queued audio it dropped, and whether anything still played right after. */
  lastClear: { droppedMs: number; droppedSources: number; playingAfter: boolean } | undefined;
  /** Clears that arrived while the agent's audio was playing: barge-ins the candidate could hear stop. */
  clearsWhilePlaying = 0;

  constructor(
    private readonly ctx: AudioContext,
    private readonly echoMark: (name: string) => void,
  ) {
    this.timer = setInterval(() => this.releaseMarks(), 10);
  }

  /** Queued audio not yet played, ms. */
  get queuedMs(): number {
    return Math.max(0, this.nextAt - this.ctx.currentTime) * 1000;
  }

  get playing(): boolean {
    return this.sources.size > 0;
  }

  enqueue(frame: Uint8Array): void {
    this.framesReceived++;
    const pcm = frame.length === FRAME_SAMPLES ? decodeMulaw(frame, this.pcm) : decodeMulaw(frame);
    const buffer = this.ctx.createBuffer(1, pcm.length, 8000);
    const channel = buffer.getChannelData(0);
    for (let i = 0; i < pcm.length; i++) channel[i] = pcm[i]! / 32768;
    const node = this.ctx.createBufferSource();
    node.buffer = buffer;
    node.connect(this.ctx.destination);
    // A small lead on the first frame after a gap absorbs network jitter.
    const at = Math.max(this.nextAt, this.ctx.currentTime + 0.04);
    node.start(at);
    this.nextAt = at + buffer.duration;
    this.sources.add(node);
    node.onended = () => this.sources.delete(node);
  }

  mark(name: string): void {
    if (this.queuedMs <= 0) this.echoMark(name);
    else this.marks.push({ name, at: this.nextAt });
  }

  /** Barge-in: stop at once, drop the queue, echo the pending marks (as Twilio does). */
  clear(): void {
    this.clears++;
    const droppedMs = Math.round(this.queuedMs);
    const droppedSources = this.sources.size;
    if (droppedSources > 0) this.clearsWhilePlaying++;
    this.drop();
    this.lastClear = { droppedMs, droppedSources, playingAfter: this.playing };
  }

  close(): void {
    clearInterval(this.timer);
    this.drop();
  }

  private drop(): void {
    for (const node of this.sources) {
      node.onended = null;
      node.stop();
      node.disconnect();
    }
    this.sources.clear();
    this.nextAt = 0;
    const pending = this.marks;
    this.marks = [];
    for (const m of pending) this.echoMark(m.name);
  }

  private releaseMarks(): void {
    const now = this.ctx.currentTime;
    while (this.marks.length > 0 && this.marks[0]!.at <= now) this.echoMark(this.marks.shift()!.name);
  }
}
