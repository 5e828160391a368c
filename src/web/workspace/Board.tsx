// The design board: Excalidraw (fonts served by us: EXCALIDRAW_ASSET_PATH is set before this module loads, see
// App.tsx) with the interviewer's prompt beside it. Scene changes are debounced and sent to the server (deleted
// elements dropped); a PNG (exportToBlob) goes up when the server asks at a natural break and on submit.
import { useCallback, useEffect, useRef, useState } from 'react';
import { Excalidraw, exportToBlob } from '@excalidraw/excalidraw';
import '@excalidraw/excalidraw/index.css';
import type { DesignPromptView, MediaServerMessage } from '../../workspace/board/media-protocol';
import type { ClientMessage } from '../../workspace/protocol';
import { blobToBase64 } from './board-utils';

type Api = Parameters<NonNullable<React.ComponentProps<typeof Excalidraw>['excalidrawAPI']>>[0];
type Elements = readonly { id: string; version: number; isDeleted?: boolean }[];

const DEBOUNCE_MS = 1200;

export default function Board(props: {
  prompt: DesignPromptView;
  initialElements: unknown[] | null;
  live: boolean;
  send(m: ClientMessage): boolean;
  subscribe(fn: (m: MediaServerMessage) => void): () => void;
  onNotice(n: string): void;
}) {
  const api = useRef<Api | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const lastSig = useRef<string>('');
  const [saved, setSaved] = useState<{ version: number; submitted: boolean } | null>(null);
  const [pending, setPending] = useState(false);
  const { send, onNotice, subscribe } = props;

  const sceneNow = useCallback(() => (api.current?.getSceneElements() ?? []).filter((e) => !e.isDeleted), []);

  const sendScene = useCallback(
    (reason: 'change' | 'submit') => {
      clearTimeout(timer.current);
      setPending(false);
      return send({ type: 'board.scene', elements: sceneNow() as unknown as Record<string, unknown>[], reason, chars: 0 });
    },
    [send, sceneNow],
  );

  const sendSnapshot = useCallback(
    async (reason: string) => {
      const a = api.current;
      if (!a) return;
      const elements = a.getSceneElements();
      if (!elements.length) return;
      const blob = await exportToBlob({
        elements,
        appState: { ...a.getAppState(), exportBackground: true, viewBackgroundColor: '#ffffff' },
        files: a.getFiles(),
        mimeType: 'image/png',
        maxWidthOrHeight: 1600,
      });
      const canvasSize = await createImageBitmap(blob);
      send({ type: 'board.snapshot', png: await blobToBase64(blob), width: canvasSize.width, height: canvasSize.height, reason });
      canvasSize.close();
    },
    [send],
  );

  useEffect(
    () =>
      subscribe((m) => {
        if (m.type === 'board.snapshot_request') sendSnapshot(m.reason).catch(() => undefined);
        else if (m.type === 'board.saved') setSaved({ version: m.version, submitted: m.submitted });
        else if (m.type === 'board.refused') onNotice(m.message);
      }),
    [subscribe, sendSnapshot, onNotice],
  );
  useEffect(() => () => clearTimeout(timer.current), []);

  const onChange = (elements: Elements) => {
    // onChange fires on every pointer move and includes deleted elements: send only real scene changes.
    let sig = 0;
    let live = 0;
    for (const e of elements) {
      if (e.isDeleted) continue;
      live++;
      sig = (sig * 31 + e.version) | 0;
    }
    const key = `${live}:${sig}`;
    if (key === lastSig.current) return;
    lastSig.current = key;
    setPending(true);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => sendScene('change'), DEBOUNCE_MS);
  };

  const submit = () => {
    if (!sendScene('submit')) {
      onNotice('Not connected to your call right now: your drawing is kept here; submit again in a moment.');
      return;
    }
    sendSnapshot('submit').catch(() => onNotice('The picture of your board could not be made; your design was still saved.'));
  };

  return (
    <main className="board" data-testid="surface-board" data-prompt={props.prompt.id}>
      <section className="board-prompt">
        <h1 data-testid="board-title">{props.prompt.title}</h1>
        <p data-testid="board-prompt">{props.prompt.prompt}</p>
        <p className="muted small">Draw the parts as boxes with names, and arrows for how requests or data flow. Your interviewer sees a summary, not every stroke.</p>
        <div className="board-actions">
          <span className="muted small" data-testid="board-saved" data-version={saved?.version ?? 0}>
            {pending ? 'Saving…' : saved ? (saved.submitted ? 'Submitted' : 'Saved') : 'Nothing drawn yet'}
          </span>
          <button className="btn btn-primary" data-testid="board-submit" disabled={!props.live} onClick={submit}>
            {saved?.submitted ? 'Submit again' : "I'm done: submit"}
          </button>
        </div>
      </section>
      <section className="board-canvas" data-testid="board-canvas">
        <Excalidraw
          excalidrawAPI={(a) => (api.current = a)}
          initialData={{ elements: (props.initialElements ?? []) as never, appState: { viewBackgroundColor: '#ffffff' }, scrollToContent: true }}
          onChange={(els) => onChange(els as unknown as Elements)}
          UIOptions={{ canvasActions: { loadScene: false, saveToActiveFile: false, export: false, saveAsImage: false } }}
        />
      </section>
    </main>
  );
}
