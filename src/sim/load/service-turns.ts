/**
 * The service's own account of each turn (its `turn.metrics` events, on its clock), read from the run's database
 * after the service stopped. The caller-side overhead adds everything between the caller and the service (the caller
 * process's own timer lateness, the simulators' event loop, loopback hops); these figures split a turn into the legs
 * the service can see, so a report says where the time goes.
 */
import pg from 'pg';
import { lastTag } from './scenario.js';

export interface ServiceTurn {
  atEpochMs: number;
  /** The scenario tag of the answer this turn replied to (undefined: lost, e.g. merged with a backchannel). */
  tag: string | undefined;
  /** Service clock, ms from the caller's last voiced frame (the service's VAD): STT final, turn decided, first frame sent. */
  sttFinalMs: number;
  endOfTurnMs: number;
  firstFrameMs: number | undefined;
  ttsFirstByteMs: number | undefined;
  /** Turn decided → the model's first token. */
  llmFirstTokenMs: number | undefined;
}

interface Row {
  interview_id: string;
  seq: number;
  at: Date;
  type: string;
  payload: Record<string, unknown>;
}

export async function readServiceTurns(databaseUrl: string): Promise<ServiceTurn[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<Row>(
      `select interview_id, seq, at, type, payload from events where type in ('transcript.turn', 'turn.metrics') order by interview_id, seq`,
    );
    const tags = new Map<string, string | undefined>();
    for (const r of rows) {
      if (r.type === 'transcript.turn' && typeof r.payload.replyId === 'string') tags.set(`${r.interview_id}/${r.payload.replyId}`, lastTag(String(r.payload.text ?? '')));
    }
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
    const turns: ServiceTurn[] = [];
    for (const r of rows) {
      if (r.type !== 'turn.metrics') continue;
      const sttFinalMs = num(r.payload.sttFinalMs);
      const endOfTurnMs = num(r.payload.endOfTurnMs);
      if (sttFinalMs === undefined || endOfTurnMs === undefined) continue;
      turns.push({
        atEpochMs: r.at.getTime(),
        tag: tags.get(`${r.interview_id}/${String(r.payload.replyId)}`),
        sttFinalMs,
        endOfTurnMs,
        firstFrameMs: num(r.payload.firstFrameMs),
        ttsFirstByteMs: num(r.payload.ttsFirstByteMs),
        llmFirstTokenMs: num(r.payload.llmFirstTokenMs),
      });
    }
    return turns;
  } finally {
    await client.end();
  }
}
