/** Runs a command and answers with its `X-Event-Position`. */
import type { FastifyReply } from 'fastify';
import { trackPositions } from '@app/application/command-path/position-tracker';
import { positionToString } from '@app/event-store';

export const withEventPosition = async <T>(reply: FastifyReply, work: () => Promise<T>): Promise<T> => {
  const { result, position } = await trackPositions(work);
  if (position !== undefined) void reply.header('X-Event-Position', positionToString(position));
  return result;
};
