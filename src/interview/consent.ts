/**
 * Consent to the recorded AI interview, decided deterministically — never by the model, so a prompt injection or a
 * model slip can never turn a refusal into a yes. Anything short of a clear yes is asked once more, then treated
 * as no. TCPA opt-out words (FCC: STOP, QUIT, END, REVOKE, OPT OUT, CANCEL, UNSUBSCRIBE) always mean no.
 */

export type ConsentAnswer = 'yes' | 'no' | 'unclear';
export type ConsentBasis = 'affirmative' | 'negative' | 'opt_out' | 'human_requested' | 'ambiguous' | 'empty';

export interface ConsentClassification {
  answer: ConsentAnswer;
  basis: ConsentBasis;
}

export const CONSENT_QUESTION =
  'Do you agree to continue with this recorded interview with an AI interviewer? Please say yes or no.';
export const CONSENT_REPROMPT =
  "Sorry, I need a clear answer before we begin. If you'd prefer, the hiring team can arrange an interview with a " +
  'person instead. Do you agree to continue with this recorded AI interview? Please say yes or no.';
export const CONSENT_REFUSED_LINE =
  "No problem, we won't continue this interview. The hiring team will contact you to arrange an interview with a " +
  'person instead. Thank you for your time. Goodbye.';
export const OPT_OUT_LINE =
  "Understood. We'll stop here and won't call you again about this interview. The hiring team can arrange an " +
  'interview with a person if you would like one. Goodbye.';

const OPT_OUT = /\b(stop|quit|end|revoke|opt[\s-]?out|cancel|unsubscribe)\b/;
const HUMAN =
  /\b(human|real person|actual person|a person|someone real|recruiter|representative|operator|live agent)\b/;
// Idioms that contain a negative word but mean yes; removed before the negatives are checked.
const POSITIVE_IDIOMS = /\b(no problem|no worries|no objections?|no issues?|not a problem|(i )?don'?t mind|do not mind|why not)\b/g;
const NEGATIVE =
  /\b(no|nope|nah|not really|not now|not okay|not ok|not fine|no thanks?|no thank you|(i )?(don'?t|do not) (consent|agree|want|accept)|i decline|decline|refuse|rather not|not comfortable|uncomfortable|no way|absolutely not|definitely not)\b/g;
// Hedges make an answer unclear even next to a yes ("yes, I'm not sure").
const UNCERTAIN = /\b(not sure|unsure|i don'?t know|dunno|maybe|perhaps|depends|what is this|who is this|what'?s this)\b/g;
const POSITIVE =
  /\b(yes|yeah|yep|yup|ya|yah|sure|ok|okay|alright|all right|go ahead|i agree|agreed|agree|i consent|consent|i do|fine|absolutely|of course|certainly|definitely|sounds good|let'?s do it|let'?s go|let'?s start|please do|please continue|ready|happy to|correct|affirmative)\b/;

function normalize(text: string): string {
  return text
    .toLowerCase()
    .replace(/[’`]/g, "'")
    .replace(/[^a-z0-9' -]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export function classifyConsent(text: string): ConsentClassification {
  const t = normalize(text);
  if (t === '') return { answer: 'unclear', basis: 'empty' };
  if (OPT_OUT.test(t)) return { answer: 'no', basis: 'opt_out' };
  if (HUMAN.test(t)) return { answer: 'no', basis: 'human_requested' };
  let rest = t;
  let positive = false;
  rest = rest.replace(POSITIVE_IDIOMS, () => {
    positive = true;
    return ' ';
  });
  let uncertain = false;
  rest = rest.replace(UNCERTAIN, () => {
    uncertain = true;
    return ' ';
  });
  let negative = false;
  rest = rest.replace(NEGATIVE, () => {
    negative = true;
    return ' ';
  });
  if (POSITIVE.test(rest)) positive = true;
  if (uncertain) return { answer: 'unclear', basis: 'ambiguous' };
  if (positive && !negative) return { answer: 'yes', basis: 'affirmative' };
  if (negative && !positive) return { answer: 'no', basis: 'negative' };
  return { answer: 'unclear', basis: 'ambiguous' };
}

/**
 * A whole utterance that only asks to stop (said at any point of the interview). Strict on purpose: "I'd stop the
 * loop there" is an answer, not an opt-out.
 */
export function isOptOutRequest(text: string): boolean {
  const t = normalize(text).replace(/\b(please|just|okay|ok|actually|i want to|i'd like to|can you|can we)\b/g, ' ').replace(/\s+/g, ' ').trim();
  return /^(stop|quit|end|cancel|unsubscribe|revoke|opt out|stop calling( me)?|end (the |this )?call|end (the |this )?interview|stop (the |this )?interview|i revoke (my )?consent|revoke (my )?consent|i withdraw (my )?consent|withdraw (my )?consent|hang up)$/.test(
    t,
  );
}

export type ConsentStep =
  | { action: 'proceed'; classification: ConsentClassification }
  | { action: 'ask_again'; line: string; classification: ConsentClassification }
  | { action: 'refuse'; line: string; classification: ConsentClassification };

/** The consent exchange: one re-ask on an unclear answer, then a refusal. */
export class ConsentGate {
  private unclearCount = 0;
  private result: ConsentAnswer | undefined;

  get decided(): ConsentAnswer | undefined {
    return this.result;
  }

  answer(text: string): ConsentStep {
    const classification = classifyConsent(text);
    if (classification.answer === 'yes') {
      this.result = 'yes';
      return { action: 'proceed', classification };
    }
    if (classification.answer === 'unclear' && this.unclearCount === 0) {
      this.unclearCount++;
      return { action: 'ask_again', line: CONSENT_REPROMPT, classification };
    }
    this.result = 'no';
    return { action: 'refuse', line: CONSENT_REFUSED_LINE, classification };
  }
}
