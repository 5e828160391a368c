import { describe, expect, it } from 'vitest';
import { codeInSpeech, spokenDigits } from '../../src/workspace/spoken-code.js';

describe('the binding code as a caller says it', () => {
  it.each([
    ['four two one seven', '4217'],
    ['It says 4217.', '4217'],
    ['my code is 42 17', '4217'],
    ['forty-two seventeen', '4217'],
    ['oh nine one two', '0912'],
    ['zero zero eight one', '0081'],
    ['double five three nine', '5539'],
    ['seven, eight, nine, zero', '7890'],
  ])('%s → %s', (said, code) => {
    expect(codeInSpeech(said)).toBe(code);
  });

  it('finds no code in ordinary answers', () => {
    expect(codeInSpeech('I built one service with two teams')).toBeNull();
    expect(codeInSpeech("it's for you, I ate already")).toBeNull();
    expect(codeInSpeech('Yes I agree to continue.')).toBeNull();
    expect(spokenDigits('we had forty engineers')).toBe('40');
  });
});
