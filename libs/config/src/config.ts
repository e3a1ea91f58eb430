/**
 * The service's configuration, read from environment variables and parsed with zod at boot.
 * A bad value stops the start with a message naming the variable.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';

const port = z.coerce.number().int().min(1).max(65535);

const EnvSchema = z
  .object({
    EVENT_STORE: z.enum(['sqlite', 'esdb', 'postgres']).default('sqlite'),
    SQLITE_PATH: z.string().min(1).default('./data/events.sqlite'),
    SQLITE_DURABILITY: z.enum(['full', 'normal']).default('full'),
    ESDB_CONNECTION_STRING: z.string().regex(/^(esdb|esdb\+discover|kurrentdb|kurrentdb\+discover):\/\//, {
      message: 'must be an esdb://, esdb+discover://, kurrentdb:// or kurrentdb+discover:// connection string',
    }).optional(),
    READ_STORE: z.enum(['memory', 'mongodb', 'postgres']).default('memory'),
    POSTGRES_URL: z.string().regex(/^postgres(ql)?:\/\//, { message: 'must be a postgres:// connection string' }).optional(),
    /** The schema the PostgreSQL stores keep their tables in (one database can hold several deployments). */
    POSTGRES_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, { message: 'must be a lower-case SQL identifier' }).default('public'),
    POSTGRES_POOL_SIZE: z.coerce.number().int().min(2).max(200).default(10),
    MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\//, { message: 'must be a mongodb:// connection string' }).optional(),
    MONGODB_DATABASE: z.string().regex(/^[A-Za-z0-9_-]{1,63}$/).default('backorders'),
    PORT: port.default(3000),
    /** Where the worker serves its /metrics (0: a free port, named in its start line). The api serves its own on PORT. */
    WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
    HOST: z.string().min(1).default('0.0.0.0'),
    ADMIN_TOKEN: z.string().min(16, { message: 'must be at least 16 characters' }).optional(),
    /** Whether the api runs the sagas and projections itself (embedded default) or leaves them to a worker. */
    RUN_PROCESSORS: z.enum(['true', 'false']).default('true').transform((value) => value === 'true'),
    LOG_LEVEL: z.enum(['error', 'warn', 'log', 'debug']).default('log'),
    /** The built operator console the api serves at /console; unset: `dist/console` of this checkout. */
    CONSOLE_DIR: z.string().min(1).optional(),
    /** Webhook URLs may resolve to loopback, private or link-local addresses (tests, on-premises receivers). */
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: z.enum(['true', 'false']).default('false').transform((value) => value === 'true'),
    /** The wait after a webhook delivery's first failed attempt; it doubles (with jitter) each time, up to an hour. */
    WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(1).max(3_600_000).default(1000),
    /** How long a receiver has to answer one delivery attempt. */
    WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(10).max(120_000).default(10_000),
    /** Attempts in all before a delivery is FAILED (at least 5). */
    WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(5).max(50).default(10),
  })
  .superRefine((env, ctx) => {
    if (env.EVENT_STORE === 'esdb' && !env.ESDB_CONNECTION_STRING) {
      ctx.addIssue({ code: 'custom', path: ['ESDB_CONNECTION_STRING'], message: 'is required when EVENT_STORE=esdb' });
    }
    if (env.EVENT_STORE === 'esdb' && !env.MONGODB_URI) {
      ctx.addIssue({
        code: 'custom',
        path: ['MONGODB_URI'],
        message: 'is required when EVENT_STORE=esdb (processor checkpoints are kept in MongoDB)',
      });
    }
    if (!env.RUN_PROCESSORS && env.READ_STORE === 'memory') {
      ctx.addIssue({
        code: 'custom',
        path: ['RUN_PROCESSORS'],
        message: 'may be false only with shared read models, READ_STORE=postgres or mongodb (in-memory read models are fed by this process)',
      });
    }
    if ((env.EVENT_STORE === 'postgres' || env.READ_STORE === 'postgres') && !env.POSTGRES_URL) {
      ctx.addIssue({ code: 'custom', path: ['POSTGRES_URL'], message: 'is required when EVENT_STORE or READ_STORE is postgres' });
    }

    if (env.READ_STORE === 'mongodb' && !env.MONGODB_URI) {
      ctx.addIssue({ code: 'custom', path: ['MONGODB_URI'], message: 'is required when READ_STORE=mongodb' });
    }
  });

export type AppConfig = Readonly<
  Omit<z.infer<typeof EnvSchema>, 'ADMIN_TOKEN'> & {
    ADMIN_TOKEN: string;
    /** True when no ADMIN_TOKEN was given and one was generated for this run. */
    adminTokenGenerated: boolean;
  }
>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly { variable: string; message: string }[]) {
    super(
      `Invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}`,
    );
  }
}

/** Parses the environment; empty strings count as unset. Throws {@link ConfigError}. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): AppConfig => {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? '(environment)'), message: issue.message })),
    );
  }
  const { ADMIN_TOKEN, ...rest } = parsed.data;
  return {
    ...rest,
    ADMIN_TOKEN: ADMIN_TOKEN ?? randomBytes(24).toString('base64url'),
    adminTokenGenerated: ADMIN_TOKEN === undefined,
  };
};

/** The Nest log levels that a LOG_LEVEL turns on. */
export const logLevels = (level: AppConfig['LOG_LEVEL']): ('error' | 'warn' | 'log' | 'debug')[] => {
  const order = ['error', 'warn', 'log', 'debug'] as const;
  return order.slice(0, order.indexOf(level) + 1);
};
