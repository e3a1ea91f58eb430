import type { EventPositions } from './event-positions';

/** Who and what caused a command: becomes the metadata of every event it appends. */
export interface CommandContext {
  /** Unique per command; event ids are derived from it, so a retried append is recognised. */
  readonly commandId: string;
  /** The flow: the originating order's stream, or the command id for commands outside a flow. */
  readonly correlationId: string;
  /** The command or event that caused this command. */
  readonly causationId: string;
  /** `admin`, `account:<id>`, or `processor:<name>`. */
  readonly actor: string;
  /** ISO 8601 time of the command. */
  readonly occurredAt: string;
  /** Where the request's answer stands (HTTP requests only; shared by every step of the command). */
  readonly positions?: EventPositions;
}

/** The metadata every event carries (DESIGN.md guarantee 5). */
export type EventMetadataV1 = {
  readonly correlationId: string;
  readonly causationId: string;
  readonly actor: string;
  readonly occurredAt: string;
  readonly commandId: string;
  /** The schema version of the event's type it was written with (see event-versions.ts). */
  readonly schemaVersion: number;
};

/** A context for a step of a command (a sub-command), with its own command id. */
export const stepOf = (context: CommandContext, step: string): CommandContext => ({
  ...context,
  commandId: `${context.commandId}/${step}`,
});
