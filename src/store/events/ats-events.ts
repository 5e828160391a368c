/** Event types written by the ATS integration (src/ats/). Add an entry here (and to docs/events.md) for each new event. */
import { Type } from '@sinclair/typebox';
import { event } from './define.js';

const Vendor = Type.Union([Type.Literal('greenhouse'), Type.Literal('lever'), Type.Literal('ashby'), Type.Literal('generic')]);

export const atsEvents = {
  'ats.received': event('An ATS delivery moved the application into the trigger stage: the interview was created (or updated) from it and its call is being scheduled.', {
    vendor: Vendor,
    eventId: Type.String(),
    action: Type.String(),
    applicationId: Type.String(),
    stage: Type.Union([Type.String(), Type.Null()]),
    created: Type.Boolean(),
  }),
  'ats.ignored': event('An ATS delivery about this interview\'s application changed nothing (another stage, the interview already under way or over, no phone number).', {
    vendor: Vendor,
    eventId: Type.String(),
    action: Type.String(),
    reason: Type.String(),
  }),
  'ats.resume_fetched': event('The resume attachment named in the delivery was downloaded (size and time capped) and ingested for grounding.', {
    vendor: Vendor,
    bytes: Type.Integer(),
    filename: Type.Union([Type.String(), Type.Null()]),
    documentId: Type.String(),
  }),
  'ats.resume_failed': event('The resume attachment could not be downloaded or ingested; the interview goes ahead without it.', {
    vendor: Vendor,
    reason: Type.String(),
  }),
  'ats.writeback_sent': event('The scorecard (band, summary, dashboard link) was written back to the ATS: a Greenhouse note, a Lever note, an Ashby note or the generic callback.', {
    vendor: Vendor,
    reportId: Type.String(),
    writebackId: Type.String(),
    remoteId: Type.Union([Type.String(), Type.Null()]),
    attempt: Type.Integer(),
  }),
  'ats.writeback_failed': event('Writing the scorecard back to the ATS failed; `final` says whether it will be retried.', {
    vendor: Vendor,
    reportId: Type.String(),
    error: Type.String(),
    final: Type.Boolean(),
  }),
};
