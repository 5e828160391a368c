import { useEffect, useState } from 'react';
import { api, run, type InterviewSummary } from './api';
import { bandClass, statusLabel, when } from './format';

const STATUSES = ['scheduled', 'calling', 'in_progress', 'completed', 'incomplete', 'consent_refused', 'canceled', 'no_answer', 'busy', 'voicemail', 'failed'];

export function InterviewList({ onOpen }: { onOpen: (id: string) => void }) {
  const [rows, setRows] = useState<InterviewSummary[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  const [q, setQ] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);

  const load = async (after?: string) => {
    const params = new URLSearchParams({ limit: '25' });
    if (status) params.set('status', status);
    if (q.trim()) params.set('q', q.trim());
    if (after) params.set('cursor', after);
    try {
      const page = await api<{ interviews: InterviewSummary[]; nextCursor: string | null }>('GET', `/api/interviews?${params}`);
      setRows((prev) => (after ? [...prev, ...page.interviews] : page.interviews));
      setCursor(page.nextCursor);
      setError(null);
    } catch (err) {
      setError(err instanceof Error ? err.message : 'Could not load interviews');
    } finally {
      setLoading(false);
    }
  };

  useEffect(() => {
    run(load());
    // Statuses move on their own (calls start and end): refresh the first page now and then.
    const timer = setInterval(() => run(load()), 10_000);
    return () => clearInterval(timer);
  }, [status, q]);

  return (
    <section aria-labelledby="list-title">
      <div className="section-head">
        <h1 id="list-title">Interviews</h1>
        <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
          <label>
            <span className="sr-only">Candidate name</span>
            <input type="search" placeholder="Search candidates" value={q} onChange={(e) => setQ(e.target.value)} />
          </label>
          <label>
            <span className="sr-only">Status</span>
            <select value={status} onChange={(e) => setStatus(e.target.value)}>
              <option value="">All statuses</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {statusLabel(s)}
                </option>
              ))}
            </select>
          </label>
        </form>
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <div className="card flush">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Candidate</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">Next call</th>
              <th scope="col">Decision</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id} data-testid="interview-row">
                <td>
                  <a
                    href={`/dashboard/interviews/${r.id}`}
                    onClick={(e) => {
                      e.preventDefault();
                      onOpen(r.id);
                    }}
                  >
                    {r.candidate.name}
                  </a>
                </td>
                <td>
                  {r.role.title}
                  {r.role.level ? <span className="muted"> · {r.role.level}</span> : null}
                </td>
                <td>
                  <span className={`status status-${r.status}`}>{statusLabel(r.status)}</span>
                </td>
                <td>{when(r.nextCallAt)}</td>
                <td>{r.decision ? <span className={bandClass(r.decision.band)}>{r.decision.bandLabel}{r.decision.final ? '' : ' (rolling)'}</span> : <span className="muted">—</span>}</td>
                <td>{when(r.createdAt)}</td>
              </tr>
            ))}
            {!loading && rows.length === 0 && (
              <tr>
                <td colSpan={6} className="empty">
                  No interviews yet. Create one, or connect your ATS.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {cursor && (
        <button type="button" className="ghost more" onClick={() => run(load(cursor))}>
          Load more
        </button>
      )}
    </section>
  );
}
