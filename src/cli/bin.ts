#!/usr/bin/env node
// Why: the executable; sets the exit code from main() and nothing else.
import { main } from './main.js'

process.exitCode = await main(process.argv.slice(2))
