/** What commands may touch of the outside world; main.ts binds it to the process. */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** The current time (epoch ms): the CLI reads the clock, the engine never does. */
  readonly now: () => number;
}

/** Exit codes: 0 success, 1 failure (bad grid, missing file, usage), 2 some input lines bad. */
export const ExitCode = { Ok: 0, Failure: 1, BadInput: 2 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
