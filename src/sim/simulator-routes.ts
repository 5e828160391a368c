/**
 * POST /api/simulator/scripts — only while speech-to-text is the Deepgram-protocol simulator: a caller simulator
 * in another process (`screenline sim`) registers the candidate's script for its CallSid, so the simulator can
 * "hear" the lines. With a real STT the route does not exist (404): real audio is transcribed for real.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { registerScript } from './candidate-script.js';

const Body = Type.Object(
  {
    callSid: Type.String({ pattern: '^CA[0-9a-fA-F]{32}$' }),
    lines: Type.Array(
      Type.Object({
        text: Type.String({ minLength: 1, maxLength: 2000 }),
        kind: Type.Optional(Type.Union([Type.Literal('answer'), Type.Literal('backchannel'), Type.Literal('barge_in')])),
        pauseBeforeMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000 })),
        interruptAfterMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000 })),
      }),
      { minItems: 1, maxItems: 200 },
    ),
  },
  { additionalProperties: false },
);

const simulatorRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', app.requireApiToken);
  const Registered = Type.Object({ callSid: Type.String(), lines: Type.Integer() });
  app.post('/simulator/scripts', { schema: { summary: 'Local mode only: register a simulated candidate script', tags: ['simulator'], body: Body, response: { 201: Registered } } }, async (request, reply) => {
    registerScript(request.body.callSid, { id: `api-${request.body.callSid}`, lines: request.body.lines });
    return reply.status(201).send({ callSid: request.body.callSid, lines: request.body.lines.length });
  });
};

export default simulatorRoutes;
