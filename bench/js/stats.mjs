// bench/js/stats.mjs: the summary statistics both the JS runner and the report compute, so a
// median means the same thing for every implementation.
export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}
