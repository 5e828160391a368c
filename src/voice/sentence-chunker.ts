/**
 * Splits streamed text into speakable pieces as soon as a sentence ends, so TTS can start on the first sentence
 * while the model is still writing the rest. Abbreviations and decimals do not end a sentence; a very long run
 * without punctuation is cut at a clause boundary so speech never waits on a model that forgot full stops.
 */
const ABBREVIATIONS = new Set(['mr', 'mrs', 'ms', 'dr', 'prof', 'sr', 'jr', 'vs', 'etc', 'e.g', 'i.e', 'approx', 'no']);
const MAX_PIECE_CHARS = 220;

export class SentenceChunker {
  private buffer = '';

  /** Adds text; returns the sentences completed by it (possibly none). */
  push(delta: string): string[] {
    this.buffer += delta;
    const out: string[] = [];
    for (;;) {
      const cut = this.findCut();
      if (cut < 0) break;
      const piece = this.buffer.slice(0, cut).trim();
      this.buffer = this.buffer.slice(cut);
      if (piece) out.push(piece);
    }
    return out;
  }

  /** Whatever is left, at the end of the stream. */
  flush(): string[] {
    const piece = this.buffer.trim();
    this.buffer = '';
    return piece ? [piece] : [];
  }

  private findCut(): number {
    const text = this.buffer;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      if (ch === '\n') return i + 1;
      if (ch !== '.' && ch !== '?' && ch !== '!') continue;
      // Need to see what follows before deciding (a decimal, an ellipsis, a closing quote).
      let j = i + 1;
      while (j < text.length && (text[j] === '.' || text[j] === '"' || text[j] === "'" || text[j] === ')')) j++;
      if (j >= text.length) return -1;
      if (!/\s/.test(text[j]!)) continue;
      if (ch === '.') {
        const word = /([A-Za-z.]+)$/.exec(text.slice(0, i))?.[1]?.toLowerCase();
        if (word && (ABBREVIATIONS.has(word) || /^[a-z]$/.test(word))) continue;
      }
      return j;
    }
    if (text.length > MAX_PIECE_CHARS) {
      const window = text.slice(0, MAX_PIECE_CHARS);
      const clause = Math.max(window.lastIndexOf(', '), window.lastIndexOf('; '), window.lastIndexOf(': '));
      if (clause > 40) return clause + 1;
      const space = window.lastIndexOf(' ');
      return space > 0 ? space : MAX_PIECE_CHARS;
    }
    return -1;
  }
}

/** All sentences of a complete text. */
export function splitIntoSentences(text: string): string[] {
  const chunker = new SentenceChunker();
  return [...chunker.push(text), ...chunker.flush()];
}
