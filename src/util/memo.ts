// Why: an answer asked for once per key (an expensive lookup a run would otherwise repeat per scenario), but never a
// failure kept: the next caller asks again.

/**
 * `look` wrapped so each key is looked up once while its answer stands: concurrent and later callers share the
 * promise. A rejected lookup, or an answer `keep` refuses, is forgotten, so the next call looks again.
 */
export function oncePerKey<K extends object, V>(
  look: (key: K) => Promise<V>,
  keep: (value: V) => boolean = () => true,
): (key: K) => Promise<V> {
  const answers = new WeakMap<K, Promise<V>>()
  return (key) => {
    let answer = answers.get(key)
    if (!answer) {
      answers.set(key, (answer = look(key)))
      answer.then(
        (v) => void (keep(v) || answers.delete(key)),
        () => void answers.delete(key),
      )
    }
    return answer
  }
}
