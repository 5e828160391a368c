// The practice line (/practice/<token>): take the interview from the browser, no phone. The page is a Twilio Media
// Streams caller: it asks the server to start a practice call (a CallSid and a single-use stream token, as Twilio's
// webhook would get), opens the media WebSocket, sends the microphone as 20 ms mu-law frames and plays the agent's
// frames back. Without speech-to-text it offers typed answers (also the accommodation path). Stable hooks:
// practice-start, practice-stop, practice-transcript, practice-text-input (docs/workspace.md#practice).
import './styles.css';
import { createContext, openMicrophone, silentFrames, Player, type Microphone } from './audio';
import { Wire, parseServerMessage } from './wire';

interface Info {
  candidate: string;
  role: string;
  transcription: 'deepgram' | 'simulator';
}
interface CallStarted {
  callSid: string;
  streamSid: string;
  accountSid: string;
  streamToken: string;
  mediaPath: string;
  workspaceUrl: string;
  mode: 'voice' | 'typed';
}
interface Line {
  seq: number;
  who: 'agent' | 'candidate';
  text: string;
  interrupted: boolean;
  typed?: boolean;
}
type State = 'loading' | 'ready' | 'connecting' | 'live' | 'ended' | 'error';

const token = location.pathname.split('/').filter(Boolean)[1] ?? '';
const base = `/practice/${encodeURIComponent(token)}`;
const root = document.getElementById('practice-root')!;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

const statusText = el('span', { class: 'status-text' }, 'Loading…');
const status = el('div', { class: 'status', 'data-testid': 'practice-status', 'data-state': 'loading' }, el('span', { class: 'status-dot' }), statusText);
const title = el('h1', {}, 'Practice interview');
const subtitle = el('p', { class: 'muted' }, '');
const notice = el('div', { class: 'notice', 'data-testid': 'practice-offline-notice', hidden: '' });
const modeVoice = el('input', { type: 'radio', name: 'mode', value: 'voice', id: 'mode-voice', 'data-testid': 'practice-mode-voice' });
const modeTyped = el('input', { type: 'radio', name: 'mode', value: 'typed', id: 'mode-typed', 'data-testid': 'practice-mode-typed' });
const modes = el(
  'fieldset',
  { class: 'modes' },
  el('legend', {}, 'How will you answer?'),
  el('label', { for: 'mode-voice' }, modeVoice, ' Speak (microphone)'),
  el('label', { for: 'mode-typed' }, modeTyped, ' Type my answers'),
);
const startButton = el('button', { class: 'primary', 'data-testid': 'practice-start', disabled: '' }, 'Start the practice interview');
const muteButton = el('button', { 'data-testid': 'practice-mute', 'aria-pressed': 'false', hidden: '' }, 'Mute');
const stopButton = el('button', { class: 'danger', 'data-testid': 'practice-stop', hidden: '' }, 'End the interview');
const workspaceLink = el('a', { class: 'button', 'data-testid': 'practice-workspace', target: 'screenline-workspace', rel: 'noopener', hidden: '' }, 'Open your workspace beside this page');
const playback = el('div', { class: 'playback', 'data-testid': 'practice-playback', 'data-playing': 'false', 'data-clears': '0' }, '');
const transcript = el('ol', { class: 'transcript', 'data-testid': 'practice-transcript', 'aria-live': 'polite' });
const textInput = el('textarea', { 'data-testid': 'practice-text-input', rows: '3', placeholder: 'Type your answer and press Enter (Shift+Enter for a new line)', disabled: '' });
const sendButton = el('button', { 'data-testid': 'practice-text-send', disabled: '' }, 'Send answer');
const textForm = el('form', { class: 'typed', hidden: '' }, textInput, sendButton);
const errorBox = el('p', { class: 'error', 'data-testid': 'practice-error', hidden: '' });

root.append(
  el('header', { class: 'topbar' }, el('div', { class: 'brand' }, el('span', { class: 'dot' }), 'screenline', el('span', { class: 'sep' }), el('span', { class: 'subtitle' }, 'Practice line')), status),
  el(
    'main',
    { class: 'practice' },
    el('section', { class: 'card' }, title, subtitle, notice, modes, el('div', { class: 'actions' }, startButton, muteButton, stopButton, workspaceLink), playback, errorBox),
    el('section', { class: 'card conversation' }, el('h2', {}, 'Conversation'), transcript, textForm),
  ),
);

let state: State = 'loading';
const setState = (next: State, text: string) => {
  state = next;
  status.dataset.state = next;
  status.className = `status status-${next}`;
  statusText.textContent = text;
};
const fail = (message: string) => {
  errorBox.textContent = message;
  errorBox.hidden = false;
  setState('error', 'Stopped');
};

let info: Info | undefined;
let socket: WebSocket | undefined;
let mic: Microphone | undefined;
let player: Player | undefined;
let ctx: AudioContext | undefined;
let wire: Wire | undefined;
/** Muted: the line stays open with silent frames, as a phone on mute. */
let muted = false;
const SILENCE = new Uint8Array(160).fill(0xff);
let framesSent = 0;
let lastSeq = 0;
const rendered = new Set<number>();
let polling: ReturnType<typeof setTimeout> | undefined;

async function load(): Promise<void> {
  const res = await fetch(`${base}/info`, { cache: 'no-store' });
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { error?: string };
    return fail(body.error ?? 'This practice link does not work.');
  }
  info = (await res.json()) as Info;
  title.textContent = info.role ? `Practice interview: ${info.role}` : 'Practice interview';
  subtitle.textContent = `${info.candidate ? `Hello ${info.candidate}. ` : ''}The interviewer speaks through your speakers or headphones (headphones keep its voice out of your microphone).`;
  if (info.transcription === 'simulator') {
    // Say it plainly: on this server nothing can understand speech.
    notice.textContent =
      'Speech cannot be transcribed here: this server runs offline, without a speech-to-text service, so what you say into the microphone cannot be understood. Type your answers instead; the interviewer still speaks, and your typed answers take the place of speech.';
    notice.hidden = false;
    modeTyped.checked = true;
  } else {
    modeVoice.checked = true;
  }
  startButton.disabled = false;
  // Mute can be set before the start (join muted), in voice mode only.
  const showMute = () => (muteButton.hidden = !modeVoice.checked);
  modeVoice.addEventListener('change', showMute);
  modeTyped.addEventListener('change', showMute);
  showMute();
  setState('ready', 'Ready');
}

function send(raw: string): void {
  if (socket?.readyState === WebSocket.OPEN) socket.send(raw);
}

async function start(): Promise<void> {
  const mode = modeTyped.checked ? 'typed' : 'voice';
  startButton.disabled = true;
  modes.disabled = true;
  setState('connecting', 'Connecting…');
  // Created on the click: browsers start audio only after a user gesture.
  ctx = createContext();
  await ctx.resume();
  const res = await fetch(`${base}/call`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mode }) });
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { error?: string };
    return fail(body.error ?? 'The practice interview could not start.');
  }
  const call = (await res.json()) as CallStarted;
  document.body.dataset.callSid = call.callSid;
  workspaceLink.href = call.workspaceUrl;
  workspaceLink.hidden = false;
  const w = new Wire(call);
  wire = w;
  player = new Player(ctx, (name) => send(w.mark(name)));
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${call.mediaPath}`;
  const ws = new WebSocket(url);
  socket = ws;
  ws.onmessage = (e: MessageEvent<string>) => {
    const msg = typeof e.data === 'string' ? parseServerMessage(e.data) : undefined;
    if (!msg) return;
    if (msg.event === 'media') player?.enqueue(msg.payload);
    else if (msg.event === 'mark') player?.mark(msg.name);
    else player?.clear();
  };
  ws.onclose = (e) => end(e.code === 1000 ? 'The interview has ended.' : `The line closed (${e.code}${e.reason ? `: ${e.reason}` : ''}).`);
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error('the media connection failed'));
  });
  send(w.connected());
  send(w.start(call.streamToken));
  const onFrame = (frame: Uint8Array) => {
    send(w.media(muted ? SILENCE : frame, framesSent * 20));
    framesSent++;
  };
  try {
    mic = mode === 'voice' ? await openMicrophone(ctx, onFrame) : silentFrames(onFrame);
  } catch (err) {
    // No microphone (refused or missing): carry on with typed answers.
    console.warn('practice: microphone unavailable', err);
    notice.textContent = 'Your microphone is not available, so this interview continues with typed answers.';
    notice.hidden = false;
    mic = silentFrames(onFrame);
  }
  startButton.hidden = true;
  stopButton.hidden = false;
  textForm.hidden = false;
  textInput.disabled = false;
  sendButton.disabled = false;
  if (mode === 'typed') textInput.focus();
  setState('live', mode === 'voice' ? 'Live: speak when you are ready' : 'Live: type your answers');
  poll().catch(() => undefined);
}

function end(text: string): void {
  if (state === 'ended') return;
  mic?.stop();
  player?.close();
  textInput.disabled = true;
  sendButton.disabled = true;
  stopButton.hidden = true;
  muteButton.hidden = true;
  setState('ended', text);
  // One last read picks up the closing lines.
  setTimeout(() => poll(true).catch(() => undefined), 300);
}

async function poll(once = false): Promise<void> {
  clearTimeout(polling);
  let delayMs = 100;
  try {
    const res = await fetch(`${base}/transcript?after=${lastSeq}${once ? '' : '&waitMs=20000'}`, { cache: 'no-store' });
    if (res.ok) {
      const body = (await res.json()) as { lines: Line[]; lastSeq: number; ended: { status: string } | null };
      lastSeq = Math.max(lastSeq, body.lastSeq);
      for (const line of body.lines) {
        // The last read after the end can race a long poll still open: show each line once.
        if (rendered.has(line.seq)) continue;
        rendered.add(line.seq);
        const li = el('li', { class: `line ${line.who}`, 'data-who': line.who, 'data-seq': String(line.seq) }, el('span', { class: 'who' }, line.who === 'agent' ? 'Interviewer' : 'You'), el('span', { class: 'text' }, line.text));
        if (line.interrupted) li.dataset.interrupted = 'true';
        if (line.typed) li.dataset.typed = 'true';
        transcript.append(li);
        li.scrollIntoView({ block: 'nearest' });
      }
      if (body.ended) transcript.dataset.ended = body.ended.status;
    } else {
      delayMs = 2000; // refused or rate limited: back off
    }
  } catch {
    delayMs = 2000;
    // The next poll tries again.
  }
  // Long-poll: the next request goes out at once (the server holds it until there is news).
  if (!once && state === 'live') polling = setTimeout(() => poll().catch(() => undefined), delayMs);
}

async function sendAnswer(): Promise<void> {
  const text = textInput.value.trim();
  if (!text || state !== 'live') return;
  textInput.value = '';
  const res = await fetch(`${base}/answer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: text.slice(0, 2000) }) });
  if (!res.ok) errorBox.textContent = 'Your answer could not be sent; please try again.';
  errorBox.hidden = res.ok;
}

startButton.addEventListener('click', () => {
  start().catch((err: unknown) => fail(`The practice interview could not start: ${String((err as Error).message ?? err)}`));
});
stopButton.addEventListener('click', () => {
  // `stop`, as Twilio sends when the caller hangs up.
  if (wire) send(wire.stop());
  socket?.close(1000, 'caller hung up');
  end('You ended the interview.');
});
muteButton.addEventListener('click', () => {
  muted = !muted;
  muteButton.textContent = muted ? 'Unmute' : 'Mute';
  muteButton.setAttribute('aria-pressed', String(muted));
});
textForm.addEventListener('submit', (e) => {
  e.preventDefault();
  sendAnswer().catch(() => (errorBox.hidden = false));
});
textInput.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey) {
    e.preventDefault();
    sendAnswer().catch(() => (errorBox.hidden = false));
  }
});

// Test and support hooks: what the line is doing, readable from the DOM.
setInterval(() => {
  playback.dataset.playing = String(player?.playing ?? false);
  playback.dataset.clears = String(player?.clears ?? 0);
  playback.dataset.clearsWhilePlaying = String(player?.clearsWhilePlaying ?? 0);
  playback.dataset.framesReceived = String(player?.framesReceived ?? 0);
  playback.dataset.framesSent = String(framesSent);
  if (player?.lastClear) playback.dataset.lastClear = JSON.stringify(player.lastClear);
  playback.textContent = state === 'live' ? (player?.playing ? 'The interviewer is speaking…' : 'Listening…') : '';
}, 50);

load().catch(() => fail('This practice page could not load.'));
