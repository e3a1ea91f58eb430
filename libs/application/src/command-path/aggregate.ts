/** What the command path needs to know of an aggregate: its decider and its event schema. */
import { ZodType } from 'zod';
import { Decider } from '@app/domain/shared/decider';

export interface Aggregate<State, Command, Event extends { type: string; data: unknown }> {
  /** Stream category, e.g. `order`: names the aggregate in errors. */
  readonly category: string;
  readonly decider: Decider<State, Command, Event>;
  /** Parses a stored event (type + data) into the domain event; failure stops with a clear error. */
  readonly eventSchema: ZodType<Event>;
}
