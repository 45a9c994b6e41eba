/**
 * One value per key, built on first use: for things far costlier to build than to use, such as Intl
 * formatters. Keys come from data (languages, time zones), so the cache is emptied when it holds
 * `limit` entries rather than growing without bound.
 */
export function memoByKey<T>(build: (key: string) => T, limit = 1_000): (key: string) => T {
  const built = new Map<string, T>();
  return (key) => {
    const known = built.get(key);
    if (known !== undefined) return known;
    const value = build(key);
    if (built.size >= limit) built.clear();
    built.set(key, value);
    return value;
  };
}
