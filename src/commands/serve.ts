import type { Config } from '../config.js';
import { handleSignals, startServer } from '../server.js';

export async function serve(config: Config): Promise<number> {
  const server = await startServer(config);
  handleSignals(server, config);
  return -1;
}
