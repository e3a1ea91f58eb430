/**
 * The shape of every aggregate: a pure decider. No Nest, no drivers, no clock: time and ids come
 * in with the command.
 */
export type Decider<State, Command, Event> = {
  readonly initialState: () => State;
  readonly evolve: (state: State, event: Event) => State;
  /** Events to append, possibly none (the command is already done), or throws a DomainError. */
  readonly decide: (command: Command, state: State) => Event[];
};

/** What a refused command means to a client; the HTTP edge maps it to a status code. */
export type DomainErrorKind =
  /** The thing the command is about does not exist (404). */
  | 'not_found'
  /** The command clashes with the current state (409). */
  | 'conflict'
  /** The command is well formed but breaks a rule of the domain (422). */
  | 'rule_violated';

export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly kind: DomainErrorKind,
    /** A stable, upper-case code clients can branch on, e.g. `INVENTORY_NOT_AVAILABLE`. */
    readonly code: string,
    message: string,
    /** Which field of the request the error is about, when it is about one. */
    readonly field?: string,
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
  }
}

/** Folds events into state from the initial state. */
export const fold = <State, Event>(decider: Pick<Decider<State, unknown, Event>, 'initialState' | 'evolve'>, events: readonly Event[]): State =>
  events.reduce(decider.evolve, decider.initialState());
