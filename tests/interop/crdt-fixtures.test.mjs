// `yws doc apply|dump` on conformance fixtures, checked against yjs 13.6.33.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as Y from 'yjs'

const YWS = process.env.YWS_BIN
const FIXTURES = join(process.env.YWS_SHARED_DIR ?? '../shared', 'fixtures')

function yws (args, input) {
  return spawnSync(YWS, args, { input, maxBuffer: 64 << 20 })
}

function yjsStateAsUpdate (bytes) {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, bytes)
  return Buffer.from(Y.encodeStateAsUpdate(doc))
}

const tmp = mkdtempSync(join(tmpdir(), 'yws-fixtures-'))
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }))
function tmpFile (name, bytes) {
  const path = join(tmp, name)
  writeFileSync(path, bytes)
  return path
}

for (const name of ['b4-update.bin', 'automerge-paper.yjs-update-v1.bin']) {
  test(`yws doc apply --update ${name} gives Y.encodeStateAsUpdate's bytes`, () => {
    const file = join(FIXTURES, name)
    const want = yjsStateAsUpdate(readFileSync(file))
    const raw = execFileSync(YWS, ['doc', 'apply', '--update', file], { maxBuffer: 64 << 20 })
    assert.ok(raw.equals(want), `${name}: ${raw.length} bytes from yws, ${want.length} from yjs`)
    const hex = execFileSync(YWS, ['doc', 'apply', '--update', '--hex', '-'], { input: readFileSync(file), maxBuffer: 64 << 20 })
    assert.equal(hex.toString().trim(), want.toString('hex'))
  })
}

test('yws doc apply --json and --state-vector of the automerge-paper trace match yjs', () => {
  const file = join(FIXTURES, 'automerge-paper.yjs-update-v1.bin')
  const doc = new Y.Doc()
  Y.applyUpdate(doc, readFileSync(file))
  const json = JSON.parse(execFileSync(YWS, ['doc', 'apply', '--text', 'text', '--json', file], { maxBuffer: 64 << 20 }))
  assert.equal(json.text, doc.getText('text').toString())
  const sv = JSON.parse(execFileSync(YWS, ['doc', 'apply', '--state-vector', file]))
  assert.deepEqual(sv, Object.fromEntries([...Y.decodeStateVector(Y.encodeStateVector(doc))].map(([c, k]) => [String(c), k])))
  const svHex = execFileSync(YWS, ['doc', 'apply', '--state-vector', '--hex', file]).toString().trim()
  assert.equal(svHex, Buffer.from(Y.encodeStateVector(doc)).toString('hex'))
})

// yjs-spec 8.2 (from ywasm's testApplyUpdates): three updates of one client that must give "xyz"
// whatever the arrival order, the early ones waiting as pending structs.
const PENDING = {
  A: '0101b5e7ece4090004010174017800',
  B: '0101b5e7ece4090184b5e7ece40900017900',
  C: '0101b5e7ece4090284b5e7ece40901017a00'
}
const ORDERS = ['ABC', 'ACB', 'BAC', 'BCA', 'CAB', 'CBA']

for (const order of ORDERS) {
  test(`yws doc apply --json of the pending vectors in order ${order} gives "xyz"`, () => {
    const files = [...order].map(k => tmpFile(`${k}.bin`, Buffer.from(PENDING[k], 'hex')))
    const r = yws(['doc', 'apply', '--text', 't', '--json', ...files])
    assert.equal(r.status, 0, r.stderr.toString())
    assert.deepEqual(JSON.parse(r.stdout), { t: 'xyz' })
    // The same story in Yjs, so the vectors are known to mean what this test says.
    const doc = new Y.Doc()
    for (const k of order) Y.applyUpdate(doc, Buffer.from(PENDING[k], 'hex'))
    assert.equal(doc.getText('t').toString(), 'xyz')
  })
}

test('an update that waits for a missing one leaves the doc pending, with a warning', () => {
  const r = yws(['doc', 'apply', '--text', 't', '--json', tmpFile('only-C.bin', Buffer.from(PENDING.C, 'hex'))])
  assert.equal(r.status, 0)
  assert.deepEqual(JSON.parse(r.stdout), { t: '' })
  assert.match(r.stderr.toString(), /pending/)
})

test('yws doc dump lists an update', () => {
  const r = yws(['doc', 'dump', tmpFile('B.bin', Buffer.from(PENDING.B, 'hex'))])
  assert.equal(r.status, 0, r.stderr.toString())
  assert.match(r.stdout.toString(), /2627417013/) // the client of the vectors
})

const b4 = readFileSync(join(FIXTURES, 'b4-update.bin'))
const BAD_INPUTS = {
  'truncated.bin': b4.subarray(0, 1000),
  'truncated-at-the-end.bin': b4.subarray(0, b4.length - 1),
  'garbage.bin': Buffer.from('ffffffffffffffffffffff', 'hex'),
  'text.bin': Buffer.from('this is not a Yjs update\n'),
  'empty.bin': Buffer.alloc(0)
}

for (const [name, bytes] of Object.entries(BAD_INPUTS)) {
  test(`yws doc apply and dump of ${name} exit 1 with a message naming the file`, () => {
    const file = tmpFile(name, bytes)
    for (const args of [['doc', 'apply', '--json', file], ['doc', 'apply', '--update', file], ['doc', 'dump', file]]) {
      const r = yws(args)
      assert.equal(r.status, 1, `${args.join(' ')}: exit ${r.status} signal ${r.signal}`)
      assert.equal(r.stdout.length, 0)
      assert.match(r.stderr.toString(), new RegExp(name.replace('.', '\\.')))
    }
  })
}

test('yws doc apply of a missing file exits 1 naming it, and applies nothing after an error', () => {
  const r = yws(['doc', 'apply', '--json', join(tmp, 'does-not-exist.bin')])
  assert.equal(r.status, 1)
  assert.match(r.stderr.toString(), /does-not-exist\.bin/)
  const good = tmpFile('A-again.bin', Buffer.from(PENDING.A, 'hex'))
  const bad = tmpFile('bad-second.bin', Buffer.from('ff', 'hex'))
  const r2 = yws(['doc', 'apply', '--text', 't', '--json', good, bad])
  assert.equal(r2.status, 1)
  assert.equal(r2.stdout.length, 0)
  assert.match(r2.stderr.toString(), /bad-second\.bin/)
})
