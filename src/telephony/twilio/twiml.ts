/** TwiML answers for the voice webhook, built with the twilio package's builder (escaping included). */
import twilio from 'twilio';

const VOICE = { voice: 'Polly.Joanna' as const, language: 'en-US' as const };

/** Bidirectional media stream with the single-use token passed as a <Parameter> (stream URLs take no query). */
export function connectStreamTwiml(streamUrl: string, token: string): string {
  const response = new twilio.twiml.VoiceResponse();
  const stream = response.connect().stream({ url: streamUrl });
  stream.parameter({ name: 'token', value: token });
  return response.toString();
}

export function sayAndHangupTwiml(text: string): string {
  const response = new twilio.twiml.VoiceResponse();
  response.say(VOICE, text);
  response.hangup();
  return response.toString();
}

export function hangupTwiml(): string {
  const response = new twilio.twiml.VoiceResponse();
  response.hangup();
  return response.toString();
}
