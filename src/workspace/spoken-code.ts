/**
 * The page's binding code as a caller says it: "four two one seven", "4217", "forty-two seventeen", "oh nine one
 * two". Speech-to-text gives digits or words depending on its formatting, so both are read.
 */
const DIGITS: Record<string, string> = {
  zero: '0', oh: '0', o: '0', nought: '0', one: '1', two: '2', three: '3', four: '4', for: '4', five: '5', six: '6',
  seven: '7', eight: '8', ate: '8', nine: '9',
};
const TEENS: Record<string, string> = { ten: '10', eleven: '11', twelve: '12', thirteen: '13', fourteen: '14', fifteen: '15', sixteen: '16', seventeen: '17', eighteen: '18', nineteen: '19' };
const HOMOPHONES = new Set(['o', 'oh', 'for', 'ate']);
const isDigit = (w: string | undefined) => w !== undefined && (/^\d+$/.test(w) || (DIGITS[w] !== undefined && !HOMOPHONES.has(w)));
const TENS: Record<string, string> = { twenty: '2', thirty: '3', forty: '4', fifty: '5', sixty: '6', seventy: '7', eighty: '8', ninety: '9' };

/** The digits said in a line, in order, as one string ("My code is 42, 17" → "4217"); words that are not digits break nothing. */
export function spokenDigits(text: string): string {
  const words = text.toLowerCase().replace(/[-–]/g, ' ').match(/[a-z]+|\d+/g) ?? [];
  let out = '';
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (/^\d+$/.test(w)) out += w;
    else if (w === 'double' || w === 'triple') {
      const next = DIGITS[words[i + 1] ?? ''];
      if (next) {
        out += next.repeat(w === 'double' ? 2 : 3);
        i++;
      }
    } else if (TEENS[w]) out += TEENS[w];
    else if (TENS[w]) {
      const unit = DIGITS[words[i + 1] ?? ''];
      // "forty two" is 42, "forty" alone is 40.
      if (unit && unit !== '0') {
        out += TENS[w] + unit;
        i++;
      } else out += `${TENS[w]}0`;
    } else if (DIGITS[w] && (!HOMOPHONES.has(w) || isDigit(words[i - 1]) || isDigit(words[i + 1]))) {
      // "oh", "for" and "ate" count only beside another digit: "it's for you" holds no code.
      out += DIGITS[w];
    }
  }
  return out;
}

/** A code of exactly `length` digits heard in the line, or null when the line holds no such run of digits. */
export function codeInSpeech(text: string, length = 4): string | null {
  const digits = spokenDigits(text);
  return digits.length === length ? digits : null;
}
