import { useEffect, useState } from 'react';
import type { FeedEvent } from './api';

/**
 * The interview's events: the stream replays the stored log, then follows it live. The browser's EventSource
 * reconnects on its own and resumes after the last id it saw; the seq check keeps each event once.
 */
export function useEvents(interviewId: string): { events: FeedEvent[]; ready: boolean; connected: boolean } {
  const [events, setEvents] = useState<FeedEvent[]>([]);
  const [ready, setReady] = useState(false);
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    setEvents([]);
    setReady(false);
    const source = new EventSource(`/api/interviews/${encodeURIComponent(interviewId)}/live`);
    let batch: FeedEvent[] = [];
    let frame = 0;
    const flush = () => {
      frame = 0;
      const add = batch;
      batch = [];
      setEvents((prev) => {
        const last = prev.at(-1)?.seq ?? 0;
        const fresh = add.filter((e) => e.seq > last);
        return fresh.length ? [...prev, ...fresh] : prev;
      });
    };
    source.addEventListener('open', () => setConnected(true));
    source.addEventListener('error', () => setConnected(false));
    source.addEventListener('event', (m) => {
      batch.push(JSON.parse((m as MessageEvent<string>).data) as FeedEvent);
      frame ||= requestAnimationFrame(flush);
    });
    source.addEventListener('ready', () => setReady(true));
    return () => {
      source.close();
      if (frame) cancelAnimationFrame(frame);
    };
  }, [interviewId]);
  return { events, ready, connected };
}
