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
    schedule: Type.Optional(Type.Boolean({ description: 'Plan the call now at the next permitted time in the candidate\'s zone (docs/scheduling.md)' })),
    scheduledAt: Type.Optional(Type.String({ format: 'date-time', description: 'Plan the call at or after this time (moved to the next permitted time); implies schedule' })),
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

/**
 * The one error shape every route answers with (src/plugins/errors.ts): `error` is a stable machine-readable code
 * (`bad_request`, `unauthorized`, `not_found`, `csrf_token`, …), `message` a sentence safe to show, `field` the
 * offending input for validation errors, `requestId` the id to quote (also in the `x-request-id` header).
 */
export const ErrorSchema = Type.Object(
  {
    error: Type.String({ description: 'stable machine-readable code, e.g. not_found' }),
    message: Type.String(),
    field: Type.Optional(Type.String({ description: 'the offending input, e.g. body.candidate.phone' })),
    requestId: Type.String(),
  },
  { title: 'Error', description: 'The error shape of every route' },
);

const DateTime = Type.Unsafe<Date | string>({ type: 'string', format: 'date-time' });
const NullableDateTime = Type.Unsafe<Date | string | null>({ type: ['string', 'null'], format: 'date-time' });
const NullableString = Type.Union([Type.String(), Type.Null()]);
const open = { additionalProperties: true };

export const InterviewStatusSchema = Type.String({
  description: 'scheduled, calling, in_progress, completed, incomplete, consent_refused, canceled, failed, … (src/store/schema.ts)',
});

export const InterviewSchema = Type.Object(
  {
    id: Type.String(),
    tenantId: Type.String(),
    status: InterviewStatusSchema,
    scheduledAt: NullableDateTime,
    hiringManagerEmail: NullableString,
    focus: NullableString,
    rubricId: NullableString,
    callSid: NullableString,
    stageReached: NullableString,
    eventSeq: Type.Integer(),
    createdAt: DateTime,
    updatedAt: DateTime,
    endedAt: NullableDateTime,
    candidate: Type.Object(
      { id: Type.String(), name: Type.String(), phone: Type.String(), email: NullableString, timezone: NullableString, createdAt: DateTime },
      open,
    ),
    role: Type.Object({ id: Type.String(), title: Type.String(), level: NullableString, description: NullableString, createdAt: DateTime }, open),
    links: Type.Object({ self: Type.String(), events: Type.String() }, open),
  },
  open,
);

export const EventSchema = Type.Object({
  interviewId: Type.String(),
  seq: Type.Integer(),
  at: DateTime,
  type: Type.String(),
  payload: Type.Object({}, { additionalProperties: true }),
});

export const EventsResponse = Type.Object({ interviewId: Type.String(), events: Type.Array(EventSchema) });

/** `GET /api/interviews`: filters and keyset paging (newest first). */
export const ListInterviewsQuery = Type.Object(
  {
    status: Type.Optional(Type.String({ pattern: '^[a-z_]+(,[a-z_]+)*$', maxLength: 300, description: 'comma-separated statuses, e.g. scheduled,in_progress' })),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "part of the candidate's name (case-insensitive)" })),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'created at or after (ISO 8601)' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'created before (ISO 8601)' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page' })),
  },
  { additionalProperties: false },
);

export const InterviewSummarySchema = Type.Object({
  id: Type.String(),
  status: InterviewStatusSchema,
  candidate: Type.Object({ id: Type.String(), name: Type.String() }),
  role: Type.Object({ title: Type.String(), level: NullableString }),
  createdAt: DateTime,
  endedAt: NullableDateTime,
  stageReached: NullableString,
  nextCallAt: Type.Unsafe<Date | string | null>({
    type: ['string', 'null'],
    format: 'date-time',
    description: 'when the next call is due (scheduled interviews); null when none is planned',
  }),
  decision: Type.Union([
    Type.Object({
      band: Type.String(),
      bandLabel: Type.String(),
      final: Type.Boolean({ description: 'false while the call is being scored stage by stage' }),
    }),
    Type.Null(),
  ]),
  links: Type.Object({ self: Type.String(), events: Type.String(), live: Type.String(), scorecard: Type.String() }),
});

export const InterviewListResponse = Type.Object({
  interviews: Type.Array(InterviewSummarySchema),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'pass as ?cursor= for the next page; null on the last page' }),
});
