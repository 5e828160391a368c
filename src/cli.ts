/** The `screenline` command. Each subcommand lives in src/commands/. */
import { ConfigError, loadConfig } from './config.js';

const USAGE = `usage: screenline <command> [options]

commands:
  serve              run the web service (HTTP API, Twilio webhooks, media streams)
  worker             run background jobs (needs REDIS_URL to share work with web processes)
  migrate            apply database migrations and exit
  token create [label] [--org <id>]  issue a recruiter API token for an organisation (printed once)
  org create <id> --name <name> | list | connect <id> <vendor> … | set <id> …
                     organisations and their ATS connections (docs/ats.md)
  call <interviewId> place the interview's call now through Twilio
  rescore <interviewId> [--rubric id@version] [--email]
                     score an interview again into a new revision (old scores are kept)
  demo               run a whole simulated phone interview end to end (no accounts needed)
  sim [options]      play a candidate's phone through the Twilio simulator (sim --help)
  help               show this help

Configuration comes from the environment: see docs/configuration.md.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE + '\n');
    return command ? 0 : 1;
  }
  const config = loadConfig();
  switch (command) {
    case 'serve':
      return (await import('./commands/serve.js')).serve(config);
    case 'worker':
      return (await import('./commands/worker.js')).worker(config);
    case 'migrate':
      return (await import('./commands/migrate.js')).migrate(config);
    case 'call':
      return (await import('./commands/call.js')).call(config, rest);
    case 'rescore':
      return (await import('./commands/rescore.js')).rescore(config, rest);
    case 'demo':
      return (await import('./commands/demo.js')).demo(config, rest);
    case 'sim':
      return (await import('./commands/sim.js')).sim(config, rest);
    case 'token':
      return (await import('./commands/token.js')).token(config, rest);
    case 'org':
      return (await import('./commands/org.js')).org(config, rest);
    default:
      process.stderr.write(`unknown command "${command}"\n\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    // Long-running commands resolve to -1 and exit by themselves when their handles close.
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    const message = err instanceof ConfigError ? `${err.message}\nSee docs/configuration.md.\n` : `screenline: ${(err as Error)?.stack ?? String(err)}\n`;
    process.exitCode = 1;
    // A command that failed half-way (a serve whose start threw) may still hold handles (database, timers, a
    // listening socket): exit now, once the message is out, so a broken container crashes and is restarted instead
    // of sitting there unhealthy.
    process.stderr.write(message, () => process.exit(1));
    setTimeout(() => process.exit(1), 1000).unref();
  },
);
