// Why: the few named harness failures; one top-level catch maps them to exit codes (ARCHITECTURE.md 3.1).

/** One problem in user input, located as precisely as we can. */
export interface Problem {
  readonly file: string
  readonly line?: number
  readonly column?: number
  /** YAML path, e.g. `steps[1].apply[0].spec.podSelector`. */
  readonly path?: string
  readonly message: string
  readonly hint?: string
}

/** Renders a problem on one line: `file:line:col: path: message (hint)`. */
export function formatProblem(p: Problem): string {
  const where = [p.file, p.line, p.line !== undefined ? p.column : undefined].filter((x) => x !== undefined).join(':')
  const path = p.path ? ` ${p.path}:` : ''
  const hint = p.hint ? ` (${p.hint})` : ''
  return `${where}:${path} ${p.message}${hint}`
}

/** Base class: carries the exit code the CLI must return. */
export class HarnessError extends Error {
  readonly exitCode: number
  constructor(message: string, exitCode: number, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.exitCode = exitCode
  }
}

/** Bad input: every problem found, reported at once. Exit 2, nothing applied anywhere. */
export class InputError extends HarnessError {
  readonly problems: readonly Problem[]
  constructor(problems: readonly Problem[]) {
    super(`${problems.length} problem${problems.length === 1 ? '' : 's'} in the input`, 2)
    this.problems = problems
  }
}

/** Wrong command-line usage. Exit 2. */
export class UsageError extends HarnessError {
  constructor(message: string) {
    super(message, 2)
  }
}

/** Cluster, driver or probe machinery failed. Exit 3. */
export class InfraError extends HarnessError {
  readonly hint?: string
  constructor(message: string, options?: { cause?: unknown; hint?: string }) {
    super(message, 3, options)
    this.hint = options?.hint
  }
}

/** The environment cannot run any scenario (no root, no tools, no cluster, no permission): the run stops. Exit 3. */
export class EnvironmentError extends InfraError {}
