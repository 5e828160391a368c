/**
 * A small TwiML reader for the subset the caller simulator acts on: `<Connect><Stream url><Parameter/></Stream>`,
 * `<Say>`, `<Pause>`, `<Hangup/>`, `<Reject/>`, `<Redirect>`. A hand-written scanner (no dependency, no regex
 * soup): elements, attributes in either quote style, self-closing tags, text, comments, the XML declaration and the
 * five predefined entities plus numeric references. Anything it does not understand becomes an `Other` verb, so an
 * unexpected answer is recorded instead of being silently ignored.
 */

export type TwimlVerb =
  | { verb: 'Connect'; stream?: TwimlStream }
  | { verb: 'Say'; text: string; voice?: string }
  | { verb: 'Pause'; lengthSec: number }
  | { verb: 'Hangup' }
  | { verb: 'Reject'; reason?: string }
  | { verb: 'Redirect'; url: string }
  | { verb: 'Other'; name: string };

export interface TwimlStream {
  url: string;
  name?: string;
  /** `<Parameter name value>` pairs, delivered to the server in `start.customParameters`. */
  parameters: Record<string, string>;
}

export class TwimlError extends Error {
  constructor(message: string) {
    super(`TwiML: ${message}`);
    this.name = 'TwimlError';
  }
}

interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
}
type XmlNode = XmlElement | string;

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  let out = '';
  let i = 0;
  while (i < s.length) {
    const amp = s.indexOf('&', i);
    if (amp < 0) break;
    const semi = s.indexOf(';', amp);
    out += s.slice(i, amp);
    if (semi < 0) {
      out += s.slice(amp);
      return out;
    }
    const ref = s.slice(amp + 1, semi);
    let decoded: string | undefined;
    if (ref.startsWith('#x') || ref.startsWith('#X')) decoded = codePoint(parseInt(ref.slice(2), 16));
    else if (ref.startsWith('#')) decoded = codePoint(parseInt(ref.slice(1), 10));
    else decoded = ENTITIES[ref];
    if (decoded === undefined) throw new TwimlError(`unknown entity &${ref.slice(0, 20)};`);
    out += decoded;
    i = semi + 1;
  }
  return out + s.slice(i);
}

function codePoint(n: number): string | undefined {
  return Number.isInteger(n) && n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : undefined;
}

const isSpace = (c: string | undefined) => c === ' ' || c === '\n' || c === '\t' || c === '\r';
const isNameChar = (c: string | undefined) =>
  c !== undefined && !isSpace(c) && c !== '/' && c !== '>' && c !== '=' && c !== '<' && c !== '"' && c !== "'";

/** Parses a document into its root element. */
export function parseXml(xml: string): XmlElement {
  let i = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  function fail(what: string): never {
    throw new TwimlError(`${what} at offset ${i}`);
  }
  const readName = (): string => {
    const start = i;
    while (isNameChar(xml[i])) i++;
    if (i === start) fail('expected a name');
    return xml.slice(start, i);
  };
  const skipSpace = () => {
    while (isSpace(xml[i])) i++;
  };

  while (i < xml.length) {
    if (xml[i] !== '<') {
      const end = xml.indexOf('<', i);
      const text = xml.slice(i, end < 0 ? xml.length : end);
      const top = stack[stack.length - 1];
      if (top) top.children.push(decodeEntities(text));
      else if (text.trim()) fail('text outside the root element');
      i = end < 0 ? xml.length : end;
      continue;
    }
    if (xml.startsWith('<?', i)) {
      const end = xml.indexOf('?>', i);
      if (end < 0) fail('unterminated declaration');
      i = end + 2;
    } else if (xml.startsWith('<!--', i)) {
      const end = xml.indexOf('-->', i);
      if (end < 0) fail('unterminated comment');
      i = end + 3;
    } else if (xml.startsWith('<![CDATA[', i)) {
      const end = xml.indexOf(']]>', i);
      if (end < 0) fail('unterminated CDATA');
      stack[stack.length - 1]?.children.push(xml.slice(i + 9, end));
      i = end + 3;
    } else if (xml.startsWith('</', i)) {
      i += 2;
      const name = readName();
      skipSpace();
      if (xml[i] !== '>') fail('expected >');
      i++;
      const open = stack.pop();
      if (!open || open.name !== name) fail(`unexpected </${name}>`);
      if (stack.length === 0) root = open;
    } else {
      i++;
      const el: XmlElement = { name: readName(), attrs: {}, children: [] };
      const parent = stack[stack.length - 1];
      let selfClosing = false;
      for (;;) {
        skipSpace();
        if (xml[i] === '/' && xml[i + 1] === '>') {
          i += 2;
          selfClosing = true;
          break;
        }
        if (xml[i] === '>') {
          i++;
          break;
        }
        const attr = readName();
        skipSpace();
        if (xml[i] !== '=') fail(`expected = after ${attr}`);
        i++;
        skipSpace();
        const quote = xml[i];
        if (quote !== '"' && quote !== "'") fail('expected a quoted attribute value');
        const end = xml.indexOf(quote!, i + 1);
        if (end < 0) fail('unterminated attribute value');
        el.attrs[attr] = decodeEntities(xml.slice(i + 1, end));
        i = end + 1;
      }
      if (parent) parent.children.push(el);
      else if (root) fail('a second root element');
      else if (selfClosing) root = el;
      if (!selfClosing) stack.push(el);
    }
  }
  if (stack.length > 0) throw new TwimlError(`unclosed <${stack[stack.length - 1]!.name}>`);
  if (!root) throw new TwimlError('no root element');
  return root;
}

const elements = (el: XmlElement) => el.children.filter((c): c is XmlElement => typeof c !== 'string');
const textOf = (el: XmlElement): string =>
  el.children.map((c) => (typeof c === 'string' ? c : textOf(c))).join('').trim();

function parseStream(el: XmlElement): TwimlStream {
  const url = el.attrs.url;
  if (!url) throw new TwimlError('<Stream> without a url');
  const parameters: Record<string, string> = {};
  for (const child of elements(el)) {
    if (child.name !== 'Parameter') continue;
    const name = child.attrs.name;
    if (!name) throw new TwimlError('<Parameter> without a name');
    parameters[name] = child.attrs.value ?? '';
  }
  return { url, name: el.attrs.name, parameters };
}

/** TwiML document → its top-level verbs, in order. */
export function parseTwiml(xml: string): TwimlVerb[] {
  const root = parseXml(xml);
  if (root.name !== 'Response') throw new TwimlError(`root element is <${root.name}>, not <Response>`);
  return elements(root).map((el): TwimlVerb => {
    switch (el.name) {
      case 'Connect': {
        const stream = elements(el).find((c) => c.name === 'Stream');
        return stream ? { verb: 'Connect', stream: parseStream(stream) } : { verb: 'Connect' };
      }
      case 'Say':
        return { verb: 'Say', text: textOf(el), voice: el.attrs.voice };
      case 'Pause':
        return { verb: 'Pause', lengthSec: Number(el.attrs.length ?? '1') || 1 };
      case 'Hangup':
        return { verb: 'Hangup' };
      case 'Reject':
        return { verb: 'Reject', reason: el.attrs.reason };
      case 'Redirect':
        return { verb: 'Redirect', url: textOf(el) };
      default:
        return { verb: 'Other', name: el.name };
    }
  });
}
