import { ConfigError, loadConfig } from '../src/config';

const problemsOf = (env: NodeJS.ProcessEnv) => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => p.variable);
    throw error;
  }
  return [];
};

describe('loadConfig', () => {
  it('defaults to the embedded stores on port 3000', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      EVENT_STORE: 'sqlite',
      SQLITE_PATH: './data/events.sqlite',
      SQLITE_DURABILITY: 'full',
      READ_STORE: 'memory',
      PORT: 3000,
      RUN_PROCESSORS: true,
      adminTokenGenerated: true,
    });
    expect(config.ADMIN_TOKEN.length).toBeGreaterThanOrEqual(16);
  });

  it('reads given values', () => {
    const config = loadConfig({
      EVENT_STORE: 'esdb',
      ESDB_CONNECTION_STRING: 'esdb://localhost:2113?tls=false',
      READ_STORE: 'mongodb',
      MONGODB_URI: 'mongodb://localhost:27017',
      PORT: '8080',
      ADMIN_TOKEN: 'a-long-enough-admin-token',
    });
    expect(config).toMatchObject({ EVENT_STORE: 'esdb', READ_STORE: 'mongodb', PORT: 8080, adminTokenGenerated: false });
  });

  it('names each bad variable', () => {
    expect(problemsOf({ EVENT_STORE: 'postgresql' })).toEqual(['EVENT_STORE']);
    expect(problemsOf({ EVENT_STORE: 'postgres' })).toEqual(['POSTGRES_URL']);
    expect(problemsOf({ READ_STORE: 'postgres', POSTGRES_URL: 'mysql://x' })).toEqual(['POSTGRES_URL']);
    expect(problemsOf({ EVENT_STORE: 'postgres', READ_STORE: 'postgres', POSTGRES_URL: 'postgres://u@h/db', RUN_PROCESSORS: 'false' })).toEqual([]);
    expect(problemsOf({ EVENT_STORE: 'postgres', POSTGRES_URL: 'postgres://u@h/db', POSTGRES_SCHEMA: 'Not Valid' })).toEqual(['POSTGRES_SCHEMA']);
    expect(problemsOf({ PORT: 'eighty' })).toEqual(['PORT']);
    expect(problemsOf({ PORT: '70000' })).toEqual(['PORT']);
    expect(problemsOf({ READ_STORE: 'mongodb' })).toEqual(['MONGODB_URI']);
    expect(
      problemsOf({ EVENT_STORE: 'esdb', ESDB_CONNECTION_STRING: 'http://x', MONGODB_URI: 'mongodb://m' }),
    ).toEqual(['ESDB_CONNECTION_STRING']);
    expect(problemsOf({ EVENT_STORE: 'esdb', ESDB_CONNECTION_STRING: 'esdb://x:2113' })).toEqual(['MONGODB_URI']);
    expect(problemsOf({ ADMIN_TOKEN: 'short' })).toEqual(['ADMIN_TOKEN']);
    expect(problemsOf({ RUN_PROCESSORS: 'false' })).toEqual(['RUN_PROCESSORS']);
    expect(problemsOf({ RUN_PROCESSORS: 'false', READ_STORE: 'mongodb', MONGODB_URI: 'mongodb://m' })).toEqual([]);
    expect(problemsOf({ SQLITE_DURABILITY: 'maybe', RUN_PROCESSORS: 'sometimes' }).sort()).toEqual([
      'RUN_PROCESSORS',
      'SQLITE_DURABILITY',
    ]);
  });

  it('says which variable is wrong in the message', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT: /);
  });
});
