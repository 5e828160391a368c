/**
 * `screenline sim`: place one simulated phone call against a running screenline server, as Twilio would, with a
 * scripted candidate speaking through eSpeak NG. Prints the call's timeline as it happens and a summary at the end.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Config } from '../config.js';
import { closeSharedEspeak } from '../providers/local/espeak-tts.js';
import type { CandidateLine, CandidateScript } from '../sim/candidate-script.js';
import { runScript, SimulatedCall, type TimelineEntry } from '../sim/caller/index.js';
import { readOutbox } from '../workspace/sms.js';

const USAGE = `usage: screenline sim [options]

  --url URL            server base URL Twilio would call (default: PUBLIC_URL)
  --interview ID       interview to call for (or --create)
  --create             create an interview first (POST /api/interviews)
  --api-token T        recruiter API token for --create (default: API_TOKEN or $DATA_DIR/api-token)
  --role TITLE         role title for --create (default: Software Engineer)
  --say TEXT           a candidate answer (repeatable; spoken in order)
  --wav FILE           a candidate answer from a WAV file (repeatable; after the --say lines)
  --script FILE        candidate script JSON: {"lines":[{"text","pauseBeforeMs","interruptAfterMs","kind"}]}
  --speed N            run N times faster than real time (default 1)
  --heard FILE         write what the candidate heard (agent audio) as a WAV
  --recording FILE     write a stereo WAV of the call (left candidate, right agent)
  --auth-token T       Twilio auth token (default: TWILIO_AUTH_TOKEN or $DATA_DIR/twilio-auth-token)
  --answered-by V      AnsweredBy to report (human, machine_start, …; default human)
  --timeout SEC        give up (hang up) after this many seconds of wall time (default 600)
  --verbose            also print every mark echo`;

const DEFAULT_SCRIPT: CandidateScript = {
  id: 'default',
  lines: [
    // One sentence per line, no commas: the speech-to-text simulator gives each speech segment the next line.
    { text: 'Yes I agree to continue.', pauseBeforeMs: 300 },
    { text: 'I have six years of experience building backend services in TypeScript and Go.', pauseBeforeMs: 500 },
    { text: 'Sorry could you repeat that?', kind: 'barge_in', interruptAfterMs: 1500 },
    { text: 'Most recently I led a migration of our billing system to an event driven design.', pauseBeforeMs: 600 },
    { text: 'No more questions from me.', pauseBeforeMs: 400 },
  ],
};

async function readSecret(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).trim() || undefined;
  } catch {
    return undefined;
  }
}

function parseScript(json: unknown, source: string): CandidateScript {
  const raw = Array.isArray(json) ? { lines: json } : (json as { id?: unknown; lines?: unknown });
  if (!raw || !Array.isArray(raw.lines)) throw new Error(`${source}: expected {"lines": [...]} or an array of lines`);
  const lines = raw.lines.map((l: unknown, i): CandidateLine => {
    if (typeof l === 'string') return { text: l };
    const line = l as CandidateLine;
    if (!line || typeof line.text !== 'string') throw new Error(`${source}: line ${i + 1} has no "text"`);
    return line;
  });
  return { id: typeof raw.id === 'string' ? raw.id : source, lines };
}

async function createInterview(url: string, apiToken: string, roleTitle: string, phone: string): Promise<string> {
  const res = await fetch(`${url}/api/interviews`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ candidate: { name: 'Simulated Candidate', phone }, role: { title: roleTitle } }),
  });
  const body = (await res.json().catch(() => ({}))) as { id?: string; message?: string };
  if (res.status !== 201 || !body.id) throw new Error(`creating the interview failed: HTTP ${res.status} ${body.message ?? ''}`);
  return body.id;
}

function printEntry(e: TimelineEntry, verbose: boolean): void {
  if (!verbose && e.what.startsWith('mark echoed')) return;
  process.stdout.write(`${(e.atMs / 1000).toFixed(2).padStart(8)}s  ${e.who.padEnd(6)}  ${e.what}\n`);
}

export async function sim(config: Config, args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        url: { type: 'string' },
        interview: { type: 'string' },
        create: { type: 'boolean' },
        'api-token': { type: 'string' },
        role: { type: 'string' },
        say: { type: 'string', multiple: true },
        wav: { type: 'string', multiple: true },
        script: { type: 'string' },
        speed: { type: 'string' },
        heard: { type: 'string' },
        recording: { type: 'string' },
        'auth-token': { type: 'string' },
        'answered-by': { type: 'string' },
        timeout: { type: 'string' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const url = (values.url ?? config.publicUrl).replace(/\/+$/, '');
  const speed = Number(values.speed ?? '1');
  const timeoutSec = Number(values.timeout ?? '600');
  if (!(speed > 0 && speed <= 100) || !(timeoutSec > 0)) {
    process.stderr.write('--speed must be in (0, 100] and --timeout positive\n');
    return 2;
  }
  const authToken =
    values['auth-token'] ?? config.twilio.authToken ?? (await readSecret(join(config.dataDir, 'twilio-auth-token')));
  if (!authToken) {
    process.stderr.write(`no Twilio auth token: pass --auth-token, set TWILIO_AUTH_TOKEN, or start the server once so it writes ${join(config.dataDir, 'twilio-auth-token')}\n`);
    return 2;
  }

  const lines: CandidateLine[] = [...(values.say ?? []).map((text) => ({ text, pauseBeforeMs: 400 }))];
  const wavs = new Map<CandidateLine, string>();
  for (const path of values.wav ?? []) {
    const line: CandidateLine = { text: `[${path}]`, pauseBeforeMs: 400 };
    wavs.set(line, path);
    lines.push(line);
  }
  let script: CandidateScript;
  try {
    if (values.script) script = parseScript(JSON.parse(await readFile(values.script, 'utf8')), values.script);
    else script = lines.length > 0 ? { id: 'cli', lines } : DEFAULT_SCRIPT;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }

  const phone = '+15555550100';
  let interviewId = values.interview;
  if (!interviewId && values.create) {
    const apiToken = values['api-token'] ?? config.apiToken ?? (await readSecret(join(config.dataDir, 'api-token')));
    if (!apiToken) {
      process.stderr.write('no API token for --create: pass --api-token or set API_TOKEN\n');
      return 2;
    }
    interviewId = await createInterview(url, apiToken, values.role ?? 'Software Engineer', phone);
    process.stdout.write(`created interview ${interviewId}\n`);
  }
  if (!interviewId) {
    process.stderr.write(`--interview ID or --create is required\n\n${USAGE}\n`);
    return 2;
  }

  const verbose = values.verbose ?? false;
  const call = new SimulatedCall({
    serverUrl: url,
    authToken,
    interviewId,
    to: phone,
    from: config.twilio.fromNumber,
    speed,
    answeredBy: values['answered-by'],
    heardWavPath: values.heard,
    recordingWavPath: values.recording,
    onTimeline: (e) => printEntry(e, verbose),
  });
  process.stdout.write(`calling ${url} for interview ${interviewId} as ${call.callSid} (speed ${speed}x, ${script.lines.length} candidate lines)\n`);
  await shareScript(url, values['api-token'] ?? config.apiToken ?? (await readSecret(join(config.dataDir, 'api-token'))), call.callSid, script);
  const interrupted = new AbortController();
  // Texts the candidate's phone would have received (a local server writes them to DATA_DIR/outbox/sms/).
  const texts = watchTexts(config.dataDir, phone, new Date());
  const onSigint = () => interrupted.abort(new Error('interrupted'));
  process.once('SIGINT', onSigint);
  try {
    const dial = await call.dial();
    if (dial.outcome !== 'stream') {
      await call.ended;
      process.stdout.write(`\nthe call did not connect a media stream (${dial.outcome}${dial.error ? `: ${dial.error}` : ''})\n`);
      return dial.outcome === 'hangup' ? 0 : 1;
    }
    await call.connect();
    const result = await runScript(call, script, {
      timeoutMs: timeoutSec * 1000,
      signal: interrupted.signal,
      audioFor: (line) => (wavs.has(line) ? { wavPath: wavs.get(line)!, label: line.text } : undefined),
    });
    const end = result.end;
    const agentTurns = call.agentIntervals.length;
    process.stdout.write(
      [
        '',
        `call ended: ${end.reason}${end.closeCode !== undefined ? ` (close ${end.closeCode}${end.closeReason ? ` ${end.closeReason}` : ''})` : ''}`,
        `  duration          ${end.callDurationSec} s of call time (${(end.atMs / 1000).toFixed(1)} s wall)`,
        `  candidate lines   ${result.linesSpoken}/${script.lines.length} spoken${result.turnTimeouts.length ? `, agent silent before lines ${result.turnTimeouts.map((i) => i + 1).join(', ')}` : ''}${result.missedInterruptions.length ? `, lines ${result.missedInterruptions.map((i) => i + 1).join(', ')} answered instead of interrupting (agent stopped first)` : ''}`,
        `  agent audio heard ${(call.agentAudioHeardMs / 1000).toFixed(1)} s in ${agentTurns} stretches${end.unplayedAgentAudioMs ? `, ${(end.unplayedAgentAudioMs / 1000).toFixed(1)} s never played` : ''}`,
        `  marks             ${call.marksReceived.length} received, ${call.marksEchoed.length} echoed (${call.marksEchoed.filter((m) => m.viaClear).length} by clear)`,
        `  clears            ${call.clears.length}`,
        ...(call.protocolErrors.length ? [`  protocol errors   ${call.protocolErrors.length}: ${call.protocolErrors.slice(0, 3).join('; ')}`] : []),
        ...(end.heardWavPath ? [`  heard audio       ${end.heardWavPath}`] : []),
        ...(end.recordingWavPath ? [`  recording         ${end.recordingWavPath}`] : []),
        ...end.errors.map((e) => `  error             ${e}`),
        '',
      ].join('\n'),
    );
    return result.outcome === 'timeout' || call.protocolErrors.length > 0 ? 1 : 0;
  } catch (err) {
    process.stderr.write(`sim: ${(err as Error).message}\n`);
    if (!call.isEnded) await call.hangup();
    return 1;
  } finally {
    process.removeListener('SIGINT', onSigint);
    await texts.stop();
    await closeSharedEspeak();
  }
}

/**
 * A server in another process runs its own Deepgram simulator: hand it the script so it can "hear" the lines.
 * A server with real speech-to-text has no such route (404) and transcribes the audio for real.
 */
async function shareScript(url: string, apiToken: string | undefined, callSid: string, script: CandidateScript): Promise<void> {
  if (!apiToken) {
    process.stdout.write('  (no API token: the server\'s speech-to-text simulator will not know the script)\n');
    return;
  }
  const res = await fetch(`${url}/api/simulator/scripts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ callSid, lines: script.lines }),
  }).catch(() => undefined);
  if (res?.status === 201) process.stdout.write('  script shared with the server\'s speech-to-text simulator\n');
  else if (res?.status === 404) process.stdout.write('  the server uses real speech-to-text: the candidate audio is transcribed for real\n');
  else process.stdout.write(`  could not share the script (${res ? `HTTP ${res.status}` : 'no answer'})\n`);
}

/** Prints each text sent to `phone` into the local SMS outbox while the call runs (and any left at the end). */
function watchTexts(dataDir: string, phone: string, since: Date): { stop(): Promise<void> } {
  const seen = new Set<string>();
  const check = async () => {
    for (const m of await readOutbox(dataDir, { to: phone, since })) {
      if (seen.has(m.file)) continue;
      seen.add(m.file);
      process.stdout.write(`          sms     text to ${phone}: ${m.body}\n`);
    }
  };
  const timer = setInterval(() => {
    check().catch(() => undefined);
  }, 1000);
  return {
    async stop() {
      clearInterval(timer);
      await check().catch(() => undefined);
    },
  };
}
