// Comparison helpers for the differential test: canonical JSON, content views of Yjs and ywasm
// docs, state vector maps, and readable dumps of updates for failure reports.
import * as Y from 'yjs'
import * as decoding from 'lib0/decoding'

export const fromHex = h => new Uint8Array(Buffer.from(h, 'hex'))

/** JSON text with object keys sorted at every level (Y.Map key order depends on history). */
export function canonical (value) {
  return JSON.stringify(value, (k, v) => v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0))
    : v)
}

/** {client: clock} of a v1-encoded state vector, whatever its client order. */
export function stateVectorMap (bytes) {
  const d = decoding.createDecoder(bytes)
  const out = {}
  for (let n = decoding.readVarUint(d); n > 0; n--) {
    const client = decoding.readVarUint(d)
    out[client] = decoding.readVarUint(d)
  }
  return out
}

/** A structural view of an XML tree from Yjs: elements with sorted attributes, texts as deltas. */
export function yjsXmlTree (node) {
  if (node instanceof Y.XmlText) return { text: node.toDelta() }
  const children = node.toArray().map(yjsXmlTree)
  if (node instanceof Y.XmlElement) return { name: node.nodeName, attrs: node.getAttributes(), children }
  return { children }
}

/** The same view of a ywasm XML node (ywasm prints XML differently from Yjs, so compare trees). */
export function ywasmXmlTree (node) {
  if (typeof node.toDelta === 'function') return { text: node.toDelta() }
  const children = []
  for (let c = node.firstChild(); c !== undefined && c !== null; c = c.nextSibling()) children.push(ywasmXmlTree(c))
  if (typeof node.name === 'function') return { name: node.name(), attrs: node.attributes() ?? {}, children }
  return { children }
}

/** What is compared with ywasm: roots' JSON, text roots' deltas and XML trees. */
export function yjsContent (doc, roots) {
  const out = {}
  for (const [name, type] of Object.entries(roots)) {
    const t = doc.share.get(name)
    if (type === 'text') out[name] = { json: t.toJSON(), delta: t.toDelta() }
    else if (type === 'xml_fragment') out[name] = yjsXmlTree(t)
    else out[name] = t.toJSON()
  }
  return out
}

export function ywasmContent (doc, roots) {
  const out = {}
  for (const [name, type] of Object.entries(roots)) {
    if (type === 'text') {
      const t = doc.getText(name)
      out[name] = { json: t.toString(), delta: t.toDelta() }
    } else if (type === 'xml_fragment') {
      out[name] = ywasmXmlTree(doc.getXmlFragment(name))
    } else if (type === 'array') {
      out[name] = doc.getArray(name).toJson()
    } else {
      out[name] = doc.getMap(name).toJson()
    }
  }
  return out
}

/** One line per struct and delete range of a v1 update, for failure reports. */
export function describeUpdate (hex) {
  try {
    const { structs, ds } = Y.decodeUpdate(fromHex(hex))
    const lines = structs.map(s => {
      const id = `${s.id.client}:${s.id.clock}`
      if (!(s instanceof Y.Item)) return `  ${s.constructor.name} ${id} len ${s.length}`
      const c = s.content
      const body = c.str !== undefined ? JSON.stringify(c.str) : c.arr !== undefined ? JSON.stringify(c.arr)
        : c.key !== undefined ? `${c.key}=${JSON.stringify(c.value)}` : c.embed !== undefined ? JSON.stringify(c.embed)
          : c.type !== undefined ? c.type.constructor.name : c.len !== undefined ? `len ${c.len}` : ''
      const where = s.parent === null ? '' : typeof s.parent === 'string' ? ` parent "${s.parent}"` : ` parent ${s.parent.client}:${s.parent.clock}`
      const o = s.origin ? ` origin ${s.origin.client}:${s.origin.clock}` : ''
      const ro = s.rightOrigin ? ` right ${s.rightOrigin.client}:${s.rightOrigin.clock}` : ''
      const sub = s.parentSub !== null ? ` key ${JSON.stringify(s.parentSub)}` : ''
      return `  ${c.constructor.name} ${id} len ${s.length}${o}${ro}${where}${sub} ${body}`
    })
    for (const [client, ranges] of ds.clients) {
      lines.push(`  delete ${client}: ${ranges.map(r => `[${r.clock}, +${r.len})`).join(' ')}`)
    }
    return lines.join('\n')
  } catch (e) {
    return `  (yjs cannot decode it: ${e.message})`
  }
}
