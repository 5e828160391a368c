// The candidate's workspace page: connects to its interview's live channel, shows the binding code, and the
// surface the interviewer opens (today: the Python IDE). Stable data-testids are documented in docs/workspace.md.
import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { MediaServerMessage } from '../../workspace/board/media-protocol';
import { ScreenShare } from './ScreenShare';
import type { PageVerified, ServerMessage } from '../../workspace/protocol';
import type { ProblemSummary } from '../../workspace/problem-types';
import { Channel, type ChannelStatus } from './channel';
import { CodeEditor, type EditorApi } from './Editor';
import { PythonRunner, type RunResult, type RunnerState } from './python-runner';

// Excalidraw reads its font path once, when its module loads: set it first, then load the board (a separate chunk).
const Board = lazy(() => {
  (window as unknown as { EXCALIDRAW_ASSET_PATH: string }).EXCALIDRAW_ASSET_PATH = `${location.origin}/w/assets/excalidraw/`;
  return import('./Board');
});

const token = location.pathname.split('/').filter(Boolean)[1] ?? '';
const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/w/${token}/live`;

const STATUS_TEXT: Record<ChannelStatus, string> = {
  connecting: 'Connecting…',
  open: 'Connected to your call',
  reconnecting: 'Reconnecting…',
  taken_over: 'Opened in another window',
  refused: 'Link no longer valid',
  ended: 'Interview ended',
};

export function App() {
  const [status, setStatus] = useState<ChannelStatus>('connecting');
  const [hello, setHello] = useState<Extract<ServerMessage, { type: 'hello' }> | null>(null);
  const [problem, setProblem] = useState<ProblemSummary | null>(null);
  const [initialCode, setInitialCode] = useState<string>('');
  const [binding, setBinding] = useState<{ code: string; bound: boolean } | null>(null);
  const [verified, setVerified] = useState<PageVerified | null>(null);
  const [verifying, setVerifying] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const channel = useRef<Channel | null>(null);
  const editorApi = useRef<EditorApi | null>(null);
  const dirty = useRef(false);
  const [board, setBoard] = useState<Extract<MediaServerMessage, { type: 'board' }> | null>(null);
  const [view, setView] = useState<'ide' | 'board' | null>(null);
  const mediaSubs = useRef(new Set<(m: MediaServerMessage) => void>());
  const sendMedia = useCallback((m: Parameters<Channel['send']>[0]) => channel.current?.send(m) ?? false, []);
  const subscribe = useCallback((fn: (m: MediaServerMessage) => void) => {
    mediaSubs.current.add(fn);
    return () => {
      mediaSubs.current.delete(fn);
    };
  }, []);

  useEffect(() => {
    const ch = new Channel(
      wsUrl,
      (m) => {
        switch (m.type) {
          case 'hello': {
            setHello(m);
            setBinding(m.binding);
            setVerified(m.lastVerified);
            setVerifying(false);
            if (m.board) {
              setBoard(m.board);
              setView('board');
            } else if (m.problem) setView('ide');
            if (m.problem) {
              setProblem(m.problem);
              const local = editorApi.current?.getValue();
              if (dirty.current && local !== undefined) ch.send({ type: 'code', code: local });
              else {
                setInitialCode(m.code ?? m.problem.starter);
                editorApi.current?.setValue(m.code ?? m.problem.starter);
              }
            }
            break;
          }
          case 'board':
            setBoard(m);
            setView('board');
            break;
          case 'surface':
            setView('ide');
            setProblem(m.problem);
            setInitialCode(m.code);
            editorApi.current?.setValue(m.code);
            setVerified(null);
            break;
          case 'verifying':
            setVerifying(true);
            break;
          case 'verified':
            setVerifying(false);
            setVerified(m.result);
            break;
          case 'rate_limited':
            setNotice(`Too many ${m.kind === 'submit' ? 'submissions' : 'runs'} in a minute: try again in ${Math.ceil(m.retryAfterMs / 1000)} s.`);
            break;
          case 'bound':
            setBinding((b) => (b ? { ...b, bound: true } : b));
            break;
          case 'error':
            setVerifying(false);
            setNotice(m.message);
            break;
          default:
            if (m.type.startsWith('board.') || m.type.startsWith('screen.')) for (const fn of mediaSubs.current) fn(m as MediaServerMessage);
            break;
        }
      },
      (s) => setStatus(s),
    );
    channel.current = ch;
    return () => ch.stop('refused');
  }, []);

  // Integrity facts: focus loss and tab switches, with their durations (reported when the candidate is back).
  useEffect(() => {
    let leftAt: number | null = null;
    let how: 'blur' | 'hidden' = 'blur';
    const away = (kind: 'blur' | 'hidden') => {
      if (leftAt === null) {
        leftAt = performance.now();
        how = kind;
      } else if (kind === 'hidden') how = 'hidden';
    };
    const back = () => {
      if (leftAt === null) return;
      const durationMs = Math.round(performance.now() - leftAt);
      leftAt = null;
      if (durationMs >= 1000) channel.current?.send({ type: 'integrity', kind: 'focus_lost', how, durationMs });
    };
    const onVis = () => (document.visibilityState === 'hidden' ? away('hidden') : back());
    const onBlur = () => away('blur');
    window.addEventListener('blur', onBlur);
    window.addEventListener('focus', back);
    document.addEventListener('visibilitychange', onVis);
    return () => {
      window.removeEventListener('blur', onBlur);
      window.removeEventListener('focus', back);
      document.removeEventListener('visibilitychange', onVis);
    };
  }, []);

  const live = status === 'open';
  return (
    <div className="app">
      <header className="topbar">
        <div className="brand">
          <span className="dot" />
          screenline
          <span className="sep" />
          <span className="subtitle">{hello ? `${hello.roleTitle || 'Interview'} workspace` : 'Interview workspace'}</span>
        </div>
        <div className="topbar-right">
          <ScreenShare live={live} send={sendMedia} subscribe={subscribe} onNotice={setNotice} />
          {binding && (
            <div className={`binding ${binding.bound ? 'bound' : ''}`} title="Read this code to your interviewer so they know this window is yours">
              <span className="binding-label">{binding.bound ? 'Linked to your call' : 'Your code'}</span>
              <span className="binding-code" data-testid="binding-code">
                {binding.code}
              </span>
            </div>
          )}
          <div className={`status status-${status}`} data-testid="workspace-status" data-state={status}>
            <span className="status-dot" />
            {STATUS_TEXT[status]}
          </div>
        </div>
      </header>

      {status === 'taken_over' && <Overlay title="This workspace is open in another window">Continue there. You can close this tab.</Overlay>}
      {status === 'refused' && <Overlay title="This link no longer works">Ask your interviewer on the phone to send a new link.</Overlay>}
      {status === 'ended' && <Overlay title="Your interview has ended">Thank you. Your work has been saved; you can close this tab.</Overlay>}

      {notice && (
        <div className="notice" role="status" onClick={() => setNotice(null)}>
          {notice}
        </div>
      )}

      {view === 'board' && board ? (
        <Suspense fallback={<main className="waiting"><p className="muted">Opening the design board…</p></main>}>
          <Board prompt={board.prompt} initialElements={board.elements} live={live} send={sendMedia} subscribe={subscribe} onNotice={setNotice} />
        </Suspense>
      ) : problem ? (
        <Ide
          problem={problem}
          initialCode={initialCode}
          live={live}
          verified={verified}
          verifying={verifying}
          editorApi={editorApi}
          onCode={(code) => {
            dirty.current = true;
            debounceSave(code, (c) => {
              if (channel.current?.send({ type: 'code', code: c })) dirty.current = false;
            });
          }}
          send={(m) => channel.current?.send(m) ?? false}
          onNotice={setNotice}
        />
      ) : (
        <Waiting name={hello?.candidateName ?? ''} connected={live} code={binding?.code} />
      )}
    </div>
  );
}

let saveTimer: ReturnType<typeof setTimeout> | undefined;
function debounceSave(code: string, save: (code: string) => void) {
  clearTimeout(saveTimer);
  saveTimer = setTimeout(() => save(code), 600);
}

function Overlay(props: { title: string; children: ReactNode }) {
  return (
    <div className="overlay">
      <div className="overlay-card">
        <h2>{props.title}</h2>
        <p>{props.children}</p>
      </div>
    </div>
  );
}

function Waiting(props: { name: string; connected: boolean; code?: string }) {
  return (
    <main className="waiting">
      <div className="waiting-card">
        <h1>{props.name ? `Hi ${props.name}, you're in.` : "You're in."}</h1>
        <p>Keep this window open. When your interviewer starts an exercise, it appears here — there is nothing to install.</p>
        {props.code && (
          <p className="waiting-code">
            If your interviewer asks, read them this code: <strong>{props.code.split('').join(' ')}</strong>
          </p>
        )}
        {!props.connected && <p className="muted">Connecting to your call…</p>}
      </div>
    </main>
  );
}

type Send = (m: Parameters<Channel['send']>[0]) => boolean;

function Ide(props: {
  problem: ProblemSummary;
  initialCode: string;
  live: boolean;
  verified: PageVerified | null;
  verifying: boolean;
  editorApi: { current: EditorApi | null };
  onCode(code: string): void;
  send: Send;
  onNotice(n: string): void;
}) {
  const { problem } = props;
  const runner = useMemo(() => new PythonRunner(8000), []);
  const [runnerState, setRunnerState] = useState<RunnerState>(runner.state);
  const [result, setResult] = useState<RunResult | null>(null);
  useEffect(() => {
    runner.onState = setRunnerState;
    setRunnerState(runner.state);
  }, [runner]);
  useEffect(() => setResult(null), [problem.id]);

  const run = useCallback(async () => {
    if (runner.state !== 'ready') return;
    const code = props.editorApi.current?.getValue() ?? '';
    const r = await runner.run(code, problem);
    setResult(r);
    props.send({ type: 'run', passed: r.passed, total: r.total, failing: r.tests.filter((t) => t.status !== 'pass').map((t) => t.name), outcome: r.outcome, durationMs: r.durationMs });
  }, [runner, problem, props]);

  const submit = () => {
    const code = props.editorApi.current?.getValue() ?? '';
    const ok = props.send({ type: 'submit', code, ...(result ? { browser: { passed: result.passed, total: result.total } } : {}) });
    if (!ok) props.onNotice('Not connected to your call right now: your code is kept here; submit again in a moment.');
  };

  const running = runnerState === 'running';
  return (
    <main className="ide" data-testid="surface-ide" data-problem={problem.id}>
      <section className="problem">
        <div className="problem-head">
          <h1 data-testid="problem-title">{problem.title}</h1>
          <div className="chips">
            {problem.levels.map((l) => (
              <span key={l} className="chip chip-level">
                {l}
              </span>
            ))}
            {problem.tags.map((t) => (
              <span key={t} className="chip">
                {t}
              </span>
            ))}
          </div>
        </div>
        <Markdown text={problem.statement} />
        <h3 className="section-title">Examples you can run</h3>
        <ul className="examples">
          {problem.visibleTests.map((t) => (
            <li key={t.name}>
              <code>
                {problem.entry}({t.args.map((a) => JSON.stringify(a)).join(', ')})
              </code>
              <span className="arrow">→</span>
              <code>{JSON.stringify(t.expected)}</code>
            </li>
          ))}
        </ul>
        <p className="muted small">
          Submitting also runs {problem.hiddenTestCount} hidden test{problem.hiddenTestCount === 1 ? '' : 's'} on our server. Python {`3.14`} standard library only.
        </p>
      </section>

      <section className="workbench">
        <div className="toolbar">
          <span className="file">solution.py</span>
          <span className="runner-state" data-state={runnerState}>
            {runnerState === 'loading' ? 'Starting Python…' : runnerState === 'failed' ? 'Python failed to start' : running ? 'Running…' : 'Python ready'}
          </span>
          <div className="spacer" />
          <button className="btn" data-testid="ide-interrupt" disabled={!running} onClick={() => runner.interrupt()}>
            Stop
          </button>
          <button className="btn btn-secondary" data-testid="ide-run" disabled={runnerState !== 'ready'} onClick={() => {
              run().catch(() => undefined);
            }} title="Run the examples (Ctrl+Enter)">
            ▶ Run examples
          </button>
          <button className="btn btn-primary" data-testid="ide-submit" disabled={!props.live || props.verifying || running} onClick={submit}>
            {props.verifying ? 'Checking…' : 'Submit'}
          </button>
        </div>
        <div className="editor-wrap">
          <CodeEditor
            initial={props.initialCode}
            apiRef={props.editorApi}
            onChange={props.onCode}
            onRun={() => {
              run().catch(() => undefined);
            }}
            onPaste={(chars, lines) => props.send({ type: 'integrity', kind: 'paste', chars, lines })}
            onLargeInsertion={(chars, lines) => props.send({ type: 'integrity', kind: 'large_insertion', chars, lines })}
          />
        </div>
        <Results result={result} verified={props.verified} verifying={props.verifying} running={running} />
      </section>
    </main>
  );
}

function Results(props: { result: RunResult | null; verified: PageVerified | null; verifying: boolean; running: boolean }) {
  const { result, verified } = props;
  return (
    <div className="results" data-testid="ide-results" data-outcome={result?.outcome ?? 'none'}>
      {props.verifying && (
        <div className="verified verified-pending" data-testid="ide-verified" data-verdict="pending">
          Checking your submission on our server…
        </div>
      )}
      {!props.verifying && verified && (
        <div className={`verified verdict-${verified.verdict}`} data-testid="ide-verified" data-verdict={verified.verdict}>
          <strong>{verified.verdict === 'passed' ? '✓ Submitted: all tests pass' : verified.verdict === 'failed' ? 'Submitted' : `Submitted: ${verified.verdict}`}</strong>
          <span>
            {verified.passed} of {verified.total} tests pass{verified.reason ? ` — ${verified.reason}` : ''}
          </span>
        </div>
      )}
      {props.running && <div className="results-empty">Running the examples…</div>}
      {!props.running && !result && <div className="results-empty">Run the examples to see your results here. You can submit as often as you like.</div>}
      {!props.running && result && (
        <>
          <div className="results-head">
            <span className={`score ${result.passed === result.total ? 'all' : ''}`} data-testid="ide-score">
              {result.passed} / {result.total} examples pass
            </span>
            <span className="muted small">
              {result.outcome === 'completed' ? `${result.durationMs} ms` : result.note ?? result.outcome}
            </span>
          </div>
          {result.setupError && (
            <pre className="trace" data-testid="ide-setup-error">
              {result.setupError.traceback || `${result.setupError.type}: ${result.setupError.message}`}
            </pre>
          )}
          <ul className="tests">
            {result.tests.map((t) => (
              <li key={t.name} className={`test test-${t.status}`} data-testid="ide-test-row" data-status={t.status}>
                <div className="test-line">
                  <span className="badge">{t.status === 'pass' ? 'PASS' : t.status === 'fail' ? 'FAIL' : t.status.toUpperCase().replace('_', ' ')}</span>
                  <span className="test-name">{t.name}</span>
                  {t.ms !== undefined && <span className="muted small">{t.ms} ms</span>}
                </div>
                {t.status === 'fail' && (
                  <div className="test-detail">
                    got <code>{t.output}</code>, expected <code>{JSON.stringify(t.expected)}</code>
                  </div>
                )}
                {t.error && <pre className="trace">{t.error.traceback || `${t.error.type}: ${t.error.message}`}</pre>}
                {t.stdout && (
                  <pre className="stdout">
                    <span className="muted">stdout</span>
                    {'\n'}
                    {t.stdout}
                  </pre>
                )}
                {t.stderr && (
                  <pre className="stdout stderr">
                    <span className="muted">stderr</span>
                    {'\n'}
                    {t.stderr}
                  </pre>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

/** Paragraphs, fenced code and `inline code`: all a problem statement needs (no HTML is ever injected). */
function Markdown(props: { text: string }) {
  const blocks = props.text.split(/```\w*\n?/);
  return (
    <div className="statement">
      {blocks.map((block, i) =>
        i % 2 === 1 ? (
          <pre key={i} className="example">
            {block.replace(/\n$/, '')}
          </pre>
        ) : (
          block
            .split(/\n\s*\n/)
            .filter((p) => p.trim())
            .map((p, j) => (
              <p key={`${i}-${j}`}>
                {p.split(/(`[^`]+`)/).map((part, k) => (part.startsWith('`') && part.endsWith('`') ? <code key={k}>{part.slice(1, -1)}</code> : part))}
              </p>
            ))
        ),
      )}
    </div>
  );
}
