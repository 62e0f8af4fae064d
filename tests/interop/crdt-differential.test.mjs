// Differential test of the yws CRDT engine against yjs 13.6.33 (byte for byte) and ywasm 0.18.3
// (content), driven by seeded random scenarios (crdt-scenario.mjs) through one yws-oracle
// process for the whole file.
//
//   YWS_DIFF_SEEDS=10000     number of seeds (default 500)
//   YWS_DIFF_SEED=17,42      run only these seeds (reports every step of a failure)
//   YWS_DIFF_FEATURES=...    override FEATURES below, e.g. text,array,map,nested or xml
//   YWS_ORACLE="node tests/interop/yjs-oracle.mjs"   check the harness against Yjs itself
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import * as Y from 'yjs'
import * as ywasm from 'ywasm'
import { Oracle } from './oracle-client.mjs'
import { opKinds, runScenario } from './crdt-scenario.mjs'
import { canonical, describeUpdate, fromHex, stateVectorMap, yjsContent, ywasmContent } from './crdt-compare.mjs'

// Operation kinds the generator uses: 'format' is text.format and formatted inserts, 'embed'
// text.insert_embed, 'xml' an xml fragment with elements, attributes and xml text.
const FEATURES = ['text', 'array', 'map', 'nested', 'format', 'embed', 'xml']
const ACTIVE = process.env.YWS_DIFF_FEATURES ? process.env.YWS_DIFF_FEATURES.split(',') : FEATURES

const SEEDS = process.env.YWS_DIFF_SEED
  ? process.env.YWS_DIFF_SEED.split(',').map(Number)
  : Array.from({ length: Number(process.env.YWS_DIFF_SEEDS || 500) }, (_, i) => i)
const VERBOSE = Boolean(process.env.YWS_DIFF_SEED)
const DETAILED_REPORTS = 3 // failing seeds reported in full; the others get one line each

// ---- running the scenarios --------------------------------------------------------------------

/** Findings of one seed: [{category, message, detail}]. */
function checkScenario (scen, responses) {
  const findings = []
  const firstFailure = new Set() // one step failure per doc: later steps only cascade
  const add = (category, message, detail = '') => findings.push({ category, message, detail })
  const finalOf = {} // doc name -> state response
  scen.script.forEach((step, i) => {
    const res = responses[i]
    if (step.category === 'twin-state' || step.category === 'obs-state') finalOf[step.req.doc] = res
  })
  const stateDiff = (res, want) => {
    if (res.error) return `oracle error: ${res.error}`
    const diffs = []
    if (canonical(res.json) !== canonical(want.json)) diffs.push('json')
    if (res.sv !== want.sv) diffs.push('state vector')
    if (res.update !== want.update) diffs.push('encode_state_as_update_v1')
    if (Boolean(res.pending) !== Boolean(want.pending)) diffs.push(`pending data (yjs ${want.pending}, yws ${res.pending})`)
    if (diffs.length === 0) return null
    return `${diffs.join(', ')} differ\n    yjs json: ${canonical(want.json)}\n    yws json: ${canonical(res.json)}` +
      `\n    yjs sv ${want.sv}\n    yws sv ${res.sv}` +
      (res.update !== want.update ? `\n    yjs update:\n${describeUpdate(want.update)}\n    yws update:\n${describeUpdate(res.update)}` : '')
  }

  scen.script.forEach((step, i) => {
    const res = responses[i]
    const doc = step.req.doc
    if (step.category === 'twin-state' || step.category === 'obs-state') return
    if (firstFailure.has(doc)) return
    let problem = null
    if (res.error) problem = `oracle error: ${res.error}`
    else if (step.expect !== undefined && JSON.stringify(res.updates) !== JSON.stringify(step.expect)) problem = 'emitted updates differ'
    else if (step.expectUpdate !== undefined && res.update !== step.expectUpdate) problem = 'encode_state_as_update_v1 against a state vector differs'
    if (problem === null) return
    firstFailure.add(doc)
    const lines = [`step ${i}: ${JSON.stringify(step.req.ops ?? step.req.cmd)}`]
    if (step.note) lines.push(`where: ${JSON.stringify(step.note)}`)
    if (step.req.update) lines.push(`applied update:\n${describeUpdate(step.req.update)}`)
    if (step.expectUpdate !== undefined && res.update !== undefined) {
      lines.push(`state vector ${step.req.sv}\n  yjs ${step.expectUpdate}\n${describeUpdate(step.expectUpdate)}\n  yws ${res.update}\n${describeUpdate(res.update)}`)
    }
    if (step.expect !== undefined && res.updates) {
      const n = Math.max(step.expect.length, res.updates.length)
      for (let k = 0; k < n; k++) {
        if (step.expect[k] === res.updates[k]) continue
        lines.push(`first differing update #${k}:\n  yjs ${step.expect[k] ?? '(none)'}\n${step.expect[k] ? describeUpdate(step.expect[k]) + '\n' : ''}` +
          `  yws ${res.updates[k] ?? '(none)'}\n${res.updates[k] ? describeUpdate(res.updates[k]) : ''}`)
        break
      }
    }
    const fin = finalOf[doc]
    if (fin && !fin.error) lines.push(`final yws json: ${canonical(fin.json)}`)
    add(step.category, `${doc}: ${problem}`, lines.join('\n'))
  })

  const converged = scen.clientFinals.every(f => f.update === scen.reference.update && canonical(f.json) === canonical(scen.reference.json))
  scen.script.forEach((step, i) => {
    if (step.category === 'twin-state') {
      const d = stateDiff(responses[i], step.expect)
      if (d) add('twin-state', `${step.req.doc}: final state differs from its yjs twin`, d)
    } else if (step.category === 'obs-state') {
      // The observer must match the Yjs mirror that saw the same sequence, unless the mirror ran a
      // formatting cleanup yws does not do; when the mirror got stuck with pending structs (a
      // Yjs 13 defect) the observer may also match the clients' final state.
      const wants = []
      if (!scen.mirrorCleaned) wants.push(scen.mirrorFinal)
      if ((scen.mirrorCleaned || scen.mirrorStuck) && converged) wants.push(scen.reference)
      const diffs = wants.map(w => stateDiff(responses[i], w))
      if (diffs.length > 0 && diffs.every(Boolean)) add('obs-state', `${step.req.doc}: final state differs from yjs`, diffs[diffs.length - 1])
    }
  })
  return { findings }
}

const ROOT_CTORS = { text: Y.Text, array: Y.Array, map: Y.Map, xml_fragment: Y.XmlFragment }

function newYjsDoc (scen, gc = true) {
  const doc = new Y.Doc({ gc })
  for (const [name, type] of Object.entries(scen.roots)) doc.get(name, ROOT_CTORS[type])
  return doc
}

/** A fresh Yjs doc after `updates` (hex, in order): {json, sv, update, cleaned} or {error}. */
function replayInYjs (scen, updates) {
  const doc = newYjsDoc(scen, scen.gc)
  // A formatting cleanup of the replaying doc's own deletes other items than the clients' did.
  let cleaned = false
  doc.on('update', (u, origin, d, tr) => { if (tr.local) cleaned = true })
  try {
    for (const u of updates) Y.applyUpdate(doc, fromHex(u))
    const hexOf = b => Buffer.from(b).toString('hex')
    return { json: doc.toJSON(), sv: hexOf(Y.encodeStateVector(doc)), update: hexOf(Y.encodeStateAsUpdate(doc)), cleaned }
  } catch (e) {
    return { error: e.message }
  } finally {
    doc.destroy()
  }
}

/** What ywasm shows after `updates` (hex): {content, sv} (canonical JSON) or {error}. */
function ywasmView (scen, updates) {
  const doc = new ywasm.YDoc({ clientID: 1, gc: scen.gc })
  try {
    for (const u of updates) ywasm.applyUpdate(doc, fromHex(u), null)
    return { content: canonical(ywasmContent(doc, scen.roots)), sv: canonical(stateVectorMap(ywasm.encodeStateVector(doc))) }
  } catch (e) {
    return { error: String(e.message ?? e) }
  } finally {
    try { doc.free() } catch { /* after a panic ywasm refuses to free; the panic is reported */ }
  }
}

/** Content and state vector as Yjs reads `update` (hex), in ywasmView's terms. */
function yjsView (scen, update) {
  const doc = newYjsDoc(scen)
  Y.applyUpdate(doc, fromHex(update))
  const out = { content: canonical(yjsContent(doc, scen.roots)), sv: canonical(stateVectorMap(Y.encodeStateVector(doc))) }
  doc.destroy()
  return out
}

/** Replays yws-emitted updates into Yjs and ywasm (checks 3b and 3c). */
function replayChecks (scen, responses, coverage) {
  const findings = []
  const add = (category, message, detail = '') => findings.push({ category, message, detail })
  // The clients' updates in creation order, with yws' bytes for every local transaction, and the
  // same with Yjs' bytes.
  const ywsLog = []
  for (const e of scen.log) {
    if (e.kind === 'op') ywsLog.push(...(responses[e.step].updates ?? []))
    else ywsLog.push(e.hex)
  }
  const yjsLog = scen.log.map(e => e.hex)
  // Replays need peers that agree (edits inside surrogate pairs make Yjs peers diverge). Yjs'
  // encoding may depend on the order updates arrived in, so the replayed bytes are compared with
  // Yjs replaying its own updates in the same order.
  const agreed = scen.clientFinals.every(f => f.sv === scen.reference.sv && canonical(f.json) === canonical(scen.reference.json))
  if (!agreed || scen.splitsSurrogatePair) return findings
  coverage.replay++
  const got = replayInYjs(scen, ywsLog)
  const want = replayInYjs(scen, yjsLog)
  if (got.error) {
    add('replay', `yjs throws applying yws updates: ${got.error}`)
  } else if (canonical(got.json) !== canonical(scen.reference.json) || got.sv !== scen.reference.sv ||
             (!got.cleaned && !want.cleaned && got.update !== want.update)) {
    add('replay', 'yjs replaying the updates yws emitted reaches another state than replaying yjs\' own',
      `yjs reference json: ${canonical(scen.reference.json)}\nreplayed json:      ${canonical(got.json)}\n` +
      `sv ${scen.reference.sv} vs ${got.sv}\nyjs replay:\n${describeUpdate(want.update)}\nyws replay:\n${describeUpdate(got.update)}`)
  }

  // ywasm reads client ids as 32-bit (larger ones are truncated, can collide, and then it
  // panics) and panics on strings split inside a surrogate pair (spec 8.3): such seeds skip it.
  if (scen.bigIds) return findings
  coverage.ywasmContent++
  const obsFinal = responses[scen.script.findIndex(s => s.category === 'obs-state')]
  if (!obsFinal.update) return findings // the observer failed; reported above
  const obsSteps = scen.script.map((s, i) => [s, responses[i]]).filter(([s]) => s.category === 'obs-apply')
  const mirrorKnown = obsSteps.every(([s]) => s.expect !== undefined)
  // [what, yws updates, Yjs' updates for the same story (or null), the update whose content (as
  // Yjs reads it) ywasm must show]
  const feeds = [['yws local updates (creation order)', ywsLog, yjsLog, scen.reference.update]]
  // An observer left with pending data (see mirrorStuck) shows less than its final update holds,
  // and that update may contain Skip structs, which ywasm cannot apply (spec 8.3).
  if (!obsFinal.pending) {
    feeds.push(['yws observer emissions', obsSteps.flatMap(([, r]) => r.updates ?? []),
      mirrorKnown ? obsSteps.flatMap(([s]) => s.expect) : null, obsFinal.update])
    feeds.push(['yws observer encode_state_as_update_v1', [obsFinal.update],
      scen.mirrorStuck ? null : [scen.mirrorFinal.update], obsFinal.update])
  }
  for (const [what, updates, yjsUpdates, wantUpdate] of feeds) {
    const got = ywasmView(scen, updates)
    const want = yjsView(scen, wantUpdate)
    if (!got.error && got.content === want.content && got.sv === want.sv) continue
    // ywasm 0.18.3 has integration defects of its own: what it makes of Yjs' bytes for the same
    // story is an acceptable answer too.
    const own = yjsUpdates && ywasmView(scen, yjsUpdates)
    const same = own && (own.error ? Boolean(got.error) : !got.error && own.content === got.content && own.sv === got.sv)
    if (same) {
      coverage.ywasmDefects++
      continue
    }
    if (got.error) add('ywasm', `ywasm rejects ${what}: ${got.error}`)
    else add('ywasm', `ywasm shows other content after ${what}`, `yjs:   ${want.content} sv ${want.sv}\nywasm: ${got.content} sv ${got.sv}`)
  }
  return findings
}

async function runSeeds (seeds) {
  const failures = [] // {seed, kinds, findings}
  const coverage = { seeds: 0, ops: 0, replay: 0, ywasmContent: 0, ywasmDefects: 0, splits: 0, bigIds: 0, mirrorCleaned: 0, mirrorStuck: 0 }
  let oracle = new Oracle()
  // A scenario that cannot be generated (Yjs threw) is a harness failure of its seed.
  const generate = seed => {
    try {
      return runScenario(seed, ACTIVE)
    } catch (e) {
      failures.push({ scen: { seed, features: ACTIVE, ids: [], gc: null, opLog: [] }, kinds: [], findings: [{ category: 'harness', message: `the scenario failed on the yjs side: ${e.message}`, detail: e.stack }] })
      return null
    }
  }
  let next = generate(seeds[0])
  for (let n = 0; n < seeds.length; n++) {
    const scen = next
    const pending = scen ? oracle.sendAll(scen.script.map(s => s.req)).then(r => ({ r }), e => ({ e })) : null
    next = n + 1 < seeds.length ? generate(seeds[n + 1]) : null
    if (!scen) continue
    const { r: responses, e: crash } = await pending
    coverage.seeds++
    coverage.ops += scen.opLog.length
    coverage.mirrorCleaned += scen.mirrorCleaned
    coverage.mirrorStuck += scen.mirrorStuck
    coverage.splits += scen.splitsSurrogatePair
    coverage.bigIds += scen.bigIds
    let findings
    if (crash) {
      findings = [{ category: 'crash', message: `the oracle died during this seed: ${crash.message.split('\n')[0]}`, detail: crash.message }]
      oracle = new Oracle()
    } else {
      const checked = checkScenario(scen, responses)
      findings = [...checked.findings, ...replayChecks(scen, responses, coverage)]
    }
    if (findings.length > 0) failures.push({ scen, kinds: opKinds(scen), findings })
  }
  const exit = await oracle.close()
  if (exit) failures.push({ scen: { seed: 'after the last seed', features: ACTIVE, ids: [], gc: null, opLog: [] }, kinds: [], findings: [{ category: 'crash', message: exit.split('\n')[0], detail: exit }] })
  return { failures, coverage }
}

// ---- reporting --------------------------------------------------------------------------------

function report (failures, categories) {
  const relevant = failures
    .map(f => ({ ...f, findings: f.findings.filter(x => categories.includes(x.category)) }))
    .filter(f => f.findings.length > 0)
  if (relevant.length === 0) return null
  const out = [`${relevant.length} failing seed(s) of ${SEEDS.length}: ${relevant.map(f => f.scen.seed).join(' ')}`]
  relevant.forEach((f, i) => {
    const s = f.scen
    const rerun = typeof s.seed === 'number' ? ` (rerun: YWS_DIFF_SEED=${s.seed})` : ''
    out.push(`\n--- seed ${s.seed}${rerun} features ${s.features.join(',')} ` +
      `clients ${s.ids.join(',')} gc ${s.gc}\n    op kinds: ${f.kinds.join(' ')}`)
    for (const x of f.findings) {
      out.push(`  [${x.category}] ${x.message}`)
      if (i < DETAILED_REPORTS || VERBOSE) out.push(x.detail.split('\n').map(l => '    ' + l).join('\n'))
    }
    if (i < DETAILED_REPORTS || VERBOSE) {
      out.push('  op log (client: ops of one transaction):')
      const log = VERBOSE ? s.opLog : s.opLog.slice(0, 40)
      for (const e of log) out.push(`    c${e.client}: ${JSON.stringify(e.ops)}`)
      if (log.length < s.opLog.length) out.push(`    ... ${s.opLog.length - log.length} more (rerun the seed for all)`)
    }
  })
  return out.join('\n')
}

// ---- tests ------------------------------------------------------------------------------------

describe(`crdt differential: yws vs yjs 13.6.33 and ywasm 0.18.3 (${SEEDS.length} seeds, ${ACTIVE.join(',')})`, () => {
  let run
  before(async () => {
    const t0 = Date.now()
    run = await runSeeds(SEEDS)
    run.ms = Date.now() - t0
  })
  after(() => {
    if (run) console.log(`# differential: ${JSON.stringify(run.coverage)} in ${run.ms} ms`)
  })

  const check = categories => () => {
    const text = report(run.failures, categories)
    assert.ok(text === null, text ?? '')
  }
  test('yws-oracle answers every request and never crashes', check(['harness', 'crash', 'setup', 'teardown', 'cleanup-feed']))
  test('twins: a yws doc with a yjs client\'s id emits the same bytes for every local transaction and remote update, and encodes the same diffs', check(['twin-op', 'twin-apply', 'twin-diff']))
  test('twins: each yws twin ends with the json, state vector and encode_state_as_update_v1 of its yjs client', check(['twin-state']))
  test('observer: yws fed all updates shuffled with duplicates emits what yjs emits and ends in the yjs state', check(['obs-apply', 'obs-state']))
  test('replay: yjs applying the updates yws emitted reaches the same state', check(['replay']))
  test('ywasm 0.18.3 accepts the updates yws emitted, with the same content', () => {
    assert.ok(run.coverage.ywasmContent > 0 || SEEDS.length < 20, 'no seed was eligible for the ywasm content check')
    check(['ywasm'])()
  })
})

describe('yws-oracle protocol', () => {
  test('bad requests get an error reply and the session goes on', async () => {
    const o = new Oracle()
    try {
      const replies = await o.sendAll([
        'this is not json',
        { cmd: 'no-such-command' },
        { cmd: 'create', doc: 'd', client_id: 7, roots: { t: 'text', a: 'array' } },
        { cmd: 'create', doc: 'd', client_id: 7 },
        { cmd: 'apply', doc: 'd', update: 'zz' },
        { cmd: 'apply', doc: 'd', update: 'ffffffffffffffffffffff' },
        { cmd: 'transact', doc: 'd', ops: [{ op: 'text.insert', path: ['t'], index: 5, text: 'x' }] },
        { cmd: 'transact', doc: 'd', ops: [{ op: 'array.insert', path: ['t'], index: 0, values: [1] }] },
        { cmd: 'transact', doc: 'd', ops: [{ op: 'text.insert', path: ['nope'], index: 0, text: 'x' }] },
        { cmd: 'transact', doc: 'd', ops: [{ op: 'text.insert', path: ['t'], index: 0, text: 'ab' }, { op: 'text.erase', path: ['t'], index: 1, len: 9 }] },
        { cmd: 'transact', doc: 'd', ops: [{ op: 'array.erase', path: ['a', 0], index: 0, len: 1 }] },
        { cmd: 'json', doc: 'nope' },
        { id: 42, cmd: 'json', doc: 'd' },
        { cmd: 'state_vector', doc: 'd' },
        { cmd: 'encode_state_as_update', doc: 'd', sv: '00' },
        { cmd: 'encode_state_as_update', doc: 'd', sv: '05' },
        { cmd: 'delta', doc: 'd', path: ['t'] },
        { cmd: 'to_string', doc: 'd', path: ['t'] },
        { cmd: 'describe', update: '0101b5e7ece4090004010174017800' },
        { cmd: 'describe', update: 'ff' },
        { cmd: 'open_root', doc: 'd', name: 'm', type: 'map' },
        { cmd: 'transact', doc: 'd', ops: [{ op: 'map.set_type', path: ['m'], key: 'k', type: 'xml_element' }] },
        { cmd: 'transact', doc: 'd', ops: [{ op: 'map.set_type', path: ['m'], key: 'k', type: 'text' }, { op: 'text.insert', path: ['m', 'k'], index: 0, text: 'é😀' }] },
        { cmd: 'json', doc: 'd' },
        { cmd: 'destroy', doc: 'd' },
        { cmd: 'json', doc: 'd' },
        { cmd: 'ping' }
      ])
      const ok = replies.map(r => r.ok === true)
      assert.deepEqual(ok, [false, false, true, false, false, false, false, false, false, false, false, false, true, true, true, false, true, true,
        true, false, true, false, true, true, true, false, true])
      for (const r of replies.filter(r => !r.ok)) assert.equal(typeof r.error, 'string')
      // The failed batch kept the insert that preceded the bad op, as a throwing Yjs transaction would.
      assert.equal(replies[9].at, 1)
      assert.equal(replies[9].updates.length, 1)
      assert.equal(replies[12].id, 42)
      assert.deepEqual(replies[12].json, { t: 'ab', a: [] })
      assert.deepEqual(replies[13].clients, [[7, 2]])
      assert.equal(replies[14].update, replies[9].updates[0])
      assert.deepEqual(replies[16].delta, [{ insert: 'ab' }])
      assert.equal(replies[17].string, 'ab')
      assert.equal(typeof replies[18].text, 'string')
      assert.equal(replies[22].updates.length, 1)
      assert.deepEqual(replies[23].json, { t: 'ab', a: [], m: { k: 'é😀' } })
    } finally {
      assert.equal(await o.close(), null)
    }
  })
})
