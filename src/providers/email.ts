/** Port: outgoing email (the scorecard to the hiring manager). SendGrid in production, `.eml` files locally. */

export interface EmailAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

export interface EmailMessage {
  /** Stable per message (the outbox row id): the local adapter names its file with it; SendGrid gets it as a custom arg. */
  id: string;
  to: string;
  from: { email: string; name?: string };
  subject: string;
  text: string;
  html: string;
  attachments: EmailAttachment[];
}

export interface SentEmail {
  provider: string;
  /** The provider's message id (SendGrid's X-Message-Id), or the local Message-ID. */
  messageId: string | null;
  /** Where a local adapter put the message (a file path); null for remote providers. */
  location: string | null;
}

export class EmailError extends Error {
  constructor(
    message: string,
    /** False for errors that a retry cannot fix (bad address, bad key, payload too large). */
    readonly retryable: boolean,
    opts: { cause?: unknown; status?: number } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = 'EmailError';
    this.status = opts.status;
  }
  readonly status?: number;
}

export interface EmailSender {
  readonly name: string;
  /** One line for the startup banner. */
  describe(): string;
  send(message: EmailMessage, signal?: AbortSignal): Promise<SentEmail>;
}
