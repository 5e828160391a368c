import { describe, expect, it } from 'vitest';
import { TurnDetector, looksComplete, type TurnEnd } from '../../src/voice/turn-detector.js';
import { sttTranscript } from '../../src/providers/testing/index.js';
import { VirtualClock } from '../helpers/virtual-clock.js';

function setup(opts = {}) {
  const clock = new VirtualClock();
  const turns: TurnEnd[] = [];
  const d = new TurnDetector({ clock, completeWaitMs: 0, incompleteWaitMs: 1200, silenceCeilingMs: 3000, ...opts }, (t) => turns.push(t));
  return { clock, turns, d };
}

describe('looksComplete', () => {
  it.each([
    ['I would use a queue.', true],
    ['I led the migration to Postgres', true],
    ['I would use a queue and', false],
    ['so the main issue was, ', false],
    ['we used Kafka because', false],
    ['um', false],
    ['it depends on the…', false],
  ])('%s → %s', (text, complete) => expect(looksComplete(text)).toBe(complete));
});

describe('TurnDetector', () => {
  it('ends a complete turn at the STT endpoint', () => {
    const { d, turns } = setup();
    d.onStt(sttTranscript('I built the billing service.', { isFinal: true, speechFinal: true }));
    expect(turns).toMatchObject([{ text: 'I built the billing service.', reason: 'endpoint' }]);
  });

  it('waits longer after a trailing conjunction and does not cut the caller off', () => {
    const { d, turns, clock } = setup();
    d.onStt(sttTranscript('I would put a queue in front and', { isFinal: true, speechFinal: true }));
    clock.advance(800);
    expect(turns).toEqual([]);
    d.onStt({ type: 'speech_started', atMs: 0 });
    d.onStt(sttTranscript('then scale the workers', { isFinal: false }));
    clock.advance(1000);
    expect(turns).toEqual([]);
    d.onStt(sttTranscript('then scale the workers.', { isFinal: true, speechFinal: true }));
    expect(turns).toMatchObject([{ text: 'I would put a queue in front and then scale the workers.' }]);
  });

  it('ends an unfinished turn after the longer wait if nothing follows', () => {
    const { d, turns, clock } = setup();
    d.onStt(sttTranscript('we chose Postgres because', { isFinal: true, speechFinal: true }));
    clock.advance(1199);
    expect(turns).toEqual([]);
    clock.advance(2);
    expect(turns).toMatchObject([{ text: 'we chose Postgres because', reason: 'endpoint' }]);
  });

  it('never stalls: the silence ceiling ends a turn with no endpoint', () => {
    const { d, turns, clock } = setup();
    d.onStt(sttTranscript('my answer is forty two', { isFinal: true, speechFinal: false }));
    d.onVad('speech_end');
    clock.advance(3001);
    expect(turns).toMatchObject([{ text: 'my answer is forty two', reason: 'silence_ceiling' }]);
  });

  it('is more patient while the candidate codes or draws', () => {
    const { d, turns, clock } = setup();
    d.setPatient(true);
    d.onStt(sttTranscript('let me write the loop and', { isFinal: true, speechFinal: true }));
    clock.advance(2000);
    expect(turns).toEqual([]);
    clock.advance(1100);
    expect(turns).toHaveLength(1);
  });

  it('ignores endpoints with no words', () => {
    const { d, turns } = setup();
    d.onStt({ type: 'utterance_end', lastWordEndMs: 0 });
    d.onStt(sttTranscript('', { isFinal: true, speechFinal: true }));
    expect(turns).toEqual([]);
  });
});
