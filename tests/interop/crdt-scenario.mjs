// Seeded random editing scenarios for the differential test (crdt-differential.test.mjs).
//
// One scenario: 2 to 5 Yjs clients with fixed client ids (some above 2^32) edit text, arrays,
// maps, nested types and XML at random, and deliver their updates to each other at random moments
// and in random order (some clients stay offline until the end), then sync fully. While it runs,
// it writes the script of yws-oracle requests that replays the same story in yws, with what
// Yjs did at each step as the expectation:
//
//   twin k      a yws doc with client k's id: the same local ops (its emitted update must equal
//               the one Yjs emitted, byte for byte) and the same remote updates in the same order
//               (its emitted update must equal Yjs' re-encoded one); at the end the same state.
//   observer    a yws doc that receives every update of every client shuffled, with duplicates;
//               a Yjs "mirror" doc receives the same sequence and gives each expected emission;
//               at the end the observer must hold the clients' final state.
//
// Everything here is deterministic in the seed (a small PRNG; no Math.random).
import * as Y from 'yjs'
import { kindOf, openRoots, runOpOnYjs } from './yjs-ops.mjs'

/**
 * Yjs runs a formatting cleanup transaction after remote transactions that touch formatted text
 * (spec 4.8) and emits its deletes as an extra update. The yws engine does the same, so its
 * cleanup updates are expected byte for byte. YWS_DIFF_FORMAT_CLEANUP=0 is for an engine without
 * it: the yjs side's cleanup updates are then fed to the yws doc as remote updates instead.
 */
export const ENGINE_FORMAT_CLEANUP = process.env.YWS_DIFF_FORMAT_CLEANUP !== '0'

const hex = u => Buffer.from(u).toString('hex')
const REMOTE = Symbol('remote')

/** sfc32 seeded through splitmix32: small, fast, and the same on every machine. */
export function makeRng (seed) {
  let s = seed >>> 0
  const split = () => {
    s = (s + 0x9e3779b9) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
    return (z ^ (z >>> 16)) >>> 0
  }
  let a = split(); let b = split(); let c = split(); let d = split()
  const u32 = () => {
    const t = (((a + b) >>> 0) + d) >>> 0
    d = (d + 1) >>> 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) >>> 0
    c = ((c << 21) | (c >>> 11)) >>> 0
    c = (c + t) >>> 0
    return t
  }
  for (let i = 0; i < 12; i++) u32()
  const rng = {
    u32,
    /** integer in [0, n), n <= 2^53 */
    int: n => n <= 0x100000000 ? Math.floor(u32() / 0x100000000 * n) : Math.floor((u32() * 0x100000000 + u32()) / 2 ** 64 * n),
    bool: (p = 0.5) => u32() / 0x100000000 < p,
    pick: arr => arr[rng.int(arr.length)],
    /** weighted pick of [weight, value] pairs; weights <= 0 are skipped */
    weighted: pairs => {
      const live = pairs.filter(([w]) => w > 0)
      let x = u32() / 0x100000000 * live.reduce((sum, [w]) => sum + w, 0)
      for (const [w, v] of live) { if ((x -= w) < 0) return v }
      return live[live.length - 1][1]
    },
    shuffle: arr => {
      for (let i = arr.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [arr[i], arr[j]] = [arr[j], arr[i]]
      }
      return arr
    }
  }
  return rng
}

/** Root name -> protocol type for the enabled features. */
export function rootsFor (features) {
  const roots = {}
  if (features.includes('text')) roots.text = 'text'
  if (features.includes('array')) roots.array = 'array'
  if (features.includes('map')) roots.map = 'map'
  if (features.includes('xml')) roots.xml = 'xml_fragment'
  return roots
}

// ---- random content -------------------------------------------------------------------------

const TEXT_PIECES = ['a', 'b', 'c', 'x', 'yz', 'hello', ' ', '\n', 'é', 'ñ', '中文', '😀', '👍🏽', '"', '\\', '\t', 'ab😀c']
const MAP_KEYS = ['a', 'b', 'c', 'key', 'x y', 'é', '10', '2', '0']
const XML_NAMES = ['p', 'div', 'span', 'h1', 'ul']
const XML_ATTRS = ['class', 'id', 'style', 'data-x']
const FORMAT_ATTRS = [
  () => ({ bold: true }), () => ({ italic: true }), () => ({ bold: null }), () => ({ italic: null }),
  () => ({ bold: true, italic: true }), () => ({ color: '#ff0000' }), () => ({ link: { href: 'https://x.test/é' } })
]
const EMBEDS = [() => ({ image: 'https://x.test/a.png' }), () => ({ formula: 'e=mc^2', size: 1.5 }), () => ({ mention: { id: 7, name: 'Zoë' } })]
const EDGE_NUMBERS = [0, 1, -1, 2147483647, -2147483647, 2147483648, -2147483648, 2 ** 53 - 1, 1e21, 1.5e-7, 0.1, 0.5, -3.75, 123456.789]

function randomString (rng) {
  let s = ''
  for (let n = 1 + rng.int(4); n > 0; n--) s += rng.pick(TEXT_PIECES)
  return s
}

function randomValue (rng, depth = 0) {
  switch (rng.int(depth < 2 ? 10 : 8)) {
    case 0: return rng.int(101) - 50
    case 1: return rng.pick(EDGE_NUMBERS)
    case 2: return (rng.int(20001) - 10000) / 64
    case 3: return randomString(rng)
    case 4: return rng.bool()
    case 5: return null
    case 6: return (rng.int(2 ** 31) + 2 ** 31) * (rng.bool() ? 1 : -1)
    case 7: return rng.int(1000) / 10
    case 8: return Array.from({ length: rng.int(4) }, () => randomValue(rng, depth + 1))
    default: {
      const o = {}
      for (let n = rng.int(4); n > 0; n--) o[rng.pick(MAP_KEYS)] = randomValue(rng, depth + 1)
      return o
    }
  }
}

// ---- op generation on a Yjs doc -------------------------------------------------------------

/** Every live shared type of `doc` with its protocol path: [{type, kind, path, depth}]. */
export function collectTypes (doc, roots) {
  const out = []
  const visit = (type, path) => {
    const kind = kindOf(type)
    out.push({ type, kind, path, depth: path.length - 1 })
    if (kind === 'array' || kind === 'xml_fragment' || kind === 'xml_element') {
      type.toArray().forEach((child, i) => { if (child instanceof Y.AbstractType) visit(child, [...path, i]) })
    } else if (kind === 'map') {
      type.forEach((child, key) => { if (child instanceof Y.AbstractType) visit(child, [...path, key]) })
    }
  }
  for (const name of Object.keys(roots)) visit(doc.share.get(name), [name])
  return out
}

/** UTF-16 units of a text as an index sees them (an embed or type counts as one unit). */
function textUnits (t) {
  return t.toDelta().map(d => typeof d.insert === 'string' ? d.insert : '\ufffc').join('')
}

const isHigh = c => c >= 0xd800 && c <= 0xdbff

/** True when an operation boundary at `i` falls between the two halves of a surrogate pair. */
function splitsPair (units, i) {
  return i > 0 && i < units.length && isHigh(units.charCodeAt(i - 1))
}

function textOp (rng, has, target, state) {
  const units = textUnits(target.type)
  const len = units.length
  const xml = target.kind === 'xml_text'
  const kind = rng.weighted([
    [5, 'insert'], [len > 0 ? 3 : 0, 'erase'], [has('format') && len > 0 ? 2 : 0, 'format'],
    [has('embed') && !xml ? 1 : 0, 'embed']
  ])
  const path = target.path
  if (kind === 'insert' || kind === 'embed') {
    let index = rng.int(len + 1)
    if (splitsPair(units, index)) {
      if (state.allowPairSplits) state.splitsSurrogatePair = true
      else index -= 1
    }
    const attrs = has('format') && rng.bool(0.3) ? rng.pick(FORMAT_ATTRS)() : undefined
    const op = kind === 'insert'
      ? { op: 'text.insert', path, index, text: randomString(rng) }
      : { op: 'text.insert_embed', path, index, embed: rng.pick(EMBEDS)() }
    if (attrs) op.attrs = attrs
    return op
  }
  let index = rng.int(len)
  let n = 1 + rng.int(Math.min(len - index, 6))
  if (splitsPair(units, index) || splitsPair(units, index + n)) {
    if (state.allowPairSplits) {
      state.splitsSurrogatePair = true
    } else {
      if (splitsPair(units, index)) { index -= 1; n += 1 }
      if (splitsPair(units, index + n)) n += 1 // a low surrogate follows, so this stays in range
    }
  }
  if (kind === 'erase') return { op: 'text.erase', path, index, len: n }
  return { op: 'text.format', path, index, len: n, attrs: rng.pick(FORMAT_ATTRS)() }
}

function nestedKind (rng) {
  return rng.pick(['text', 'array', 'map'])
}

function arrayOp (rng, has, target) {
  const size = target.type.length
  const kind = rng.weighted([
    [4, 'insert'], [has('nested') && target.depth < 3 ? 2 : 0, 'insert_type'], [size > 0 ? 2 : 0, 'erase']
  ])
  const path = target.path
  if (kind === 'insert') {
    const values = Array.from({ length: 1 + rng.int(3) }, () => randomValue(rng))
    return { op: 'array.insert', path, index: rng.int(size + 1), values }
  }
  if (kind === 'insert_type') return { op: 'array.insert_type', path, index: rng.int(size + 1), type: nestedKind(rng) }
  const index = rng.int(size)
  return { op: 'array.erase', path, index, len: 1 + rng.int(Math.min(size - index, 3)) }
}

function mapOp (rng, has, target) {
  const keys = [...target.type.keys()]
  const kind = rng.weighted([
    [4, 'set'], [has('nested') && target.depth < 3 ? 2 : 0, 'set_type'], [keys.length > 0 ? 2 : 0, 'erase'],
    [0.3, 'erase_missing']
  ])
  const path = target.path
  if (kind === 'set') return { op: 'map.set', path, key: rng.pick(MAP_KEYS), value: randomValue(rng) }
  if (kind === 'set_type') return { op: 'map.set_type', path, key: rng.pick(MAP_KEYS), type: nestedKind(rng) }
  if (kind === 'erase') return { op: 'map.erase', path, key: rng.pick(keys) }
  return { op: 'map.erase', path, key: 'never-set' }
}

function xmlOp (rng, target) {
  const size = target.type.length
  const element = target.kind === 'xml_element'
  const attrs = element ? Object.keys(target.type.getAttributes()) : []
  const kind = rng.weighted([
    [target.depth < 3 ? 3 : 0, 'insert_element'], [2, 'insert_text'], [size > 0 ? 1 : 0, 'erase'],
    [element ? 3 : 0, 'set_attribute'], [attrs.length > 0 ? 1 : 0, 'remove_attribute']
  ])
  const path = target.path
  switch (kind) {
    case 'insert_element': return { op: 'xml.insert_element', path, index: rng.int(size + 1), name: rng.pick(XML_NAMES) }
    case 'insert_text': return { op: 'xml.insert_text', path, index: rng.int(size + 1) }
    case 'erase': {
      const index = rng.int(size)
      return { op: 'xml.erase', path, index, len: 1 + rng.int(Math.min(size - index, 2)) }
    }
    case 'set_attribute': return { op: 'xml.set_attribute', path, key: rng.pick(XML_ATTRS), value: randomString(rng) }
    default: return { op: 'xml.remove_attribute', path, key: rng.pick(attrs) }
  }
}

/** One random operation on a random live type of `doc`. */
export function randomOp (rng, features, doc, roots, state) {
  const has = f => features.includes(f)
  const targets = collectTypes(doc, roots)
  const target = rng.pick(targets)
  switch (target.kind) {
    case 'text':
    case 'xml_text': return textOp(rng, has, target, state)
    case 'array': return arrayOp(rng, has, target)
    case 'map': return mapOp(rng, has, target)
    default: return xmlOp(rng, target)
  }
}

// ---- the scenario ---------------------------------------------------------------------------

function randomClientIds (rng, n, bigIds) {
  const ids = new Set()
  const edge = [0, 1, 2 ** 31 - 1, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1]
  while (ids.size < n + 1) {
    let id
    if (rng.bool(0.15)) id = rng.pick(edge)
    else if (bigIds && rng.bool(0.6)) id = 2 ** 32 + rng.int(2 ** 53 - 2 ** 32)
    else id = rng.int(2 ** 32)
    if (!bigIds && id >= 2 ** 32) continue
    ids.add(id)
  }
  return [...ids]
}

/** Captures the 'update' events `fn` causes on client `c`: [{hex, local}]. */
function capture (c, fn) {
  c.captured = []
  fn()
  const out = c.captured
  c.captured = null
  return out
}

/**
 * Runs scenario `seed` on the Yjs side and returns it with the yws-oracle script that replays it.
 * `prefix` names the oracle docs (unique per scenario in one oracle session).
 */
export function runScenario (seed, features, prefix = `s${seed}`) {
  const rng = makeRng(seed)
  const roots = rootsFor(features)
  const nClients = 2 + rng.int(4)
  const bigIds = rng.bool(0.5)
  const ids = randomClientIds(rng, nClients, bigIds)
  const gc = rng.bool(0.75)
  // Yjs replaces a surrogate pair split by an edit with two U+FFFD locally (spec 4.5), so peers
  // that split at different moments diverge. Only some seeds edit inside pairs; their twins and
  // observer are still compared with the Yjs docs that saw the same sequence.
  const state = { allowPairSplits: rng.bool(0.3), splitsSurrogatePair: false }
  const clients = ids.slice(0, nClients).map((id, idx) => {
    const doc = new Y.Doc({ gc })
    doc.clientID = id
    openRoots(doc, roots)
    const c = { idx, id, doc, name: `${prefix}.c${idx}`, log: [], delivered: ids.map(() => new Set()), offline: rng.bool(0.25), captured: null }
    doc.on('update', (u, origin, d, tr) => { if (c.captured) c.captured.push({ hex: hex(u), bytes: u, local: tr.local }) })
    return c
  })
  const observerId = ids[nClients]
  const script = [] // {req, expect?, category, note}
  const opLog = [] // {client, ops}
  let seq = 0 // creation order of the clients' updates
  for (const c of clients) script.push({ req: { cmd: 'create', doc: c.name, client_id: c.id, gc, roots }, category: 'setup' })

  const localStep = c => {
    const ops = []
    const n = rng.bool(0.2) ? 2 + rng.int(3) : 1
    const emitted = capture(c, () => c.doc.transact(() => {
      for (let i = 0; i < n; i++) {
        const op = randomOp(rng, features, c.doc, roots, state)
        ops.push(op)
        runOpOnYjs(c.doc, roots, op)
      }
    }))
    for (const e of emitted) c.log.push({ hex: e.hex, bytes: e.bytes, kind: 'op', client: c.idx, seq: seq++, step: script.length })
    opLog.push({ client: c.idx, ops })
    script.push({
      req: { cmd: 'transact', doc: c.name, ops },
      expect: emitted.map(e => e.hex),
      category: 'twin-op',
      note: { client: c.idx, opIndex: opLog.length - 1 }
    })
  }

  // Applies `bytes` to client r and scripts the same for its twin.
  const applyRemote = (r, bytes, note) => {
    const emitted = capture(r, () => Y.applyUpdate(r.doc, bytes, REMOTE))
    const remote = emitted.filter(e => !e.local).map(e => e.hex)
    const cleanup = emitted.filter(e => e.local)
    for (const e of cleanup) r.log.push({ hex: e.hex, bytes: e.bytes, kind: 'cleanup', client: r.idx, seq: seq++ })
    script.push({
      req: { cmd: 'apply', doc: r.name, update: hex(bytes) },
      expect: ENGINE_FORMAT_CLEANUP ? [...remote, ...cleanup.map(e => e.hex)] : remote,
      category: 'twin-apply',
      note
    })
    if (!ENGINE_FORMAT_CLEANUP) {
      for (const e of cleanup) script.push({ req: { cmd: 'apply', doc: r.name, update: e.hex }, category: 'cleanup-feed' })
    }
  }

  const deliver = (r, s, i) => {
    r.delivered[s.idx].add(i)
    applyRemote(r, s.log[i].bytes, { client: r.idx, from: s.idx, update: i })
  }

  const hasPending = doc => doc.store.pendingStructs !== null || doc.store.pendingDs !== null
  const diffs = [] // sync-step-2 style updates, also fed to the observer

  // Sync step 2 from s to r: the diff against r's state vector, which s's twin must encode
  // byte for byte. Only from a client without pending data: Yjs merges that into the diff, and
  // the Skips it may hold stall Yjs 13 (spec 4.4).
  const syncFrom = (r, s) => {
    const sv = Y.encodeStateVector(r.doc)
    const diff = Y.encodeStateAsUpdate(s.doc, sv)
    script.push({
      req: { cmd: 'encode_state_as_update', doc: s.name, sv: hex(sv) },
      expectUpdate: hex(diff),
      category: 'twin-diff',
      note: { client: s.idx, for: r.idx }
    })
    diffs.push({ hex: hex(diff), bytes: diff, kind: 'diff', client: s.idx })
    s.log.forEach((_, i) => r.delivered[s.idx].add(i))
    applyRemote(r, diff, { client: r.idx, from: s.idx, diff: diffs.length - 1 })
  }

  const undelivered = (r, s) => s.log.map((_, i) => i).filter(i => !r.delivered[s.idx].has(i))

  const deliveryStep = () => {
    const online = clients.filter(c => !c.offline)
    const pairs = []
    for (const r of online) for (const s of online) if (r !== s && undelivered(r, s).length > 0) pairs.push([r, s])
    if (pairs.length === 0) return
    const [r, s] = rng.pick(pairs)
    const todo = undelivered(r, s)
    const how = rng.weighted([[6, 'oldest'], [3, 'random'], [1.5, 'all'], [hasPending(s.doc) ? 0 : 1.5, 'sync']])
    if (how === 'oldest') deliver(r, s, todo[0])
    else if (how === 'random') deliver(r, s, rng.pick(todo))
    else if (how === 'sync') syncFrom(r, s)
    else for (const i of rng.shuffle(todo)) deliver(r, s, i)
  }

  // Most scenarios are short; some run long enough to grow bigger docs.
  const steps = rng.bool(0.1) ? 80 + rng.int(120) : 12 + rng.int(28)
  for (let step = 0; step < steps; step++) {
    if (rng.bool(0.6)) localStep(rng.pick(clients))
    else deliveryStep()
  }
  // Everyone comes online and syncs until no update is left (cleanups can cause new ones).
  for (let round = 0; round < 20; round++) {
    let delivered = false
    for (const r of rng.shuffle([...clients])) {
      for (const s of rng.shuffle([...clients])) {
        if (r === s) continue
        for (const i of rng.shuffle(undelivered(r, s))) { deliver(r, s, i); delivered = true }
      }
    }
    if (!delivered) break
  }

  // The observer and its Yjs mirror get every update, shuffled, some twice.
  const all = [...clients.flatMap(c => c.log), ...diffs]
  const feed = rng.shuffle([...all])
  for (let n = rng.int(Math.ceil(all.length / 5) + 1); n > 0 && all.length > 0; n--) {
    feed.splice(rng.int(feed.length + 1), 0, rng.pick(all))
  }
  const mirror = new Y.Doc({ gc })
  mirror.clientID = observerId
  openRoots(mirror, roots)
  const m = { doc: mirror, captured: null }
  mirror.on('update', (u, origin, d, tr) => { if (m.captured) m.captured.push({ hex: hex(u), local: tr.local }) })
  const obsName = `${prefix}.obs`
  script.push({ req: { cmd: 'create', doc: obsName, client_id: observerId, gc, roots }, category: 'setup' })
  let mirrorCleaned = false
  feed.forEach((entry, i) => {
    const emitted = capture(m, () => Y.applyUpdate(mirror, entry.bytes, REMOTE))
    const cleanup = emitted.filter(e => e.local)
    const expect = ENGINE_FORMAT_CLEANUP ? emitted.map(e => e.hex) : emitted.filter(e => !e.local).map(e => e.hex)
    script.push({
      req: { cmd: 'apply', doc: obsName, update: entry.hex },
      // Once the mirror ran a cleanup of its own that yws does not do, their histories differ.
      expect: mirrorCleaned ? undefined : expect,
      category: 'obs-apply',
      note: { feedIndex: i, client: entry.client, kind: entry.kind }
    })
    if (cleanup.length > 0 && !ENGINE_FORMAT_CLEANUP) mirrorCleaned = true
  })

  // Yjs 13 can leave a doc with pending structs forever after merging pending updates into one
  // with a leading Skip (spec 4.4, yjs#785); yws may integrate them instead. Then the mirror's
  // emissions are no expectation, and the observer may end in the mirror's or the clients' state.
  const mirrorStuck = mirror.store.pendingStructs !== null || mirror.store.pendingDs !== null
  if (mirrorStuck) for (const step of script) if (step.category === 'obs-apply') step.expect = undefined

  const finalState = doc => ({
    json: doc.toJSON(),
    sv: hex(Y.encodeStateVector(doc)),
    update: hex(Y.encodeStateAsUpdate(doc)),
    pending: doc.store.pendingStructs !== null || doc.store.pendingDs !== null
  })
  for (const c of clients) {
    script.push({ req: { cmd: 'state', doc: c.name }, expect: finalState(c.doc), category: 'twin-state', note: { client: c.idx } })
  }
  const reference = finalState(clients[0].doc)
  script.push({ req: { cmd: 'state', doc: obsName }, expect: reference, category: 'obs-state' })
  for (const c of clients) script.push({ req: { cmd: 'destroy', doc: c.name }, category: 'teardown' })
  script.push({ req: { cmd: 'destroy', doc: obsName }, category: 'teardown' })

  const result = {
    seed,
    features,
    roots,
    gc,
    ids: clients.map(c => c.id),
    observerId,
    bigIds: ids.slice(0, nClients + 1).some(id => id >= 2 ** 32),
    splitsSurrogatePair: state.splitsSurrogatePair,
    opLog,
    script,
    reference,
    mirrorFinal: finalState(mirror),
    mirrorCleaned,
    mirrorStuck,
    // The clients' updates (ops and cleanups) in the order they were made; an op's `step` is the
    // index of its transact request in the script.
    log: clients.flatMap(c => c.log).sort((a, b) => a.seq - b.seq),
    clientFinals: clients.map(c => finalState(c.doc))
  }
  for (const c of clients) c.doc.destroy()
  mirror.destroy()
  return result
}

/** The operation kinds a scenario used, e.g. ["array.insert", "text.erase"]. */
export function opKinds (scenario) {
  return [...new Set(scenario.opLog.flatMap(e => e.ops.map(o => o.op)))].sort()
}
