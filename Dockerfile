# syntax=docker/dockerfile:1
# screenline: one image, two processes (web: `serve`, worker: `worker`). Node 22 LTS.

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the package's `prepare` builds src/web, which is not copied yet (it is built explicitly below).
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm run build:web

FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
# Migrations are SQL read at run time; prompts and rubrics are versioned content.
COPY src/store/migrations ./src/store/migrations
# The candidate's workspace: the browser bundle (built above) and the verifier's child-process runner.
COPY --from=build /app/src/web/dist ./src/web/dist
COPY src/workspace/verifier/runner.mjs ./src/workspace/verifier/runner.mjs
COPY prompts ./prompts
COPY rubrics ./rubrics
COPY bin ./bin
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# SIGTERM drains live calls (DRAIN_TIMEOUT_MS) before exit; node is PID 1 here and handles signals itself.
CMD ["node", "dist/cli.js", "serve"]
