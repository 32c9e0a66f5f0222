// Why: the options every command reading scenarios shares (validate, predict, explain, lint, run, selftest), in one
// place so their names, help and meaning cannot drift apart.
import type { LoadOptions } from '../scenario/load.js'
import { MAX_FILE_BYTES } from '../scenario/limits.js'

/** `.option(...ALLOW_OUTSIDE_FILES)`: lets `apply: [{file: ...}]` name files outside the scenario's folder. */
export const ALLOW_OUTSIDE_FILES = [
  '--allow-outside-files',
  `let apply: [{file: ...}] name files outside the scenario's folder (refused by default; only regular files up to ${MAX_FILE_BYTES / 1024 / 1024} MiB are ever read)`,
] as const

/** The load options the flags ask for. */
export function loadOptionsOf(flags: { allowOutsideFiles?: boolean }): LoadOptions {
  return { allowOutsideFiles: !!flags.allowOutsideFiles }
}
