// Room isolation and awareness with real y-websocket clients and raw observers: two rooms never
// see each other's updates or awareness; a new client gets the peers' states at once; a closed
// client's state leaves its peers within 1 s.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import * as Y from 'yjs'
import { startServer } from './lib/server.mjs'
import { connectClient } from './lib/clients.mjs'
import { openRaw, queryAwarenessMessage, MESSAGE_AWARENESS, MESSAGE_SYNC } from './lib/raw.mjs'
import { waitFor } from './lib/wait.mjs'

let server

before(async () => { server = await startServer(['--room-grace', 'never']) })
after(async () => {
  assert.deepEqual(await server.stop(), { code: 0, signal: null }, server.tail())
})

const client = (t, room, opts) => {
  const c = connectClient(server.url, room, opts)
  t.after(() => c.destroy())
  return c
}
const raw = async (t, room) => {
  const r = await openRaw(server.url, room)
  t.after(() => r.terminate())
  return r
}

// Client ids found in an update (structs and deletes).
function updateClients (update) {
  const { structs, ds } = Y.decodeUpdate(update)
  return new Set([...structs.map(s => s.id.client), ...ds.clients.keys()])
}

// Every client id a raw observer heard of: in sync messages and in awareness entries.
function heardClients (observer) {
  const ids = new Set()
  for (const m of observer.messages()) {
    if (m.type === MESSAGE_SYNC && m.sync !== 0) for (const id of updateClients(m.payload)) ids.add(id)
    if (m.type === MESSAGE_AWARENESS) for (const e of m.awareness) ids.add(e.client)
  }
  return ids
}

test('two rooms never see each other\'s updates or awareness', async t => {
  const rooms = ['iso-a', 'iso-b']
  // Room names that differ only in ways the server must keep apart (case, a trailing slash).
  const lookalikes = ['ISO-A', 'iso-a/']
  const members = rooms.map((room, r) => [0, 1].map(i => client(t, room, { clientID: 5000 + 10 * r + i, awareness: { room, i } })))
  const observers = await Promise.all([...rooms, ...lookalikes].map(room => raw(t, room)))
  for (const o of observers) await o.handshake()
  await Promise.all(members.flat().map(c => c.synced()))
  members.forEach(([first], r) => first.doc.getText('t').insert(0, `text of ${rooms[r]}`))
  members.forEach(([, second], r) => second.doc.getMap('m').set('room', rooms[r]))
  for (const [r, [first, second]] of members.entries()) {
    await waitFor(() => second.doc.getText('t').toString() === `text of ${rooms[r]}` && first.doc.getMap('m').get('room') === rooms[r],
      { what: `the members of ${rooms[r]} to see each other's edits` })
    await waitFor(() => first.awareness.getStates().has(second.doc.clientID) && second.awareness.getStates().has(first.doc.clientID),
      { what: `${rooms[r]}: the members to see each other's awareness` })
  }
  // A query-awareness round trip on every observer after the edits: whatever the server sent
  // them about the edits has arrived by then (one connection's messages stay in order).
  for (const o of observers) {
    const seen = o.messages().length
    o.send(queryAwarenessMessage())
    await o.waitForMessage(m => m.type === MESSAGE_AWARENESS, { from: seen, what: 'the answer to query-awareness' })
  }
  const own = members.map(pair => new Set(pair.map(c => c.doc.clientID)))
  const [heardA, heardB, ...heardLookalikes] = observers.map(heardClients)
  for (const id of own[0]) assert.ok(heardA.has(id), `room a's observer heard its member ${id}`)
  for (const id of own[1]) assert.ok(heardB.has(id), `room b's observer heard its member ${id}`)
  for (const id of own[0]) assert.ok(!heardB.has(id), `room b's observer heard ${id} of room a`)
  for (const id of own[1]) assert.ok(!heardA.has(id), `room a's observer heard ${id} of room b`)
  for (const heard of heardLookalikes) {
    for (const id of [...own[0], ...own[1]]) assert.ok(!heard.has(id), `a look-alike room heard ${id}`)
  }
  for (const [r, pair] of members.entries()) {
    for (const c of pair) {
      assert.deepEqual(c.doc.getText('t').toString(), `text of ${rooms[r]}`)
      assert.deepEqual(c.doc.getMap('m').toJSON(), { room: rooms[r] })
      const other = own[1 - r]
      for (const id of c.awareness.getStates().keys()) assert.ok(!other.has(id), `${rooms[r]} member knows ${id} of the other room`)
    }
  }
})

test('a new client sees the existing peers\' awareness states at once on connect', async t => {
  const room = 'aw-join'
  const peers = [client(t, room, { clientID: 6001, awareness: { user: 'ann' } }), client(t, room, { clientID: 6002, awareness: { user: 'bob' } })]
  await Promise.all(peers.map(c => c.synced()))
  await waitFor(() => peers.every(c => c.awareness.getStates().has(6001) && c.awareness.getStates().has(6002)),
    { what: 'the peers to see each other' })
  // A raw newcomer that sends nothing: the server's first messages carry every state.
  const started = Date.now()
  const newcomer = await raw(t, room)
  const first = await newcomer.waitForMessage(m => m.type === MESSAGE_AWARENESS, { timeout: 1000, what: 'an awareness message right after connecting' })
  assert.ok(newcomer.messages().indexOf(first) <= 1, 'awareness is among the first two messages (after sync step 1)')
  const states = Object.fromEntries(first.awareness.map(e => [e.client, e.state]))
  assert.deepEqual(states[6001], { user: 'ann' })
  assert.deepEqual(states[6002], { user: 'bob' })
  assert.ok(Date.now() - started < 1000, 'within a second, not at the next renewal (15 s)')
  // A y-websocket newcomer shows them in its awareness before it has sent anything but its hello.
  const y = client(t, room, { clientID: 6003, awareness: { user: 'cy' } })
  await waitFor(() => y.awareness.getStates().get(6001)?.user === 'ann' && y.awareness.getStates().get(6002)?.user === 'bob',
    { timeout: 1000, what: 'the y-websocket newcomer to see ann and bob' })
})

for (const how of ['drops its TCP connection', 'disconnects cleanly']) {
  test(`a client that ${how} disappears from its peers' awareness within 1 s`, async t => {
    const room = `aw-leave-${how.split(' ')[0]}`
    const leaving = client(t, room, { clientID: 7001, awareness: { user: 'leaving' } })
    const staying = [client(t, room, { clientID: 7002, awareness: { user: 's1' } }), client(t, room, { clientID: 7003, awareness: { user: 's2' } })]
    await Promise.all([leaving, ...staying].map(c => c.synced()))
    await waitFor(() => staying.every(c => c.awareness.getStates().has(7001)), { what: 'the peers to see the leaving client' })
    const gone = staying.map(c => new Promise(resolve => {
      c.awareness.on('change', ({ removed }) => { if (removed.includes(7001)) resolve(Date.now()) })
    }))
    const left = Date.now()
    // Dropping TCP sends no goodbye: only the server can tell the peers.
    if (how.startsWith('drops')) leaving.kill()
    else leaving.disconnect()
    await waitFor(() => staying.every(c => !c.awareness.getStates().has(7001)), { timeout: 1000, what: 'the peers to drop the closed client\'s state' })
    const times = (await Promise.all(gone)).map(at => at - left)
    assert.ok(times.every(ms => ms < 1000), `removed after ${times.join(', ')} ms`)
    // The others' states stay.
    for (const c of staying) assert.ok(c.awareness.getStates().has(7002) && c.awareness.getStates().has(7003))
  })
}
