// The page's live channel: one WebSocket to /w/<token>/live, reconnecting with capped exponential backoff and
// jitter. The server sends the whole state on every (re)connect (`hello`), so a reload or a dropped network resumes.
import type { ClientMessage, ServerMessage } from '../../workspace/protocol';
import { toFrames } from '../../workspace/board/media-protocol';

export type ChannelStatus = 'connecting' | 'open' | 'reconnecting' | 'taken_over' | 'refused' | 'ended';

export class Channel {
  private ws?: WebSocket;
  private attempt = 0;
  private timer?: ReturnType<typeof setTimeout>;
  private heartbeat?: ReturnType<typeof setInterval>;
  private stopped = false;
  private seq = 0;
  status: ChannelStatus = 'connecting';

  constructor(
    private readonly url: string,
    private readonly onMessage: (m: ServerMessage) => void,
    private readonly onStatus: (s: ChannelStatus, retryInMs?: number) => void,
  ) {
    this.connect();
  }

  private setStatus(s: ChannelStatus, retryInMs?: number) {
    this.status = s;
    this.onStatus(s, retryInMs);
  }

  private connect() {
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.setStatus('open');
      clearInterval(this.heartbeat);
      this.heartbeat = setInterval(() => this.send({ type: 'ping' }), 20_000);
    };
    ws.onmessage = (e) => {
      let m: ServerMessage;
      try {
        m = JSON.parse(String(e.data)) as ServerMessage;
      } catch {
        return;
      }
      if (m.type === 'taken_over') this.stop('taken_over');
      if (m.type === 'ended') this.setStatus('ended');
      this.onMessage(m);
    };
    ws.onclose = (e) => {
      clearInterval(this.heartbeat);
      if (this.stopped) return;
      if (e.code === 4001) return this.stop('taken_over');
      if (e.code === 4404 || e.code === 4403) return this.stop('refused');
      const delay = Math.min(15_000, 500 * 2 ** this.attempt) * (0.75 + Math.random() * 0.5);
      this.attempt++;
      this.setStatus('reconnecting', Math.round(delay));
      this.timer = setTimeout(() => this.connect(), delay);
    };
  }

  send(m: ClientMessage): boolean {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    // A board scene or a picture can exceed one frame (64 KiB): it goes as a train of chunks.
    for (const frame of toFrames(JSON.stringify(m), `${Date.now().toString(36)}${(this.seq++).toString(36)}`)) this.ws.send(frame);
    return true;
  }

  stop(status: ChannelStatus) {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.heartbeat);
    this.ws?.close();
    this.setStatus(status);
  }
}
