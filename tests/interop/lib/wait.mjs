// Bounded waits for the server interop tests. Nothing here sleeps to let something happen: each
// helper waits for a condition or an event and fails with a description after its deadline.

/** Default deadline of a wait, in ms (generous: an ASan build of the server is slow). */
export const WAIT_MS = 10_000

/**
 * Resolves with the first truthy value of `cond()` (which may be async), checked every
 * `interval` ms; rejects after `timeout` ms with `what` and, if given, `describe()`'s output.
 */
export async function waitFor (cond, { timeout = WAIT_MS, interval = 5, what = 'a condition', describe } = {}) {
  const deadline = Date.now() + timeout
  for (;;) {
    const value = await cond()
    if (value) return value
    if (Date.now() >= deadline) {
      const details = describe ? `\n${await describe()}` : ''
      throw new Error(`timed out after ${timeout} ms waiting for ${what}${details}`)
    }
    await new Promise(resolve => setTimeout(resolve, interval))
  }
}

/** `promise`, or a rejection naming `what` (a string, or a function giving one) after `timeout` ms. */
export function withTimeout (promise, timeout, what) {
  let timer
  const expired = new Promise((resolve, reject) => {
    timer = setTimeout(() => {
      const text = typeof what === 'function' ? what() : what
      reject(new Error(`timed out after ${timeout} ms waiting for ${text}`))
    }, timeout)
  })
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer))
}

/**
 * The arguments of the next `event` of an EventEmitter-like object (on/off) for which
 * `filter(...args)` holds, within `timeout` ms.
 */
export function nextEvent (emitter, event, { filter = () => true, timeout = WAIT_MS } = {}) {
  let handler
  const fired = new Promise(resolve => {
    handler = (...args) => { if (filter(...args)) resolve(args) }
    emitter.on(event, handler)
  })
  return withTimeout(fired, timeout, `event '${event}'`).finally(() => emitter.off(event, handler))
}
