import { afterEach, describe, expect, it } from 'vitest';
import { FallbackChatModel } from '../../src/providers/fallback/index.js';
import type { FallbackChatModelOptions } from '../../src/providers/fallback/index.js';
import { ProviderError } from '../../src/providers/errors.js';
import type { ChatEvent, ChatRequest } from '../../src/providers/llm.js';
import { ScriptedChatModel, failingTurn, textTurn, toolTurn } from '../../src/providers/testing/index.js';
import { sleep } from '../../src/lib/abort.js';

type Logged = { type: string; payload: Record<string, unknown> };
const open: FallbackChatModel[] = [];
afterEach(() => {
  open.splice(0).forEach((m) => m.close());
});

function setup(primary: ScriptedChatModel, secondary: ScriptedChatModel, opts: FallbackChatModelOptions = {}) {
  const events: Logged[] = [];
  const model = new FallbackChatModel([primary, secondary], {
    probeIntervalMs: 60_000,
    onEvent: (type, payload) => events.push({ type, payload }),
    ...opts,
  });
  open.push(model);
  return { model, events };
}

const req = (signal?: AbortSignal): ChatRequest => ({ messages: [{ role: 'user', content: 'hello' }], signal });

async function collect(it: AsyncIterable<ChatEvent>): Promise<ChatEvent[]> {
  const out: ChatEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}
const textOf = (events: ChatEvent[]) => events.map((e) => (e.type === 'text' ? e.delta : '')).join('');

describe('FallbackChatModel', () => {
  it('switches to the next model when the first fails before any output, and skips it while unhealthy', async () => {
    const primary = new ScriptedChatModel({ name: 'primary', turns: [failingTurn('server')] });
    const secondary = new ScriptedChatModel({ name: 'secondary', turns: [textTurn('Hello from the backup.')] });
    const { model, events } = setup(primary, secondary);

    const out = await collect(model.stream(req()));
    expect(textOf(out)).toBe('Hello from the backup.');
    expect(out.at(-1)).toMatchObject({ type: 'done', finishReason: 'stop' });
    expect(events.map((e) => e.type)).toEqual(['provider.unhealthy', 'provider.fallback']);
    expect(events[1]?.payload).toMatchObject({ port: 'llm', from: 'primary', to: 'secondary', kind: 'server' });
    expect(model.isHealthy('primary')).toBe(false);
    expect(model.isHealthy('secondary')).toBe(true);
    expect(model.status()[0]).toMatchObject({ name: 'primary', healthy: false, lastErrorKind: 'server', probing: true });

    await collect(model.stream(req()));
    expect(primary.requests).toHaveLength(1);
    expect(secondary.requests).toHaveLength(2);
  });

  it('switches when the first token does not come within firstTokenTimeoutMs', async () => {
    const primary = new ScriptedChatModel({ name: 'slow', turns: [[{ type: 'hang' }]] });
    const secondary = new ScriptedChatModel({ name: 'fast', turns: [textTurn('Quick answer.')] });
    const { model, events } = setup(primary, secondary, { firstTokenTimeoutMs: 150 });

    const out = await collect(model.stream(req()));
    expect(textOf(out)).toBe('Quick answer.');
    expect(events.find((e) => e.type === 'provider.fallback')?.payload).toMatchObject({ from: 'slow', to: 'fast', kind: 'timeout' });
    await sleep(10);
    expect(primary.aborted).toBe(1); // the abandoned request was cancelled, not left running
  });

  it('never fails over once output has been yielded: the error propagates', async () => {
    const primary = new ScriptedChatModel({
      name: 'primary',
      turns: [[{ type: 'text', delta: 'Let me ' }, ...failingTurn('connection')]],
    });
    const secondary = new ScriptedChatModel({ name: 'secondary', turns: [textTurn('Other answer.')] });
    const { model, events } = setup(primary, secondary);

    const seen: ChatEvent[] = [];
    let caught: unknown;
    try {
      for await (const e of model.stream(req())) seen.push(e);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ProviderError);
    expect(caught).toMatchObject({ kind: 'connection' });
    expect(textOf(seen)).toBe('Let me ');
    expect(secondary.requests).toHaveLength(0);
    expect(events).toEqual([]);
  });

  it('counts a tool call as output', async () => {
    const call = { id: 'c1', name: 'resume_search', arguments: '{"q":"python"}' };
    const primary = new ScriptedChatModel({ name: 'primary', turns: [toolTurn(call)] });
    const secondary = new ScriptedChatModel({ name: 'secondary', turns: [textTurn('unused')] });
    const { model } = setup(primary, secondary);
    const out = await collect(model.stream(req()));
    expect(out[0]).toEqual({ type: 'tool_call', call });
    expect(secondary.requests).toHaveLength(0);
  });

  it('restores the primary once a background probe succeeds, then uses it first again', async () => {
    const primary = new ScriptedChatModel({
      name: 'primary',
      turns: (_req, i) => (i === 0 ? failingTurn('server') : i === 1 ? failingTurn('server') : textTurn('Primary is back.')),
    });
    const secondary = new ScriptedChatModel({ name: 'secondary', turns: [textTurn('Backup.')] });
    let restored!: () => void;
    const restoredEvent = new Promise<void>((r) => (restored = r));
    const events: Logged[] = [];
    const model = new FallbackChatModel([primary, secondary], {
      probeIntervalMs: 20,
      onEvent: (type, payload) => {
        events.push({ type, payload });
        if (type === 'provider.restored') restored();
      },
    });
    open.push(model);

    expect(textOf(await collect(model.stream(req())))).toBe('Backup.');
    await restoredEvent;
    // Call 0 failed, probe 1 failed, probe 2 answered; probes are tiny requests.
    expect(primary.requests).toHaveLength(3);
    expect(primary.requests[1]).toMatchObject({ maxTokens: 1 });
    expect(events.at(-1)).toMatchObject({ type: 'provider.restored', payload: { port: 'llm', provider: 'primary', via: 'probe' } });
    expect(model.isHealthy('primary')).toBe(true);
    expect(model.status()[0]?.probing).toBe(false);
    expect(textOf(await collect(model.stream(req())))).toBe('Primary is back.');
  });

  it('close() stops background probes', async () => {
    const primary = new ScriptedChatModel({ name: 'primary', turns: [failingTurn('server')] });
    const secondary = new ScriptedChatModel({ name: 'secondary', turns: [textTurn('Backup.')] });
    const { model } = setup(primary, secondary, { probeIntervalMs: 15 });
    await collect(model.stream(req()));
    await sleep(60);
    expect(primary.requests.length).toBeGreaterThan(1);
    model.close();
    await sleep(10);
    const after = primary.requests.length;
    await sleep(80);
    expect(primary.requests.length).toBe(after);
    expect(model.status()[0]?.probing).toBe(false);
  });

  it('stops everything on caller abort: no failover, no events, no error', async () => {
    const primary = new ScriptedChatModel({ name: 'primary', turns: [[{ type: 'hang' }]] });
    const secondary = new ScriptedChatModel({ name: 'secondary', turns: [textTurn('unused')] });
    const { model, events } = setup(primary, secondary, { firstTokenTimeoutMs: 5000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const out = await collect(model.stream(req(controller.signal)));
    expect(out).toEqual([]);
    expect(secondary.requests).toHaveLength(0);
    expect(events).toEqual([]);
    await sleep(10);
    expect(primary.aborted).toBe(1);
  });

  it('stops mid-reply on caller abort without failing over', async () => {
    const primary = new ScriptedChatModel({ name: 'primary', turns: [textTurn('one two three four five', { interTokenDelayMs: 20 })] });
    const secondary = new ScriptedChatModel({ name: 'secondary', turns: [textTurn('unused')] });
    const { model, events } = setup(primary, secondary);
    const controller = new AbortController();
    const seen: ChatEvent[] = [];
    for await (const e of model.stream(req(controller.signal))) {
      seen.push(e);
      if (seen.length === 2) controller.abort();
    }
    expect(seen).toHaveLength(2);
    expect(secondary.requests).toHaveLength(0);
    expect(events).toEqual([]);
  });

  it('throws a fallback error carrying the last kind when every model fails', async () => {
    const a = new ScriptedChatModel({ name: 'a', turns: [failingTurn('server')] });
    const b = new ScriptedChatModel({ name: 'b', turns: [failingTurn('rate_limit')] });
    const { model, events } = setup(a, b);
    await expect(collect(model.stream(req()))).rejects.toMatchObject({ provider: 'fallback-llm', kind: 'rate_limit' });
    expect(events.map((e) => e.type)).toEqual(['provider.unhealthy', 'provider.fallback', 'provider.unhealthy', 'provider.exhausted']);
  });

  it('tries unhealthy models as a last resort, and a success restores them', async () => {
    const a = new ScriptedChatModel({ name: 'a', turns: (_r, i) => (i === 0 ? failingTurn('server') : textTurn('A again.')) });
    const b = new ScriptedChatModel({ name: 'b', turns: [textTurn('B.'), failingTurn('server')] });
    const { model, events } = setup(a, b);
    expect(textOf(await collect(model.stream(req())))).toBe('B.');
    expect(textOf(await collect(model.stream(req())))).toBe('A again.');
    expect(model.isHealthy('a')).toBe(true);
    expect(model.isHealthy('b')).toBe(false);
    expect(events.some((e) => e.type === 'provider.restored' && e.payload.provider === 'a' && e.payload.via === 'request')).toBe(true);
  });

  it('fails over on bad_request without marking the model unhealthy', async () => {
    const a = new ScriptedChatModel({ name: 'a', turns: [failingTurn('bad_request')] });
    const b = new ScriptedChatModel({ name: 'b', turns: [textTurn('B.')] });
    const { model, events } = setup(a, b);
    expect(textOf(await collect(model.stream(req())))).toBe('B.');
    expect(model.isHealthy('a')).toBe(true);
    expect(events.map((e) => e.type)).toEqual(['provider.fallback']);
  });
});
