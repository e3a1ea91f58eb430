/** The context of a command sent by an HTTP request. */
import { randomUUID } from 'node:crypto';
import { CommandContext } from '@app/application/command-path/command-context';
import { EventPositions } from '@app/application/command-path/event-positions';
import { actorOf, Principal } from './auth';

export const httpCommandContext = (principal: Principal, correlationId?: string): CommandContext => {
  const commandId = randomUUID();
  return {
    commandId,
    correlationId: correlationId ?? commandId,
    causationId: commandId,
    actor: actorOf(principal),
    occurredAt: new Date().toISOString(),
    positions: new EventPositions(),
  };
};
