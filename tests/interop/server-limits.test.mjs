// Server limits under load: a client that stops reading is closed with 1013 once its outbound
// queue passes --max-queued-bytes while the room's other clients go on and the server's memory
// stays bounded; SIGTERM during traffic exits 0 and every client gets complete frames and 1001.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import * as Y from 'yjs'
import { makeRng } from './crdt-scenario.mjs'
import { startServer } from './lib/server.mjs'
import { connectClient, destroyAll, docState } from './lib/clients.mjs'
import { openRaw, updateMessage, MESSAGE_SYNC } from './lib/raw.mjs'
import { waitFor } from './lib/wait.mjs'

const MiB = 1 << 20
// Under AddressSanitizer freed memory sits in a quarantine, so RSS says nothing about leaks.
const underAsan = pid => readFileSync(`/proc/${pid}/maps`, 'utf8').includes('libasan')

test('a client that stops reading is closed with 1013 at the byte limit; the others go on; memory stays bounded', async t => {
  const QUEUE_LIMIT = 64 * 1024
  const server = await startServer(['--max-queued-bytes', String(QUEUE_LIMIT), '--max-message-bytes', String(4 * MiB)])
  const clients = []
  t.after(() => destroyAll(clients))
  try {
    const room = 'slow'
    const writer = connectClient(server.url, room, { clientID: 1101 })
    const reader = connectClient(server.url, room, { clientID: 1102 })
    clients.push(writer, reader)
    await Promise.all(clients.map(c => c.synced()))
    // Two clients that stop reading: `slow` reads again once the server gave up on it and must
    // then see whole frames and close 1013; `dead` never reads again and must be cut off as well.
    const [slow, dead] = await Promise.all([openRaw(server.url, room), openRaw(server.url, room)])
    t.after(() => { slow.terminate(); dead.terminate() })
    for (const r of [slow, dead]) {
      await r.handshake() // subscribed to the room's updates
      r.ws._socket.pause() // stops reading: the kernel buffers fill, then the server's queue
    }

    const rssBefore = server.rssKiB()
    // 256 KiB per update, each replacing the last (the doc itself stays small); the writer sends
    // the next one once the reader has the previous one, so the reader's progress is checked all along.
    const blob = 'x'.repeat(256 * 1024)
    const blobs = writer.doc.getMap('blobs')
    const readerBlobs = reader.doc.getMap('blobs')
    let pushed = 0
    let i = 0
    const push = async () => {
      blobs.set('blob', `${i}:${blob}`)
      pushed += blob.length
      const expected = `${i++}:`
      await waitFor(() => readerBlobs.get('blob')?.startsWith(expected), { what: `the reader to get blob ${expected}` })
    }
    const overflows = () => server.lines.filter(l => /closing session: outbound queue full/.test(l)).length
    while (overflows() < 2 && pushed < 64 * MiB) await push()
    assert.equal(overflows(), 2, `${overflows()} overflows after pushing ${pushed / MiB} MiB past two paused clients`)
    const overflowAt = pushed

    // The paused client, reading again (within the 5 s closing deadline), gets whole frames and then 1013.
    slow.ws._socket.resume()
    const { code } = await slow.waitClosed()
    assert.equal(code, 1013)
    for (const m of slow.messages()) assert.notEqual(m.type, -1, 'every frame the slow client got decodes')
    // The dead one is closed without its answer, after the closing deadline.
    await waitFor(async () => (await server.metrics()).yws_connections === 2, { what: 'the server to drop the dead client' })
    const metrics = await server.metrics()
    assert.equal(metrics.yws_queue_overflows_total, 2)
    assert.equal(metrics['yws_sessions_closed_total{reason="overflow"}'], 2)

    // More traffic: the server's memory does not keep what went past the paused clients.
    while (pushed < overflowAt + 48 * MiB) await push()
    const rssAfter = server.rssKiB()
    t.diagnostic(`overflows after ${(overflowAt / MiB).toFixed(1)} MiB pushed; ${(pushed / MiB).toFixed(0)} MiB in all; ` +
      `server VmRSS ${rssBefore} KiB before, ${rssAfter} KiB after`)
    // The others went on: never closed, and in sync with the writer.
    for (const c of clients) assert.deepEqual(c.closes, [], `client ${c.doc.clientID} was closed`)
    assert.equal(docState(reader.doc, { blobs: Y.Map }), docState(writer.doc, { blobs: Y.Map }))
    if (!underAsan(server.pid)) {
      assert.ok(rssAfter - rssBefore < 24 * 1024, `server VmRSS grew by ${rssAfter - rssBefore} KiB while ${pushed / MiB} MiB went past paused clients`)
    }
  } finally {
    assert.deepEqual(await server.stop(), { code: 0, signal: null }, server.tail())
  }
})

test('SIGTERM during traffic: exit 0, every client gets complete frames and then 1001', async t => {
  const server = await startServer(['--room-grace', 'never'])
  const rng = makeRng(11)
  const rooms = ['term-a', 'term-b']
  const providers = []
  t.after(() => destroyAll(providers))
  const raws = []
  t.after(() => raws.forEach(r => r.terminate()))
  for (const room of rooms) {
    for (let i = 0; i < 3; i++) {
      const r = await openRaw(server.url, room)
      await r.handshake()
      raws.push(r)
    }
    for (let i = 0; i < 2; i++) providers.push(connectClient(server.url, room, { clientID: 1200 + providers.length }))
  }
  await Promise.all(providers.map(c => c.synced()))
  // Traffic: the providers edit in a loop, the raw clients send updates of a scratch doc.
  let editing = true
  const loops = providers.map(async c => {
    const text = c.doc.getText('t')
    while (editing) {
      text.insert(rng.int(text.length + 1), 'word '.repeat(1 + rng.int(20)))
      await new Promise(resolve => setTimeout(resolve, 1)) // pacing, not synchronisation
    }
  })
  const scratch = rooms.map(() => new Y.Doc())
  scratch.forEach((d, i) => d.on('update', u => {
    for (const r of raws.slice(i * 3, i * 3 + 3)) if (!r.closeInfo) r.send(updateMessage(u))
  }))
  const rawLoop = (async () => {
    while (editing) {
      for (const d of scratch) d.getArray('a').push([rng.int(1000), 'x'.repeat(rng.int(500))])
      await new Promise(resolve => setTimeout(resolve, 1))
    }
  })()
  const updatesSeen = r => r.messages().filter(m => m.type === MESSAGE_SYNC && m.sync === 2).length
  await waitFor(() => raws.every(r => updatesSeen(r) >= 50), { what: 'traffic to flow to every raw client' })

  const exit = server.stop('SIGTERM', 20_000)
  const closes = await Promise.all(raws.map(r => r.waitClosed(20_000)))
  editing = false
  await Promise.all([...loops, rawLoop])
  assert.deepEqual(await exit, { code: 0, signal: null }, server.tail())
  assert.deepEqual(closes.map(c => c.code), raws.map(() => 1001), 'every raw client got close 1001')
  for (const r of raws) {
    assert.equal(r.error, undefined, `a raw client saw a WebSocket error: ${r.error}`)
    assert.ok(r.messages().every(m => m.type !== -1), 'every frame decodes')
    // The updates a raw client got apply cleanly, in order, to a fresh doc.
    const doc = new Y.Doc()
    for (const m of r.messages()) if (m.type === MESSAGE_SYNC && m.sync !== 0) Y.applyUpdate(doc, m.payload)
  }
  for (const c of providers) {
    await waitFor(() => c.closes.length > 0, { what: `provider ${c.doc.clientID} to see the close` })
    assert.equal(c.closes[0], 1001, `provider ${c.doc.clientID} got ${c.closes[0]}`)
  }
  assert.ok(server.lines.some(l => /msg="shutting down" signal=15/.test(l)), server.tail())
})
