/**
 * What each capability adds to every live call, in one place: grounding (the brief and the search tools), scoring
 * (per stage and at the end), the candidate's workspace (the texted link and the IDE). The logic lives in
 * interview/capabilities/; this plugin only connects it to the app's services.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { groundingCallHook } from '../interview/capabilities/grounding.js';
import { scoringCallHook } from '../interview/capabilities/scoring.js';
import { workspaceCallHook } from '../interview/capabilities/workspace.js';

export default fp(
  async function callCapabilitiesPlugin(app: FastifyInstance) {
    app.liveCalls.hooks.push(groundingCallHook(app.grounding));
    app.liveCalls.hooks.push(scoringCallHook(app.queue));
    app.liveCalls.hooks.push(workspaceCallHook(app.workspace));
  },
  { name: 'call-capabilities', dependencies: ['live-calls', 'queue'] },
);
