// A raw `ws` client speaking (or mis-speaking) the y-websocket protocol byte by byte, for the
// server interop tests that need to see exact frames and close codes.
import WebSocket from 'ws'
import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import * as syncProtocol from 'y-protocols/sync'
import { WAIT_MS, waitFor, withTimeout } from './wait.mjs'

export const MESSAGE_SYNC = 0
export const MESSAGE_AWARENESS = 1
export const MESSAGE_AUTH = 2
export const MESSAGE_QUERY_AWARENESS = 3

const build = write => {
  const e = encoding.createEncoder()
  write(e)
  return encoding.toUint8Array(e)
}

export const syncStep1Message = doc => build(e => { encoding.writeVarUint(e, MESSAGE_SYNC); syncProtocol.writeSyncStep1(e, doc) })
export const syncStep2Message = update => build(e => { encoding.writeVarUint(e, MESSAGE_SYNC); encoding.writeVarUint(e, 1); encoding.writeVarUint8Array(e, update) })
export const updateMessage = update => build(e => { encoding.writeVarUint(e, MESSAGE_SYNC); syncProtocol.writeUpdate(e, update) })
export const awarenessMessage = awarenessUpdate => build(e => { encoding.writeVarUint(e, MESSAGE_AWARENESS); encoding.writeVarUint8Array(e, awarenessUpdate) })
export const queryAwarenessMessage = () => Uint8Array.of(MESSAGE_QUERY_AWARENESS)

/** An awareness update from raw entries [{client, clock, json}] (json: the state's text as sent). */
export const awarenessUpdateOf = entries => build(e => {
  encoding.writeVarUint(e, entries.length)
  for (const { client, clock, json } of entries) {
    encoding.writeVarUint(e, client)
    encoding.writeVarUint(e, clock)
    encoding.writeVarString(e, json)
  }
})

/**
 * The first message of a frame: {type, sync (sync subtype), payload (the varUint8Array that
 * follows), awareness ([{client, clock, state}] for awareness messages)}.
 */
export function decodeMessage (frame) {
  const d = decoding.createDecoder(frame)
  const type = decoding.readVarUint(d)
  const out = { type }
  if (type === MESSAGE_SYNC) {
    out.sync = decoding.readVarUint(d)
    out.payload = decoding.readVarUint8Array(d)
  } else if (type === MESSAGE_AWARENESS) {
    out.payload = decoding.readVarUint8Array(d)
    const a = decoding.createDecoder(out.payload)
    const n = decoding.readVarUint(a)
    out.awareness = []
    for (let i = 0; i < n; i++) {
      const client = decoding.readVarUint(a)
      const clock = decoding.readVarUint(a)
      out.awareness.push({ client, clock, state: JSON.parse(decoding.readVarString(a)) })
    }
  }
  return out
}

/** Opens a raw WebSocket to `room`; resolves once it is open. */
export async function openRaw (url, room, { timeout = WAIT_MS } = {}) {
  const raw = new RawClient(new WebSocket(`${url}/${room}`))
  await withTimeout(raw.opened, timeout, `raw client to open ${url}/${room}`)
  return raw
}

export class RawClient {
  constructor (ws) {
    this.ws = ws
    this.ws.binaryType = 'nodebuffer'
    /** Every frame received, as {data: Uint8Array, binary}. */
    this.frames = []
    this.closeInfo = null
    this.opened = new Promise((resolve, reject) => {
      ws.once('open', resolve)
      ws.once('error', reject)
    })
    this.closed = new Promise(resolve => {
      ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() }
        resolve(this.closeInfo)
      })
    })
    ws.on('error', err => { this.error = err })
    /** The decoded first message of every non-empty binary frame ({error} if undecodable). */
    this.decoded = []
    ws.on('message', (data, binary) => {
      const frame = { data: new Uint8Array(data), binary }
      this.frames.push(frame)
      if (!binary || frame.data.length === 0) return
      try {
        this.decoded.push(decodeMessage(frame.data))
      } catch (err) {
        this.decoded.push({ type: -1, error: err.message, data: frame.data })
      }
    })
  }

  send (data) { this.ws.send(data) }

  /** Decoded messages of the binary frames received so far (the live array). */
  messages () { return this.decoded }

  /** The first received message (from index `from` on) for which `pred` holds, waiting for it. */
  waitForMessage (pred, { timeout = WAIT_MS, what = 'a message', from = 0 } = {}) {
    return waitFor(() => this.messages().slice(from).find(pred), { timeout, what })
  }

  /** Resolves with {code, reason} once closed, or rejects after `timeout` ms. */
  waitClosed (timeout = WAIT_MS) { return withTimeout(this.closed, timeout, 'the server to close the raw client') }

  /** Syncs a doc with the room the way a client does: step 1, answer the server's step 1. */
  async handshake (doc = new Y.Doc()) {
    this.send(syncStep1Message(doc))
    await this.waitForMessage(m => m.type === MESSAGE_SYNC && m.sync === 1, { what: 'sync step 2' })
    return doc
  }

  terminate () { this.ws.terminate() }
}

/**
 * A WebSocket spoken over a plain TCP socket, to send frames no conforming client library sends
 * (unmasked, reserved bits). Resolves once the server answered the upgrade with 101.
 * `closed` resolves with the code of the server's close frame (or 1006 without one).
 */
export async function openTcpWebSocket (port, room, { timeout = WAIT_MS } = {}) {
  const { connect } = await import('node:net')
  const socket = connect(port, '127.0.0.1')
  let buffer = Buffer.alloc(0)
  let upgraded = false
  let closeCode = null
  const frames = []
  let onUpgrade
  const upgrade = new Promise((resolve, reject) => {
    onUpgrade = resolve
    socket.once('error', reject)
  })
  let onClosed
  const closed = new Promise(resolve => { onClosed = resolve })
  socket.on('close', () => onClosed(closeCode ?? 1006))
  socket.on('error', () => {})
  socket.on('data', chunk => {
    buffer = Buffer.concat([buffer, chunk])
    if (!upgraded) {
      const end = buffer.indexOf('\r\n\r\n')
      if (end < 0) return
      const head = buffer.subarray(0, end).toString()
      buffer = buffer.subarray(end + 4)
      upgraded = true
      onUpgrade(head)
    }
    // Server frames are unmasked: [fin|opcode] [len] [ext len] payload.
    for (;;) {
      if (buffer.length < 2) return
      let len = buffer[1] & 0x7f
      let at = 2
      if (len === 126) { if (buffer.length < 4) return; len = buffer.readUInt16BE(2); at = 4 }
      if (len === 127) { if (buffer.length < 10) return; len = Number(buffer.readBigUInt64BE(2)); at = 10 }
      if (buffer.length < at + len) return
      const opcode = buffer[0] & 0x0f
      const payload = buffer.subarray(at, at + len)
      frames.push({ opcode, payload })
      if (opcode === 8) {
        closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005
        onClosed(closeCode)
      }
      buffer = buffer.subarray(at + len)
    }
  })
  socket.write(`GET /${room} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n')
  const head = await withTimeout(upgrade, timeout, `the upgrade of a TCP WebSocket to ${room}`)
  if (!head.startsWith('HTTP/1.1 101')) throw new Error(`upgrade refused: ${head}`)
  return {
    socket,
    frames,
    closed,
    /** Writes one frame; `mask: false` sends it unmasked, `rsv1` sets a reserved bit. */
    sendFrame ({ opcode = 2, payload = Buffer.alloc(0), mask = true, rsv1 = false, fin = true }) {
      if (payload.length > 125) throw new Error('sendFrame: short frames only')
      const head = Buffer.from([(fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode, (mask ? 0x80 : 0) | payload.length])
      if (!mask) return socket.write(Buffer.concat([head, payload]))
      const key = Buffer.from([0x12, 0x34, 0x56, 0x78])
      const masked = Buffer.from(payload.map((b, i) => b ^ key[i % 4]))
      socket.write(Buffer.concat([head, key, masked]))
    }
  }
}
