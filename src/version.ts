// Why: one place for the harness version (reports and --version).
export const VERSION = '0.1.0'
