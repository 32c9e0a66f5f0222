// Why: where the CLI writes, apart from main.ts so that every command module can take it without an import cycle.

/** Where the CLI writes; tests pass their own. */
export interface Io {
  out(text: string): void
  err(text: string): void
}

/** The process's own stdout and stderr. */
export const processIo: Io = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
}
