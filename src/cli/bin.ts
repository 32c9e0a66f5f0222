#!/usr/bin/env node
// Why: the executable; sets the exit code from main() and nothing else. An error nothing caught (a bug in a
// callback) is reported like any internal error: one line, the stack trace only with --debug.
import { main, processDebug, reportInternalError } from './main.js'
import { processIo } from './io.js'

const uncaught = (e: unknown) => process.exit(reportInternalError(e, processIo, processDebug()))
process.on('uncaughtException', uncaught)
process.on('unhandledRejection', uncaught)

process.exitCode = await main(process.argv.slice(2))
