/** What a call hears when the drain timeout ends it (plugins/telephony.ts); the callback is planned on its end. */
export const DRAIN_CLOSING_LINE = "I'm sorry, we have to end here for now. We'll call you back to finish the interview. Goodbye.";
