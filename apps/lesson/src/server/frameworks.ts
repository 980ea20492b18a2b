/** The frameworks the lesson server runs on (SIGNET_FRAMEWORK), the default first. */
export const FRAMEWORKS = ['fastify', 'express', 'hono'] as const;
export type Framework = (typeof FRAMEWORKS)[number];

/** How the start-up line names each framework: the major versions apps/lesson/package.json takes. */
export const FRAMEWORK_NAMES: Readonly<Record<Framework, string>> = { fastify: 'Fastify 5', express: 'Express 5', hono: 'Hono 4' };
