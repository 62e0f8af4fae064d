// Real y-websocket 3 providers (over `ws`) for the server interop tests, and ways to compare docs.
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import WebSocket from 'ws'
import { WAIT_MS, waitFor } from './wait.mjs'
import { canonical } from '../crdt-compare.mjs'

/**
 * A Y.Doc synced with `room` at `url` by a WebsocketProvider. BroadcastChannel is off: Node 20
 * has one, and providers of the same room in this process would otherwise sync through it and
 * hide what the server does.
 *
 *   const c = connectClient(server.url, 'room', { clientID: 7, awareness: { user: 'a' } })
 *   await c.synced()
 */
// Every provider adds a process 'exit' listener; the tests run dozens at once.
process.setMaxListeners(Math.max(process.getMaxListeners(), 100))

export function connectClient (url, room, { clientID, awareness: state, connect = true, gc = true } = {}) {
  const doc = new Y.Doc({ gc })
  if (clientID !== undefined) doc.clientID = clientID
  const provider = new WebsocketProvider(url, room, doc, { WebSocketPolyfill: WebSocket, disableBc: true, connect })
  if (state !== undefined) provider.awareness.setLocalState(state)
  return new Client(doc, provider, room)
}

export class Client {
  constructor (doc, provider, room) {
    this.doc = doc
    this.provider = provider
    this.awareness = provider.awareness
    this.room = room
    this.closes = []
    provider.on('connection-close', event => { if (event) this.closes.push(event.code) })
  }

  /** Resolves once the provider got its first sync step 2 on the current connection. */
  synced (timeout = WAIT_MS) {
    return waitFor(() => this.provider.synced, { timeout, what: `client ${this.doc.clientID} in '${this.room}' to sync` })
  }

  /** Closes the connection the way a user does: a goodbye awareness message, then a close frame. */
  disconnect () { this.provider.disconnect() }
  connect () { this.provider.connect() }

  /**
   * Drops the TCP connection without a WebSocket close or an awareness goodbye (a crashed or
   * vanished client). With `reconnect` the provider reconnects on its own, as after a network
   * failure.
   */
  kill ({ reconnect = false } = {}) {
    if (!reconnect) this.provider.shouldConnect = false
    const ws = this.provider.ws
    if (ws) ws.terminate()
  }

  /** Ends the provider, its awareness timers and the doc. */
  destroy () {
    this.provider.destroy()
    this.awareness.destroy()
    this.doc.destroy()
  }
}

/**
 * What two docs must share to be equal, as a canonical JSON text (map keys sorted: Y.Map key
 * order depends on history): the content of `roots` ({name: Y.Text | Y.Array | Y.Map}) and the
 * state vector.
 */
export function docState (doc, roots) {
  const content = {}
  for (const [name, ctor] of Object.entries(roots)) content[name] = doc.get(name, ctor).toJSON()
  const sv = Object.fromEntries(Y.decodeStateVector(Y.encodeStateVector(doc)))
  return canonical({ content, sv })
}

/** Ends every client, even if some already are. */
export function destroyAll (clients) {
  for (const c of clients) {
    try { c.destroy() } catch {}
  }
}
