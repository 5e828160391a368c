/**
 * Twilio request signatures. Twilio signs the URL it requested (plus sorted POST params); we rebuild that URL
 * from the configured PUBLIC_URL, never from Host/X-Forwarded-* headers, so a proxy cannot change what is checked.
 */
import twilio from 'twilio';

export function isValidTwilioSignature(
  authToken: string | undefined,
  signature: string | undefined,
  url: string,
  params: Record<string, unknown>,
): boolean {
  // Fail closed: with no token configured nothing is authentic.
  if (!authToken || !signature) return false;
  return twilio.validateRequest(authToken, signature, url, params as Record<string, string>);
}

/** What Twilio would send in X-Twilio-Signature (used by the caller simulator and tests). */
export function twilioSignature(authToken: string, url: string, params: Record<string, string> = {}): string {
  return twilio.getExpectedTwilioSignature(authToken, url, params);
}
