// The C++ provider (`yws client`) with real y-websocket clients, through `yws serve` and through
// @y/websocket-server from npm: initial sync both ways, convergence on random edits made on both
// sides, and awareness states that appear and disappear.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from './lib/server.mjs'
import { connectClient } from './lib/clients.mjs'
import { startCppClient, startReferenceServer } from './lib/provider.mjs'
import { waitFor } from './lib/wait.mjs'

const servers = {}

before(async () => {
  servers.yws = await startServer()
  servers.reference = await startReferenceServer()
})
after(async () => {
  assert.deepEqual(await servers.yws.stop(), { code: 0, signal: null }, servers.yws.tail())
  await servers.reference.stop()
})

// A deterministic generator (mulberry32).
function rng (seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const jsState = c => JSON.stringify({ t: c.doc.getText('t').toString(), m: sortKeys(c.doc.getMap('m').toJSON()) })
const cppState = doc => JSON.stringify({ t: doc.t ?? '', m: sortKeys(doc.m ?? {}) })
function sortKeys (o) { return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)) }

for (const kind of ['yws', 'reference']) {
  test(`${kind}: the C++ client syncs both ways with a y-websocket client`, async t => {
    const url = servers[kind].url
    const js = connectClient(url, 'hello', { clientID: 1001 })
    t.after(() => js.destroy())
    await js.synced()
    js.doc.getText('t').insert(0, 'from js')
    const cpp = await startCppClient(`${url}/hello`)
    t.after(() => cpp.kill())
    assert.equal(cpp.initial.t, 'from js')
    await cpp.command('insert-text t:0:from c++, ')
    await cpp.command('flush')
    await waitFor(() => js.doc.getText('t').toString() === 'from c++, from js', { what: 'the JS client to get the C++ edit' })
    assert.equal((await cpp.quit()).code, 0)
  })

  test(`${kind}: a JS client and the C++ provider converge on random edits`, async t => {
    const url = servers[kind].url
    const js = connectClient(url, 'random', { clientID: 2002 })
    t.after(() => js.destroy())
    await js.synced()
    const cpp = await startCppClient(`${url}/random`)
    t.after(() => cpp.kill())
    const random = rng(kind === 'yws' ? 7 : 8)
    for (let round = 0; round < 60; round++) {
      const op = random()
      const value = Math.floor(random() * 1000)
      if (random() < 0.5) {
        const text = js.doc.getText('t')
        if (op < 0.3 && text.length > 0) text.delete(value % text.length, Math.min(3, text.length - value % text.length))
        else if (op < 0.5) js.doc.getMap('m').set(`k${value % 4}`, value)
        else text.insert(text.length ? value % (text.length + 1) : 0, `j${value}`)
      } else {
        // JS edits still on their way may shorten the C++ text between `json` and the edit: the
        // C++ side then refuses the range and the edit is retried on the new length.
        for (let attempt = 0; ; attempt++) {
          const length = ((await cpp.json()).t ?? '').length
          try {
            if (op < 0.3 && length > 0) await cpp.command(`delete-text t:${value % length}:${Math.min(3, length - value % length)}`)
            else if (op < 0.5) await cpp.command(`set m:k${value % 4}:${value}`)
            else await cpp.command(`insert-text t:${length ? value % (length + 1) : 0}:c${value}`)
            break
          } catch (err) {
            if (attempt >= 10 || !/past the end/.test(err.message)) throw err
          }
        }
      }
    }
    await cpp.command('flush')
    await waitFor(async () => jsState(js) === cppState(await cpp.json()), {
      what: 'the JS client and the C++ provider to converge',
      describe: async () => `js:  ${jsState(js)}\nc++: ${cppState(await cpp.json())}`
    })
    assert.equal((await cpp.quit()).code, 0)
  })

  test(`${kind}: awareness between the C++ provider and JS clients`, async t => {
    const url = servers[kind].url
    const js = connectClient(url, 'presence', { clientID: 3003, awareness: { user: 'js' } })
    t.after(() => js.destroy())
    await js.synced()
    const cpp = await startCppClient(`${url}/presence`, ['--awareness', '{"user":"cpp"}'])
    t.after(() => cpp.kill())
    const cppVisible = () => [...js.awareness.getStates().values()].some(s => s.user === 'cpp')
    await waitFor(cppVisible, { what: 'the JS client to see the C++ state' })
    await cpp.waitAwareness(states => states.some(s => s.user === 'js'), 'the C++ provider to see the JS state')
    // A second JS client comes and goes: the C++ provider sees its state appear and disappear.
    const other = connectClient(url, 'presence', { clientID: 3004, awareness: { user: 'other' } })
    t.after(() => other.destroy())
    await cpp.waitAwareness(states => states.some(s => s.user === 'other'), 'the C++ provider to see the second client')
    other.disconnect()
    await cpp.waitAwareness(states => !states.some(s => s.user === 'other'), 'the second client to leave the C++ provider')
    // The C++ provider closes cleanly: its state leaves the JS client.
    assert.equal((await cpp.quit()).code, 0)
    await waitFor(() => !cppVisible(), { what: 'the C++ state to leave the JS client' })
  })
}
