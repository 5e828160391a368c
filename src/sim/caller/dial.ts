/**
 * The voice webhook round trip: POST the signed call parameters, read the TwiML, decide what Twilio would do with
 * it. A non-2xx answer, a non-XML body or TwiML that does not parse is what Twilio reports as an application error
 * (11200 / 12100) and the call ends.
 */
import { parseTwiml, TwimlError, type TwimlStream, type TwimlVerb } from './twiml.js';
import type { DialResult } from './types.js';
import { postSigned, voiceParams, type CallParty } from './webhooks.js';

export async function dialVoiceWebhook(url: string, party: CallParty, authToken: string): Promise<DialResult> {
  let res;
  try {
    res = await postSigned(url, voiceParams(party), authToken);
  } catch (err) {
    return failed(0, '', `voice webhook request failed: ${(err as Error).message}`);
  }
  if (res.status < 200 || res.status > 299) return failed(res.status, res.body, `voice webhook answered HTTP ${res.status}`);
  return interpretTwiml(res.status, res.body);
}

/** What Twilio does with a TwiML answer: runs verbs in order until a `<Connect><Stream>` or the call ends. */
export function interpretTwiml(httpStatus: number, twiml: string): DialResult {
  let verbs: TwimlVerb[];
  try {
    verbs = parseTwiml(twiml);
  } catch (err) {
    return failed(httpStatus, twiml, err instanceof TwimlError ? err.message : `TwiML: ${(err as Error).message}`);
  }
  const said: string[] = [];
  for (const v of verbs) {
    switch (v.verb) {
      case 'Say':
        said.push(v.text);
        break;
      case 'Connect':
        if (!v.stream) return failed(httpStatus, twiml, 'TwiML: <Connect> without <Stream>', verbs);
        return { httpStatus, twiml, verbs, outcome: 'stream', stream: v.stream, said };
      case 'Hangup':
      case 'Reject':
        return { httpStatus, twiml, verbs, outcome: 'hangup', said };
      case 'Pause':
        break;
      default:
        return failed(httpStatus, twiml, `TwiML: the simulator does not run <${v.verb === 'Other' ? v.name : v.verb}>`, verbs);
    }
  }
  // TwiML that runs out ends the call.
  return { httpStatus, twiml, verbs, outcome: 'hangup', said };
}

function failed(httpStatus: number, twiml: string, error: string, verbs: TwimlVerb[] = []): DialResult {
  return { httpStatus, twiml, verbs, outcome: 'error', said: [], error };
}

/** Why Twilio would refuse to open this `<Stream>`, or undefined if it would. */
export function streamTargetError(stream: TwimlStream): string | undefined {
  let url: URL;
  try {
    url = new URL(stream.url);
  } catch {
    return `stream url is not a URL: ${stream.url}`;
  }
  if (url.search) return 'stream url carries a query string (Twilio error 31920)';
  // Twilio requires wss; plain ws is accepted here so a local server without TLS can be tested.
  if (url.protocol !== 'wss:' && url.protocol !== 'ws:') return `stream url must be wss: ${stream.url}`;
  for (const [name, value] of Object.entries(stream.parameters)) {
    if (name.length + value.length >= 500) return `<Parameter ${name}> is over 500 characters`;
  }
  return undefined;
}
