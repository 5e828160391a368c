/**
 * SendGrid adapter on `@sendgrid/mail` 8. Its own MailService (never the SDK's process-wide singleton). The base
 * URL is set after `setApiKey`, which resets it to the region host. Attachments are passed as base64 strings: a
 * Buffer is only base64-encoded by the SDK for `disposition: attachment`, and would otherwise be corrupted.
 * The SDK is loaded on the first send: web processes build the sender but leave sending to the jobs worker.
 */
import type sgMailType from '@sendgrid/mail';
import { EmailError, type EmailMessage, type EmailSender, type SentEmail } from '../email.js';
import { raceAbort } from '../../lib/abort.js';

type MailService = typeof sgMailType;

interface ClientWithDefaults {
  setDefaultRequest(key: string, value: unknown): unknown;
}

export interface SendGridConfig {
  apiKey: string;
  /** e.g. `https://api.eu.sendgrid.com` or a local endpoint in tests. */
  baseUrl?: string;
  timeoutMs?: number;
}

export class SendGridEmail implements EmailSender {
  readonly name = 'sendgrid';
  private mail?: Promise<MailService>;

  constructor(private readonly cfg: SendGridConfig) {}

  private service(): Promise<MailService> {
    this.mail ??= import('@sendgrid/mail').then(({ default: sgMail }) => {
      const { MailService: Service } = sgMail as unknown as { MailService: new () => MailService };
      const mail = new Service();
      mail.setApiKey(this.cfg.apiKey);
      // setApiKey() has just reset baseUrl to the region host: override it only now.
      const client = (mail as unknown as { client: ClientWithDefaults }).client;
      if (this.cfg.baseUrl) client.setDefaultRequest('baseUrl', this.cfg.baseUrl.replace(/\/?$/, '/'));
      mail.setTimeout(this.cfg.timeoutMs ?? 30_000);
      return mail;
    });
    return this.mail;
  }

  describe(): string {
    return `sendgrid${this.cfg.baseUrl ? ` at ${this.cfg.baseUrl}` : ''}`;
  }

  async send(m: EmailMessage, signal?: AbortSignal): Promise<SentEmail> {
    const mail = await this.service();
    const request = mail.send({
      to: m.to,
      from: m.from.name ? { email: m.from.email, name: m.from.name } : m.from.email,
      subject: m.subject,
      text: m.text,
      html: m.html,
      customArgs: { screenline_message_id: m.id },
      attachments: m.attachments.map((a) => ({
        content: a.content.toString('base64'),
        filename: a.filename,
        type: a.contentType,
        disposition: 'attachment',
      })),
    });
    try {
      const [response] = signal ? await raceAbort(request, signal) : await request;
      const headers = response.headers as Record<string, unknown>;
      const id = headers['x-message-id'];
      return { provider: this.name, messageId: typeof id === 'string' ? id : null, location: null };
    } catch (err) {
      if (signal?.aborted) throw err;
      const status = (err as { code?: number }).code;
      const body = (err as { response?: { body?: unknown } }).response?.body;
      const detail = body ? `: ${JSON.stringify(body).slice(0, 300)}` : '';
      const retryable = status === undefined || status === 429 || status >= 500;
      throw new EmailError(`sendgrid send failed${status ? ` (${status})` : ''}${detail}`, retryable, { cause: err, status });
    }
  }
}
