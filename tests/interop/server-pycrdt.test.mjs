// The pycrdt-websocket test scenarios (../shared/docs/pycrdt-websocket.md section 4) ported to
// yws with real y-websocket 3 clients: the map ping-pong between JS and C++ code editing the room
// through the embedding API (test_pycrdt_yjs_0), nested types (test_pycrdt_yjs_1), an UndoManager
// undoing a remote change (test_pycrdt_yjs_2), and room state outliving its clients
// (test_asgi / test_yroom).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import * as Y from 'yjs'
import { startServer, startEmbedded } from './lib/server.mjs'
import { connectClient } from './lib/clients.mjs'
import { waitFor } from './lib/wait.mjs'

let server // yws serve --room-grace never
let embedded // yws-embedded-peer
// A client that the test `t` destroys when it ends.
const client = (t, url, room, opts) => {
  const c = connectClient(url, room, opts)
  t.after(() => c.destroy())
  return c
}

before(async () => {
  [server, embedded] = await Promise.all([startServer(['--room-grace', 'never']), startEmbedded()])
})

after(async () => {
  const [serverExit, embeddedExit] = await Promise.all([server?.stop(), embedded?.shutdown()])
  assert.deepEqual(serverExit, { code: 0, signal: null }, server?.tail())
  assert.deepEqual(embeddedExit, { code: 0, signal: null }, embedded?.tail())
})

test('map ping-pong between a JS client and C++ code editing the room through the embedding API', async t => {
  const room = 'pingpong'
  await embedded.request({ cmd: 'pingpong', room, map: 'map' })
  const js = client(t, embedded.url, room, { clientID: 101 })
  await js.synced()
  const map = js.doc.getMap('map')
  for (let i = 0; i < 10; i++) {
    map.set('in', i)
    await waitFor(() => map.get('out') === i + 1, {
      timeout: 5000,
      what: `C++ to answer in=${i} with out=${i + 1}`,
      describe: () => `client sees ${JSON.stringify(map.toJSON())}`
    })
  }
  assert.deepEqual(await embedded.docJson(room), { map: { in: 9, out: 10 } })
})

// test_pycrdt_yjs_1: one client builds an array of maps holding a Y.Text and a JSON value, and a
// map; a second client and the server's document see exactly that.
async function nestedTypesRoundTrip (t, url, room) {
  const writer = client(t, url, room, { clientID: 201 })
  await writer.synced()
  writer.doc.transact(() => {
    const cell = new Y.Map()
    cell.set('source', new Y.Text('1 + 2'))
    cell.set('metadata', { foo: 'bar' })
    writer.doc.getArray('cells').push([cell])
    writer.doc.getMap('state').set('state', { dirty: false })
  })
  const reader = client(t, url, room, { clientID: 202 })
  await reader.synced()
  const cells = reader.doc.getArray('cells')
  const state = reader.doc.getMap('state')
  await waitFor(() => cells.length === 1 && state.has('state'), { what: 'the reader to see cells and state' })
  assert.deepEqual(cells.toJSON(), [{ metadata: { foo: 'bar' }, source: '1 + 2' }])
  assert.deepEqual(state.toJSON(), { state: { dirty: false } })
  const cell = cells.get(0)
  assert.ok(cell instanceof Y.Map, 'the cell arrives as a Y.Map')
  assert.ok(cell.get('source') instanceof Y.Text, 'source arrives as a Y.Text')
  assert.equal(cell.get('source').toString(), '1 + 2')
  // The types stay live across the server: an edit of the nested text reaches the writer.
  cell.get('source').insert(5, ' + 3')
  const source = writer.doc.getArray('cells').get(0).get('source')
  await waitFor(() => source.toString() === '1 + 2 + 3', { what: 'the writer to see the nested text edit' })
}

test('nested types: an array of maps holding Y.Text, through yws serve', async t => {
  await nestedTypesRoundTrip(t, server.url, 'nested')
})

test('nested types: the server document (embedded) holds exactly what the clients see', async t => {
  const room = 'nested'
  await nestedTypesRoundTrip(t, embedded.url, room)
  assert.deepEqual(await embedded.docJson(room, { cells: 'array', state: 'map' }), {
    cells: [{ source: '1 + 2 + 3', metadata: { foo: 'bar' } }],
    state: { state: { dirty: false } }
  })
})

test('a JS UndoManager tracking its provider undoes a remote change, and the undo reaches the remote', async t => {
  const room = 'undo'
  const a = client(t, server.url, room, { clientID: 301 })
  await a.synced()
  const mapA = a.doc.getMap('map0')
  mapA.set('key0', 'val0')
  // Tracks remote changes only: y-websocket applies them with the provider as origin.
  const undo = new Y.UndoManager(mapA, { trackedOrigins: new Set([a.provider]) })
  let undone = 0
  mapA.observe(event => {
    if (event.transaction.origin === a.provider && event.keysChanged.has('key1') && mapA.has('key1')) {
      // Not inside the observer: undo opens its own transaction.
      setImmediate(() => { undo.undo(); undone++ })
    }
  })
  const b = client(t, server.url, room, { clientID: 302 })
  await b.synced()
  const mapB = b.doc.getMap('map0')
  await waitFor(() => mapB.get('key0') === 'val0', { what: 'B to see key0' })
  mapB.set('key1', 'val1')
  await waitFor(() => undone === 1, { what: 'A to receive key1 and undo it' })
  await waitFor(() => !mapB.has('key1'), {
    what: 'the undo to remove key1 on B',
    describe: () => `B: ${JSON.stringify(mapB.toJSON())}, A: ${JSON.stringify(mapA.toJSON())}`
  })
  assert.deepEqual(mapB.toJSON(), { key0: 'val0' })
  assert.deepEqual(mapA.toJSON(), { key0: 'val0' })
})

// test_asgi: client 1 writes and leaves; client 2 connects later and sees the write because the
// room is kept (--room-grace never). With --room-grace 0 the same story loses the write, which
// shows the check depends on the room being kept.
async function writeLeaveRead (t, srv, room) {
  const one = client(t, srv.url, room, { clientID: 401 })
  await one.synced()
  one.doc.getMap('map').set('key', 'value')
  one.disconnect()
  // Client 1 is gone from the server before client 2 arrives.
  await waitFor(async () => (await srv.metrics()).yws_connections === 0, { what: 'the server to see client 1 leave' })
  return srv
}

test('room state outlives its clients when rooms are kept', async t => {
  const room = 'kept'
  await writeLeaveRead(t, server, room)
  const two = client(t, server.url, room, { clientID: 402 })
  await two.synced()
  assert.deepEqual(two.doc.getMap('map').toJSON(), { key: 'value' })
})

test('with --room-grace 0 an empty room is unloaded and the next client starts afresh', async t => {
  const eager = await startServer(['--room-grace', '0'])
  try {
    await writeLeaveRead(t, eager, 'eager')
    await waitFor(async () => (await eager.metrics()).yws_rooms === 0, { what: 'the empty room to unload' })
    const two = client(t, eager.url, 'eager', { clientID: 403 })
    await two.synced()
    assert.deepEqual(two.doc.getMap('map').toJSON(), {})
  } finally {
    assert.deepEqual(await eager.stop(), { code: 0, signal: null }, eager.tail())
  }
})
