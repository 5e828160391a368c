/** `screenline call <interviewId>`: place the interview's call now through Twilio. */
import type { Config } from '../config.js';
import { openStore } from '../store/store.js';
import { createLogger } from '../lib/logger.js';
import { TwilioRest } from '../telephony/twilio/rest.js';
import { placeCall, TELEPHONY_NOT_CONFIGURED } from '../scheduling/place-call.js';

export async function call(config: Config, args: string[]): Promise<number> {
  const [interviewId] = args;
  if (!interviewId) {
    process.stderr.write('usage: screenline call <interviewId>\n');
    return 2;
  }
  const { accountSid, authToken, fromNumber } = config.twilio;
  if (!accountSid || !authToken || !fromNumber) {
    process.stderr.write(TELEPHONY_NOT_CONFIGURED.replace('<id>', interviewId) + '\n');
    return 3;
  }
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, log: createLogger('warn') });
  try {
    const rest = new TwilioRest({ accountSid, authToken, fromNumber, apiBaseUrl: config.twilio.apiBaseUrl, ringTimeoutSec: config.twilio.ringTimeoutSec });
    const placed = await placeCall({ store, rest, publicUrl: config.publicUrl, lawfulHours: { store, config, log: createLogger('warn') } }, interviewId);
    process.stdout.write(`calling: ${placed.callSid} (${placed.status})\n`);
    return 0;
  } finally {
    await store.close();
  }
}
