// Crash test (issue 5, acceptance 2): JS clients write to a room of `yws serve --store ...
// --fsync always` while the server is killed with SIGKILL at seeded random moments. After each
// restart on the same store, every update acknowledged before the kill (its echo had arrived:
// the server broadcasts an update only after its append returned) must be in the document a
// fresh client syncs, the store must open without repair (the server starts and loads), and the
// writers resync and go on.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import * as syncProtocol from 'y-protocols/sync'
import { startServer } from './lib/server.mjs'
import { MESSAGE_SYNC, syncStep1Message, updateMessage } from './lib/raw.mjs'
import { WAIT_MS, waitFor, withTimeout } from './lib/wait.mjs'

const ROOM = 'crash-room'
const WRITERS = 3
let readers = 0

// mulberry32: a small seeded generator, so that a failing run can be replayed.
function rng (seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * A y-protocols peer over a raw WebSocket that pushes values into the array "log" of its doc.
 * A value counts as acknowledged when a sync *update* message from the server carries the struct
 * that holds it (a step 2 may hold content not yet stored; a broadcast never does).
 */
class Writer {
  constructor (clientID) {
    this.doc = new Y.Doc()
    this.doc.clientID = clientID
    this.log = this.doc.getArray('log')
    this.next = 0
    this.valueAt = new Map() // clock of our struct -> value
    this.acked = new Set()
    this.doc.on('update', (update, origin) => {
      if (origin !== this && this.ws?.readyState === WebSocket.OPEN) this.ws.send(updateMessage(update))
    })
  }

  async connect (url) {
    const ws = new WebSocket(`${url}/${ROOM}`)
    ws.binaryType = 'nodebuffer'
    this.ws = ws
    this.synced = false
    this.closed = new Promise(resolve => ws.on('close', resolve))
    ws.on('error', () => {})
    ws.on('message', data => this.onFrame(new Uint8Array(data)))
    await withTimeout(new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('close', reject) }),
      WAIT_MS, `writer ${this.doc.clientID} to connect`)
    ws.send(syncStep1Message(this.doc))
    await waitFor(() => this.synced, { what: `writer ${this.doc.clientID} to sync` })
  }

  onFrame (frame) {
    const d = decoding.createDecoder(frame)
    if (decoding.readVarUint(d) !== MESSAGE_SYNC) return
    const sub = decoding.readVarUint(d)
    if (sub === 0) {
      // The server's step 1: answer with what it lacks (unacknowledged values included).
      const e = encoding.createEncoder()
      encoding.writeVarUint(e, MESSAGE_SYNC)
      syncProtocol.readSyncStep1(d, e, this.doc)
      this.ws.send(encoding.toUint8Array(e))
      return
    }
    const update = decoding.readVarUint8Array(d)
    Y.applyUpdate(this.doc, update, this)
    if (sub === 1) { this.synced = true; return }
    for (const s of Y.decodeUpdate(update).structs) {
      if (s.id.client !== this.doc.clientID) continue
      for (let c = s.id.clock; c < s.id.clock + s.length; c++) {
        const v = this.valueAt.get(c)
        if (v !== undefined) this.acked.add(v)
      }
    }
  }

  write () {
    if (!this.synced || this.ws.readyState !== WebSocket.OPEN) return
    const value = `${this.doc.clientID}:${this.next++}`
    this.valueAt.set(Y.getState(this.doc.store, this.doc.clientID), value)
    this.log.push([value])
  }
}

/** The "log" array of the room as a fresh client syncs it. */
async function syncedLog (url) {
  const reader = new Writer(1_000_000 + readers++)
  await reader.connect(url)
  const values = reader.log.toArray()
  reader.ws.close()
  await withTimeout(reader.closed, WAIT_MS, 'the reader to close')
  return new Set(values)
}

async function crashLoop (t, { store, kills, seed }) {
  const random = rng(seed)
  const writers = Array.from({ length: WRITERS }, (_, i) => new Writer(100 + i))
  const args = ['--store', store, '--fsync', 'always', '--room-grace', 'never']
  let server = await startServer(args)
  let totalAcked = 0
  let timers = []
  try {
    for (let kill = 0; kill < kills; kill++) {
      await Promise.all(writers.map(w => w.connect(server.url)))
      // Write load: every writer pushes a value every few ms until the kill.
      timers = writers.map(w => setInterval(() => w.write(), 1 + Math.floor(random() * 4)))
      const before = writers.map(w => w.acked.size)
      const delay = 40 + Math.floor(random() * 250)
      await new Promise(resolve => setTimeout(resolve, delay))
      // At least something was acknowledged in this round (the load really ran).
      await waitFor(() => writers.some((w, i) => w.acked.size > before[i]), { what: 'an acknowledgement before the kill' })
      server.child.proc.kill('SIGKILL')
      const exit = await withTimeout(server.child.exited, WAIT_MS, 'the killed server to exit')
      for (const timer of timers) clearInterval(timer)
      assert.equal(exit.signal, 'SIGKILL')
      await Promise.all(writers.map(w => withTimeout(w.closed, WAIT_MS, 'writers to see the connection die')))
      const acked = writers.flatMap(w => [...w.acked])
      totalAcked = acked.length

      server = await startServer(args) // opens the store as it is: no repair step
      const stored = await syncedLog(server.url)
      const missing = acked.filter(v => !stored.has(v))
      assert.deepEqual(missing, [], `kill ${kill} (seed ${seed}, ${store}): acknowledged values missing after restart`)
    }
    // The writers resync (their unacknowledged values reach the server again) and everyone agrees.
    await Promise.all(writers.map(w => w.connect(server.url)))
    const final = await syncedLog(server.url)
    for (const w of writers) {
      for (const v of w.log.toArray()) assert.ok(final.has(v), `${v} lost after the final resync`)
      w.ws.close()
    }
    t.diagnostic(`${store}: ${kills} kills, ${totalAcked} acknowledged values all kept`)
    assert.deepEqual(await server.stop(), { code: 0, signal: null }, server.tail())
  } finally {
    for (const timer of timers) clearInterval(timer)
    for (const w of writers) w.ws?.terminate()
    if (!server.exitInfo) server.child.proc.kill('SIGKILL')
  }
}

// 22 kills in all: 14 on a SQLite database, 8 on a directory of logs.
for (const { kind, kills, seed } of [{ kind: 'sqlite', kills: 14, seed: 0x5eed1 }, { kind: 'file', kills: 8, seed: 0x5eed2 }]) {
  test(`SIGKILL under write load loses nothing acknowledged: ${kind} store, --fsync always`, async t => {
    const dir = mkdtempSync(join(tmpdir(), 'yws-crash-'))
    const store = kind === 'sqlite' ? `sqlite:${join(dir, 'rooms.db')}` : `file:${join(dir, 'rooms')}`
    try {
      await crashLoop(t, { store, kills, seed })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
}
