/** Event types of the live call: carrier, voice core, interviewer, providers. */
// Filled in with the live-call use case (issue 8).
export const callEvents = {} as const;
