// Generates tests/crdt/data/local_ops.jsonl: seeded random sessions of two Yjs docs doing local
// edits (text with formatting and embeds, arrays, maps, xml, nested types) and syncing, with the
// update bytes yjs emitted for every operation and the final states. local_ops_test.cpp replays
// the same operations on yws docs and expects the same bytes.
//
// Run from the repository root:  node tests/crdt/gen_local_ops.mjs > tests/crdt/data/local_ops.jsonl
// (uses the yjs pinned in tests/interop/node_modules).
const Y = await import(new URL('../interop/node_modules/yjs/dist/yjs.mjs', import.meta.url))

const hex = u => Buffer.from(u).toString('hex')

// mulberry32: a small deterministic PRNG
const rng = seed => () => {
  seed |= 0; seed = seed + 0x6D2B79F5 | 0
  let t = Math.imul(seed ^ seed >>> 15, 1 | seed)
  t = t + Math.imul(t ^ t >>> 7, 61 | t) ^ t
  return ((t ^ t >>> 14) >>> 0) / 4294967296
}

const words = ['a', 'bc', 'def', 'é', '€!', 'xyz', '\n']
const kinds = ['array', 'map', 'text', 'xmlFragment', 'xmlText']

function resolve (doc, path) {
  let t = path[0] === 't' ? doc.getText('t') : path[0] === 'a' ? doc.getArray('a') : path[0] === 'm' ? doc.getMap('m') : doc.getXmlFragment('x')
  for (let i = 1; i < path.length; i++) {
    const step = path[i]
    t = typeof step === 'number' ? t.get(step) : t.get(step)
  }
  return t
}

// Every shared type reachable from the roots, with its path.
function types (doc) {
  const out = [[['t'], doc.getText('t')], [['a'], doc.getArray('a')], [['m'], doc.getMap('m')], [['x'], doc.getXmlFragment('x')]]
  for (let i = 0; i < out.length && out.length < 16; i++) {
    const [p, t] = out[i]
    if (t instanceof Y.Array || t instanceof Y.XmlFragment) {
      const arr = t.toArray()
      arr.forEach((v, j) => { if (v instanceof Y.AbstractType) out.push([[...p, j], v]) })
    } else if (t instanceof Y.Map) {
      for (const [k, v] of t.entries()) if (v instanceof Y.AbstractType) out.push([[...p, k], v])
    }
  }
  return out
}

function newType (kind) {
  switch (kind) {
    case 'array': return new Y.Array()
    case 'map': return new Y.Map()
    case 'text': return new Y.Text()
    case 'xmlFragment': return new Y.XmlFragment()
    case 'xmlText': return new Y.XmlText()
  }
}

function randomValue (r) {
  switch (Math.floor(r() * 6)) {
    case 0: return Math.floor(r() * 100)
    case 1: return words[Math.floor(r() * words.length)]
    case 2: return { k: Math.floor(r() * 3) }
    case 3: return [1, 'x']
    case 4: return r() < 0.5
    default: return null
  }
}

function randomAttrs (r) {
  const a = {}
  if (r() < 0.6) a.bold = r() < 0.7 ? true : null
  if (r() < 0.3) a.color = r() < 0.5 ? 'red' : null
  return a
}

function randomOp (doc, r, textOnly) {
  const all = textOnly ? [[['t'], doc.getText('t')]] : types(doc)
  const [path, t] = all[Math.floor(r() * all.length)]
  const x = r()
  if (t instanceof Y.Text) { // Y.Text and Y.XmlText
    const len = t.length
    if (x < 0.45 || len === 0) {
      const op = { op: 'text.insert', path, index: Math.floor(r() * (len + 1)), text: words[Math.floor(r() * words.length)] }
      // yws treats an empty attribute object as "no attributes" (inherit), so only non-empty ones
      const attrs = randomAttrs(r)
      if (r() < 0.25 && Object.keys(attrs).length > 0) op.attrs = attrs
      return op
    }
    if (x < 0.7) { const i = Math.floor(r() * len); return { op: 'text.delete', path, index: i, len: 1 + Math.floor(r() * Math.min(3, len - i)) } }
    if (x < 0.9) { const i = Math.floor(r() * len); return { op: 'text.format', path, index: i, len: 1 + Math.floor(r() * 4), attrs: randomAttrs(r) } }
    const op = { op: 'text.embed', path, index: Math.floor(r() * (len + 1)), embed: { img: 'p' } }
    if (r() < 0.5) op.attrs = randomAttrs(r)
    return op
  }
  if (t instanceof Y.Array) {
    const len = t.length
    if (x < 0.35 || len === 0) return { op: 'array.insert', path, index: Math.floor(r() * (len + 1)), values: [randomValue(r), randomValue(r)] }
    if (x < 0.5) return { op: 'array.push', path, values: [randomValue(r)] }
    if (x < 0.7) return { op: 'array.insertType', path, index: Math.floor(r() * (len + 1)), kind: kinds[Math.floor(r() * 3)] }
    const i = Math.floor(r() * len)
    return { op: 'array.delete', path, index: i, len: 1 + Math.floor(r() * Math.min(2, len - i)) }
  }
  if (t instanceof Y.Map) {
    const key = 'abcd'[Math.floor(r() * 4)]
    if (x < 0.5) return { op: 'map.set', path, key, value: randomValue(r) }
    if (x < 0.7) return { op: 'map.setType', path, key, kind: kinds[Math.floor(r() * 3)] }
    return { op: 'map.delete', path, key }
  }
  if (t instanceof Y.XmlFragment) { // also XmlElement
    const len = t.length
    if (x < 0.35 || len === 0) return { op: 'xml.insertElement', path, index: Math.floor(r() * (len + 1)), name: r() < 0.5 ? 'p' : 'Div' }
    if (x < 0.6) return { op: 'xml.insertText', path, index: Math.floor(r() * (len + 1)) }
    if (x < 0.8 && t instanceof Y.XmlElement) return r() < 0.7 ? { op: 'xml.setAttr', path, key: 'k' + Math.floor(r() * 2), value: words[Math.floor(r() * 3)] } : { op: 'xml.removeAttr', path, key: 'k0' }
    const i = Math.floor(r() * len)
    return { op: 'xml.delete', path, index: i, len: 1 }
  }
  return null
}

function apply (doc, op) {
  const t = resolve(doc, op.path)
  switch (op.op) {
    case 'text.insert': return op.attrs ? t.insert(op.index, op.text, op.attrs) : t.insert(op.index, op.text)
    case 'text.delete': return t.delete(op.index, op.len)
    case 'text.format': return t.format(op.index, op.len, op.attrs)
    case 'text.embed': return op.attrs ? t.insertEmbed(op.index, op.embed, op.attrs) : t.insertEmbed(op.index, op.embed)
    case 'array.insert': return t.insert(op.index, op.values)
    case 'array.push': return t.push(op.values)
    case 'array.insertType': return t.insert(op.index, [newType(op.kind)])
    case 'array.delete': return t.delete(op.index, op.len)
    case 'map.set': return t.set(op.key, op.value)
    case 'map.setType': return t.set(op.key, newType(op.kind))
    case 'map.delete': return t.delete(op.key)
    case 'xml.insertElement': return t.insert(op.index, [new Y.XmlElement(op.name)])
    case 'xml.insertText': return t.insert(op.index, [new Y.XmlText()])
    case 'xml.delete': return t.delete(op.index, op.len)
    case 'xml.setAttr': return t.setAttribute(op.key, op.value)
    case 'xml.removeAttr': return t.removeAttribute(op.key)
  }
}

// Sessions 1-30 edit everything; 31-60 only the root text (formatting-heavy, frequent syncs),
// which exercises Yjs' formatting cleanup after remote transactions.
for (let seed = 1; seed <= 60; seed++) {
  const r = rng(seed)
  const textOnly = seed > 30
  const docs = [new Y.Doc(), new Y.Doc()]
  docs[0].clientID = 10 + seed
  docs[1].clientID = 1000 + seed
  const events = []
  for (let step = 0; step < (textOnly ? 60 : 50); step++) {
    const who = r() < 0.5 ? 0 : 1
    const doc = docs[who]
    if (r() < (textOnly ? 0.3 : 0.15)) {
      // sync: `who` receives what it lacks from the other doc (sync step 2)
      const other = docs[1 - who]
      const update = Y.encodeStateAsUpdate(other, Y.encodeStateVector(doc))
      const emitted = []
      const h = u => emitted.push(hex(u))
      doc.on('update', h)
      Y.applyUpdate(doc, update, 'remote')
      doc.off('update', h)
      events.push({ doc: who, sync: hex(update), emitted })
      continue
    }
    const op = randomOp(doc, r, textOnly)
    if (op === null) continue
    const emitted = []
    const h = u => emitted.push(hex(u))
    doc.on('update', h)
    try {
      apply(doc, op)
    } catch (e) {
      doc.off('update', h)
      continue // an operation Yjs rejects (e.g. past the end after a concurrent delete)
    }
    doc.off('update', h)
    events.push({ doc: who, op, emitted })
  }
  console.log(JSON.stringify({ seed, clients: docs.map(d => d.clientID), events, final: docs.map(d => hex(Y.encodeStateAsUpdate(d))), json: docs.map(d => JSON.stringify({ t: d.getText('t').toDelta(), a: d.getArray('a').toJSON(), m: d.getMap('m').toJSON(), x: d.getXmlFragment('x').toString() })) }))
}
