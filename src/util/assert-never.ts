// Why: makes every switch over a tagged union exhaustive at compile time.
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unhandled ${what}: ${JSON.stringify(value)}`)
}
