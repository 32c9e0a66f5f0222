// Why: the reading limits, apart from load.ts so the CLI can name them in --help without loading the scenario code.

/** The largest file a scenario, policy or manifest may be (16 MiB): more is refused before it is read. */
export const MAX_FILE_BYTES = 16 * 1024 * 1024
