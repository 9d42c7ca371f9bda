/**
 * `exotel-calls serve`: the long-running service — the call stream, the sinks, the wallboard, and
 * an HTTP port with /healthz, /readyz and /metrics — configured by environment variables and an
 * optional JSON/YAML file. JSON logs on stdout (pino). See docs/service.md.
 */
import type { Command } from '../command.js';
import type { CliContext } from '../context.js';
import { ExitCode } from '../exitCodes.js';
import { parseCommandArgs, type OptionSpecs } from '../parse.js';
import { loadServiceConfig, readConfigFile, SERVICE_ENV } from '../serve/loadServiceConfig.js';

const options = {
  config: { type: 'string', short: 'c' },
  check: { type: 'boolean' },
} as const satisfies OptionSpecs;

const width = Math.max(...Object.keys(SERVICE_ENV).map((k) => k.length));
const help = `Usage: exotel-calls serve [--config FILE] [--check]

Runs the service: streams the account's call events into the configured sinks (signed webhooks,
NDJSON files, Redis Streams), serves the wallboard, and answers /healthz, /readyz and /metrics
(Prometheus) on its HTTP port; with a hints secret, it takes Exotel's StatusCallbacks at
/exotel/status-callback/<secret> as hints, so that those calls go out soon after they settle. Logs are JSON lines on stdout. SIGTERM (or Ctrl-C) stops the
stream, saves its checkpoint, and delivers what the sinks hold (up to shutdown.drainTimeout).

  -c, --config FILE       a JSON or YAML file (or EXOTEL_CALLS_CONFIG); environment variables win over it
  --check                 validate the configuration, print it (secrets hidden) and exit

Environment:
${Object.entries(SERVICE_ENV).map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n')}

Exit codes: 0 stopped by SIGTERM/SIGINT after draining, 1 failure (a fatal API answer such as 402,
a store that cannot be read, a port in use), 2 bad configuration (the message names the key or
variable), 3 missing or refused credentials.

Example:
  EXOTEL_ACCOUNT_SID=acme1 EXOTEL_API_KEY=… EXOTEL_API_TOKEN=… \\
  EXOTEL_CALLS_WEBHOOK_URL=https://crm.example.com/hooks/exotel EXOTEL_CALLS_WEBHOOK_SECRET=whsec_… \\
  exotel-calls serve
`;

async function run(argv: string[], context: CliContext): Promise<number> {
  const { values } = parseCommandArgs('serve', options, argv);
  const configPath = values.config ?? context.env.EXOTEL_CALLS_CONFIG?.trim();
  const cwd = process.cwd();
  const file = configPath ? readConfigFile(configPath) : undefined;
  const config = loadServiceConfig({ env: context.env, file, cwd });
  if (values.check) {
    const shown = {
      ...config,
      account: { ...config.account, apiKey: '(set)', apiToken: '(set)' },
      sinks: { ...config.sinks, webhooks: config.sinks.webhooks.map((w) => ({ ...w, secret: '(set)' })) },
      hints: { ...config.hints, ...(config.hints.secret === undefined ? {} : { secret: '(set)' }) },
      redis: config.redis ? { url: config.redis.url.replace(/\/\/[^/@]*@/, '//(credentials)@') } : undefined,
    };
    context.stdout.write(`${JSON.stringify(shown, (_k, v: unknown) => (v === Infinity ? 'Infinity' : v), 2)}\n`);
    return ExitCode.ok;
  }
  const [{ runService }, { serviceLogger }] = await Promise.all([import('../serve/runService.js'), import('../serve/serviceLogger.js')]);
  return runService(config, context, serviceLogger(config.log.level, context.stdout));
}

export const serveCommand: Command = { name: 'serve', summary: 'run as a service: stream → sinks, wallboard, /healthz /readyz /metrics', help, run };
