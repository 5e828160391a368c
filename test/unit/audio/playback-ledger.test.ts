import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { markName } from '../../../src/audio/marks.js';
import { PlaybackLedger } from '../../../src/audio/playback-ledger.js';

function setup() {
  const clock = { t: 0 };
  const ledger = new PlaybackLedger({ now: () => clock.t });
  /** Queue a chunk and send its mark (what the pacer does once the chunk's frames are out). */
  const send = (replyId: string, chunkIndex: number, text: string, durationMs: number) => {
    ledger.noteSent(replyId, chunkIndex, text, durationMs);
    ledger.noteMarkSent(markName(replyId, chunkIndex));
  };
  return { clock, ledger, send };
}

describe('PlaybackLedger', () => {
  it('normal playback: every echoed chunk is heard, in order, and the reply is complete', () => {
    const { clock, ledger, send } = setup();
    send('r1', 0, 'Hello there.', 800);
    send('r1', 1, 'Tell me about your last project.', 1500);
    expect(ledger.pendingMarks).toBe(2);
    expect(ledger.heard('r1')).toMatchObject({ chunksHeard: [], heardMs: 0, complete: false });
    clock.t = 800;
    expect(ledger.noteMarkEchoed('r1:0')).toEqual({ replyId: 'r1', chunkIndex: 0, played: true });
    expect(ledger.heard('r1')).toMatchObject({ chunksHeard: [0], heardMs: 800, complete: false });
    clock.t = 2300;
    ledger.noteMarkEchoed('r1:1');
    expect(ledger.heard('r1')).toEqual({ chunksHeard: [0, 1], heardMs: 2300, complete: true, interrupted: false });
    expect(ledger.heardText('r1')).toBe('Hello there. Tell me about your last project.');
    expect(ledger.pendingMarks).toBe(0);
  });

  it('clear mid-reply: flushed echoes do not count, the cut chunk is estimated, unsent chunks are dropped', () => {
    const { clock, ledger, send } = setup();
    send('r1', 0, 'First sentence.', 1000);
    send('r1', 1, 'Second sentence.', 1000);
    send('r1', 2, 'Third sentence.', 1000);
    ledger.noteSent('r1', 3, 'Fourth, never marked.', 1000); // still in the pacer when the clear happened
    clock.t = 1000;
    ledger.noteMarkEchoed('r1:0');
    clock.t = 1400; // caller barges in 400 ms into chunk 1
    ledger.cleared();
    // Twilio now echoes every pending mark at once.
    clock.t = 1450;
    expect(ledger.noteMarkEchoed('r1:1')).toEqual({ replyId: 'r1', chunkIndex: 1, played: false });
    expect(ledger.noteMarkEchoed('r1:2')?.played).toBe(false);
    expect(ledger.pendingMarks).toBe(0);
    expect(ledger.heard('r1')).toEqual({
      chunksHeard: [0],
      heardMs: 1400,
      complete: false,
      partial: { chunkIndex: 1, heardMs: 400 },
      interrupted: true,
    });
    expect(ledger.heardText('r1')).toBe('First sentence.');
  });

  it('clear before anything played: nothing heard except the estimated start of chunk 0', () => {
    const { clock, ledger, send } = setup();
    send('r1', 0, 'Hi.', 600);
    clock.t = 250;
    ledger.cleared();
    ledger.noteMarkEchoed('r1:0');
    expect(ledger.heard('r1')).toMatchObject({ chunksHeard: [], heardMs: 250, partial: { chunkIndex: 0, heardMs: 250 } });
    expect(ledger.heardText('r1')).toBe('');
  });

  it('two replies in sequence: marks after a clear count normally even while flushed echoes arrive', () => {
    const { clock, ledger, send } = setup();
    send('r1', 0, 'Old answer part one.', 1000);
    send('r1', 1, 'Old answer part two.', 1000);
    clock.t = 300;
    ledger.cleared();
    // The next reply starts before Twilio's flush echoes have arrived.
    clock.t = 310;
    send('r2', 0, 'Sorry, go ahead.', 900);
    ledger.noteMarkEchoed('r1:0');
    ledger.noteMarkEchoed('r1:1');
    clock.t = 1210;
    expect(ledger.noteMarkEchoed('r2:0')?.played).toBe(true);
    expect(ledger.heard('r1')).toMatchObject({ chunksHeard: [], complete: false, interrupted: true });
    expect(ledger.heard('r2')).toEqual({ chunksHeard: [0], heardMs: 900, complete: true, interrupted: false });
    expect(ledger.heardText('r2')).toBe('Sorry, go ahead.');
  });

  it('ignores unknown and duplicate echoes, and marks that are not ours', () => {
    const { ledger, send } = setup();
    send('r1', 0, 'x', 100);
    expect(ledger.noteMarkEchoed('someone-else')).toBeUndefined();
    expect(ledger.noteMarkEchoed('r9:0')).toBeUndefined();
    expect(ledger.noteMarkEchoed('r1:0')?.played).toBe(true);
    expect(ledger.noteMarkEchoed('r1:0')).toBeUndefined();
    expect(ledger.heard('r1').chunksHeard).toEqual([0]);
  });

  it('chunks without text count for time but not for text; unknown replies report nothing heard', () => {
    const { ledger, send } = setup();
    ledger.noteSent('r1', 0, undefined, 500);
    ledger.noteMarkSent('r1:0');
    send('r1', 1, '  trimmed  ', 500);
    ledger.noteMarkEchoed('r1:0');
    ledger.noteMarkEchoed('r1:1');
    expect(ledger.heard('r1').heardMs).toBe(1000);
    expect(ledger.heardText('r1', ' | ')).toBe('trimmed');
    expect(ledger.heard('nope')).toEqual({ chunksHeard: [], heardMs: 0, complete: false, interrupted: false });
    expect(ledger.heardText('nope')).toBe('');
  });

  it('forget drops a reply and its pending marks', () => {
    const { ledger, send } = setup();
    send('r1', 0, 'x', 100);
    ledger.forget('r1');
    expect(ledger.pendingMarks).toBe(0);
    expect(ledger.noteMarkEchoed('r1:0')).toBeUndefined();
    expect(ledger.heard('r1').chunksHeard).toEqual([]);
    ledger.forget('r1');
  });

  it('partial estimate starts no earlier than the chunk was sent (slow TTS leaves gaps)', () => {
    const { clock, ledger, send } = setup();
    send('r1', 0, 'a', 500);
    clock.t = 500;
    ledger.noteMarkEchoed('r1:0');
    clock.t = 900; // chunk 1 arrives late, after a 400 ms gap
    send('r1', 1, 'b', 1000);
    clock.t = 1100;
    ledger.cleared();
    expect(ledger.heard('r1').partial).toEqual({ chunkIndex: 1, heardMs: 200 });
  });

  it('isComplete always agrees with heard().complete, whatever the order of sends, echoes, clears and resends', () => {
    // Few replies and chunks, so a reply is often complete and the same chunk is often sent again.
    const op = fc.oneof(
      fc.record({ kind: fc.constant('send' as const), reply: fc.constantFrom('r1', 'r2'), chunk: fc.nat(1) }),
      fc.record({ kind: fc.constant('echo' as const), reply: fc.constantFrom('r1', 'r2', 'r3'), chunk: fc.nat(2) }),
      fc.record({ kind: fc.constant('echo' as const), reply: fc.constantFrom('r1', 'r2'), chunk: fc.nat(1) }),
      // A mark sent again without its chunk (not what the pacer does, but the ledger must not count it twice).
      fc.record({ kind: fc.constant('mark' as const), reply: fc.constantFrom('r1', 'r2'), chunk: fc.nat(1) }),
      fc.record({ kind: fc.constant('clear' as const) }),
      fc.record({ kind: fc.constant('forget' as const), reply: fc.constantFrom('r1', 'r2') }),
    );
    fc.assert(
      fc.property(fc.array(op, { minLength: 10, maxLength: 60 }), (ops) => {
        const { clock, ledger, send } = setup();
        for (const o of ops) {
          clock.t += 20;
          if (o.kind === 'send') send(o.reply, o.chunk, `s${o.chunk}`, 100);
          else if (o.kind === 'echo') ledger.noteMarkEchoed(markName(o.reply, o.chunk));
          else if (o.kind === 'mark') ledger.noteMarkSent(markName(o.reply, o.chunk));
          else if (o.kind === 'clear') ledger.cleared();
          else ledger.forget(o.reply);
          for (const r of ['r1', 'r2', 'r3']) expect(ledger.isComplete(r)).toBe(ledger.heard(r).complete);
        }
      }),
      { seed: 20261207, numRuns: 1000 },
    );
  });
});
