/**
 * Decorates `app.liveFeed` (the dashboard's fan-out over the process bus) and feeds it every event this process
 * appends to any interview's log — call events, job events, route events alike.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { BusLiveFeed, toFeedEvent, type LiveFeed } from '../dashboard/live-feed.js';

declare module 'fastify' {
  interface FastifyInstance {
    liveFeed: LiveFeed;
  }
}

export default fp(
  async function liveFeedPlugin(app: FastifyInstance) {
    const feed = new BusLiveFeed(app.processBus);
    app.decorate('liveFeed', feed);
    const off = app.store.events.onAppended((event) => feed.publish(toFeedEvent(event)));
    app.addHook('onClose', async () => {
      off();
    });
  },
  { name: 'live-feed', dependencies: ['store', 'process-bus'] },
);
