/** What `npm run demo` prints: live progress from the event log, then the transcript and latency table. */
import type { StoredEvent } from '../store/index.js';

const ms = (v: unknown) => (typeof v === 'number' ? `${v} ms` : '—');

/** One progress line per interesting event (undefined for events not worth a line). */
export function progressLine(e: StoredEvent, t0: number): string | undefined {
  const at = `[${((e.at.getTime() - t0) / 1000).toFixed(1).padStart(5)} s]`;
  const p = e.payload;
  switch (e.type) {
    case 'call.stream_started':
      return `${at} call connected (stream ${String(p.streamSid).slice(0, 10)}…)`;
    case 'interview.stage':
      return `${at} ── stage: ${String(p.to)}${p.reason ? ` (${String(p.reason)})` : ''}`;
    case 'interview.consent':
      return `${at} consent: ${String(p.classification ?? p.answer)}`;
    case 'transcript.turn':
      return `${at} candidate (simulated): "${String(p.text)}"${p.bargedIn ? '  [barged in]' : ''}`;
    case 'agent.speech':
      return `${at} agent: "${String(p.heard || p.planned)}"${p.interrupted ? '  [interrupted: only the heard part is kept]' : ''}${cites(p)}`;
    case 'bargein.pause':
      return `${at} barge-in: agent paused on ${String(p.evidence)} evidence, onset → clear ${ms(p.onsetToClearMs)}`;
    case 'bargein.commit':
      return `${at} barge-in: caller took the floor ("${String(p.words)}")`;
    case 'bargein.resume':
      return `${at} barge-in: resumed (${String(p.why)})`;
    case 'turn.metrics':
      return `${at} turn latency: caller stopped → first audio ${ms(p.firstFrameMs)} (stt final ${ms(p.sttFinalMs)}, end of turn ${ms(p.endOfTurnMs)}, llm first token ${ms(p.llmFirstTokenMs)}, tts first byte ${ms(p.ttsFirstByteMs)})`;
    case 'provider.fallback':
    case 'provider.unhealthy':
    case 'provider.restored':
    case 'provider.error':
      return `${at} ${e.type}: ${JSON.stringify(p)}`;
    case 'interview.tool_call':
      return `${at} tool: ${String(p.name)}`;
    case 'decision.updated':
      return `${at} decision: ${String(p.bandLabel)} (confidence ${Math.round(Number(p.confidence) * 100)}%)${p.final ? ' [final]' : ''}`;
    case 'report.rendered':
      return `${at} scorecard PDF rendered (${Math.round(Number(p.bytes) / 1024)} KB in ${String(p.renderMs)} ms)`;
    case 'report.sent':
      return `${at} scorecard emailed to ${String(p.to)} via ${String(p.provider)}`;
    case 'job.failed':
      return `${at} job ${String(p.job)} failed: ${String(p.error)}`;
    case 'sms.sent':
      return `${at} text to the candidate (${String(p.purpose)}, ${String(p.reason)}): ${String(p.status)} via ${String(p.adapter)}`;
    case 'workspace.opened':
      return `${at} workspace: the candidate's page is open${p.resumed ? ' (resumed)' : ''}`;
    case 'workspace.surface_opened':
      return `${at} workspace: ${String(p.kind)} opened with problem ${String(p.problemId)}${p.delivered ? '' : ' (waiting for the page)'}`;
    case 'code.run':
      return `${at} code run in the browser: ${String(p.passed)}/${String(p.total)} visible tests pass`;
    case 'code.submitted':
      return `${at} code submitted (${String(p.problemId)}); verifying on the server …`;
    case 'code.verified':
      return `${at} code verified on the server: ${String(p.verdict)}, ${String(p.passed)}/${String(p.total)} tests (visible + hidden) in ${String(p.durationMs)} ms`;
    case 'call.recording':
      return `${at} call audio kept: ${(Number(p.durationMs) / 1000).toFixed(1)} s stereo WAV (left: candidate, right: interviewer), ${Math.round(Number(p.bytes) / 1024)} KB, artifact ${String(p.artifactId)}`;
    case 'call.recording_stopped':
      return `${at} call recording stopped: ${String(p.reason)}`;
    case 'call.ended':
      return `${at} call ended (${String(p.reason)}${p.cause ? `: ${String(p.cause)}` : ''})`;
    default:
      return undefined;
  }
}

/** "  [asked because of: resume-ab12-03]" for a grounded question. */
function cites(p: Record<string, unknown>): string {
  const ids = Array.isArray(p.citationIds) ? p.citationIds.map(String) : [];
  return ids.length ? `  [asked because of: ${ids.join(', ')}]` : '';
}

export function transcript(events: StoredEvent[]): string[] {
  const lines: string[] = [];
  let stage = '';
  for (const e of events) {
    if (e.type === 'interview.stage' && e.payload.to !== stage) {
      stage = String(e.payload.to);
      lines.push(`  [${stage}]`);
    } else if (e.type === 'agent.speech' && (e.payload.heard || e.payload.planned)) {
      lines.push(`  Interviewer: ${String(e.payload.heard || '(nothing heard)')}${e.payload.interrupted ? ' —' : ''}${cites(e.payload)}`);
    } else if (e.type === 'transcript.turn') {
      lines.push(`  Candidate:   ${String(e.payload.text)}`);
    } else if (e.type === 'code.verified') {
      lines.push(`  (workspace)  submission verified on the server: ${String(e.payload.verdict)}, ${String(e.payload.passed)}/${String(e.payload.total)} tests`);
    }
  }
  return lines;
}

export function latencyTable(events: StoredEvent[]): string[] {
  const rows = events.filter((e) => e.type === 'turn.metrics').map((e) => e.payload);
  const head = ['turn', 'stt final', 'end of turn', 'llm 1st token', 'tts 1st byte', 'first audio'];
  const body = rows.map((r, i) => [String(i + 1), ms(r.sttFinalMs), ms(r.endOfTurnMs), ms(r.llmFirstTokenMs), ms(r.ttsFirstByteMs), ms(r.firstFrameMs)]);
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((b) => b[c]!.length)));
  const fmt = (cells: string[]) => '  ' + cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  const pauses = events.filter((e) => e.type === 'bargein.pause').map((e) => ms(e.payload.onsetToClearMs));
  return [fmt(head), ...body.map(fmt), ...(pauses.length ? [`  barge-in onset → clear: ${pauses.join(', ')}`] : [])];
}

/** The end of the demo: decision band, where the scorecard PDF and the email are (or why they are not). */
export function scoringLines(r: {
  scorecard?: { decision: { band: { label: string }; confidenceLabel: string; confidence: number }; scorer: { label: string } };
  scorecardPath?: string;
  emailPath?: string;
  emailTo?: string;
  failure?: string;
}): string[] {
  const lines = ['scorecard'];
  if (r.scorecard) {
    const d = r.scorecard.decision;
    lines.push(`  decision band   ${d.band.label} (confidence ${d.confidenceLabel}, ${Math.round(d.confidence * 100)}%)`);
    lines.push(`  scored by       ${r.scorecard.scorer.label}`);
  }
  if (r.scorecardPath) lines.push(`  scorecard PDF   ${r.scorecardPath}`);
  if (r.emailPath) lines.push(`  email (.eml)    ${r.emailPath}${r.emailTo ? ` (to ${r.emailTo})` : ''}`);
  if (r.failure) lines.push(`  scoring did not finish: ${r.failure}`);
  return lines;
}
