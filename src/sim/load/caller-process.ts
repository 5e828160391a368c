/**
 * A load-generator process: synthetic Twilio callers (src/sim/caller) driven by orders from the harness over Node
 * IPC. Each call is the real phone edge (signed status callbacks and voice webhook, TwiML, a signed media socket,
 * 20 ms frames both ways in real time) following its script: answers after the agent stops, backchannels and
 * barge-ins over the agent's replies. At the end of each call it measures, from what this caller sent and
 * received: caller stopped → first agent audio per turn, speech onset → `clear` per barge-in, and the lateness of
 * every agent audio frame against a drift-free real-time schedule (jitter as the caller receives it). It reports
 * its own event-loop lag and CPU too, so the harness can tell when the generator, not the service, is the limit.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { SimulatedCall } from '../caller/index.js';
import { frameJitter } from './measure.js';
import { loopLagMs } from './loop-lag.js';
import { BACKCHANNEL_AFTER_MS, BARGE_IN_AFTER_MS, CLIP_MS, voiceClip, type LineKind } from './scenario.js';
import { JITTER_WINDOW_MS, type BargeInSample, type CallOrder, type CallResult, type CallerInit, type FromCaller, type ToCaller, type TurnSample } from './protocol.js';

const send = (msg: FromCaller) => process.send?.(msg);
const clips = new Map<LineKind, Uint8Array>((Object.keys(CLIP_MS) as LineKind[]).map((k, i) => [k, voiceClip(CLIP_MS[k], i + 1)]));
const live = new Map<number, SimulatedCall>();
/** Calls the harness hung up (a phase change or the end): however far they got, that is not a failure. */
const hungUp = new Set<number>();
let init: CallerInit | undefined;
let stopping = false;

process.on('message', (msg: ToCaller) => {
  if (msg.type === 'init') {
    init = msg;
    send({ type: 'ready' });
  } else if (msg.type === 'call') {
    runCall(msg).then(
      (result) => send({ type: 'result', result }),
      (err: unknown) => process.stderr.write(`load caller ${msg.index}: ${String(err)}\n`),
    );
  } else if (msg.type === 'hangup_all') {
    for (const [index, call] of live) {
      hungUp.add(index);
      call.hangup().catch(() => undefined);
    }
  } else if (msg.type === 'exit') {
    stopping = true;
    for (const [index, call] of live) {
      hungUp.add(index);
      call.hangup().catch(() => undefined);
    }
    const wait = setInterval(() => {
      if (live.size === 0) {
        clearInterval(wait);
        clearInterval(statsTimer);
        lag.disable();
        process.disconnect?.();
      }
    }, 50);
  }
});
process.on('disconnect', () => {
  stopping = true;
  for (const call of live.values()) call.drop();
});

// Own health, every 2 s.
const lag = monitorEventLoopDelay({ resolution: 10 });
lag.enable();
let cpuMark = process.cpuUsage();
let wallMark = performance.now();
const statsTimer = setInterval(() => {
  const cpu = process.cpuUsage(cpuMark);
  const wall = performance.now() - wallMark;
  cpuMark = process.cpuUsage();
  wallMark = performance.now();
  const own = loopLagMs(lag);
  send({
    type: 'stats',
    active: live.size,
    lagP99Ms: own.p99Ms,
    lagMaxMs: own.maxMs,
    cpuPercent: ((cpu.user + cpu.system) / 1000 / wall) * 100,
    rssMb: process.memoryUsage.rss() / 1e6,
  });
  lag.reset();
}, 2000);

async function createInterview(index: number): Promise<string> {
  const res = await fetch(`${init!.serverUrl}/api/interviews`, {
    method: 'POST',
    headers: { authorization: `Bearer ${init!.apiToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      candidate: { name: `Load Caller ${index}`, phone: `+1415555${String(index % 10_000).padStart(4, '0')}` },
      role: { title: 'Backend Engineer', level: 'mid' },
    }),
    signal: AbortSignal.timeout(15_000),
  });
  if (!res.ok) throw new Error(`POST /api/interviews: ${res.status} ${(await res.text()).slice(0, 200)}`);
  return ((await res.json()) as { id: string }).id;
}

interface PendingTurn {
  tag: string;
  kind: TurnSample['kind'];
  stopAtMs: number;
}

async function runCall(order: CallOrder): Promise<CallResult> {
  const startedAtEpochMs = Date.now();
  const result: CallResult = {
    index: order.index,
    callSid: order.callSid,
    outcome: 'completed',
    turns: [],
    bargeIns: [],
    backchannels: 0,
    backchannelClears: 0,
    jitter: [],
    framesReceived: 0,
    protocolErrors: 0,
    startedAtEpochMs,
    endedAtEpochMs: startedAtEpochMs,
  };
  let call: SimulatedCall | undefined;
  const pending: PendingTurn[] = [];
  const onsets: { tag: string; atMs: number }[] = [];
  const backchannelOnsets: number[] = [];
  try {
    const interviewId = await createInterview(order.index);
    call = new SimulatedCall({ serverUrl: init!.serverUrl, authToken: init!.authToken, interviewId, callSid: order.callSid });
    live.set(order.index, call);
    send({ type: 'started', index: order.index });
    const c = call;
    const dial = await c.start();
    if (dial.outcome !== 'stream') throw new Error(`no media stream: ${dial.outcome} ${dial.error ?? ''}`);
    if (!(await c.waitForAgentSpeech({ timeoutMs: 20_000 }))) throw new Error('no greeting within 20 s');
    const deadline = performance.now() + order.maxDurationMs;
    const say = (kind: LineKind, tag: string) => c.say({ mulaw: clips.get(kind)!, label: tag });
    for (let n = 0; n < order.kinds.length && !c.isEnded && !stopping; n++) {
      const kind = order.kinds[n]!;
      const tag = order.tags[n]!;
      if (kind === 'consent' || kind === 'answer') {
        if (!(await c.waitForAgentSilence(600, { timeoutMs: 30_000 }))) {
          if (c.isEnded) break;
          throw new Error('the agent did not stop talking for 30 s');
        }
        if (performance.now() > deadline) break;
        const said = await say(kind, tag);
        if (!said.completed || said.endedAtMs === undefined) break;
        pending.push({ tag, kind, stopAtMs: said.endedAtMs });
        if (!(await c.waitForAgentSpeech({ sinceMs: said.endedAtMs, timeoutMs: 15_000 }))) {
          if (c.isEnded) break;
          throw new Error(`no reply within 15 s to ${tag}`);
        }
        send({ type: 'turn', index: order.index });
      } else {
        // Over the reply that just started: wait until the agent has talked for a while, then speak.
        const since = c.nowMs();
        const afterMs = kind === 'backchannel' ? BACKCHANNEL_AFTER_MS : BARGE_IN_AFTER_MS;
        const overAgent = await c.waitUntil(() => c.agentSpeakingForMs(since - 1000) >= afterMs || c.agentQuietForMs() > 400, { timeoutMs: 10_000 });
        const talkingOver = overAgent && c.agentIsSpeaking();
        const said = await say(kind, tag);
        if (!said.completed || said.startedAtMs === undefined || said.endedAtMs === undefined) break;
        if (kind === 'backchannel') {
          if (talkingOver) {
            result.backchannels++;
            backchannelOnsets.push(said.startedAtMs);
          }
        } else {
          if (talkingOver) onsets.push({ tag, atMs: said.startedAtMs });
          pending.push({ tag, kind: 'barge_in', stopAtMs: said.endedAtMs });
          if (!(await c.waitForAgentSpeech({ sinceMs: said.endedAtMs, timeoutMs: 15_000 }))) {
            if (c.isEnded) break;
            throw new Error(`no reply within 15 s to barge-in ${tag}`);
          }
        }
      }
    }
    if (!c.isEnded) await c.hangup();
    else if (c.end?.reason === 'server_closed') result.outcome = (c.end.closeCode ?? 1000) === 1000 ? 'server_ended' : 'dropped';
    else if (c.end?.reason !== 'caller_hangup') result.outcome = 'dropped';
  } catch (err) {
    result.outcome = call && !call.isEnded ? 'failed' : call?.end?.reason === 'server_closed' ? 'dropped' : 'failed';
    result.error = err instanceof Error ? err.message : String(err);
    if (hungUp.has(order.index) && call?.end?.reason === 'caller_hangup') {
      result.outcome = 'completed';
      result.error = undefined;
    }
    if (call && !call.isEnded) await call.hangup().catch(() => undefined);
  } finally {
    live.delete(order.index);
    hungUp.delete(order.index);
  }
  result.endedAtEpochMs = Date.now();
  if (!call) return result;
  const t0 = performance.now() - call.nowMs();
  const epoch = (ms: number) => performance.timeOrigin + t0 + ms;
  const media = call.mediaReceived;
  // Caller stopped → the first agent audio that arrived after it.
  let m = 0;
  for (const t of pending) {
    while (m < media.length && media[m]!.atMs <= t.stopAtMs) m++;
    if (m >= media.length) break;
    result.turns.push({ tag: t.tag, kind: t.kind, stoppedAtEpochMs: epoch(t.stopAtMs), e2eMs: media[m]!.atMs - t.stopAtMs });
  }
  for (const o of onsets) {
    const clear = call.clears.find((cl) => cl.atMs >= o.atMs && cl.atMs <= o.atMs + 2000);
    const sample: BargeInSample = { tag: o.tag, atEpochMs: epoch(o.atMs) };
    if (clear) sample.onsetToClearMs = clear.atMs - o.atMs;
    result.bargeIns.push(sample);
  }
  result.backchannelClears = backchannelOnsets.filter((at) => call.clears.some((cl) => cl.atMs >= at && cl.atMs <= at + 1500)).length;
  const jitter = frameJitter(media, call.clears.map((cl) => cl.atMs), (atMs) => Math.floor(epoch(atMs) / JITTER_WINDOW_MS));
  result.jitter = [...jitter].map(([window, h]) => ({ window, hist: h.toSparse() }));
  result.framesReceived = media.length;
  result.protocolErrors = call.protocolErrors.length;
  return result;
}
