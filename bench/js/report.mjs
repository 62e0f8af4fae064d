// bench/js/report.mjs: puts the yws results (Google Benchmark JSON from crdt_bench) beside the
// yjs and ywasm results (JSON from bench/js/crdt.mjs) in one Markdown table, checks that every
// implementation ended with the same text, and judges the goals.
//
//   node bench/js/report.mjs --js crdt-js.json [--yws crdt-yws.json] [--yws-build Release]
//
// Exits 1 when a workload failed its own check or the implementations disagree; goals that are
// not met are reported, not failed (this is a measurement, not a test).
import { existsSync, readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { median } from './stats.mjs'

const { values: opts } = parseArgs({
  options: { js: { type: 'string' }, yws: { type: 'string' }, 'yws-build': { type: 'string', default: '' } }
})
if (!opts.js) {
  console.error('report.mjs: --js FILE is required')
  process.exit(2)
}
const js = JSON.parse(readFileSync(opts.js, 'utf8'))
const ywsRaw = opts.yws && existsSync(opts.yws) ? JSON.parse(readFileSync(opts.yws, 'utf8')) : null

const toMs = { ns: 1e-6, us: 1e-3, ms: 1, s: 1e3 }

// Google Benchmark entries -> {workload: {samples, median, min, label, counters, error}}. The
// per-repetition entries are used (not the aggregates) so median and min are computed exactly as
// on the JS side.
function ywsResults (raw) {
  const out = {}
  if (!raw) return out
  for (const b of raw.benchmarks ?? []) {
    if (b.run_type === 'aggregate') continue
    const workload = (b.run_name ?? b.name).replace(/^BM_crdt_/, '').replace(/\/(iterations|repeats|real_time|min_time).*$/, '')
    const r = (out[workload] ??= { samples: [], cpuSamples: [], counters: {} })
    if (b.error_occurred) {
      r.error = b.error_message ?? 'error'
    } else {
      r.samples.push(b.real_time * toMs[b.time_unit ?? 'ns'])
      r.cpuSamples.push(b.cpu_time * toMs[b.time_unit ?? 'ns'])
    }
    if (b.label) r.label = b.label
    for (const [k, v] of Object.entries(b)) if (typeof v === 'number' && /_bytes$|^allocations$|^text_length$|^retained_per_encoded$/.test(k)) r.counters[k] = v
  }
  for (const r of Object.values(out)) {
    if (r.samples.length) {
      r.median = median(r.samples)
      r.min = Math.min(...r.samples)
      r.cpu = { samples: r.cpuSamples, median: median(r.cpuSamples), min: Math.min(...r.cpuSamples) }
    }
    // label "len=104852 fnv32=123" or "encoded=... fnv32=... same_as_input=true"
    r.check = Object.fromEntries((r.label ?? '').split(' ').filter(Boolean).map((kv) => kv.split('=')))
  }
  return out
}

const yws = ywsResults(ywsRaw)
const peer = {}
for (const r of js.results) (peer[r.impl] ??= {})[r.workload] = r

const fmtMs = (ms) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3))
const fmtMB = (b) => `${(b / 1e6).toFixed(2)} MB`
const fmtRatio = (a, b) => (a > 0 && b > 0 ? `${(a / b).toFixed(a / b >= 10 ? 0 : 1)}x` : '—')

// `t` is a result's {median, min} for one clock (wall or CPU).
function timeCell (r, t) {
  if (!r) return 'n/a'
  if (r.error) return 'ERROR'
  if (t?.median === undefined) return 'n/a'
  return `${fmtMs(t.median)} ms (min ${fmtMs(t.min)})`
}

const goals = {
  trace_local: { text: 'yjs/yws ≥ 10', met: (y, j) => j / y >= 10 },
  'load_v1/automerge-paper': { text: 'ywasm/yws > 1', met: (y, _, w) => w / y > 1 },
  'encode_v1/automerge-paper': { text: 'ywasm/yws > 1', met: (y, _, w) => w / y > 1 },
  'load_v1/b4': { text: 'ywasm/yws > 1', met: (y, _, w) => w / y > 1 },
  'encode_v1/b4': { text: 'ywasm/yws > 1', met: (y, _, w) => w / y > 1 }
}
const timeWorkloads = [
  'trace_local', 'load_v1/automerge-paper', 'encode_v1/automerge-paper', 'load_v1/b4', 'encode_v1/b4',
  'remote/same-random', 'remote/distinct-random', 'remote/same-append'
]

// Checks first: each implementation's own verdict, then agreement between them. A workload whose
// results disagree gets no goal verdict.
let failures = 0
const checkNotes = {}
const valid = {}
for (const w of timeWorkloads) {
  const notes = []
  const y = yws[w]
  const j = peer.yjs?.[w]
  const a = peer.ywasm?.[w]
  let bad = false
  for (const [name, r] of [['yws', y], ['yjs', j], ['ywasm', a]]) {
    if (r && (r.error || (name !== 'yws' && !r.check?.ok))) {
      bad = true
      notes.push(`${name} FAILED${r.error ? ': ' + r.error.split('\n')[0] : ''}`)
    }
  }
  if (w.startsWith('encode_v1/')) {
    const sizes = [['yws', y?.check?.encoded, y?.check?.same_as_input],
      ['yjs', j?.check?.encoded_bytes, j?.check?.same_as_input],
      ['ywasm', a?.check?.encoded_bytes, a?.check?.same_as_input]]
    notes.push(sizes.filter(([, n]) => n !== undefined)
      .map(([k, n, same]) => `${k} ${n} B${String(same) === 'true' ? ' (= input)' : ''}`).join(', '))
    // Not a failure here (byte identity is the tests' job), but worth seeing next to the time.
    if (y?.check?.fnv32 !== undefined && j?.check?.encoded_fnv32 !== undefined)
      notes.push(Number(y.check.fnv32) === j.check.encoded_fnv32 ? 'yws bytes = yjs bytes' : 'yws bytes DIFFER from yjs')
  } else {
    const texts = [['yws', y?.check], ['yjs', j?.check], ['ywasm', a?.check]]
      .filter(([, c]) => (c?.len ?? c?.length) !== undefined)
      .map(([k, c]) => [k, Number(c.len ?? c.length), Number(c.fnv32)])
    const agree = texts.every(([, l, h]) => l === texts[0][1] && h === texts[0][2])
    if (!agree) bad = true
    notes.push(`${texts.map(([k, l]) => `${k} ${l}`).join(', ')} chars; ${agree ? 'same text in all' : 'TEXTS DIFFER'}` +
      (j?.check?.ok ? '; yjs text matches the fixture SHA-256' : ''))
  }
  if (bad) failures++
  valid[w] = !bad
  checkNotes[w] = notes.join('; ')
}

// One table row per timed workload, for the clock `pick` selects from a result (wall or CPU).
function timeRows (pick) {
  const rows = []
  for (const w of timeWorkloads) {
    const [y, j, a] = [yws[w], peer.yjs?.[w], peer.ywasm?.[w]]
    const [ty, tj, ta] = [y, j, a].map((r) => (r && !r.error ? pick(r) : undefined))
    const goal = goals[w]
    let met = '—'
    if (goal) {
      if (!valid[w]) met = 'no (check failed)'
      else if (ty && tj && ta) met = goal.met(ty.median, tj.median, ta.median) ? 'yes' : 'no'
      else met = 'n/a'
    }
    // Ratio of medians, then ratio of minimums (less sensitive to a busy machine).
    const ratio = (t) => (ty && t ? `${fmtRatio(t.median, ty.median)} (${fmtRatio(t.min, ty.min)})` : '—')
    rows.push([w, timeCell(y, ty), timeCell(j, tj), timeCell(a, ta), ratio(tj), ratio(ta), goal?.text ?? '—', met])
  }
  return rows
}
const wall = (r) => (r.median === undefined ? undefined : { median: r.median, min: r.min })
const rows = timeRows(wall)
const cpuRows = timeRows((r) => r.cpu)

// Memory: what the loaded B4 doc retains, against its encoded size.
const ym = yws['memory/b4']
const jm = peer.yjs?.['memory/b4']
if (ym?.error) failures++
const encoded = ym?.counters.encoded_bytes ?? jm?.encoded_bytes
const memCell = (bytes) => `${fmtMB(bytes)} (${(bytes / encoded).toFixed(2)}x enc.)`
const ywsMem = ym && !ym.error ? ym.counters.retained_bytes : undefined
const memGoal = `yws ≤ 3x ${encoded ?? '?'} B`
rows.push(['memory/b4 (retained)',
  ym?.error ? 'ERROR' : ywsMem !== undefined ? memCell(ywsMem) : 'n/a',
  jm ? memCell(jm.median) : 'n/a', 'n/a',
  ywsMem !== undefined && jm ? fmtRatio(jm.median, ywsMem) : '—', '—',
  memGoal, ywsMem !== undefined ? (ywsMem <= 3 * encoded ? 'yes' : 'no') : 'n/a'])
if (ywsMem !== undefined) {
  const mal = ym.counters.malloc_retained_bytes
  rows.push(['memory/b4 (malloc heap)', memCell(mal), '—', '—', '—', '—', memGoal, mal <= 3 * encoded ? 'yes' : 'no'])
}

const line = (cells) => `| ${cells.join(' | ')} |`
const out = []
out.push(`CRDT benchmarks: median (min) of up to ${js.meta.reps} repetitions (fewer when over the time budget); ` +
  `node ${js.meta.node}, yjs ${js.meta.yjs}, ywasm ${js.meta.ywasm}` +
  (ywsRaw ? `; yws ${opts['yws-build']} build` : '; yws: no results') + '.')
const fmtLoad = (xs) => (xs ?? []).map((x) => x.toFixed(1)).join(' -> ')
out.push(`1-minute load average: yws run ${ywsRaw ? fmtLoad([ywsRaw.context?.load_avg?.[0]]) : 'n/a'}, ` +
  `JS run ${fmtLoad(js.meta.load_avg)} (on ${ywsRaw?.context?.num_cpus ?? '?'} CPUs).`)
out.push('')
const table = (title, body) => {
  out.push(title, '')
  out.push(line(['workload', 'yws', 'yjs', 'ywasm', 'yjs/yws', 'ywasm/yws', 'goal', 'met?']))
  out.push(line(['---', '---:', '---:', '---:', '---:', '---:', '---', '---']))
  for (const r of body) out.push(line(r))
  out.push('')
}
table('Wall-clock times: median (min). Ratios: of medians (of minimums); goals are judged on medians.', rows)
table('The same runs in CPU time (yws: the benchmark thread; yjs and ywasm: the node process, all threads):', cpuRows)
if (ywsMem !== undefined) {
  const c = ym.counters
  out.push(`yws memory/b4: retained ${c.retained_bytes} B (operator new, usable sizes), malloc heap ` +
    `${c.malloc_retained_bytes} B (mallinfo2), peak ${c.peak_bytes} B, allocated ${c.allocated_bytes} B in ` +
    `${c.allocations} allocations; encoded ${c.encoded_bytes} B. yjs: V8 heap growth per loaded doc.`)
  out.push('')
}
const repsOf = (r) => (r?.samples ? r.samples.length : 0)
out.push('Checks (repetitions yws/yjs/ywasm):')
for (const w of timeWorkloads) {
  out.push(`- ${w} (${repsOf(yws[w])}/${repsOf(peer.yjs?.[w])}/${repsOf(peer.ywasm?.[w])}): ${checkNotes[w]}`)
}
console.log(out.join('\n'))
process.exitCode = failures ? 1 : 0
