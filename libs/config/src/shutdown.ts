/**
 * Graceful stop on SIGTERM / SIGINT: processors stop after the event in hand, stores close, and the
 * process exits 0 (Nest's own shutdown hooks re-raise the signal, which reads as a crash).
 */
export const stopOnSignals = (close: () => Promise<void>, logger: { log(message: string): void }): void => {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal} received, stopping`);
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`Stopping failed: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
};
