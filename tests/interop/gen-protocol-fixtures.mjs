// Writes the protocol golden fixtures: y-websocket frames and awareness updates produced by the
// real yjs, y-protocols and lib0 (npm, pinned in package.json), for
// tests/protocol/golden_awareness_test.cpp and golden_sync_test.cpp.
//
//   node tests/interop/gen-protocol-fixtures.mjs [out_dir]      (default: tests/fixtures/protocol)
//
// Output: <out_dir>/golden.json (byte strings as lowercase hex, "" when empty):
//   frames     [{name, hex, ...}]  single messages written with y-protocols' writers; the C++
//              test builds each from its name and fields and compares, then decodes `hex`.
//   docs       [{name, update, sync_step1, sync_step2: [{remote_sv, hex}], updates: [{update,
//              hex}]}]  `update` is the doc's state; the frames were written for a doc rebuilt
//              from it, as the C++ test rebuilds it.
//   awareness  [{name, client_id, steps: [{op, ..., change_events, update_events, clocks, all}]}]
//              scripted runs of one Awareness: every step's events (origin by name), each known
//              client's clock, and encodeAwarenessUpdate of all states afterwards (null if none).
//
// Everything is deterministic (fixed client ids, no timers consulted), so
// tests/interop/protocol-golden.test.mjs can regenerate and compare.
import * as Y from 'yjs'
import * as syncProtocol from 'y-protocols/sync'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as authProtocol from 'y-protocols/auth'
import * as encoding from 'lib0/encoding'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const versionOf = (pkg) => JSON.parse(readFileSync(join(here, 'node_modules', pkg, 'package.json'), 'utf8')).version

const messageSync = 0
const messageAwareness = 1
const messageAuth = 2
const messageQueryAwareness = 3

const hex = (bytes) => Buffer.from(bytes).toString('hex')
const frame = (write) => {
  const enc = encoding.createEncoder()
  write(enc)
  return encoding.toUint8Array(enc)
}

// ---------------------------------------------------------------------------------------------
// Frames

const frames = []
const addFrame = (name, fields, bytes) => frames.push({ name, ...fields, hex: hex(bytes) })

addFrame('query_awareness', {}, frame((e) => encoding.writeVarUint(e, messageQueryAwareness)))
for (const [name, reason] of [['denied_empty', ''], ['denied_ascii', 'room is read-only'], ['denied_unicode', 'accès refusé ✋ 😀']]) {
  addFrame('permission_denied', { case: name, reason }, frame((e) => {
    encoding.writeVarUint(e, messageAuth)
    authProtocol.writePermissionDenied(e, reason)
  }))
}
// Sync messages around given payloads (the framing alone).
for (const [name, payload] of [
  ['empty', new Uint8Array([])],
  ['empty_update', new Uint8Array([0, 0])],
  ['long_payload', Uint8Array.from({ length: 300 }, (_, i) => i & 0xff)]
]) {
  addFrame('sync_update', { case: name, payload: hex(payload) }, frame((e) => {
    encoding.writeVarUint(e, messageSync)
    syncProtocol.writeUpdate(e, payload)
  }))
  addFrame('awareness_message', { case: name, payload: hex(payload) }, frame((e) => {
    encoding.writeVarUint(e, messageAwareness)
    encoding.writeVarUint8Array(e, payload)
  }))
}

// ---------------------------------------------------------------------------------------------
// Docs

const docs = []

// Runs `build` on a fresh doc of client `clientID`, recording its update events.
const makeDoc = (clientID, build) => {
  const doc = new Y.Doc()
  doc.clientID = clientID
  const updates = []
  doc.on('update', (u) => updates.push(u))
  build(doc)
  return { doc, updates }
}

// A state vector written as Yjs writes one: varUint(n) then (client, clock), clients descending.
const svOf = (clocks) => {
  const sorted = [...clocks].sort((a, b) => b[0] - a[0])
  return frame((e) => {
    encoding.writeVarUint(e, sorted.length)
    for (const [client, clock] of sorted) {
      encoding.writeVarUint(e, client)
      encoding.writeVarUint(e, clock)
    }
  })
}

const addDoc = (name, clientID, build, remoteSvs) => {
  const { doc, updates } = makeDoc(clientID, build)
  const state = Y.encodeStateAsUpdate(doc)
  // The frames come from a doc rebuilt from `state`, exactly what the C++ side can rebuild.
  const rebuilt = new Y.Doc()
  rebuilt.clientID = 999
  Y.applyUpdate(rebuilt, state)
  const step1 = frame((e) => {
    encoding.writeVarUint(e, messageSync)
    syncProtocol.writeSyncStep1(e, rebuilt)
  })
  const step2 = remoteSvs.map((sv) => ({
    remote_sv: hex(sv),
    hex: hex(frame((e) => {
      encoding.writeVarUint(e, messageSync)
      syncProtocol.writeSyncStep2(e, rebuilt, sv)
    }))
  }))
  docs.push({
    name,
    update: hex(state),
    sync_step1: hex(step1),
    sync_step2: step2,
    updates: updates.map((u) => ({
      update: hex(u),
      hex: hex(frame((e) => {
        encoding.writeVarUint(e, messageSync)
        syncProtocol.writeUpdate(e, u)
      }))
    }))
  })
}

addDoc('empty', 1, () => {}, [svOf([]), svOf([[5, 3]])])
addDoc('text_abc', 1, (doc) => doc.getText('t').insert(0, 'abc'), [svOf([]), svOf([[1, 1]]), svOf([[1, 3]]), svOf([[1, 9], [2, 4]])])
addDoc('mixed', 2, (doc) => {
  doc.getText('text').insert(0, 'Zoë writes 😀')
  doc.getMap('map').set('k', { nested: [1, 2.5, 'x'] })
  doc.getArray('list').insert(0, [true, null, 42])
  doc.transact(() => {
    doc.getText('text').delete(0, 4)
    doc.getArray('list').delete(1, 1)
    doc.getMap('map').set('k2', 'v')
  })
}, [svOf([]), svOf([[2, 5]]), svOf([[2, 100]])])
// Two clients; the state vector of one lacks the other.
{
  const a = makeDoc(10, (doc) => doc.getText('t').insert(0, 'hello'))
  const b = makeDoc(20, (doc) => doc.getText('t').insert(0, 'world'))
  Y.applyUpdate(b.doc, Y.encodeStateAsUpdate(a.doc))
  const merged = Y.encodeStateAsUpdate(b.doc)
  addDoc('two_clients', 30, (doc) => {
    Y.applyUpdate(doc, merged)
    doc.getText('t').delete(2, 4)
  }, [svOf([]), svOf([[10, 5]]), svOf([[20, 5]]), svOf([[10, 5], [20, 5], [30, 4]])])
}

// ---------------------------------------------------------------------------------------------
// Awareness

// An awareness update written by hand, so that any clock and any JSON text can be sent.
const rawUpdate = (entries) => frame((e) => {
  encoding.writeVarUint(e, entries.length)
  for (const [client, clock, json] of entries) {
    encoding.writeVarUint(e, client)
    encoding.writeVarUint(e, clock)
    encoding.writeVarString(e, json)
  }
})

const originName = (o) => (o === 'local' || o === 'timeout' ? o : o === null ? 'null' : o.name)
const peer = { name: 'peer' }

const runAwareness = (name, clientID, script) => {
  const doc = new Y.Doc()
  doc.clientID = clientID
  const aw = new awarenessProtocol.Awareness(doc)
  let change = []
  let update = []
  let recording = true
  const record = (list, changes, origin) => {
    if (recording) list.push({ added: changes.added, updated: changes.updated, removed: changes.removed, origin: originName(origin) })
  }
  aw.on('change', (c, o) => record(change, c, o))
  aw.on('update', (c, o) => record(update, c, o))
  const snapshot = () => {
    const ids = Array.from(aw.getStates().keys())
    const clocks = {}
    aw.meta.forEach((m, id) => { clocks[id] = m.clock })
    return { clocks, all: ids.length === 0 ? null : hex(awarenessProtocol.encodeAwarenessUpdate(aw, ids)) }
  }
  const steps = [{ op: 'new', change_events: [], update_events: [], ...snapshot() }]
  for (const step of script) {
    change = []
    update = []
    switch (step.op) {
      case 'set': aw.setLocalState(step.state === undefined ? null : JSON.parse(step.state)); break
      case 'set_field': aw.setLocalStateField(step.field, JSON.parse(step.value)); break
      case 'apply': awarenessProtocol.applyAwarenessUpdate(aw, Buffer.from(step.update, 'hex'), peer); break
      case 'remove': awarenessProtocol.removeAwarenessStates(aw, step.clients, peer); break
      case 'encode': break
      default: throw new Error(`unknown op ${step.op}`)
    }
    const out = { ...step, change_events: change, update_events: update, ...snapshot() }
    if (step.op === 'encode') out.hex = hex(awarenessProtocol.encodeAwarenessUpdate(aw, step.clients))
    steps.push(out)
  }
  // destroy() also stops the interval timer that would keep Node alive.
  recording = false
  aw.destroy()
  return { name, client_id: clientID, steps }
}

const awareness = [
  runAwareness('local_states', 10, [
    { op: 'set', state: '{"user":{"name":"Zoë","color":"#30bced"},"cursor":null}' },
    { op: 'set', state: '{"cursor":null,"user":{"color":"#30bced","name":"Zoë"}}' },
    { op: 'set_field', field: 'cursor', value: '{"anchor":1,"head":3}' },
    { op: 'set_field', field: 'extra', value: '[1,2.5,-0,1e21,1e-7,"\\u0000\\n\\u2028/"]' },
    { op: 'set' },
    { op: 'set' },
    { op: 'set_field', field: 'ignored', value: '1' },
    { op: 'set', state: '{}' },
    { op: 'encode', clients: [10] }
  ]),
  runAwareness('remote_rules', 10, [
    { op: 'apply', update: hex(rawUpdate([[20, 1, '{"user":"b"}'], [30, 2, '{"user":"c"}']])) },
    { op: 'apply', update: hex(rawUpdate([[20, 1, '{"user":"stale"}']])) },
    { op: 'apply', update: hex(rawUpdate([[20, 0, '{"user":"older"}']])) },
    { op: 'apply', update: hex(rawUpdate([[20, 2, '{"user":"b"}']])) },
    { op: 'apply', update: hex(rawUpdate([[20, 3, '{"user":"b2"}']])) },
    { op: 'apply', update: hex(rawUpdate([[30, 2, 'null']])) },
    { op: 'apply', update: hex(rawUpdate([[30, 2, 'null']])) },
    { op: 'apply', update: hex(rawUpdate([[30, 3, '{"back":true}']])) },
    { op: 'apply', update: hex(rawUpdate([[40, 0, '{"first":0}']])) },
    { op: 'apply', update: hex(rawUpdate([[50, 4, 'null']])) },
    { op: 'apply', update: hex(rawUpdate([[50, 4, '{}']])) },
    { op: 'apply', update: hex(rawUpdate([[10, 5, 'null']])) },
    { op: 'apply', update: hex(rawUpdate([[10, 6, 'null']])) },
    { op: 'apply', update: hex(rawUpdate([[60, 1, '{"a":1}'], [60, 2, '{"a":2}'], [60, 2, 'null']])) },
    { op: 'apply', update: hex(rawUpdate([[70, 1, ' { "w" : [ 1 , 2 ] , "s" : "\\ud83d\\ude00 \\ud800" } ']])) },
    { op: 'apply', update: hex(rawUpdate([[80, 1, '0'], [81, 1, 'false'], [82, 1, '""'], [83, 1, '17'], [84, 1, '"s"'], [85, 1, '[]']])) },
    { op: 'encode', clients: [80, 81, 82, 83, 84, 85, 30] },
    { op: 'remove', clients: [10, 20, 99] },
    { op: 'remove', clients: [10] },
    { op: 'set', state: '{"again":1}' }
  ]),
  runAwareness('server_like', 7, [
    // y-websocket's server: no local state; clients come and go.
    { op: 'set' },
    { op: 'apply', update: hex(rawUpdate([[11, 1, '{"user":{"name":"a"}}']])) },
    { op: 'apply', update: hex(rawUpdate([[12, 3, '{"user":{"name":"b"}}'], [11, 2, '{"user":{"name":"a2"}}']])) },
    { op: 'apply', update: hex(rawUpdate([[11, 3, 'null']])) },
    { op: 'apply', update: hex(rawUpdate([[11, 4, '{"user":{"name":"a3"}}']])) },
    { op: 'remove', clients: [12, 11] }
  ])
]

// ---------------------------------------------------------------------------------------------

const out = {
  generator: 'tests/interop/gen-protocol-fixtures.mjs',
  versions: { yjs: versionOf('yjs'), 'y-protocols': versionOf('y-protocols'), lib0: versionOf('lib0') },
  frames,
  docs,
  awareness
}
const outDir = process.argv[2] ?? join(here, '../fixtures/protocol')
mkdirSync(outDir, { recursive: true })
writeFileSync(join(outDir, 'golden.json'), JSON.stringify(out, null, 1) + '\n')
console.log(`wrote ${frames.length} frames, ${docs.length} docs, ${awareness.length} awareness runs to ${join(outDir, 'golden.json')}`)
