import type { Config } from '../config.js';
import { createLogger } from '../lib/logger.js';
import { handleSignals, installProcessFaultHandlers, startServer } from '../server.js';

export async function serve(config: Config): Promise<number> {
  const log = createLogger(config.logLevel);
  // Only outside production and only without a Deepgram key is the simulator module even loaded.
  const simulation = config.nodeEnv !== 'production' && !config.deepgram.apiKey ? await (await import('./local-mode.js')).localSimulation(config, log) : undefined;
  const server = await startServer(config, { logger: log, simulation });
  handleSignals(server, config);
  installProcessFaultHandlers(server, config, log);
  return -1;
}
