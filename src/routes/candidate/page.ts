/** The candidate's page, server-rendered: no script at all, plain forms, every value escaped. */
import type { CandidateView } from '../../scheduling/candidate-view.js';
import { escapeHtml as e } from '../../scheduling/candidate-view.js';

const NOTICES: Record<string, string> = {
  rescheduled: 'Done: your call has been moved. We have texted you the new time.',
  opted_out: 'Done: we will not call or text you again about this application.',
  review: 'Thank you: your request for a human review has been sent to the hiring team. A person will look at your interview and get back to you.',
  erasure: 'Thank you: your erasure request has been sent to the hiring team. They must act on it without undue delay (within one month) and confirm to you.',
};

const STYLE = `
  :root { color-scheme: light; --ink: #1c2333; --soft: #4a5468; --line: #e3e7ef; --brand: #3452d6; --bg: #f4f6fa; }
  * { box-sizing: border-box; }
  body { margin: 0; background: var(--bg); color: var(--ink); font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  main { max-width: 720px; margin: 0 auto; padding: 28px 18px 48px; }
  .brand { display: flex; align-items: center; gap: 8px; font-weight: 650; color: var(--brand); margin-bottom: 18px; }
  .dot { width: 10px; height: 10px; border-radius: 50%; background: var(--brand); }
  h1 { font-size: 24px; margin: 0 0 4px; }
  h2 { font-size: 18px; margin: 0 0 10px; }
  .sub { color: var(--soft); margin: 0 0 20px; }
  section { background: #fff; border-radius: 14px; padding: 22px 24px; margin: 0 0 16px;
            box-shadow: 0 1px 2px rgba(16,24,40,.06), 0 8px 28px rgba(16,24,40,.06); }
  .when { font-size: 20px; font-weight: 600; margin: 4px 0 6px; }
  .muted { color: var(--soft); font-size: 14px; }
  .notice { background: #e8f5ec; border: 1px solid #b9e2c6; color: #14532d; border-radius: 10px; padding: 12px 16px; margin: 0 0 16px; }
  .error { background: #fdecec; border-color: #f5c2c2; color: #7f1d1d; }
  label { display: block; font-weight: 600; margin: 0 0 6px; }
  select, textarea { width: 100%; font: inherit; padding: 10px 12px; border: 1px solid var(--line); border-radius: 10px; background: #fff; }
  textarea { min-height: 84px; resize: vertical; }
  button { font: inherit; font-weight: 600; border: 0; border-radius: 10px; padding: 10px 18px; cursor: pointer; margin-top: 10px; }
  .primary { background: var(--brand); color: #fff; }
  .secondary { background: #eef1f8; color: var(--ink); }
  .danger { background: #fff; color: #b42318; border: 1px solid #f1b8b3; }
  ol.transcript { list-style: none; padding: 0; margin: 0; max-height: 460px; overflow: auto; border: 1px solid var(--line); border-radius: 10px; }
  ol.transcript li { padding: 8px 12px; border-bottom: 1px solid var(--line); }
  ol.transcript li:last-child { border-bottom: 0; }
  .who { font-size: 12px; font-weight: 700; text-transform: uppercase; letter-spacing: .4px; color: var(--soft); }
  .candidate .who { color: var(--brand); }
  .clock { font-variant-numeric: tabular-nums; color: var(--soft); font-size: 12px; margin-left: 6px; }
  ul.evidence { padding-left: 18px; margin: 0; }
  ul.evidence li { margin: 0 0 8px; }
  blockquote { margin: 2px 0 0; padding-left: 10px; border-left: 3px solid var(--line); color: var(--ink); }
  .grid { display: grid; gap: 16px; }
  @media (min-width: 640px) { .grid.two { grid-template-columns: 1fr 1fr; } }
`;

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<title>${e(title)} · screenline</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<div class="brand"><span class="dot"></span>screenline</div>
${body}
</main>
</body>
</html>
`;
}

export function candidatePage(view: CandidateView, action: string, opts: { notice?: string; error?: string } = {}): string {
  const first = view.candidateName.trim().split(/\s+/)[0] ?? '';
  const parts: string[] = [];
  parts.push(`<h1>Hi ${e(first)}</h1><p class="sub">Your phone screen for <strong>${e(view.roleTitle)}</strong></p>`);
  if (opts.notice && NOTICES[opts.notice]) parts.push(`<div class="notice" role="status" data-testid="notice">${e(NOTICES[opts.notice])}</div>`);
  if (opts.error) parts.push(`<div class="notice error" role="alert" data-testid="error">${e(opts.error)}</div>`);

  if (view.phase === 'live') {
    parts.push(`<section data-testid="live"><h2>Your call is in progress</h2><p>You can come back to this page after the call to read what was recorded.</p></section>`);
  }

  if (view.phase === 'before') {
    if (view.optedOut) {
      parts.push(`<section data-testid="opted-out"><h2>You have opted out</h2><p>We will not call or text you about this application. If you change your mind, reply START to our text message or contact the recruiter.</p></section>`);
    } else {
      parts.push(
        `<section data-testid="next-call"><h2>Your call</h2>` +
          (view.next
            ? `<p class="when" data-testid="when">${e(view.next.label)}</p><p class="muted">Times are shown in ${e(view.zone)}. We call only on permitted days and hours in your time zone.</p>`
            : `<p data-testid="when">No call is planned right now. Pick a time below and we will call you then.</p>`) +
          `<p class="muted">An AI interviewer runs this screening call and the call is recorded; a person at the hiring company reviews it and makes every decision. You can ask for a person instead at any time by telling the recruiter.</p></section>`,
      );
      if (view.slots.length) {
        const groups = view.slots
          .map((d) => `<optgroup label="${e(d.day)}">${d.slots.map((s) => `<option value="${e(s.value)}">${e(d.day)}, ${e(s.label)}</option>`).join('')}</optgroup>`)
          .join('');
        parts.push(
          `<section data-testid="reschedule"><h2>Pick another time</h2><form method="post" action="${e(action)}/reschedule">` +
            `<label for="slot">A time that suits you (${e(view.zone)})</label><select id="slot" name="slot" required>${groups}</select>` +
            `<button class="primary" type="submit">Move my call</button></form></section>`,
        );
      }
      parts.push(
        `<section data-testid="opt-out"><h2>Stop calls and texts</h2><p class="muted">We will not contact you again about this application. You can also reply STOP to any of our texts.</p>` +
          `<form method="post" action="${e(action)}/opt-out"><button class="danger" type="submit">Opt out</button></form></section>`,
      );
    }
  }

  if (view.phase === 'after') {
    parts.push(
      `<section data-testid="record"><h2>What was recorded</h2>` +
        (view.transcript.length
          ? `<p class="muted">The transcript of your call, as our speech-to-text heard it.</p><ol class="transcript" data-testid="transcript">${view.transcript
              .map((t) => `<li class="${t.speaker}"><span class="who">${t.speaker === 'candidate' ? 'You' : 'Interviewer'}</span><span class="clock">${e(t.clock)}</span><div>${e(t.text)}</div></li>`)
              .join('')}</ol>`
          : `<p data-testid="transcript-empty">No transcript was recorded for this interview.</p>`) +
        `</section>`,
    );
    parts.push(
      `<section data-testid="evidence"><h2>What the assessment relies on</h2>` +
        (view.evidence.length
          ? `<p class="muted">These are the passages the automated assessment cites. It supports, and never replaces, a person's decision; it never uses your voice, tone or accent.</p><ul class="evidence">${view.evidence
              .map((x) => `<li><strong>${e(x.about)}</strong><span class="clock">${e(x.clock)}</span><blockquote>${e(x.quote)}</blockquote></li>`)
              .join('')}</ul>`
          : `<p>No passage of your interview is cited by an assessment (yet).</p>`) +
        `</section>`,
    );
    const asked = (when: string | null, what: string) => (when ? `<p class="muted" data-testid="${what}-sent">You asked for this on ${e(when.slice(0, 10))}; you can send another message.</p>` : '');
    parts.push(
      `<div class="grid two">` +
        `<section data-testid="review"><h2>Ask for a human review</h2><p class="muted">A person will review your interview and the outcome, and can change it.</p>${asked(view.requests.review, 'review')}` +
        `<form method="post" action="${e(action)}/review"><label for="review-message">Anything you want them to know (optional)</label><textarea id="review-message" name="message" maxlength="2000"></textarea>` +
        `<button class="primary" type="submit">Ask for a review</button></form></section>` +
        `<section data-testid="erasure"><h2>Ask for erasure</h2><p class="muted">Ask the hiring company to delete your interview data: recording, transcript and assessment.</p>${asked(view.requests.erasure, 'erasure')}` +
        `<form method="post" action="${e(action)}/erasure"><label for="erasure-message">Message (optional)</label><textarea id="erasure-message" name="message" maxlength="2000"></textarea>` +
        `<button class="secondary" type="submit">Ask for erasure</button></form></section>` +
        `</div>`,
    );
  }
  return layout(`Your phone screen`, parts.join('\n'));
}

export function candidateProblemPage(title: string, body: string): string {
  return layout(title, `<section data-testid="link-problem"><h1>${e(title)}</h1><p>${e(body)}</p></section>`);
}
