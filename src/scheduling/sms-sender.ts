/** The SMS sender scheduling uses outside a Fastify app (worker, jobs): Twilio when configured, else the outbox. */
import type { Config } from '../config.js';
import { TwilioRest } from '../telephony/twilio/rest.js';
import { OutboxSms, TwilioSms, type SmsSender } from '../workspace/sms.js';

export function twilioRestFromConfig(config: Config): TwilioRest | undefined {
  const { accountSid, authToken, fromNumber, apiBaseUrl, ringTimeoutSec } = config.twilio;
  return accountSid && authToken && fromNumber ? new TwilioRest({ accountSid, authToken, fromNumber, apiBaseUrl, ringTimeoutSec }) : undefined;
}

export function smsFromConfig(config: Config, rest = twilioRestFromConfig(config)): SmsSender {
  return rest ? new TwilioSms(rest) : new OutboxSms(config.dataDir);
}
