// The structured-logging port our adapters write to. pino's Logger satisfies it, so apps pass
// their pino instance; libraries never print to the console on their own.
export type LogFn = (fields: Record<string, unknown>, message?: string) => void;

export type Logger = {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
};

const noop: LogFn = () => undefined;

export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };
