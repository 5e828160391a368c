/**
 * The one bridge from the service to the simulators: `serve` loads this module (dynamically) only outside
 * production and only when no DEEPGRAM_API_KEY is set, so a production process never even imports src/sim/.
 */
import type { Config } from '../config.js';
import type { Logger } from '../lib/logger.js';
import type { Simulation } from '../plugins/simulation.js';
import { startSimulation } from '../sim/local-mode.js';

export function needsSimulation(config: Config): boolean {
  return config.nodeEnv !== 'production' && !config.deepgram.apiKey;
}

export async function localSimulation(config: Config, log: Logger): Promise<Simulation | undefined> {
  return needsSimulation(config) ? startSimulation(config, log) : undefined;
}
