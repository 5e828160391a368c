import { useEffect, useMemo, useRef, useState } from 'react';
import { api, ApiError, run, type InterviewDetail } from './api';
import { useEvents } from './useEvents';
import { clock, deriveLive, deriveTimeline, type Passage, type TimelineKind } from './derive';
import { bandClass, statusLabel, when } from './format';

type Tab = 'live' | 'replay' | 'scorecard';

export function InterviewPage({ id, onBack }: { id: string; onBack: () => void }) {
  const [detail, setDetail] = useState<InterviewDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const { events, ready, connected } = useEvents(id);
  const state = useMemo(() => deriveLive(events), [events]);
  const [tab, setTab] = useState<Tab | null>(null);
  const lastStatusEvent = events.filter((e) => e.type === 'call.ended' || e.type === 'call.stream_started').at(-1)?.seq;

  useEffect(() => {
    api<InterviewDetail>('GET', `/api/interviews/${id}`).then(setDetail, (err: unknown) => setError(err instanceof Error ? err.message : 'Not found'));
  }, [id, lastStatusEvent]);

  // A call that goes live while the page is open keeps the live view up, through its end.
  useEffect(() => {
    if (state.live) setTab((t) => t ?? 'live');
  }, [state.live]);
  // Open on the live view while the call runs, else on the replay.
  const shown: Tab = tab ?? (state.live || detail?.status === 'in_progress' ? 'live' : 'replay');

  if (error) {
    return (
      <section>
        <p role="alert" className="error">
          {error}
        </p>
        <button type="button" className="ghost" onClick={onBack}>
          Back to interviews
        </button>
      </section>
    );
  }
  return (
    <section aria-labelledby="iv-title">
      <button type="button" className="link back" onClick={onBack}>
        ← Interviews
      </button>
      <div className="section-head">
        <div>
          <h1 id="iv-title">{detail?.candidate.name ?? '…'}</h1>
          <p className="muted">
            {detail?.role.title}
            {detail?.role.level ? ` · ${detail.role.level}` : ''} · created {when(detail?.createdAt ?? null)}
          </p>
        </div>
        <div className="head-badges">
          {state.live ? (
            <span className="live-badge" data-testid="live-badge">
              <span className="dot" aria-hidden="true" /> Live
            </span>
          ) : null}
          {detail ? <span className={`status status-${detail.status}`} data-testid="interview-status">{statusLabel(detail.status)}</span> : null}
          {!connected && ready ? <span className="muted small">reconnecting…</span> : null}
        </div>
      </div>
      <div role="tablist" aria-label="Interview views" className="tabs">
        {(['live', 'replay', 'scorecard'] as Tab[]).map((t) => (
          <button key={t} type="button" role="tab" id={`tab-${t}`} aria-selected={shown === t} aria-controls={`panel-${t}`} className={shown === t ? 'tab active' : 'tab'} onClick={() => setTab(t)}>
            {t === 'live' ? 'Live view' : t === 'replay' ? 'Replay' : 'Scorecard'}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${shown}`} aria-labelledby={`tab-${shown}`}>
        {shown === 'live' && <LiveView state={state} ready={ready} />}
        {shown === 'replay' && <Replay interviewId={id} events={events} />}
        {shown === 'scorecard' && detail && <Scorecard detail={detail} reportSeq={events.filter((e) => e.type === 'report.rendered').at(-1)?.seq} onErased={onBack} />}
      </div>
    </section>
  );
}

function Citations({ ids, passages }: { ids: string[]; passages: Map<string, Passage> }) {
  const found = ids.map((id) => passages.get(id)).filter((p): p is Passage => !!p);
  if (found.length === 0) return null;
  return (
    <details className="citations">
      <summary>
        {found.length} citation{found.length > 1 ? 's' : ''} behind this question
      </summary>
      <ul>
        {found.map((p) => (
          <li key={p.citationId} data-testid="citation">
            <span className="cite-id">
              {p.source}
              {p.page ? ` p.${p.page}` : ''} · {p.citationId}
            </span>
            <q>{p.text}</q>
          </li>
        ))}
      </ul>
    </details>
  );
}

function LiveView({ state, ready }: { state: ReturnType<typeof deriveLive>; ready: boolean }) {
  const end = useRef<HTMLDivElement>(null);
  useEffect(() => {
    end.current?.scrollIntoView({ block: 'nearest' });
  }, [state.lines.length]);
  const d = state.decision;
  return (
    <div className="live-grid">
      <div className="card transcript-card">
        <h2>
          Transcript {state.stage ? <span className="stage">stage: {state.stage}</span> : null}
        </h2>
        <ol className="transcript" aria-live="polite" aria-relevant="additions" data-testid="transcript">
          {state.lines.map((l) => (
            <li key={`${l.speaker}-${l.seq}`} className={`line ${l.speaker}${l.pending ? ' pending' : ''}`} data-speaker={l.speaker}>
              <span className="who">{l.speaker === 'agent' ? 'Interviewer' : 'Candidate'}</span>
              <p>
                {l.text}
                {l.interrupted ? (
                  <span className="interrupted" title={l.speaker === 'agent' ? 'The candidate cut in: only this part was heard' : 'Spoke over the interviewer'}>
                    {l.speaker === 'agent' ? 'interrupted' : 'barged in'}
                  </span>
                ) : null}
              </p>
              {l.citationIds.length ? <Citations ids={l.citationIds} passages={state.passages} /> : null}
            </li>
          ))}
          {ready && state.lines.length === 0 ? <li className="empty">Nothing said yet.</li> : null}
        </ol>
        <div ref={end} />
        {state.ended ? (
          <p className="muted small" data-testid="call-ended">
            Call ended ({state.ended.reason}
            {state.ended.status ? `, ${statusLabel(state.ended.status)}` : ''}).
          </p>
        ) : null}
      </div>
      <aside className="side">
        <div className="card">
          <h2>Decision</h2>
          {d ? (
            <div data-testid="decision">
              <p>
                <span className={bandClass(d.band)}>{d.bandLabel}</span> {d.final ? null : <span className="muted small">rolling</span>}
              </p>
              <Meter label="Confidence" value={d.confidence} />
              <Meter label="Coverage" value={d.coverage} />
              <ul className="dims">
                {d.dimensions.map((x) => (
                  <li key={x.id}>
                    <span>{x.id.replace(/_/g, ' ')}</span>
                    <strong>{x.score ?? '—'}</strong>
                  </li>
                ))}
              </ul>
              {d.openGates.length ? <p className="muted small">Open gates: {d.openGates.join(', ')}</p> : null}
              {d.knockoutFailed.length ? <p className="error small">Knock-out failed: {d.knockoutFailed.join(', ')}</p> : null}
            </div>
          ) : (
            <p className="muted">No stage scored yet.</p>
          )}
        </div>
        <div className="card">
          <h2>Candidate's surfaces</h2>
          {state.surfaces.length ? (
            <ul className="surfaces" data-testid="surfaces">
              {state.surfaces.map((s) => (
                <li key={s.kind}>
                  <span className="dot on" aria-hidden="true" /> {s.label}
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">None open.</p>
          )}
        </div>
      </aside>
    </div>
  );
}

function Meter({ label, value }: { label: string; value: number }) {
  const pct = Math.round(Math.max(0, Math.min(1, value)) * 100);
  return (
    <div className="meter">
      <span>{label}</span>
      <div role="meter" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} className="bar">
        <div style={{ width: `${pct}%` }} />
      </div>
      <span className="small">{pct}%</span>
    </div>
  );
}

const KINDS: { kind: TimelineKind; label: string }[] = [
  { kind: 'transcript', label: 'Transcript' },
  { kind: 'tool', label: 'Tools & citations' },
  { kind: 'code', label: 'Code' },
  { kind: 'board', label: 'Board' },
  { kind: 'screen', label: 'Screen' },
  { kind: 'score', label: 'Scores' },
  { kind: 'call', label: 'Call' },
  { kind: 'other', label: 'Other' },
];

function Replay({ interviewId, events }: { interviewId: string; events: ReturnType<typeof useEvents>['events'] }) {
  const items = useMemo(() => deriveTimeline(events), [events]);
  // Each recorded call of the interview (a callback is a second call): the player reads it with the session cookie.
  const recordings = events.filter((e) => e.type === 'call.recording' && typeof e.payload.artifactId === 'string');
  const [hidden, setHidden] = useState<Set<TimelineKind>>(new Set(['call', 'other']));
  const shown = items.filter((i) => !hidden.has(i.kind));
  const toggle = (k: TimelineKind) =>
    setHidden((prev) => {
      const next = new Set(prev);
      if (next.has(k)) next.delete(k);
      else next.add(k);
      return next;
    });
  return (
    <div className="card">
      <div className="replay-head">
        <h2>Timeline</h2>
        <fieldset className="chips">
          <legend className="sr-only">Show</legend>
          {KINDS.map(({ kind, label }) => (
            <label key={kind} className={hidden.has(kind) ? 'chip' : 'chip on'}>
              <input type="checkbox" checked={!hidden.has(kind)} onChange={() => toggle(kind)} /> {label}
            </label>
          ))}
        </fieldset>
      </div>
      {recordings.length ? (
        <ul className="recordings" data-testid="recordings">
          {recordings.map((r) => (
            <li key={r.seq}>
              <span className="small">
                Call audio{recordings.length > 1 ? ` ${recordings.indexOf(r) + 1}` : ''} · {clock(Number(r.payload.durationMs ?? 0))} · left: candidate, right: interviewer
              </span>
              <audio controls preload="metadata" src={`/api/interviews/${interviewId}/recordings/${String(r.payload.artifactId)}`} data-testid="recording" />
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted small">No call audio is recorded for this interview; the timeline is built from its event log.</p>
      )}
      <ol className="timeline" data-testid="timeline">
        {shown.map((i) => (
          <li key={i.seq} className={`tl tl-${i.kind}`}>
            <time dateTime={i.at} title={new Date(i.at).toLocaleString()}>
              {clock(i.offsetMs)}
            </time>
            <div>
              <strong>{i.title}</strong>
              {i.detail ? <p>{i.detail}</p> : null}
              {i.image ? (
                <a className="thumb" href={i.image} target="_blank" rel="noopener" title="Open full size in a new tab" data-testid="timeline-image">
                  <img src={i.image} alt={i.imageAlt ?? i.title} loading="lazy" decoding="async" width={i.imageSize?.width} height={i.imageSize?.height} />
                </a>
              ) : null}
              {i.citations.length ? (
                <ul className="cites">
                  {i.citations.map((c) => (
                    <li key={c.citationId}>
                      <span className="cite-id">{c.citationId}</span> <q>{c.text}</q>
                    </li>
                  ))}
                </ul>
              ) : null}
            </div>
          </li>
        ))}
        {shown.length === 0 ? <li className="empty">No events yet.</li> : null}
      </ol>
    </div>
  );
}

interface ScorecardResponse {
  state: 'ready' | 'pending' | 'failed';
  scorecard: {
    summary: string;
    decision: { band: { id: string; label: string }; confidenceLabel: string; note: string };
    dimensions: { id: string; name: string; score: number | null; rationale: string }[];
    strengths: string[];
    gaps: string[];
  } | null;
  failure: { error: string } | null;
  links: { pdf: string | null };
}

function Scorecard({ detail, reportSeq, onErased }: { detail: InterviewDetail; reportSeq?: number; onErased: () => void }) {
  const [card, setCard] = useState<ScorecardResponse | null>(null);
  const [erasing, setErasing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<ScorecardResponse>('GET', `/api/interviews/${detail.id}/scorecard`).then(setCard, () => setCard(null));
  }, [detail.id, reportSeq]);
  const erase = async () => {
    if (!window.confirm(`Erase ${detail.candidate.name}? Their documents, transcript excerpts and search index are deleted. This cannot be undone.`)) return;
    setErasing(true);
    try {
      await api('DELETE', `/api/candidates/${detail.candidate.id}`);
      onErased();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Erasure failed');
      setErasing(false);
    }
  };
  const sc = card?.scorecard;
  return (
    <div className="card">
      <div className="replay-head">
        <h2>Scorecard</h2>
        <div className="actions">
          {card?.links.pdf ? (
            <a className="button primary" href={card.links.pdf} download={`scorecard-${detail.id}.pdf`} data-testid="report-download">
              Download report (PDF)
            </a>
          ) : null}
          <button type="button" className="danger" onClick={() => run(erase())} disabled={erasing}>
            {erasing ? 'Erasing…' : 'Erase candidate'}
          </button>
        </div>
      </div>
      {error ? (
        <p role="alert" className="error">
          {error}
        </p>
      ) : null}
      {!card || card.state === 'pending' ? <p className="muted">Not scored yet: the scorecard is written when the call ends.</p> : null}
      {card?.state === 'failed' ? <p className="error">Scoring failed: {card.failure?.error}</p> : null}
      {sc ? (
        <div data-testid="scorecard">
          <p>
            <span className={bandClass(sc.decision.band.id)}>{sc.decision.band.label}</span> <span className="muted small">confidence {sc.decision.confidenceLabel}</span>
          </p>
          <p>{sc.summary}</p>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Dimension</th>
                <th scope="col">Score</th>
                <th scope="col">Why</th>
              </tr>
            </thead>
            <tbody>
              {sc.dimensions.map((d) => (
                <tr key={d.id}>
                  <td>{d.name}</td>
                  <td>{d.score ?? '—'}</td>
                  <td className="small">{d.rationale}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted small">{sc.decision.note}</p>
        </div>
      ) : null}
    </div>
  );
}
