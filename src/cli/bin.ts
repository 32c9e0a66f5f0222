#!/usr/bin/env node
// Why: the executable; sets the exit code from main() and nothing else. An error nothing caught (a bug in a
// callback) is reported like any internal error: one line, the stack trace only with --debug.
import { main, processDebug, reportInternalError } from './main.js'
import { processIo } from './io.js'

const uncaught = (e: unknown) => process.exit(reportInternalError(e, processIo, processDebug()))
// A reader that went away (`netpol-harness run --help | head -1`) is no bug: what is left to write goes nowhere. `run`
// also stops on it (its own listener: cleanup, exit 141); any other command ends as it would have.
process.stdout.on('error', (e: NodeJS.ErrnoException) => void (e.code === 'EPIPE' || uncaught(e)))
process.on('uncaughtException', uncaught)
process.on('unhandledRejection', uncaught)

process.exitCode = await main(process.argv.slice(2))
