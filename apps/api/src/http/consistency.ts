/** `X-Consistent-With: <position>`: a GET answers once the read models have applied that position. */
import type { FastifyRequest } from 'fastify';
import { ReadModelsService } from '@app/read-models/read-models.service';
import { ConsistentWithHeader } from './request-schemas';
import { parseOrThrow } from './validation';

export const CONSISTENCY_TIMEOUT_MS = 5000;

export const awaitConsistency = async (request: FastifyRequest, readModels: ReadModelsService): Promise<void> => {
  const header = request.headers['x-consistent-with'];
  if (header === undefined) return;
  const text = parseOrThrow(ConsistentWithHeader, Array.isArray(header) ? header[0] : header, 'header.X-Consistent-With');
  await readModels.waitFor(BigInt(text), CONSISTENCY_TIMEOUT_MS);
};
