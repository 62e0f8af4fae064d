// The Yjs side of tests/interop/pycrdt_compat.py (real yjs 13.6, no network).
//
//   node pycrdt_compat_yjs.mjs generate   -> {"updates": [hex...], "json": doc.toJSON()} on stdout:
//                                            the updates of a small notebook-like session by two
//                                            clients (text with formatting, nested maps/arrays).
//   node pycrdt_compat_yjs.mjs apply      <- {"updates": [hex...]} on stdin
//                                         -> {"json": doc.toJSON(), "state": hex} after applying
//                                            them in order (roots typed as in `generate`).
import * as Y from 'yjs'

const toHex = u => Buffer.from(u).toString('hex')
const fromHex = h => new Uint8Array(Buffer.from(h, 'hex'))

// The roots of the session, typed the same way on every side (yws doc apply --text/--map/--array).
function openRoots (doc) {
  return { text: doc.getText('text'), map: doc.getMap('map'), cells: doc.getArray('cells') }
}

function generate () {
  const updates = []
  const alice = new Y.Doc()
  alice.clientID = 1001
  alice.on('update', u => updates.push(toHex(u)))
  const a = openRoots(alice)
  a.text.insert(0, 'hello world')
  a.text.delete(0, 6)
  a.text.insert(5, '!')
  a.text.format(0, 5, { bold: true })
  a.map.set('title', 'Notebook ünïcödé 📓')
  a.map.set('version', 4)
  const meta = new Y.Map()
  a.map.set('metadata', meta)
  meta.set('kernel', { name: 'python3', display: null, tags: [1, 2.5, true] })
  alice.transact(() => {
    const cell = new Y.Map()
    cell.set('cell_type', 'code')
    const source = new Y.Text('1 + 2')
    cell.set('source', source)
    cell.set('outputs', new Y.Array())
    a.cells.push([cell])
  })

  // A second client joins from alice's state and edits concurrently.
  const bob = new Y.Doc()
  bob.clientID = 2002
  Y.applyUpdate(bob, Y.encodeStateAsUpdate(alice))
  bob.on('update', u => updates.push(toHex(u)))
  const b = openRoots(bob)
  b.cells.get(0).get('source').insert(5, ' + 3')
  b.cells.push([new Y.Map([['cell_type', 'markdown'], ['source', new Y.Text('# Title')]])])
  b.map.delete('version')
  a.text.insert(0, '>> ')  // alice, concurrently
  b.text.insert(b.text.length, ' (bob)')

  // Both converge on every update.
  const doc = new Y.Doc()
  for (const u of updates) Y.applyUpdate(doc, fromHex(u))
  openRoots(doc)
  return { updates, json: doc.toJSON() }
}

async function readStdin () {
  const chunks = []
  for await (const c of process.stdin) chunks.push(c)
  return Buffer.concat(chunks).toString('utf8')
}

if (process.argv[2] === 'generate') {
  process.stdout.write(JSON.stringify(generate()))
} else if (process.argv[2] === 'apply') {
  const { updates } = JSON.parse(await readStdin())
  const doc = new Y.Doc()
  openRoots(doc)
  for (const u of updates) Y.applyUpdate(doc, fromHex(u))
  process.stdout.write(JSON.stringify({ json: doc.toJSON(), state: toHex(Y.encodeStateAsUpdate(doc)) }))
} else {
  process.stderr.write('usage: node pycrdt_compat_yjs.mjs generate|apply\n')
  process.exit(2)
}
