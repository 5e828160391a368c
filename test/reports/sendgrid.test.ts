/** The SendGrid adapter with the real @sendgrid/mail SDK against a local v3 mail-send endpoint. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SendGridEmail } from '../../src/providers/sendgrid/sendgrid-email.js';
import { EmailError, type EmailMessage } from '../../src/providers/email.js';
import { startSendGridSim, type SendGridSim } from '../../src/sim/sendgrid-sim.js';

let sim: SendGridSim;
beforeAll(async () => {
  sim = await startSendGridSim({ apiKey: 'SG.test-key' });
});
afterAll(async () => {
  await sim.close();
});

const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.from([0, 1, 2, 250, 251, 252, 253, 254, 255]), Buffer.from('\n%%EOF')]);
const message = (over: Partial<EmailMessage> = {}): EmailMessage => ({
  id: 'f0e2b0a4-1111-4222-8333-944445555666',
  to: 'hm@example.com',
  from: { email: 'scorecards@screenline.local', name: 'screenline' },
  subject: 'Scorecard: Alex Rivera, Backend Engineer: Advance',
  text: 'plain summary',
  html: '<p>html summary</p>',
  attachments: [{ filename: 'scorecard-Alex-Rivera.pdf', contentType: 'application/pdf', content: pdf }],
  ...over,
});

describe('SendGrid adapter', () => {
  it('sends through the v3 API with the attachment in base64 and records the message id', async () => {
    const sg = new SendGridEmail({ apiKey: 'SG.test-key', baseUrl: sim.baseUrl });
    const sent = await sg.send(message());
    expect(sent.provider).toBe('sendgrid');
    expect(sent.messageId).toBe(sim.sent.at(-1)!.messageId);
    const { body, headers } = sim.sent.at(-1)!;
    expect(headers.authorization).toBe('Bearer SG.test-key');
    expect(body.personalizations[0]!.to).toEqual([{ email: 'hm@example.com' }]);
    expect(body.from).toEqual({ email: 'scorecards@screenline.local', name: 'screenline' });
    expect(body.subject).toBe('Scorecard: Alex Rivera, Backend Engineer: Advance');
    expect(body.content).toEqual([
      { type: 'text/plain', value: 'plain summary' },
      { type: 'text/html', value: '<p>html summary</p>' },
    ]);
    expect(body.attachments).toHaveLength(1);
    const a = body.attachments![0]!;
    expect(a).toMatchObject({ filename: 'scorecard-Alex-Rivera.pdf', type: 'application/pdf', disposition: 'attachment' });
    expect(Buffer.from(a.content, 'base64').equals(pdf)).toBe(true); // bytes survive, binary included
    expect(body.custom_args).toEqual({ screenline_message_id: 'f0e2b0a4-1111-4222-8333-944445555666' });
  });

  it('maps errors: 5xx and 429 retryable, 4xx not', async () => {
    const sg = new SendGridEmail({ apiKey: 'SG.test-key', baseUrl: sim.baseUrl });
    sim.faults.once({ status: 503 });
    const e1 = await sg.send(message()).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(EmailError);
    expect((e1 as EmailError).retryable).toBe(true);
    const bad = new SendGridEmail({ apiKey: 'SG.wrong', baseUrl: sim.baseUrl });
    const e2 = await bad.send(message()).catch((e: unknown) => e);
    expect((e2 as EmailError).retryable).toBe(false);
    expect((e2 as EmailError).status).toBe(401);
  });
});
