/** JSON Schemas (TypeBox) for the recruiter API. */
import { Type, type Static } from '@sinclair/typebox';

export const E164 = '^\\+[1-9][0-9]{6,14}$';

export const CreateInterviewBody = Type.Object(
  {
    candidate: Type.Object({
      name: Type.String({ minLength: 1, maxLength: 200 }),
      phone: Type.String({ pattern: E164, description: 'E.164, e.g. +14155550100' }),
      email: Type.Optional(Type.String({ format: 'email', maxLength: 320 })),
      timezone: Type.Optional(Type.String({ maxLength: 64, description: 'IANA zone, e.g. America/New_York' })),
    }),
    role: Type.Object({
      title: Type.String({ minLength: 1, maxLength: 200 }),
      level: Type.Optional(Type.String({ maxLength: 50 })),
      description: Type.Optional(Type.String({ maxLength: 50_000 })),
    }),
    hiringManagerEmail: Type.Optional(Type.String({ format: 'email', maxLength: 320 })),
    focus: Type.Optional(Type.String({ maxLength: 2000 })),
    rubricId: Type.Optional(Type.String({ maxLength: 100, pattern: '^[a-z0-9][a-z0-9._-]*$' })),
  },
  { additionalProperties: false },
);
export type CreateInterviewBody = Static<typeof CreateInterviewBody>;

export const InterviewParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

export const EventsQuery = Type.Object({
  afterSeq: Type.Optional(Type.Integer({ minimum: 0 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000 })),
  /** Only these event types, comma-separated (e.g. `call.ended,call.error`). */
  types: Type.Optional(Type.String({ pattern: '^[a-z_]+\\.[a-z_.]+(,[a-z_]+\\.[a-z_.]+)*$', maxLength: 1000 })),
});
