/**
 * ARCHITECTURE.md §3's arrows, enforced by `npm test` (npm run deps):
 * routes/plugins/commands → use cases (interview, grounding, workspace, scoring, reports, scheduling) → voice →
 * provider ports ← adapters; store/ and lib/ at the bottom. Simulators (src/sim) and test doubles
 * (src/providers/testing) are never imported by production code: only the demo, `screenline sim`, the local-mode
 * bridge (loaded by `serve` outside production) and tests reach them.
 */
const USE_CASES = '^src/(interview|grounding|workspace|scoring|reports|scheduling|ats)/';
const EDGES = '^src/(routes|plugins|commands|app\\.ts|server\\.ts|cli\\.ts)';

module.exports = {
  forbidden: [
    {
      name: 'no-sim-in-production',
      comment: 'Production code never imports the simulators; only the demo, `screenline sim` and the local-mode bridge do.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/sim/', '^src/commands/(demo|demo-report|sim|local-mode)\\.ts$'] },
      to: { path: '^src/sim/' },
    },
    {
      name: 'no-test-doubles-in-production',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/sim/', '^src/providers/testing/'] },
      to: { path: '^src/providers/testing/' },
    },
    {
      name: 'voice-is-framework-free',
      comment: 'The real-time core imports no web framework, socket library or queue.',
      severity: 'error',
      from: { path: '^src/voice/' },
      to: { path: ['node_modules/(fastify|@fastify|ws|bullmq|ioredis)/', '^src/(routes|plugins|commands|interview|telephony|jobs)/'] },
    },
    {
      name: 'telephony-knows-no-interview',
      severity: 'error',
      from: { path: '^src/telephony/' },
      to: { path: ['^src/(interview|grounding|workspace|scoring|reports|scheduling|routes|plugins|commands|voice)/'] },
    },
    {
      name: 'providers-are-below-use-cases',
      comment: 'Ports and adapters know nothing of the use cases or the edges.',
      severity: 'error',
      from: { path: '^src/providers/' },
      to: { path: [USE_CASES, EDGES, '^src/(voice|telephony|jobs)/'] },
    },
    {
      name: 'use-cases-below-edges',
      comment: 'Use cases are called by routes, plugins and commands, never the other way round.',
      severity: 'error',
      from: { path: [USE_CASES, '^src/voice/', '^src/jobs/'] },
      to: { path: EDGES, pathNot: '^src/plugins/simulation\\.ts$' },
    },
    {
      name: 'store-and-lib-at-the-bottom',
      severity: 'error',
      from: { path: '^src/(store|lib)/' },
      to: { path: '^src/', pathNot: '^src/(store|lib)/' },
    },
    {
      name: 'lib-imports-nothing-of-the-app',
      severity: 'error',
      from: { path: '^src/lib/' },
      to: { path: '^src/', pathNot: '^src/lib/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^src/web/', '\\.d\\.ts$'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
