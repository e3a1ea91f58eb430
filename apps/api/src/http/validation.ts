/** Parses request parts with zod; every issue becomes a field error naming where it is. */
import { z, ZodType } from 'zod';
import { RequestValidationError } from './problem';

const fieldName = (prefix: string, path: readonly PropertyKey[]): string => {
  let name = prefix;
  for (const key of path) name += typeof key === 'number' ? `[${key}]` : name ? `.${String(key)}` : String(key);
  return name || prefix || 'body';
};

export const issuesToErrors = (prefix: string, error: z.ZodError) =>
  error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: fieldName(prefix, [...issue.path, key]), message: 'is not a known field' }));
    }
    return [{ field: fieldName(prefix, issue.path), message: issue.message }];
  });

/** `prefix` is '' for bodies (fields by name) and 'path.'/'query.' style names for the rest. */
export const parseOrThrow = <T>(schema: ZodType<T>, value: unknown, prefix = ''): T => {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new RequestValidationError(issuesToErrors(prefix, parsed.error));
  return parsed.data;
};
