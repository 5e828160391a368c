// Monaco, bundled locally with only what a Python exercise needs (0.56+ module paths), its editor worker from our
// own origin. Reports pastes and large sudden insertions as integrity facts.
import { useEffect, useRef } from 'react';
import * as monaco from 'monaco-editor/editor';
import 'monaco-editor/features/find/register';
import 'monaco-editor/features/suggest/register';
import 'monaco-editor/features/clipboard/register';
import 'monaco-editor/features/folding/register';
import 'monaco-editor/features/bracketMatching/register';
import 'monaco-editor/features/comment/register';
import 'monaco-editor/features/wordHighlighter/register';
import 'monaco-editor/features/linesOperations/register';
import 'monaco-editor/features/multicursor/register';
import 'monaco-editor/features/indentation/register';
import 'monaco-editor/languages/definitions/python/register';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';

declare global {
  interface Window {
    MonacoEnvironment?: { getWorker(workerId: string, label: string): Worker };
  }
}
window.MonacoEnvironment = { getWorker: () => new EditorWorker() };

const LARGE_INSERTION_CHARS = 200;

export interface EditorApi {
  getValue(): string;
  setValue(code: string): void;
  focus(): void;
}

export function CodeEditor(props: {
  initial: string;
  onChange(code: string): void;
  onPaste(chars: number, lines: number): void;
  onLargeInsertion(chars: number, lines: number): void;
  onRun(): void;
  apiRef: { current: EditorApi | null };
}) {
  const host = useRef<HTMLDivElement>(null);
  const cb = useRef(props);
  cb.current = props;

  useEffect(() => {
    const editor = monaco.editor.create(host.current!, {
      value: props.initial,
      language: 'python',
      theme: 'vs',
      automaticLayout: true,
      minimap: { enabled: false },
      fontSize: 14,
      lineHeight: 21,
      fontFamily: 'ui-monospace, "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", monospace',
      tabSize: 4,
      insertSpaces: true,
      scrollBeyondLastLine: false,
      renderLineHighlight: 'line',
      padding: { top: 12, bottom: 12 },
      quickSuggestions: false,
      wordBasedSuggestions: 'off',
    });
    let pastedAt = 0;
    const subs = [
      editor.onDidPaste((e) => {
        pastedAt = performance.now();
        const text = editor.getModel()?.getValueInRange(e.range) ?? '';
        cb.current.onPaste(text.length, text ? text.split('\n').length : 0);
      }),
      editor.onDidChangeModelContent((e) => {
        cb.current.onChange(editor.getValue());
        if (e.isFlush) return;
        const inserted = e.changes.reduce((n, c) => n + c.text.length, 0);
        if (inserted < LARGE_INSERTION_CHARS) return;
        const text = e.changes.map((c) => c.text).join('');
        // A paste reports itself right after its change; only an insertion that was not a paste counts here.
        setTimeout(() => {
          if (performance.now() - pastedAt > 100) cb.current.onLargeInsertion(inserted, text.split('\n').length);
        }, 0);
      }),
    ];
    editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter, () => cb.current.onRun());
    cb.current.apiRef.current = {
      getValue: () => editor.getValue(),
      setValue: (code) => {
        if (editor.getValue() !== code) editor.setValue(code);
      },
      focus: () => editor.focus(),
    };
    return () => {
      for (const s of subs) s.dispose();
      cb.current.apiRef.current = null;
      editor.dispose();
    };
    // The editor is created once; later `initial` values go through apiRef.setValue.
  }, []);

  return <div className="editor-host" ref={host} data-testid="ide-editor" />;
}
