// Loaded by profile.sh with --import: SIGUSR2 prints V8's new space to stderr, and SIGINT
// exits normally, so that --cpu-prof writes its profile for servers that do not handle it.
import { getHeapSpaceStatistics } from 'node:v8';

process.on('SIGUSR2', () => {
  const space = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  console.error(`new space ${((space?.space_size ?? 0) / 2 ** 20).toFixed(1)} MiB`);
});
process.on('SIGINT', () => process.exit(0));
