import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/providers/errors.js';
import { ToolCallAssembler } from '../../src/providers/openai/tool-call-assembler.js';
import { toProviderError } from '../../src/providers/openai/error-mapping.js';
import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';

describe('ToolCallAssembler', () => {
  it('joins fragments per index and completes a call when the next index starts', () => {
    const a = new ToolCallAssembler();
    expect(a.push({ index: 0, id: 'call_a', function: { name: 'resume_search', arguments: '' } })).toEqual([]);
    expect(a.push({ index: 0, function: { arguments: '{"que' } })).toEqual([]);
    expect(a.push({ index: 0, function: { arguments: 'ry":"go"}' } })).toEqual([]);
    const done = a.push({ index: 1, id: 'call_b', function: { name: 'open_ide', arguments: '{}' } });
    expect(done).toEqual([{ id: 'call_a', name: 'resume_search', arguments: '{"query":"go"}' }]);
    expect(a.flush()).toEqual([{ id: 'call_b', name: 'open_ide', arguments: '{}' }]);
    expect(a.flush()).toEqual([]);
    expect(a.count).toBe(2);
  });

  it('fills in a missing id and empty arguments; rejects a call with no name', () => {
    const a = new ToolCallAssembler();
    a.push({ index: 0, function: { name: 'next_stage' } });
    expect(a.flush()).toEqual([{ id: 'call_0', name: 'next_stage', arguments: '{}' }]);
    a.push({ index: 0, function: { arguments: '{}' } });
    expect(() => a.flush()).toThrow(ProviderError);
  });
});

describe('toProviderError', () => {
  it('maps SDK classes to kinds', () => {
    expect(toProviderError(new APIConnectionTimeoutError()).kind).toBe('timeout');
    expect(toProviderError(new APIConnectionError({ message: 'x' })).kind).toBe('connection');
    expect(toProviderError(APIError.generate(429, { message: 'slow down' }, undefined, new Headers())).kind).toBe('rate_limit');
    expect(toProviderError(APIError.generate(403, { message: 'no' }, undefined, new Headers())).kind).toBe('auth');
    expect(toProviderError(APIError.generate(502, { message: 'bad gw' }, undefined, new Headers())).kind).toBe('server');
    expect(toProviderError(APIError.generate(422, { message: 'bad' }, undefined, new Headers())).kind).toBe('bad_request');
    // An error object inside the SSE stream has no status.
    expect(toProviderError(new APIError(undefined, { message: 'overloaded' }, undefined, undefined)).kind).toBe('server');
    expect(toProviderError(new TypeError('terminated')).kind).toBe('connection');
    expect(toProviderError(new SyntaxError('Unexpected token')).kind).toBe('protocol');
  });
});
