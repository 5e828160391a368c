/**
 * Local mode's simulation: an in-process Deepgram-protocol simulator behind the real Deepgram adapter, the
 * simulator script route, and per-call script clean-up. Loaded only by `screenline serve` outside production
 * without DEEPGRAM_API_KEY, by the demo and by tests.
 */
import type { Config } from '../config.js';
import type { Logger } from '../lib/logger.js';
import type { Simulation } from '../plugins/simulation.js';
import { DeepgramSpeechToText } from '../providers/deepgram/deepgram-stt.js';
import { startDeepgramSim } from './deepgram-sim.js';
import { unregisterScript } from './candidate-script.js';
import simulatorRoutes from './simulator-routes.js';

export async function startSimulation(config: Config, log: Logger): Promise<Simulation> {
  if (config.nodeEnv === 'production') throw new Error('a simulation never runs in production: set DEEPGRAM_API_KEY');
  const sim = await startDeepgramSim({});
  const stt = new DeepgramSpeechToText({ apiKey: 'simulator', url: sim.url, endpointingMs: config.deepgram.endpointingMs, log });
  return {
    stt,
    describe: `deepgram-protocol simulator at ${sim.url} (scripted candidates only: real callers are not transcribed; set DEEPGRAM_API_KEY)`,
    routes: simulatorRoutes,
    onCallEnded: (callSid) => unregisterScript(callSid),
    close: () => sim.close(),
  };
}
