// The oracle protocol's operations (see README.md, "yws-oracle protocol") executed on a Yjs doc.
//
// The differential test runs every generated operation through runOpOnYjs on the yjs side and
// sends the very same object to yws-oracle, so both engines get identical instructions.
// yjs-oracle.mjs (a Yjs-backed stand-in for yws-oracle) uses it too.
import * as Y from 'yjs'

/** Root constructors by protocol type name. */
export const ROOT_CTORS = { text: Y.Text, array: Y.Array, map: Y.Map, xml_fragment: Y.XmlFragment }

/** A new, empty shared type for array.insert_type / map.set_type. */
export function newYType (type, name) {
  switch (type) {
    case 'text': return new Y.Text()
    case 'array': return new Y.Array()
    case 'map': return new Y.Map()
    case 'xml_element':
      if (typeof name !== 'string') throw new Error('an xml_element needs a name')
      return new Y.XmlElement(name)
    case 'xml_text': return new Y.XmlText()
    case 'xml_fragment': return new Y.XmlFragment()
    default: throw new Error(`unknown type ${type}`)
  }
}

/** Protocol type name of a Yjs shared type. */
export function kindOf (t) {
  if (t instanceof Y.XmlText) return 'xml_text'
  if (t instanceof Y.Text) return 'text'
  if (t instanceof Y.Array) return 'array'
  if (t instanceof Y.Map) return 'map'
  if (t instanceof Y.XmlElement) return 'xml_element'
  if (t instanceof Y.XmlFragment) return 'xml_fragment'
  return 'unknown'
}

/** Opens the declared roots ({name: type}) of `doc`. */
export function openRoots (doc, roots) {
  for (const [name, type] of Object.entries(roots)) doc.get(name, ROOT_CTORS[type])
}

/** The shared type at `path` ([root, steps...]); throws when there is none. */
export function resolvePath (doc, roots, path) {
  const [root, ...steps] = path
  if (!(root in roots)) throw new Error(`root "${root}" was not declared`)
  let t = doc.get(root, ROOT_CTORS[roots[root]])
  for (const step of steps) {
    let child
    if (t instanceof Y.Map) child = t.get(step)
    else if (t instanceof Y.Array || t instanceof Y.XmlFragment) child = t.get(step)
    if (!(child instanceof Y.AbstractType)) throw new Error(`no shared type at ${JSON.stringify(step)}`)
    t = child
  }
  return t
}

const nonEmpty = attrs => attrs && Object.keys(attrs).length > 0 ? attrs : undefined

/** Runs one protocol operation on the Yjs doc; throws on a bad request. */
export function runOpOnYjs (doc, roots, op) {
  const t = resolvePath(doc, roots, op.path)
  const kind = kindOf(t)
  const isText = kind === 'text' || kind === 'xml_text'
  const isXmlParent = kind === 'xml_fragment' || kind === 'xml_element'
  const need = ok => { if (!ok) throw new Error(`${op.op} does not apply to a ${kind}`) }
  // Bounds as yws-oracle checks them (Yjs itself clamps some of these silently).
  const within = (len = 0) => {
    if (!Number.isInteger(op.index) || !Number.isInteger(len) || op.index < 0 || len < 0 || op.index + len > t.length) {
      throw new Error(`range [${op.index}, +${len}) out of bounds (size ${t.length})`)
    }
  }
  switch (op.op) {
    case 'text.insert': need(isText); within(); t.insert(op.index, op.text, nonEmpty(op.attrs)); break
    case 'text.insert_embed': need(isText); within(); t.insertEmbed(op.index, op.embed, nonEmpty(op.attrs)); break
    case 'text.erase': need(isText); within(op.len); t.delete(op.index, op.len); break
    case 'text.format': need(isText); within(op.len); t.format(op.index, op.len, op.attrs); break
    case 'array.insert': need(kind === 'array'); within(); t.insert(op.index, op.values); break
    case 'array.insert_type': need(kind === 'array'); within(); t.insert(op.index, [newYType(op.type, op.name)]); break
    case 'array.erase': need(kind === 'array'); within(op.len); t.delete(op.index, op.len); break
    case 'map.set': need(kind === 'map'); t.set(op.key, op.value); break
    case 'map.set_type': need(kind === 'map'); t.set(op.key, newYType(op.type, op.name)); break
    case 'map.erase': need(kind === 'map'); t.delete(op.key); break
    case 'xml.insert_element': need(isXmlParent); within(); t.insert(op.index, [new Y.XmlElement(op.name)]); break
    case 'xml.insert_text': need(isXmlParent); within(); t.insert(op.index, [new Y.XmlText()]); break
    case 'xml.erase': need(isXmlParent); within(op.len); t.delete(op.index, op.len); break
    case 'xml.set_attribute': need(kind === 'xml_element'); t.setAttribute(op.key, op.value); break
    case 'xml.remove_attribute': need(kind === 'xml_element'); t.removeAttribute(op.key); break
    default: throw new Error(`unknown op "${op.op}"`)
  }
}
