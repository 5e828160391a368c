// AudioWorklet processor for the practice line's microphone. The AudioContext runs at 8 kHz (Chromium resamples the
// microphone to the context rate), so a render quantum is 128 samples = 16 ms; this collects 160-sample (20 ms)
// frames, the size of one Twilio media message, and posts each to the page, which encodes it as mu-law.

// The AudioWorkletGlobalScope's names (TypeScript's DOM lib does not declare them).
declare const sampleRate: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}
declare function registerProcessor(name: string, ctor: new () => AudioWorkletProcessor): void;

const FRAME = 160;

class MicFrames extends AudioWorkletProcessor {
  private frame = new Float32Array(FRAME);
  private filled = 0;

  constructor() {
    super();
    if (sampleRate !== 8000) this.port.postMessage({ error: `context runs at ${sampleRate} Hz, not 8000` });
  }

  process(inputs: Float32Array[][]): boolean {
    const channel = inputs[0]?.[0];
    if (!channel) return true;
    for (let i = 0; i < channel.length; i++) {
      this.frame[this.filled++] = channel[i]!;
      if (this.filled === FRAME) {
        this.port.postMessage(this.frame, [this.frame.buffer]);
        this.frame = new Float32Array(FRAME);
        this.filled = 0;
      }
    }
    return true;
  }
}

registerProcessor('mic-frames', MicFrames);
