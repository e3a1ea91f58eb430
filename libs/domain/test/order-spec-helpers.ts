/**
 * A small given/when/then for the order and purchase-order decider specs:
 *
 *   const given = specFor(orderDecider, OrderEvent);
 *   given([...events]).when(command).then([...events]);
 *   given([...events]).when(command).thenThrows({ kind: 'conflict', code: 'X', field: 'lines[0].sku' });
 *
 * Every decided event must parse with the aggregate's schema (what is decided must be storable),
 * and `decide` must leave the folded state as it found it.
 */
import { ZodType } from 'zod';
import { Decider, DomainError, DomainErrorKind, fold } from '../src/shared/decider';

export type ExpectedDomainError = { kind: DomainErrorKind; code: string; field?: string };

export const specFor =
  <State, Command, Event>(decider: Decider<State, Command, Event>, eventSchema: ZodType<Event>) =>
  (givenEvents: readonly Event[]) => ({
    when: (command: Command) => {
      const run = (): Event[] => {
        const state = fold(decider, givenEvents);
        const untouched = fold(decider, givenEvents);
        try {
          return decider.decide(command, state);
        } finally {
          expect(state).toStrictEqual(untouched);
        }
      };
      return {
        /** Exactly these events, strictly equal (no stray undefined keys). */
        then: (expected: Event[]): void => {
          const events = run();
          for (const event of events) expect(eventSchema.parse(event)).toStrictEqual(event);
          expect(events).toStrictEqual(expected);
        },
        /** No events: already done, or nothing to change. */
        thenNothingHappened: (): void => expect(run()).toStrictEqual([]),
        /** A DomainError of this kind and code (and field, when given); returned for more checks. */
        thenThrows: (expected: ExpectedDomainError): DomainError => {
          let thrown: unknown;
          try {
            thrown = new Error(`Expected ${expected.code}, but the decider decided ${JSON.stringify(run())}`);
          } catch (error) {
            thrown = error;
          }
          expect(thrown).toBeInstanceOf(DomainError);
          const error = thrown as DomainError;
          const actual = { kind: error.kind, code: error.code, ...('field' in expected ? { field: error.field } : {}) };
          expect(actual).toStrictEqual(expected);
          return error;
        },
      };
    },
  });

/** The state after these events. */
export const stateAfter = <State, Command, Event>(decider: Decider<State, Command, Event>, events: readonly Event[]): State =>
  fold(decider, events);
