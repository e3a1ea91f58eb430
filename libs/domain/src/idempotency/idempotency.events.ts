/**
 * Events and commands of an idempotency key: the first answer to each use of one caller's
 * `Idempotency-Key`, kept in the log (a stream per caller and key) so that it outlives the process.
 */
import { z } from 'zod';

/** What a client sends in `Idempotency-Key`: 1-255 printable ASCII characters. */
export const IdempotencyKey = z
  .string()
  .min(1, { message: 'must not be empty' })
  .max(255, { message: 'must be at most 255 characters' })
  .regex(/^[\x20-\x7E]+$/, { message: 'must be printable ASCII characters only' });

/** An answer as it is sent again: its status, body (JSON as it was sent; undefined when none) and the headers that belong to it. */
export const RecordedAnswer = z.object({
  status: z.number().int().min(200).max(299),
  body: z.unknown(),
  headers: z.record(z.string(), z.string()),
});
export type RecordedAnswer = z.infer<typeof RecordedAnswer>;

/**
 * The first answer to one use of the key. `use` counts the uses (0 first): a key is used again once
 * its last answer is older than the window. `fingerprint` names the request it answered.
 */
export const IdempotentAnswerRecorded = z.object({
  type: z.literal('IdempotentAnswerRecorded'),
  data: z.object({
    use: z.number().int().min(0),
    fingerprint: z.string().min(1).max(100),
    answer: RecordedAnswer,
    recordedAt: z.string().datetime(),
  }),
});

export const IdempotencyEvent = z.discriminatedUnion('type', [IdempotentAnswerRecorded]);
export type IdempotencyEvent = z.infer<typeof IdempotencyEvent>;

export type IdempotencyCommand = {
  readonly type: 'RecordAnswer';
  readonly use: number;
  readonly fingerprint: string;
  readonly answer: RecordedAnswer;
  readonly recordedAt: string;
};
