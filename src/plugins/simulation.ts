/**
 * The seam for local simulation: what a simulated deployment adds (the Deepgram-protocol simulator that "hears"
 * scripted candidates, its script route, its clean-up after each call). Only local mode (`screenline serve`
 * without DEEPGRAM_API_KEY outside production), the demo and tests build one — from src/sim/, which production
 * code never imports. In production a simulation is refused outright.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { SpeechToText } from '../providers/stt.js';

export interface Simulation {
  /** The speech-to-text that transcribes scripted candidates only. */
  stt: SpeechToText;
  /** For the startup banner. */
  describe: string;
  /** Routes only a simulated deployment has (registered under /api). */
  routes?: FastifyPluginAsync;
  /** A call has ended: forget its script. */
  onCallEnded?(callSid: string): void;
  close(): Promise<void>;
}
