/**
 * Given/when/then for deciders, in the manner of emmett's DeciderSpecification:
 *
 *   const given = DeciderSpecification.for(binDecider, BinEvent);
 *   given([...events]).when(command).then([...events]);
 *   given([...events]).when(command).thenThrows({ kind: 'conflict', code: 'X' });
 *
 * Besides comparing, it parses every decided event with the aggregate's schema (what is decided
 * must be storable) and checks that `decide` left the folded state as it found it.
 */
import { ZodType } from 'zod';
import { Decider, DomainError, DomainErrorKind, fold } from '../src/shared/decider';

export type ExpectedError = { kind: DomainErrorKind; code: string; field?: string };

export type DeciderThen<Event> = {
  /** Exactly these events (strictly equal: no stray undefined keys). */
  then: (expected: Event[]) => void;
  /** No events: the command was already done or changes nothing. */
  thenNothingHappened: () => void;
  /** A DomainError of this kind and code (and field, when given); returned for further checks. */
  thenThrows: (expected: ExpectedError) => DomainError;
};

export const DeciderSpecification = {
  for<State, Command, Event>(decider: Decider<State, Command, Event>, eventSchema?: ZodType<Event>) {
    return (givenEvents: readonly Event[]) => ({
      when: (command: Command): DeciderThen<Event> => {
        const run = (): Event[] => {
          const state = fold(decider, givenEvents);
          const untouched = fold(decider, givenEvents);
          try {
            return decider.decide(command, state);
          } finally {
            expect(state).toStrictEqual(untouched);
          }
        };
        const decided = (): Event[] => {
          const events = run();
          // What is decided must be storable as it is: its schema parses it to the same event.
          if (eventSchema !== undefined) for (const event of events) expect(eventSchema.parse(event)).toStrictEqual(event);
          return events;
        };
        return {
          then: (expected) => expect(decided()).toStrictEqual(expected),
          thenNothingHappened: () => expect(decided()).toStrictEqual([]),
          thenThrows: (expected) => {
            let thrown: unknown;
            try {
              const events = run();
              throw new Error(`Expected ${expected.code}, but the decider decided ${JSON.stringify(events)}`);
            } catch (error) {
              thrown = error;
            }
            expect(thrown).toBeInstanceOf(DomainError);
            const error = thrown as DomainError;
            expect({ kind: error.kind, code: error.code, ...('field' in expected ? { field: error.field } : {}) }).toStrictEqual(
              expected,
            );
            return error;
          },
        };
      },
    });
  },
};
