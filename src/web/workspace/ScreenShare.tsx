// Screen share: getDisplayMedia on the candidate's click, a downscaled JPEG every few seconds and when the server
// asks, one click to stop. The page says plainly while sharing is on.
import { useCallback, useEffect, useRef, useState } from 'react';
import { MAX_FRAME_BYTES, SCREEN_FRAME_INTERVAL_MS, SCREEN_FRAME_MAX_SIDE, type MediaServerMessage } from '../../workspace/board/media-protocol';
import type { ClientMessage } from '../../workspace/protocol';
import { blobToBase64 } from './board-utils';

export function ScreenShare(props: { live: boolean; send(m: ClientMessage): boolean; subscribe(fn: (m: MediaServerMessage) => void): () => void; onNotice(n: string): void }) {
  const [sharing, setSharing] = useState(false);
  const [frames, setFrames] = useState(0);
  const stream = useRef<MediaStream | null>(null);
  const video = useRef<HTMLVideoElement | null>(null);
  const interval = useRef<ReturnType<typeof setInterval> | undefined>(undefined);
  const { send, onNotice, subscribe } = props;

  const stop = useCallback(
    (reason: 'button' | 'browser' | 'server' | 'page_closed') => {
      clearInterval(interval.current);
      stream.current?.getTracks().forEach((t) => t.stop());
      stream.current = null;
      setSharing(false);
      if (reason !== 'server') send({ type: 'screen.stopped', reason });
    },
    [send],
  );

  const capture = useCallback(
    async (reason: 'interval' | 'request') => {
      const v = video.current;
      if (!v || !stream.current || !v.videoWidth) return;
      const scale = Math.min(1, SCREEN_FRAME_MAX_SIDE / Math.max(v.videoWidth, v.videoHeight));
      const canvas = document.createElement('canvas');
      canvas.width = Math.round(v.videoWidth * scale);
      canvas.height = Math.round(v.videoHeight * scale);
      canvas.getContext('2d')!.drawImage(v, 0, 0, canvas.width, canvas.height);
      let blob: Blob | null = null;
      for (const q of [0.6, 0.4, 0.25]) {
        blob = await new Promise<Blob | null>((res) => canvas.toBlob(res, 'image/jpeg', q));
        if (blob && blob.size <= MAX_FRAME_BYTES) break;
      }
      if (!blob || blob.size > MAX_FRAME_BYTES) return;
      if (send({ type: 'screen.frame', jpeg: await blobToBase64(blob), width: canvas.width, height: canvas.height, reason })) setFrames((n) => n + 1);
    },
    [send],
  );

  const start = async () => {
    try {
      const s = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: 5 }, audio: false });
      stream.current = s;
      const track = s.getVideoTracks()[0]!;
      track.onended = () => stop('browser');
      const v = video.current!;
      v.srcObject = s;
      await v.play();
      const settings = track.getSettings() as MediaTrackSettings & { displaySurface?: string };
      send({ type: 'screen.started', width: v.videoWidth || settings.width || 0, height: v.videoHeight || settings.height || 0, surface: settings.displaySurface ?? 'unknown' });
      setSharing(true);
      setFrames(0);
      await capture('interval');
      interval.current = setInterval(() => capture('interval').catch(() => undefined), SCREEN_FRAME_INTERVAL_MS);
    } catch {
      onNotice('Screen sharing did not start. You can carry on without it.');
    }
  };

  useEffect(
    () =>
      subscribe((m) => {
        if (m.type === 'screen.request') capture('request').catch(() => undefined);
        else if (m.type === 'screen.stop') {
          stop('server');
          onNotice(m.message);
        } else if (m.type === 'screen.refused' && m.reason !== 'too_frequent') onNotice(m.message);
      }),
    [subscribe, capture, stop, onNotice],
  );
  // Only on unmount (stop is stable: send is a stable callback).
  const stopRef = useRef(stop);
  stopRef.current = stop;
  useEffect(() => () => {
    if (stream.current) stopRef.current('page_closed');
  }, []);

  return (
    <div className={`share ${sharing ? 'share-on' : ''}`}>
      <video ref={video} muted playsInline className="share-video" />
      <span className="share-status" data-testid="share-status" data-state={sharing ? 'on' : 'off'} data-frames={frames}>
        {sharing ? '● Sharing your screen' : 'Not sharing'}
      </span>
      {sharing ? (
        <button className="btn btn-danger" data-testid="share-stop" onClick={() => stop('button')}>
          Stop sharing
        </button>
      ) : (
        <button className="btn" data-testid="share-start" disabled={!props.live} onClick={() => {
            start().catch(() => undefined);
          }}>
          Share screen
        </button>
      )}
    </div>
  );
}
