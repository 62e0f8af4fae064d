// Upstream rooms and reconnection: two `yws serve --upstream` processes replicate their rooms
// through a third (pycrdt-websocket's test_server_provider), so clients on different servers see
// each other's edits within 1 s; and a C++ provider whose server is killed and restarted
// reconnects, converges, and delivers the edits it made while offline.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, ywsBin, Server, START_MS } from './lib/server.mjs'
import { Child } from './lib/process.mjs'
import { connectClient } from './lib/clients.mjs'
import { startCppClient } from './lib/provider.mjs'
import { waitFor } from './lib/wait.mjs'

test('clients on two servers replicated through a third see each other\'s edits within 1 s', async t => {
  const hub = await startServer()
  const a = await startServer(['--upstream', hub.url])
  const b = await startServer(['--upstream', hub.url])
  t.after(async () => {
    for (const s of [a, b, hub]) assert.deepEqual(await s.stop(), { code: 0, signal: null }, s.tail())
  })
  const onA = connectClient(a.url, 'replicated', { clientID: 4001 })
  const onB = connectClient(b.url, 'replicated', { clientID: 4002 })
  t.after(() => { onA.destroy(); onB.destroy() })
  await Promise.all([onA.synced(), onB.synced()])
  const cppOnB = await startCppClient(`${b.url}/replicated`)
  t.after(() => cppOnB.kill())
  // Both rooms are loaded now; their upstream providers reach the hub at once.
  for (const [from, to, text] of [[onA, onB, 'a1 '], [onB, onA, 'b1 '], [onA, onB, 'a2 ']]) {
    from.doc.getText('t').insert(0, text)
    const expected = from.doc.getText('t').toString()
    // The 1 s bound of the issue: waitFor fails the test when the edit takes longer.
    await waitFor(() => to.doc.getText('t').toString() === expected, { timeout: 1000, what: `'${text}' to cross servers` })
  }
  await cppOnB.command('insert-text t:0:cpp ')
  await waitFor(() => onA.doc.getText('t').toString().startsWith('cpp '), { timeout: 1000, what: 'the C++ edit on B to reach A' })
  assert.equal((await cppOnB.quit()).code, 0)
})

// `yws serve` on a given port (startServer always asks for an ephemeral one).
async function restartOn (port) {
  const child = new Child(ywsBin(), ['serve', '--host', '127.0.0.1', '--port', String(port), '--threads', '2', '--store', 'none'])
  await child.waitForLine(/msg="listening"/, START_MS)
  return new Server(child, port)
}

test('the C++ provider reconnects to a restarted server and delivers its offline edits', async t => {
  let server = await startServer()
  const port = server.port
  t.after(async () => { await server.stop() })
  const js = connectClient(server.url, 'restart', { clientID: 5001 })
  t.after(() => js.destroy())
  await js.synced()
  const cpp = await startCppClient(`${server.url}/restart`)
  t.after(() => cpp.kill())
  await cpp.command('insert-text t:0:before.')
  await cpp.command('flush')
  await waitFor(() => js.doc.getText('t').toString() === 'before.', { what: 'the first edit' })

  await server.stop('SIGKILL')
  await cpp.command('insert-text t:7:offline.')  // applied locally; no server to send it to
  js.doc.getMap('m').set('js', 'offline too')
  server = await restartOn(port)
  await cpp.command('flush')  // resynced with the new server, which confirmed it has everything
  const expected = JSON.stringify({ t: 'before.offline.', m: { js: 'offline too' } })
  await waitFor(async () => {
    const doc = await cpp.json()
    return JSON.stringify({ t: doc.t, m: doc.m }) === expected &&
      JSON.stringify({ t: js.doc.getText('t').toString(), m: js.doc.getMap('m').toJSON() }) === expected
  }, { what: 'both clients to converge after the restart', describe: async () => JSON.stringify(await cpp.json()) })
  assert.equal((await cpp.quit()).code, 0)
})
