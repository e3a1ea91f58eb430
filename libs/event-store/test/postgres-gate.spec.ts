import { postgresAvailability, redactUrl } from '../src/testing/postgres';

describe('postgresAvailability', () => {
  it('reports a server that does not answer as unavailable, with the reason on one line', () => {
    const url = 'postgres://postgres:secret@127.0.0.1:1/postgres';
    const result = postgresAvailability({ url, timeoutMs: 2000 });
    expect(result.available).toBe(false);
    if (result.available) return;
    expect(result.url).toBe(url);
    expect(result.reason).toMatch(/ECONNREFUSED|connect/);
    expect(result.reason).not.toMatch(/\n/);
  });

  it('names the server without its password', () => {
    expect(redactUrl('postgres://postgres:secret@db:5432/x')).toBe('postgres://postgres:***@db:5432/x');
    expect(redactUrl('postgres://postgres@127.0.0.1:5432/postgres')).toBe('postgres://postgres@127.0.0.1:5432/postgres');
  });
});
