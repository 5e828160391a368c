import { useState } from 'react';
import { api, ApiError, run } from './api';

export function CreateInterview({ onCreated, onCancel }: { onCreated: (id: string) => void; onCancel: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: React.FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const text = (k: string) => String(f.get(k) ?? '').trim() || undefined;
    const interview = {
      candidate: { name: text('name'), phone: text('phone'), email: text('email'), timezone: text('timezone') },
      role: { title: text('title'), level: text('level'), description: text('description') },
      hiringManagerEmail: text('hiringManagerEmail'),
    };
    const body = new FormData();
    body.set('interview', JSON.stringify(interview));
    const resume = f.get('resume');
    if (resume instanceof File && resume.size > 0) body.set('resume', resume, resume.name);
    setBusy(true);
    setError(null);
    try {
      const created = await api<{ id: string }>('POST', '/api/interviews', body);
      onCreated(created.id);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not create the interview');
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="new-title">
      <h1 id="new-title">New interview</h1>
      <form className="card form" onSubmit={(e) => run(submit(e))}>
        <fieldset>
          <legend>Candidate</legend>
          <div className="grid">
            <Field id="name" label="Full name" required />
            <Field id="phone" label="Phone (E.164)" placeholder="+14155550100" required pattern="^\+[1-9][0-9]{6,14}$" />
            <Field id="email" label="Email" type="email" />
            <Field id="timezone" label="Time zone" placeholder="America/New_York" />
          </div>
          <label htmlFor="resume">Resume (PDF, DOCX or text)</label>
          <input id="resume" name="resume" type="file" accept=".pdf,.docx,.txt,.md,application/pdf,text/plain" />
        </fieldset>
        <fieldset>
          <legend>Role</legend>
          <div className="grid">
            <Field id="title" label="Title" required />
            <Field id="level" label="Level" placeholder="senior" />
            <Field id="hiringManagerEmail" label="Hiring manager email" type="email" />
          </div>
          <label htmlFor="description">Job description</label>
          <textarea id="description" name="description" rows={4} />
        </fieldset>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <div className="actions">
          <button type="button" className="ghost" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create interview'}
          </button>
        </div>
      </form>
    </section>
  );
}

function Field(props: { id: string; label: string; type?: string; placeholder?: string; required?: boolean; pattern?: string }) {
  return (
    <div className="field">
      <label htmlFor={props.id}>
        {props.label}
        {props.required ? <span aria-hidden="true"> *</span> : null}
      </label>
      <input id={props.id} name={props.id} type={props.type ?? 'text'} placeholder={props.placeholder} required={props.required} pattern={props.pattern} />
    </div>
  );
}
