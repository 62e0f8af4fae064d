// 20 real y-websocket clients in one room edit text, array and map at random while they
// disconnect (cleanly, or by dropping TCP) and reconnect at random; at the end all of them and a
// fresh client (which sees only what the server's document holds) have the same state.
// Seeded: YWS_CONVERGE_SEED=n reruns one seed.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import * as Y from 'yjs'
import { makeRng } from './crdt-scenario.mjs'
import { startServer } from './lib/server.mjs'
import { connectClient, destroyAll, docState } from './lib/clients.mjs'
import { waitFor } from './lib/wait.mjs'

const CLIENTS = 20
const ROUNDS = 40
const ROOTS = { text: Y.Text, array: Y.Array, map: Y.Map }
const SEEDS = process.env.YWS_CONVERGE_SEED ? [Number(process.env.YWS_CONVERGE_SEED)] : [1, 2]

function randomString (rng, n) {
  let s = ''
  for (let i = 0; i < n; i++) s += rng.pick(['a', 'b', 'c', 'é', ' ', '😀', 'x'])
  return s
}

// Text positions never fall inside a surrogate pair: Yjs peers that split one diverge (they
// replace the halves by U+FFFD locally), which is not what this test is about.
function snap (text, index) {
  const s = text.toString()
  const c = s.charCodeAt(index)
  return index > 0 && index < s.length && c >= 0xdc00 && c <= 0xdfff ? index - 1 : index
}

function randomEdit (rng, doc) {
  const text = doc.getText('text')
  const array = doc.getArray('array')
  const map = doc.getMap('map')
  switch (rng.int(6)) {
    case 0: text.insert(snap(text, rng.int(text.length + 1)), randomString(rng, 1 + rng.int(4))); break
    case 1: {
      if (text.length === 0) break
      const at = snap(text, rng.int(text.length))
      const end = snap(text, Math.min(text.length, at + 1 + rng.int(3)))
      if (end > at) text.delete(at, end - at)
      break
    }
    case 2: array.insert(rng.int(array.length + 1), [rng.int(1000), randomString(rng, 2)].slice(0, 1 + rng.int(2))); break
    case 3: {
      if (array.length === 0) break
      const at = rng.int(array.length)
      array.delete(at, 1 + rng.int(Math.min(2, array.length - at)))
      break
    }
    case 4: map.set(`k${rng.int(8)}`, rng.bool() ? rng.int(100) : { v: randomString(rng, 3) }); break
    case 5: map.delete(`k${rng.int(8)}`); break
  }
}

for (const seed of SEEDS) {
  test(`${CLIENTS} clients with random edits, disconnects and reconnects converge to the server's document (seed ${seed})`, async () => {
    const rng = makeRng(seed)
    const server = await startServer(['--room-grace', 'never'])
    const room = `converge-${seed}`
    const clients = []
    try {
      for (let i = 0; i < CLIENTS; i++) clients.push(connectClient(server.url, room, { clientID: 1000 * seed + i, awareness: { n: i } }))
      await Promise.all(clients.map(c => c.synced()))
      let kills = 0
      let disconnects = 0
      for (let round = 0; round < ROUNDS; round++) {
        for (const c of clients) {
          const r = rng.int(100)
          if (r < 4 && c.provider.shouldConnect) {
            c.disconnect()
            disconnects++
          } else if (r < 8 && c.provider.ws) {
            c.kill({ reconnect: true })
            kills++
          } else if (r < 20 && !c.provider.shouldConnect) {
            c.connect()
          }
          const edits = rng.int(3)
          for (let e = 0; e < edits; e++) randomEdit(rng, c.doc)
        }
        // Pacing only (lets messages cross while edits go on); correctness never depends on it.
        await new Promise(resolve => setTimeout(resolve, rng.int(15)))
      }
      for (const c of clients) if (!c.provider.shouldConnect) c.connect()
      await Promise.all(clients.map(c => c.synced(20_000)))
      const fresh = connectClient(server.url, room, { clientID: 999_999 })
      clients.push(fresh)
      await fresh.synced()
      const describe = () => {
        const expected = docState(fresh.doc, ROOTS)
        const differing = clients.filter(c => docState(c.doc, ROOTS) !== expected)
        return `server (fresh client): ${expected}\n` +
          differing.slice(0, 3).map(c => `client ${c.doc.clientID}: ${docState(c.doc, ROOTS)}`).join('\n')
      }
      // Every client's edits reach the server, so the fresh client catches up as well.
      await waitFor(() => {
        const expected = docState(fresh.doc, ROOTS)
        return clients.every(c => docState(c.doc, ROOTS) === expected)
      }, { timeout: 20_000, what: 'all clients to converge', describe })
      const sv = Object.fromEntries(Y.decodeStateVector(Y.encodeStateVector(fresh.doc)))
      assert.equal(Object.keys(sv).length >= CLIENTS - 2, true, `most clients edited: ${JSON.stringify(sv)}`)
      assert.ok(kills > 5 && disconnects > 5, `the run exercised drops (${kills}) and disconnects (${disconnects})`)
    } finally {
      destroyAll(clients)
      assert.deepEqual(await server.stop(), { code: 0, signal: null }, server.tail())
    }
  })
}
