/**
 * Marks a Nest provider as a processor (saga or projection) for the ProcessorHost to run.
 * The class implements {@link Processor}.
 */
import { SetMetadata } from '@nestjs/common';

export const EVENT_PROCESSOR = Symbol('EVENT_PROCESSOR');

export const EventProcessor = (): ClassDecorator => SetMetadata(EVENT_PROCESSOR, true);
