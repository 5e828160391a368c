import { describe, expect, it } from 'vitest';
import { CONSENT_REFUSED_LINE, ConsentGate, classifyConsent, isOptOutRequest } from '../../src/interview/consent.js';

describe('classifyConsent', () => {
  it.each(['yes', 'Yes.', 'sure', 'Okay, go ahead.', 'I agree', 'yeah that is fine', 'sure, no problem', 'I consent', 'yep, let us start'])(
    '%s → yes',
    (text) => expect(classifyConsent(text).answer).toBe('yes'),
  );

  it.each(['no', 'No.', "I don't consent", 'I do not agree', 'nope', 'not really', "I'd rather not", 'no thanks'])('%s → no', (text) => {
    expect(classifyConsent(text)).toEqual({ answer: 'no', basis: 'negative' });
  });

  it.each(['STOP', 'quit', 'end', 'Revoke', 'opt out', 'opt-out', 'cancel', 'UNSUBSCRIBE', 'yes, but stop calling me'])(
    'TCPA opt-out word in %s → no',
    (text) => expect(classifyConsent(text)).toEqual({ answer: 'no', basis: 'opt_out' }),
  );

  it.each(['can I talk to a human', 'I want to speak to a real person', 'could I get a recruiter instead'])('%s → no (human requested)', (text) => {
    expect(classifyConsent(text)).toEqual({ answer: 'no', basis: 'human_requested' });
  });

  it.each(['', 'um', 'what is this about', "I'm not sure", 'yes no', 'maybe', 'okay, no'])('%j → unclear', (text) => {
    expect(classifyConsent(text).answer).toBe('unclear');
  });
});

describe('ConsentGate', () => {
  it('proceeds on yes', () => {
    expect(new ConsentGate().answer('yes please').action).toBe('proceed');
  });

  it('asks once more on an unclear answer, then a clear yes proceeds', () => {
    const gate = new ConsentGate();
    const first = gate.answer('hmm what?');
    expect(first.action).toBe('ask_again');
    expect(gate.answer('okay, yes').action).toBe('proceed');
    expect(gate.decided).toBe('yes');
  });

  it('treats a second unclear answer as no', () => {
    const gate = new ConsentGate();
    gate.answer('what?');
    const second = gate.answer('I dunno');
    expect(second).toMatchObject({ action: 'refuse', line: CONSENT_REFUSED_LINE });
    expect(gate.decided).toBe('no');
  });

  it('refuses at once on no, offering a human interview', () => {
    const step = new ConsentGate().answer('no');
    expect(step.action).toBe('refuse');
    expect(step.action === 'refuse' && step.line).toMatch(/interview with a person/);
  });
});

describe('isOptOutRequest', () => {
  it.each(['stop', 'Please stop calling me.', 'I revoke my consent', 'end the call', 'unsubscribe'])('%s is an opt-out', (t) => {
    expect(isOptOutRequest(t)).toBe(true);
  });
  it.each(['I would stop the loop when the queue is empty', 'cancel the request and retry', 'the end'])('%s is an answer', (t) => {
    expect(isOptOutRequest(t)).toBe(false);
  });
});
