import { useCallback, useEffect, useState } from 'react';
import { api, ApiError, run, setCsrf, type Session } from './api';
import { InterviewList } from './InterviewList';
import { CreateInterview } from './CreateInterview';
import { InterviewPage } from './InterviewPage';

/** Paths under /dashboard: '' (list), 'new', 'interviews/<id>'. */
function useRoute(): [string, (to: string) => void] {
  const read = () => window.location.pathname.replace(/^\/dashboard\/?/, '');
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const onPop = () => setRoute(read());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const go = useCallback((to: string) => {
    window.history.pushState(null, '', `/dashboard${to ? `/${to}` : ''}`);
    setRoute(to);
    window.scrollTo(0, 0);
  }, []);
  return [route, go];
}

export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [route, go] = useRoute();

  useEffect(() => {
    api<Session | { signedIn: false }>('GET', '/dashboard/session').then(
      (s) => {
        if (!s.signedIn) return setSession(null);
        setCsrf(s.csrfToken);
        setSession(s);
      },
      () => setSession(null),
    );
  }, []);

  if (session === undefined) return <main className="center" aria-busy="true">Loading…</main>;
  if (session === null)
    return (
      <SignIn
        onSignedIn={(s) => {
          setCsrf(s.csrfToken);
          setSession(s);
        }}
      />
    );

  const signOut = async () => {
    await api('DELETE', '/dashboard/session').catch(() => undefined);
    setSession(null);
    go('');
  };
  const match = /^interviews\/([^/]+)$/.exec(route);
  return (
    <div className="shell">
      <header className="topbar">
        <a
          className="brand"
          href="/dashboard"
          onClick={(e) => {
            e.preventDefault();
            go('');
          }}
        >
          screenline <span>dashboard</span>
        </a>
        <nav aria-label="Main">
          <button type="button" className="primary" onClick={() => go('new')}>
            New interview
          </button>
          <span className="tenant" title="Organisation">
            {session.tenantId}
          </span>
          <button type="button" className="ghost" onClick={() => run(signOut())}>
            Sign out
          </button>
        </nav>
      </header>
      <main id="main">
        {route === 'new' ? (
          <CreateInterview onCreated={(id) => go(`interviews/${id}`)} onCancel={() => go('')} />
        ) : match ? (
          <InterviewPage id={match[1]!} onBack={() => go('')} />
        ) : (
          <InterviewList onOpen={(id) => go(`interviews/${id}`)} />
        )}
      </main>
    </div>
  );
}

function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await api<Session>('POST', '/dashboard/session', { token }));
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Sign-in failed');
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="center">
      <form className="card signin" onSubmit={(e) => run(submit(e))} aria-labelledby="signin-title">
        <h1 id="signin-title">
          screenline <span>dashboard</span>
        </h1>
        <p className="muted">Sign in with an API token (the local token, API_TOKEN, or one from <code>screenline token create</code>).</p>
        <label htmlFor="token">API token</label>
        <input id="token" name="token" type="password" autoComplete="current-password" required value={token} onChange={(e) => setToken(e.target.value)} />
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy || !token}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
