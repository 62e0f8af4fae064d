// A stand-in for yws-oracle backed by Yjs itself: the same line protocol (README.md), answered
// by yjs 13.6. It checks the test harness: with YWS_ORACLE="node tests/interop/yjs-oracle.mjs"
// the differential test compares Yjs with Yjs and must pass. It is not used by default.
import { createInterface } from 'node:readline'
import * as Y from 'yjs'
import { openRoots, resolvePath, runOpOnYjs } from './yjs-ops.mjs'

const toHex = u => Buffer.from(u).toString('hex')
const fromHex = h => {
  if (typeof h !== 'string' || !/^([0-9a-fA-F]{2})*$/.test(h)) throw new Error('not a hex string')
  return new Uint8Array(Buffer.from(h, 'hex'))
}

const docs = new Map() // name -> {doc, roots, emitted}

function entry (req) {
  const e = docs.get(req.doc)
  if (!e) throw new Error(`no doc "${req.doc}"`)
  return e
}

const take = e => e.emitted.splice(0)

const commands = {
  ping: () => ({}),
  create (req) {
    if (docs.has(req.doc)) throw new Error(`doc "${req.doc}" exists`)
    const doc = new Y.Doc({ gc: req.gc !== false })
    if (req.client_id !== undefined) doc.clientID = req.client_id
    const e = { doc, roots: { ...(req.roots || {}) }, emitted: [] }
    openRoots(doc, e.roots)
    doc.on('update', u => e.emitted.push(toHex(u)))
    docs.set(req.doc, e)
    return { client_id: doc.clientID }
  },
  destroy (req) { entry(req).doc.destroy(); docs.delete(req.doc); return {} },
  open_root (req) {
    const e = entry(req)
    e.roots[req.name] = req.type
    openRoots(e.doc, { [req.name]: req.type })
    return {}
  },
  apply (req) {
    const e = entry(req)
    Y.applyUpdate(e.doc, fromHex(req.update), req.origin ?? null)
    return { updates: take(e), pending: e.doc.store.pendingStructs !== null || e.doc.store.pendingDs !== null }
  },
  transact (req) {
    const e = entry(req)
    let at = -1
    let error = null
    e.doc.transact(() => {
      for (let i = 0; i < req.ops.length; i++) {
        try { runOpOnYjs(e.doc, e.roots, req.ops[i]) } catch (err) { at = i; error = err.message; break }
      }
    }, req.origin ?? null)
    const res = { updates: take(e) }
    if (error !== null) return { ...res, at, error: `op ${at}: ${error}` }
    return res
  },
  json: req => ({ json: entry(req).doc.toJSON() }),
  state_vector (req) {
    const doc = entry(req).doc
    const sv = Y.decodeStateVector(Y.encodeStateVector(doc))
    return { sv: toHex(Y.encodeStateVector(doc)), clients: [...sv.entries()].sort((a, b) => b[0] - a[0]) }
  },
  encode_state_as_update (req) {
    const doc = entry(req).doc
    return { update: toHex(req.sv === undefined ? Y.encodeStateAsUpdate(doc) : Y.encodeStateAsUpdate(doc, fromHex(req.sv))) }
  },
  state (req) {
    const doc = entry(req).doc
    return {
      json: doc.toJSON(),
      sv: toHex(Y.encodeStateVector(doc)),
      update: toHex(Y.encodeStateAsUpdate(doc)),
      pending: doc.store.pendingStructs !== null || doc.store.pendingDs !== null
    }
  },
  delta (req) { const e = entry(req); return { delta: resolvePath(e.doc, e.roots, req.path).toDelta() } },
  to_string (req) { const e = entry(req); return { string: resolvePath(e.doc, e.roots, req.path).toString() } },
  describe: req => ({ text: JSON.stringify(Y.decodeUpdate(fromHex(req.update)), (k, v) => k === 'parent' ? undefined : v) })
}

createInterface({ input: process.stdin }).on('line', line => {
  if (line === '') return
  let req = null
  let res
  try {
    req = JSON.parse(line)
    const fn = commands[req.cmd]
    if (!fn) throw new Error(`unknown cmd "${req.cmd}"`)
    const out = fn(req)
    res = out.error ? { error: out.error, ...out } : { ok: true, ...out }
  } catch (err) {
    res = { error: String(err.message || err) }
  }
  if (req && req.id !== undefined) res = { id: req.id, ...res }
  process.stdout.write(JSON.stringify(res) + '\n')
})
