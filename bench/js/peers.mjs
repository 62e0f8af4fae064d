// bench/js/peers.mjs: the two JS peers of the CRDT benchmarks (yjs and ywasm) behind one small
// interface, plus the fixture readers and result checks both bench/js/crdt.mjs and the report use.
//
// The packages are the ones pinned in tests/interop (no bench-only dependencies): they are loaded
// with a require() rooted at tests/interop/package.json, because ESM bare imports resolve relative
// to this file, not to the working directory.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const interopRequire = createRequire(join(repoRoot, 'tests/interop/package.json'))

export const Y = interopRequire('yjs')
export const ywasm = interopRequire('ywasm')
const decoding = interopRequire('lib0/decoding')

export const versionOf = (pkg) => interopRequire(`${pkg}/package.json`).version

export const fixturesDir = () =>
  join(process.env.YWS_SHARED_DIR ? resolve(process.env.YWS_SHARED_DIR) : resolve(repoRoot, '../shared'), 'fixtures')
export const readFixture = (name) => new Uint8Array(readFileSync(join(fixturesDir(), name)))
export const readFixtureJson = (name) => JSON.parse(readFileSync(join(fixturesDir(), name), 'utf8'))

// b4-editing-trace.bin: varUint(n), then `1 varUint(index) varString(chunk)` (insert) or
// `2 varUint(index) varUint(len)` (delete). Decoded once, outside any timed region.
export function readTrace (bytes) {
  const dec = decoding.createDecoder(bytes)
  const n = decoding.readVarUint(dec)
  const ops = new Array(n)
  for (let i = 0; i < n; i++) {
    const tag = decoding.readVarUint(dec)
    const index = decoding.readVarUint(dec)
    if (tag === 1) ops[i] = { insert: true, index, chunk: decoding.readVarString(dec) }
    else if (tag === 2) ops[i] = { insert: false, index, len: decoding.readVarUint(dec) }
    else throw new Error(`trace op ${i}: unknown tag ${tag}`)
  }
  if (decoding.hasContent(dec)) throw new Error('trace: trailing bytes')
  return ops
}

// remote-10k-*.updates.bin: varUint(count), then count x varUint8Array(update).
export function readUpdates (bytes) {
  const dec = decoding.createDecoder(bytes)
  const n = decoding.readVarUint(dec)
  const updates = new Array(n)
  for (let i = 0; i < n; i++) updates[i] = decoding.readVarUint8Array(dec)
  if (decoding.hasContent(dec)) throw new Error('updates: trailing bytes')
  return updates
}

// FNV-1a 32-bit over bytes: the cross-language fingerprint of a final text or an encoded update
// (the C++ bench computes the same; 32 bits so it survives JSON numbers exactly).
export function fnv1a32 (bytes) {
  let h = 0x811c9dc5
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h >>> 0
}

// What a workload produced, in the form every implementation reports it.
export function textCheck (str) {
  const utf8 = Buffer.from(str, 'utf8')
  return {
    length: str.length, // UTF-16 code units, as Yjs counts
    fnv32: fnv1a32(utf8),
    sha256: createHash('sha256').update(utf8).digest('hex')
  }
}

// A peer: the operations the workloads need, named the same for both implementations.
export const peers = {
  yjs: {
    newDoc: () => new Y.Doc(),
    text: (doc) => doc.getText('text'),
    insert: (t, index, chunk) => t.insert(index, chunk),
    erase: (t, index, len) => t.delete(index, len),
    toString: (t) => t.toString(),
    applyUpdate: (doc, u) => Y.applyUpdate(doc, u),
    encode: (doc) => Y.encodeStateAsUpdate(doc),
    free: (doc) => doc.destroy()
  },
  ywasm: {
    newDoc: () => new ywasm.YDoc({}),
    text: (doc) => doc.getText('text'),
    // With no transaction argument every call runs in its own implicit transaction, as in Yjs.
    insert: (t, index, chunk) => t.insert(index, chunk, undefined, undefined),
    erase: (t, index, len) => t.delete(index, len, undefined),
    toString: (t) => t.toString(undefined),
    applyUpdate: (doc, u) => ywasm.applyUpdate(doc, u, undefined),
    encode: (doc) => ywasm.encodeStateAsUpdate(doc, undefined),
    // wasm-bindgen objects own wasm memory: release it, or later repetitions run on a bigger heap.
    free: (doc) => doc.free()
  }
}
