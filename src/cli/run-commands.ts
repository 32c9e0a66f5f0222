// Why: commands that touch a cluster (run, cleanup); registered separately to keep main.ts small.
import type { Command } from 'commander'
import type { Io } from './main.js'

export function registerRunCommands(_program: Command, _io: Io, _setCode: (n: number) => void): void {}
