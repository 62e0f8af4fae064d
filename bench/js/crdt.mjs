// bench/js/crdt.mjs: the CRDT workloads of bench/crdt.sh on yjs and ywasm; writes JSON results
// that bench/js/report.mjs puts side by side with the yws ones (bench/crdt_bench.cpp runs the
// same workloads under the same names).
//
//   node --expose-gc bench/js/crdt.mjs --out results.json [--reps 7] [--warmup 1] [--budget 60]
//                                      [--peer yjs --peer ywasm]
//
// Every workload first runs untimed (JIT warm-up), then up to `reps` timed times within a time
// budget per workload (see measure()); the results carry every sample (wall time, and process CPU
// time) plus median and min. Only the CRDT work is timed: fixtures are read and decoded
// beforehand, and garbage from the previous repetition is collected before the clock starts.
import { writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import v8 from 'node:v8'
import {
  fnv1a32, peers, readFixture, readFixtureJson, readTrace, readUpdates, textCheck, versionOf
} from './peers.mjs'
import { median } from './stats.mjs'

const { values: opts } = parseArgs({
  options: {
    out: { type: 'string' },
    reps: { type: 'string', default: process.env.YWS_BENCH_REPS ?? '7' },
    warmup: { type: 'string', default: process.env.YWS_BENCH_WARMUP ?? '1' },
    budget: { type: 'string', default: process.env.YWS_BENCH_BUDGET ?? '60' },
    peer: { type: 'string', multiple: true, default: ['yjs', 'ywasm'] }
  }
})
const clampInt = (v, lo, hi) => Math.max(lo, Math.min(hi, Number.parseInt(v, 10) || lo))
const reps = clampInt(opts.reps, 1, 100)
const minReps = Math.min(reps, 3)
const warmup = clampInt(opts.warmup, 0, 20)
const maxWarmup = 50
const warmupSeconds = 0.5
const budgetSeconds = clampInt(opts.budget, 1, 3600)
if (typeof globalThis.gc !== 'function') {
  console.error('crdt.mjs: run node with --expose-gc (timings and the memory workload need it)')
  process.exit(2)
}
const gc = globalThis.gc

// Runs one workload: `setup` (untimed) returns a context, `run(ctx)` is timed and returns what
// `check` verifies, `teardown(ctx)` (untimed) frees it. Warm-up runs at least `warmup` times and
// until it has spent `warmupSeconds` (JIT); then `reps` timed runs, cut short (but never below
// `minReps`) once they have spent `budgetSeconds`. Every loop is bounded by an iteration count.
function measure ({ setup, run, check, teardown }) {
  const once = () => {
    const ctx = setup()
    gc()
    const c0 = process.cpuUsage()
    const t0 = performance.now()
    const out = run(ctx)
    const ms = performance.now() - t0
    const c = process.cpuUsage(c0)
    return { ctx, out, ms, cpuMs: (c.user + c.system) / 1000 }
  }
  let checked = null
  let warmMs = 0
  for (let i = 0; i < maxWarmup && (i < warmup || warmMs < warmupSeconds * 1000); i++) {
    const { ctx, out, ms } = once()
    if (checked === null) checked = check(out, ctx)
    teardown(ctx, out)
    warmMs += ms
  }
  const samples = []
  const cpu = []
  let spentMs = 0
  for (let i = 0; i < reps && (i < minReps || spentMs < budgetSeconds * 1000); i++) {
    const { ctx, out, ms, cpuMs } = once()
    if (checked === null) checked = check(out, ctx)
    teardown(ctx, out)
    samples.push(ms)
    cpu.push(cpuMs)
    spentMs += ms
  }
  return {
    unit: 'ms',
    samples,
    median: median(samples),
    min: Math.min(...samples),
    // Process CPU time (all threads, so V8's helper threads count too): steadier than wall time
    // on a shared machine.
    cpu: { samples: cpu, median: median(cpu), min: Math.min(...cpu) },
    check: checked
  }
}

// Expected final texts, from the fixtures' own descriptions.
const paperMeta = readFixtureJson('automerge-paper.yjs-update.json')
const expectText = (want) => (got) => {
  const ok = got.length === want.finalLength && (!want.finalTextSha256 || got.sha256 === want.finalTextSha256)
  return { ...got, ok, expected_length: want.finalLength }
}

function workloads (peer) {
  const P = peers[peer]
  const list = []

  // 1. The automerge-paper trace as local edits, one implicit transaction per op.
  const ops = readTrace(readFixture('b4-editing-trace.bin'))
  list.push({
    workload: 'trace_local',
    items: ops.length,
    setup: () => { const doc = P.newDoc(); return { doc, text: P.text(doc) } },
    run: ({ text }) => {
      for (const op of ops) {
        if (op.insert) P.insert(text, op.index, op.chunk)
        else P.erase(text, op.index, op.len)
      }
    },
    check: (_, { text }) => expectText(paperMeta)(textCheck(P.toString(text))),
    teardown: ({ doc }) => P.free(doc)
  })

  // 2. Load (apply to a fresh doc) and encode (whole state as one v1 update), timed apart.
  for (const [name, file, want] of [
    ['automerge-paper', 'automerge-paper.yjs-update-v1.bin', paperMeta],
    ['b4', 'b4-update.bin', { finalLength: paperMeta.finalLength, finalTextSha256: paperMeta.finalTextSha256 }]
  ]) {
    const bytes = readFixture(file)
    list.push({
      workload: `load_v1/${name}`,
      items: 1,
      bytes: bytes.length,
      setup: () => ({}),
      run: (ctx) => { ctx.doc = P.newDoc(); P.applyUpdate(ctx.doc, bytes) },
      check: (_, { doc }) => expectText(want)(textCheck(P.toString(P.text(doc)))),
      teardown: ({ doc }) => P.free(doc)
    })
    list.push({
      workload: `encode_v1/${name}`,
      items: 1,
      bytes: bytes.length,
      setup: () => { const doc = P.newDoc(); P.applyUpdate(doc, bytes); return { doc } },
      run: ({ doc }) => P.encode(doc),
      check: (out) => ({
        ok: out.length > 0,
        encoded_bytes: out.length,
        encoded_fnv32: fnv1a32(out),
        same_as_input: out.length === bytes.length && fnv1a32(out) === fnv1a32(bytes)
      }),
      teardown: ({ doc }) => P.free(doc)
    })
  }

  // 3. 10,000 single-character remote updates applied one by one to a fresh doc.
  for (const variant of ['same-random', 'distinct-random', 'same-append']) {
    const updates = readUpdates(readFixture(`remote-10k-${variant}.updates.bin`))
    const want = readFixtureJson(`remote-10k-${variant}.json`)
    list.push({
      workload: `remote/${variant}`,
      items: updates.length,
      setup: () => ({}),
      run: (ctx) => {
        ctx.doc = P.newDoc()
        for (const u of updates) P.applyUpdate(ctx.doc, u)
      },
      check: (_, { doc }) => expectText(want)(textCheck(P.toString(P.text(doc)))),
      teardown: ({ doc }) => P.free(doc)
    })
  }
  return list
}

// 4. Memory of the loaded B4 doc, for yjs only: the V8 heap growth that `docsPerSample` loaded
// docs keep after a full GC, per doc. Each sample runs in its own call so that no frame still holds
// the previous sample's docs; the first sample (module and JIT state) is discarded.
// (ywasm's linear memory only grows and is not attributable to one doc, so it is not measured.)
function yjsMemorySample (bytes, docsPerSample) {
  const P = peers.yjs
  gc(); gc()
  const before = v8.getHeapStatistics().used_heap_size
  const docs = []
  for (let k = 0; k < docsPerSample; k++) {
    const doc = P.newDoc()
    P.applyUpdate(doc, bytes)
    docs.push(doc)
  }
  gc(); gc()
  const perDoc = (v8.getHeapStatistics().used_heap_size - before) / docsPerSample
  for (const doc of docs) P.free(doc)
  docs.length = 0
  return perDoc
}

function yjsMemory () {
  const bytes = readFixture('b4-update.bin')
  const samples = []
  yjsMemorySample(bytes, 1)
  for (let i = 0; i < Math.min(reps, 5); i++) samples.push(yjsMemorySample(bytes, 2))
  return {
    workload: 'memory/b4',
    impl: 'yjs',
    unit: 'bytes',
    samples,
    median: median(samples),
    min: Math.min(...samples),
    encoded_bytes: bytes.length,
    check: { ok: samples.every((s) => s > 0), what: 'V8 used_heap_size growth per loaded doc, after gc' }
  }
}

const loadBefore = loadavg()
const results = []
let failed = false
for (const peer of opts.peer) {
  if (!peers[peer]) throw new Error(`unknown peer ${peer}`)
  for (const w of workloads(peer)) {
    let r
    try {
      r = { workload: w.workload, impl: peer, items: w.items, ...measure(w) }
    } catch (e) {
      r = { workload: w.workload, impl: peer, error: String(e?.stack ?? e), check: { ok: false } }
    }
    if (!r.check?.ok) failed = true
    results.push(r)
    console.error(`${peer.padEnd(6)} ${w.workload.padEnd(28)} ` +
      (r.error ? `ERROR ${r.error.split('\n')[0]}`
        : `median ${r.median.toFixed(2)} ms  min ${r.min.toFixed(2)} ms${r.check.ok ? '' : '  CHECK FAILED'}`))
  }
  if (peer === 'yjs') {
    const m = yjsMemory()
    results.push(m)
    console.error(`yjs    memory/b4                    median ${(m.median / 1e6).toFixed(2)} MB retained`)
  }
}

const doc = {
  meta: {
    node: process.version,
    yjs: versionOf('yjs'),
    ywasm: versionOf('ywasm'),
    lib0: versionOf('lib0'),
    reps,
    warmup,
    budget_seconds: budgetSeconds,
    // The 1-minute load average before and after: the machine may be shared.
    load_avg: [loadBefore[0], loadavg()[0]]
  },
  results
}
if (opts.out) writeFileSync(opts.out, JSON.stringify(doc, null, 1))
else process.stdout.write(JSON.stringify(doc, null, 1) + '\n')
process.exitCode = failed ? 1 : 0
