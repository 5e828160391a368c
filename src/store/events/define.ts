/**
 * Building blocks of the event catalogue: each domain declares its event types with a TypeBox payload schema and
 * a one-line description (docs/events.md documents the same types; a test keeps the two in step).
 */
import { Type, type TObject, type TProperties } from '@sinclair/typebox';

/** An event payload: an object schema with a description of when the event is written. */
export function event<P extends TProperties>(description: string, properties: P): TObject<P> {
  return Type.Object(properties, { description, additionalProperties: true });
}

export type EventSchemas = Record<string, TObject>;
