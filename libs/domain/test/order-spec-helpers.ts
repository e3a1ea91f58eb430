/**
 * The order and purchase-order specs' names for the shared given/when/then (decider-spec.ts):
 *
 *   const given = specFor(orderDecider, OrderEvent);
 *   given([...events]).when(command).then([...events]);
 */
import { Decider, fold } from '../src/shared/decider';
import { DeciderSpecification, ExpectedError } from './decider-spec';

export type ExpectedDomainError = ExpectedError;

export const specFor = DeciderSpecification.for;

/** The state after these events. */
export const stateAfter = <State, Command, Event>(decider: Decider<State, Command, Event>, events: readonly Event[]): State =>
  fold(decider, events);
