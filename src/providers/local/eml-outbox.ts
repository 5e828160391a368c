/**
 * The local email adapter: each message becomes one RFC 5322 `.eml` file (multipart: text, HTML, attachments in
 * base64) in `DATA_DIR/outbox/email/`, named by the message id, written via a temporary file and a rename, so a
 * repeated send rewrites the same file instead of adding a second email. Open it with any mail client.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { EmailMessage, EmailSender, SentEmail } from '../email.js';

export class EmlOutbox implements EmailSender {
  readonly name = 'eml-outbox';
  constructor(readonly dir: string) {}

  describe(): string {
    return `.eml files in ${this.dir} (set SENDGRID_API_KEY to send real email)`;
  }

  async send(m: EmailMessage): Promise<SentEmail> {
    await mkdir(this.dir, { recursive: true });
    const messageId = `<${m.id}@screenline.local>`;
    const file = join(this.dir, `${m.id.replace(/[^A-Za-z0-9_-]/g, '_')}.eml`);
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, renderEml(m, messageId));
    await rename(tmp, file);
    return { provider: this.name, messageId, location: file };
  }
}

const wrap76 = (b64: string) => b64.replace(/.{1,76}/g, '$&\r\n');
const encodeHeader = (v: string) => (/^[\x20-\x7e]*$/.test(v) ? v : `=?UTF-8?B?${Buffer.from(v, 'utf8').toString('base64')}?=`);
const address = (email: string, name?: string) => (name ? `${encodeHeader(name)} <${email}>` : email);

export function renderEml(m: EmailMessage, messageId: string, date = new Date()): string {
  const mixed = `mixed_${randomBytes(8).toString('hex')}`;
  const alt = `alt_${randomBytes(8).toString('hex')}`;
  const lines = [
    `From: ${address(m.from.email, m.from.name)}`,
    `To: ${m.to}`,
    `Subject: ${encodeHeader(m.subject)}`,
    `Date: ${date.toUTCString()}`,
    `Message-ID: ${messageId}`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${mixed}"`,
    '',
    `--${mixed}`,
    `Content-Type: multipart/alternative; boundary="${alt}"`,
    '',
    `--${alt}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    wrap76(Buffer.from(m.text, 'utf8').toString('base64')),
    `--${alt}`,
    'Content-Type: text/html; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    wrap76(Buffer.from(m.html, 'utf8').toString('base64')),
    `--${alt}--`,
  ];
  for (const a of m.attachments) {
    lines.push(
      `--${mixed}`,
      `Content-Type: ${a.contentType}; name="${a.filename}"`,
      'Content-Transfer-Encoding: base64',
      `Content-Disposition: attachment; filename="${a.filename}"`,
      '',
      wrap76(a.content.toString('base64')),
    );
  }
  lines.push(`--${mixed}--`, '');
  return lines.join('\r\n');
}
