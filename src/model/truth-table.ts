// Why: prediction and observation share one shape, keyed by source x destination x target.
import { type Target, sameTarget, targetId } from './cluster.js'

/** A cell's identity wherever it has to be a string (a probe connection's key): `from|to|80/TCP` (`|80/TCP/IPv6`). */
export function cellKey(from: string, to: string, target: Target): string {
  return `${from}|${to}|${targetId(target)}`
}

/** A dense table of T per (source, destination, target); `undefined` marks a cell that does not exist. */
export class TruthTable<T> {
  readonly sources: readonly string[]
  readonly destinations: readonly string[]
  readonly targets: readonly Target[]
  private readonly cells: (T | undefined)[]
  private readonly srcIndex: Map<string, number>
  private readonly dstIndex: Map<string, number>

  constructor(sources: readonly string[], destinations: readonly string[], targets: readonly Target[]) {
    this.sources = sources
    this.destinations = destinations
    this.targets = targets
    this.cells = new Array(sources.length * destinations.length * targets.length)
    this.srcIndex = new Map(sources.map((s, i) => [s, i]))
    this.dstIndex = new Map(destinations.map((d, i) => [d, i]))
  }

  private offset(si: number, di: number, ti: number): number {
    return (ti * this.sources.length + si) * this.destinations.length + di
  }

  /** Cell by indices (fast path for builders). */
  setAt(si: number, di: number, ti: number, value: T): void {
    this.cells[this.offset(si, di, ti)] = value
  }

  getAt(si: number, di: number, ti: number): T | undefined {
    return this.cells[this.offset(si, di, ti)]
  }

  /** Indices of a cell by ids; undefined when an id or the target is unknown. */
  private indicesOf(from: string, to: string, target: Target): [number, number, number] | undefined {
    const si = this.srcIndex.get(from)
    const di = this.dstIndex.get(to)
    const ti = this.targets.findIndex((t) => sameTarget(t, target))
    return si === undefined || di === undefined || ti < 0 ? undefined : [si, di, ti]
  }

  /** Cell by ids; undefined when the ids or the target are unknown or the cell does not exist. */
  get(from: string, to: string, target: Target): T | undefined {
    const at = this.indicesOf(from, to, target)
    return at && this.getAt(...at)
  }

  /** Sets a cell by ids; false (and nothing set) when an id or the target is unknown. */
  set(from: string, to: string, target: Target, value: T): boolean {
    const at = this.indicesOf(from, to, target)
    if (at) this.setAt(...at, value)
    return at !== undefined
  }

  /** Every existing cell, target-major then source then destination. */
  *entries(): Generator<{ from: string; to: string; target: Target; value: T }> {
    for (let ti = 0; ti < this.targets.length; ti++) {
      for (let si = 0; si < this.sources.length; si++) {
        for (let di = 0; di < this.destinations.length; di++) {
          const value = this.getAt(si, di, ti)
          if (value !== undefined) yield { from: this.sources[si], to: this.destinations[di], target: this.targets[ti], value }
        }
      }
    }
  }

  /** A table of the same shape with every existing cell mapped. */
  map<U>(fn: (value: T, from: string, to: string, target: Target) => U): TruthTable<U> {
    const out = new TruthTable<U>(this.sources, this.destinations, this.targets)
    for (let ti = 0; ti < this.targets.length; ti++)
      for (let si = 0; si < this.sources.length; si++)
        for (let di = 0; di < this.destinations.length; di++) {
          const v = this.getAt(si, di, ti)
          if (v !== undefined) out.setAt(si, di, ti, fn(v, this.sources[si], this.destinations[di], this.targets[ti]))
        }
    return out
  }
}
