/** Runs a command and answers with its `X-Event-Position`. */
import type { FastifyReply } from 'fastify';
import { CommandContext } from '@app/application/command-path/command-context';
import { positionToString } from '@app/event-store';

export const withEventPosition = async <T>(
  reply: FastifyReply,
  context: CommandContext,
  work: (context: CommandContext) => Promise<T>,
): Promise<T> => {
  const result = await work(context);
  const position = context.positions?.position;
  if (position !== undefined) void reply.header('X-Event-Position', positionToString(position));
  return result;
};
