/** Turns a structured-output completion choice into a parsed value, or a ProviderError saying why it cannot. */
import type { ChatCompletion } from 'openai/resources/chat/completions';
import { ProviderError } from '../errors.js';
import { PROVIDER } from './error-mapping.js';

export function parseStructuredContent<T>(
  choice: ChatCompletion.Choice | undefined,
  schema: Record<string, unknown>,
): T {
  if (!choice) throw new ProviderError(PROVIDER, 'protocol', 'completion has no choices');
  if (choice.message.refusal) {
    // The same prompt will be refused again: not worth a retry.
    throw new ProviderError(PROVIDER, 'protocol', `model refused: ${choice.message.refusal}`, { retryable: false });
  }
  if (choice.finish_reason === 'length') {
    throw new ProviderError(PROVIDER, 'protocol', 'structured output was cut off (finish_reason length)');
  }
  const content = choice.message.content;
  if (!content) throw new ProviderError(PROVIDER, 'protocol', 'structured output is empty');
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch (err) {
    throw new ProviderError(PROVIDER, 'protocol', 'structured output is not valid JSON', { cause: err });
  }
  const missing = missingRequiredKeys(value, schema);
  if (missing.length > 0) {
    throw new ProviderError(PROVIDER, 'protocol', `structured output lacks required keys: ${missing.join(', ')}`);
  }
  return value as T;
}

/** A shallow check of the top level only; strict mode makes the server enforce the rest. */
export function missingRequiredKeys(value: unknown, schema: Record<string, unknown>): string[] {
  const required = Array.isArray(schema.required) ? schema.required.filter((k) => typeof k === 'string') : [];
  if (schema.type === 'object' && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    return required.length > 0 ? required : ['<object>'];
  }
  if (typeof value !== 'object' || value === null) return [];
  return required.filter((key) => !(key in value));
}
