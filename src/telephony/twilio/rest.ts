/**
 * Twilio REST: outbound calls and SMS through the official client. TWILIO_API_BASE_URL redirects every request
 * (a regional proxy, or the local recorder the tests use) while keeping the client's own serialization and auth.
 */
import twilio from 'twilio';
import { ProviderError, kindForStatus } from '../../providers/errors.js';

export interface TwilioRestConfig {
  accountSid: string;
  authToken: string;
  fromNumber: string;
  apiBaseUrl?: string;
  ringTimeoutSec: number;
}

export interface PlaceCallInput {
  to: string;
  /** Full URL Twilio fetches when the call is answered (our voice webhook, with ?interviewId=). */
  voiceUrl: string;
  statusCallbackUrl: string;
}

export const STATUS_CALLBACK_EVENTS = ['initiated', 'ringing', 'answered', 'completed'];

type RequestOptions<T> = Parameters<InstanceType<typeof twilio.RequestClient>['request']>[0] & { data?: T };

class RedirectingRequestClient extends twilio.RequestClient {
  constructor(private readonly base: string) {
    super();
  }

  override request<TData>(opts: RequestOptions<TData>) {
    const uri = new URL(opts.uri);
    const target = new URL(this.base);
    uri.protocol = target.protocol;
    uri.host = target.host;
    return super.request<TData>({ ...opts, uri: uri.toString() });
  }
}

export class TwilioRest {
  private readonly client: twilio.Twilio;

  constructor(private readonly config: TwilioRestConfig) {
    this.client = twilio(config.accountSid, config.authToken, {
      httpClient: config.apiBaseUrl ? new RedirectingRequestClient(config.apiBaseUrl) : undefined,
      autoRetry: true,
      maxRetries: 2,
    });
  }

  describe(): string {
    return `twilio (account ${this.config.accountSid.slice(0, 6)}…, from ${this.config.fromNumber}${this.config.apiBaseUrl ? `, via ${this.config.apiBaseUrl}` : ''})`;
  }

  async placeCall(input: PlaceCallInput): Promise<{ callSid: string; status: string }> {
    try {
      const call = await this.client.calls.create({
        to: input.to,
        from: this.config.fromNumber,
        url: input.voiceUrl,
        method: 'POST',
        statusCallback: input.statusCallbackUrl,
        statusCallbackMethod: 'POST',
        statusCallbackEvent: STATUS_CALLBACK_EVENTS,
        // An interviewer must not start interviewing a voicemail box: the answer carries AnsweredBy.
        machineDetection: 'Enable',
        machineDetectionTimeout: 10,
        timeout: this.config.ringTimeoutSec,
      });
      return { callSid: call.sid, status: call.status };
    } catch (err) {
      throw toProviderError(err);
    }
  }

  async sendSms(to: string, body: string): Promise<{ messageSid: string }> {
    try {
      const message = await this.client.messages.create({ to, from: this.config.fromNumber, body });
      return { messageSid: message.sid };
    } catch (err) {
      throw toProviderError(err);
    }
  }
}

function toProviderError(err: unknown): ProviderError {
  const status = (err as { status?: number }).status;
  if (typeof status === 'number') {
    return new ProviderError('twilio', kindForStatus(status), (err as Error).message, { status, cause: err });
  }
  return new ProviderError('twilio', 'connection', (err as Error).message ?? String(err), { cause: err });
}
