/** The scorecard email: subject, a short text and HTML summary (band, strengths, gaps, dashboard link), PDF attached. */
import type { Scorecard } from '../scoring/types.js';
import type { EmailMessage } from '../providers/email.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function scorecardSubject(s: Scorecard): string {
  return `Scorecard: ${s.candidate.name}, ${s.role.title}: ${s.decision.band.label}`;
}

export function composeScorecardEmail(input: {
  id: string;
  to: string;
  from: { email: string; name?: string };
  scorecard: Scorecard;
  pdf: Buffer;
  dashboardUrl: string;
}): EmailMessage {
  const s = input.scorecard;
  const strengths = s.strengths.slice(0, 3);
  const gaps = s.gaps.slice(0, 3);
  const text = [
    `${s.candidate.name}, ${s.role.title}`,
    `Recommendation: ${s.decision.band.label} (confidence ${s.decision.confidenceLabel}, ${Math.round(s.decision.confidence * 100)}%)`,
    '',
    s.summary,
    '',
    'Top strengths:',
    ...(strengths.length ? strengths.map((x) => `  - ${x}`) : ['  - none identified']),
    'Top gaps:',
    ...(gaps.length ? gaps.map((x) => `  - ${x}`) : ['  - none identified']),
    '',
    `Full scorecard attached (PDF). Interview in the dashboard: ${input.dashboardUrl}`,
    '',
    s.notice,
  ].join('\n');
  const li = (xs: string[]) => (xs.length ? xs.map((x) => `<li>${esc(x)}</li>`).join('') : '<li>none identified</li>');
  const html = `<!doctype html><html><body style="font-family:Arial,Helvetica,sans-serif;color:#1f2933;max-width:640px">
<h2 style="margin-bottom:4px">${esc(s.candidate.name)}, ${esc(s.role.title)}</h2>
<p style="font-size:16px"><strong>Recommendation: ${esc(s.decision.band.label)}</strong> (confidence ${esc(s.decision.confidenceLabel)}, ${Math.round(s.decision.confidence * 100)}%)</p>
<p>${esc(s.summary)}</p>
<h3>Top strengths</h3><ul>${li(strengths)}</ul>
<h3>Top gaps</h3><ul>${li(gaps)}</ul>
<p>The full scorecard is attached as a PDF. <a href="${esc(input.dashboardUrl)}">Open the interview in the dashboard</a>.</p>
<p style="font-size:12px;color:#7c2d12">${esc(s.notice)}</p>
</body></html>`;
  const safeName = s.candidate.name.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'candidate';
  return {
    id: input.id,
    to: input.to,
    from: input.from,
    subject: scorecardSubject(s),
    text,
    html,
    attachments: [{ filename: `scorecard-${safeName}.pdf`, contentType: 'application/pdf', content: input.pdf }],
  };
}
