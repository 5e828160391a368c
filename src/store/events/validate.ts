/**
 * Runtime check of a payload against its catalogue schema. The type check catches mistakes at compile time; this
 * catches payloads built from `unknown` data. A mismatch is reported, never dropped: the log keeps what happened.
 */
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TObject } from '@sinclair/typebox';
import { EVENT_CATALOGUE } from './catalogue.js';

const checks = new Map<string, TypeCheck<TObject>>();

/** Undefined when the payload fits; otherwise a short description of the first problem. */
export function payloadProblem(type: string, payload: unknown): string | undefined {
  const schema = (EVENT_CATALOGUE as Record<string, TObject | undefined>)[type];
  if (!schema) return `unknown event type ${type}`;
  let check = checks.get(type);
  if (!check) {
    check = TypeCompiler.Compile(schema);
    checks.set(type, check);
  }
  if (check.Check(payload)) return undefined;
  const first = check.Errors(payload).First();
  return first ? `${first.path || '/'}: ${first.message}` : 'payload does not match';
}

export function isCatalogued(type: string): boolean {
  return Object.hasOwn(EVENT_CATALOGUE, type);
}
