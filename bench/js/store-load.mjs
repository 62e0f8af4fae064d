// bench/js/store-load.mjs: the store benchmark's load generator (bench/store.sh). Against one
// running server (yws serve --store ..., or the @y/websocket-server reference) it measures
//
//   append throughput: `clients` y-protocols clients in one room push `updates` small updates in
//     total, each keeping `window` of them unacknowledged; an update counts when the server's
//     broadcast of it came back (yws: after its append returned). -> updates/s
//   room load time: the clients leave, the room unloads (the server must run with a grace of 0),
//     and a new client connects; the time from its connection until its doc holds every update
//     (a yws room loads from its store before answering; the reference answers first and loads
//     from y-leveldb meanwhile, so we wait for the content, not for the step 2). -> ms
//
//   node bench/js/store-load.mjs --url ws://127.0.0.1:PORT --metrics http://127.0.0.1:PORT/metrics
//        [--clients 4] [--updates 4000] [--window 8] [--room bench]
//   -> stdout: one JSON line {"updates":..., "seconds":..., "updates_per_s":..., "load_ms":...}
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const need = createRequire(join(repo, 'tests/interop/package.json'))
const WebSocket = need('ws')
const Y = need('yjs')
const encoding = need('lib0/dist/encoding.cjs')
const decoding = need('lib0/dist/decoding.cjs')
const syncProtocol = need('y-protocols/dist/sync.cjs')

const { values: opt } = parseArgs({
  options: {
    url: { type: 'string' },
    metrics: { type: 'string' }, // yws only: wait for yws_rooms 0 before timing the load
    room: { type: 'string', default: 'bench' },
    clients: { type: 'string', default: '4' },
    updates: { type: 'string', default: '4000' },
    window: { type: 'string', default: '8' },
    timeout: { type: 'string', default: '120000' },
    'skip-load': { type: 'boolean', default: false } // a server without a store forgets the room
  }
})
const clients = Number(opt.clients)
const total = Number(opt.updates)
const window = Number(opt.window)
const deadline = Date.now() + Number(opt.timeout)

function message (write) {
  const e = encoding.createEncoder()
  encoding.writeVarUint(e, 0)
  write(e)
  return encoding.toUint8Array(e)
}

// A raw y-protocols client; onUpdate(structsOfMine) after each broadcast update.
function open (url, clientID, { onUpdate = () => {} } = {}) {
  const doc = new Y.Doc()
  doc.clientID = clientID
  const ws = new WebSocket(`${url}/${opt.room}`)
  ws.binaryType = 'nodebuffer'
  const peer = { doc, ws, synced: false }
  doc.on('update', (u, origin) => {
    if (origin !== peer && ws.readyState === WebSocket.OPEN) ws.send(message(e => syncProtocol.writeUpdate(e, u)))
  })
  ws.on('message', data => {
    const d = decoding.createDecoder(new Uint8Array(data))
    if (decoding.readVarUint(d) !== 0) return
    const sub = decoding.readVarUint(d)
    if (sub === 0) {
      ws.send(message(e => syncProtocol.readSyncStep1(d, e, doc)))
      return
    }
    const update = decoding.readVarUint8Array(d)
    Y.applyUpdate(doc, update, peer)
    if (sub === 1) peer.synced = true
    if (sub === 2) {
      let mine = 0
      for (const s of Y.decodeUpdate(update).structs) if (s.id.client === clientID) mine += s.length
      onUpdate(mine)
    }
  })
  peer.opened = new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject) })
  peer.closed = new Promise(resolve => ws.once('close', resolve))
  ws.once('open', () => ws.send(message(e => syncProtocol.writeSyncStep1(e, doc))))
  return peer
}

async function until (cond, what) {
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`store-load: timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 1))
  }
}

// Phase 1: append throughput.
const perClient = Math.ceil(total / clients)
const peers = []
let acked = 0
for (let i = 0; i < clients; i++) {
  const state = { sent: 0, acked: 0 }
  const peer = open(opt.url, 1000 + i, {
    onUpdate: mine => {
      state.acked += mine
      acked += mine
      pump()
    }
  })
  const pump = () => {
    while (state.sent < perClient && state.sent - state.acked < window) {
      peer.doc.getArray('log').push([`${i}:${state.sent++}`])
    }
  }
  peer.pump = pump
  peers.push(peer)
}
await Promise.all(peers.map(p => p.opened))
await until(() => peers.every(p => p.synced), 'the writers to sync')
const start = process.hrtime.bigint()
for (const p of peers) p.pump()
await until(() => acked >= perClient * clients, 'every update to be acknowledged')
const seconds = Number(process.hrtime.bigint() - start) / 1e9

// Phase 2: room load time.
for (const p of peers) p.ws.close()
await Promise.all(peers.map(p => p.closed))
let loadMs = null
if (opt['skip-load']) {
  // nothing to load
} else if (opt.metrics) {
  await until(async () => {
    const text = await (await fetch(opt.metrics)).text()
    return /^yws_rooms 0$/m.test(text)
  }, 'the room to unload')
} else {
  await new Promise(resolve => setTimeout(resolve, 500)) // the reference has no metrics: let it unload
}
if (!opt['skip-load']) {
  const loadStart = process.hrtime.bigint()
  const reader = open(opt.url, 999)
  await until(() => reader.synced && reader.doc.getArray('log').length >= perClient * clients, 'the reader to hold every update')
  loadMs = Number((Number(process.hrtime.bigint() - loadStart) / 1e6).toFixed(1))
  reader.ws.close()
  await reader.closed
}

process.stdout.write(JSON.stringify({
  updates: perClient * clients,
  seconds: Number(seconds.toFixed(3)),
  updates_per_s: Math.round(perClient * clients / seconds),
  load_ms: loadMs
}) + '\n')
process.exit(0)
