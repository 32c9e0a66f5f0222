// Why: sets of endpoints as bit vectors, so peers and allowed sets combine in O(endpoints / 32).
export class Bitset {
  readonly words: Uint32Array
  constructor(readonly size: number) {
    this.words = new Uint32Array((size + 31) >>> 5)
  }
  static full(size: number): Bitset {
    const b = new Bitset(size)
    for (let i = 0; i < size; i++) b.add(i)
    return b
  }
  add(i: number): void {
    this.words[i >>> 5] |= 1 << (i & 31)
  }
  has(i: number): boolean {
    return (this.words[i >>> 5] & (1 << (i & 31))) !== 0
  }
  orWith(other: Bitset): void {
    const a = this.words
    const b = other.words
    for (let i = 0; i < a.length; i++) a[i] |= b[i]
  }
  /** A new set: this AND other. */
  and(other: Bitset): Bitset {
    const out = new Bitset(this.size)
    for (let i = 0; i < out.words.length; i++) out.words[i] = this.words[i] & other.words[i]
    return out
  }
  /** A copy of this set. */
  clone(): Bitset {
    const out = new Bitset(this.size)
    out.words.set(this.words)
    return out
  }
  /** Removes every member of `other` from this set. */
  andNotWith(other: Bitset): void {
    const a = this.words
    const b = other.words
    for (let i = 0; i < a.length; i++) a[i] &= ~b[i]
  }
  isEmpty(): boolean {
    return this.words.every((w) => w === 0)
  }
}
