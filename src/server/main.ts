/**
 * `npm start`: the lesson server, configured from the environment.
 * See config.ts for the variables; Ctrl-C (SIGINT) or SIGTERM stops it cleanly.
 */
import { buildServer } from './app.js';
import { ConfigError, loadConfig } from './config.js';

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`signet: cannot start: ${error.message}\n`);
    process.exitCode = 1;
    return;
  }
  for (const notice of config.notices) process.stdout.write(`signet: ${notice}\n`);
  const app = await buildServer({
    secret: config.secret,
    session: config.session,
    logRequests: config.logRequests,
    ...(config.trustProxy === undefined ? {} : { trustProxy: config.trustProxy }),
  });
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    process.stderr.write(`signet: cannot listen on ${config.host}:${config.port}: ${(error as Error).message}\n`);
    process.exitCode = 1;
    return;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const shown = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host.includes(':') ? `[${config.host}]` : config.host;
  process.stdout.write(`signet: the lesson API is on http://${shown}:${port}/sessions/hello (Ctrl-C stops it)\n`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`signet: ${signal} received, closing\n`);
    app.close().then(
      () => process.stdout.write('signet: stopped\n'),
      (error: unknown) => {
        process.stderr.write(`signet: error while closing: ${String(error)}\n`);
        process.exitCode = 1;
      },
    );
  };
  process.once('SIGINT', () => {
    stop('SIGINT');
  });
  process.once('SIGTERM', () => {
    stop('SIGTERM');
  });
}

await main();
