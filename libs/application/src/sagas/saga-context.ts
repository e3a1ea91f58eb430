/** The context of a command a processor issues for an event: derived from the event, so repeatable. */
import { RecordedEvent } from '@app/event-store';
import { CommandContext } from '../command-path/command-context';

const text = (value: unknown, fallback: string): string => (typeof value === 'string' && value.length > 0 ? value : fallback);

export const contextFromEvent = (processorName: string, event: RecordedEvent, step: string): CommandContext => ({
  commandId: `${event.id}/${processorName}/${step}`,
  correlationId: text(event.metadata['correlationId'], event.streamName),
  causationId: event.id,
  actor: `processor:${processorName}`,
  occurredAt: text(event.metadata['occurredAt'], event.recordedAt.toISOString()),
});
