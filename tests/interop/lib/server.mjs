// Starts `yws serve` ($YWS_BIN) on an ephemeral port for the server interop tests, and the
// embedded peer ($YWS_BUILD_DIR/tests/interop/embedded/yws-embedded-peer), and reads what the
// tests check from outside: the listening port, log lines, /metrics, the process's VmRSS.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Child } from './process.mjs'
import { WAIT_MS, withTimeout } from './wait.mjs'

/** How long a server may take to start (an ASan build under load is slow). */
export const START_MS = 30_000

export function ywsBin () {
  const bin = process.env.YWS_BIN
  if (!bin) throw new Error('YWS_BIN is not set: run through scripts/interop-test build/<dir>')
  return bin
}

/**
 * `yws serve --port 0` plus `args` (e.g. ['--room-grace', 'never']). Resolves once the server
 * logged its `listening ... port=N` line. Without a `--store` in `args` the server runs with
 * `--store none` (its default is a yws.db file in the working directory).
 */
export async function startServer (args = [], { env } = {}) {
  const store = args.includes('--store') ? [] : ['--store', 'none']
  const child = new Child(ywsBin(), ['serve', '--host', '127.0.0.1', '--port', '0', '--threads', '2', ...store, ...args], { env })
  let port
  try {
    const m = await child.waitForLine(/msg="listening".*\bport=(\d+)/, START_MS)
    port = Number(m[1])
  } catch (err) {
    child.proc.kill('SIGKILL')
    throw err
  }
  return new Server(child, port)
}

export class Server {
  constructor (child, port) {
    this.child = child
    this.port = port
    this.pid = child.pid
    this.url = `ws://127.0.0.1:${port}`
    this.httpUrl = `http://127.0.0.1:${port}`
  }

  get lines () { return this.child.lines }
  get exitInfo () { return this.child.exitInfo }

  /** A log line matching `regex`, among those from index `fromLine` on (already seen or coming). */
  waitForLog (regex, { timeout = WAIT_MS, fromLine = 0 } = {}) {
    return this.child.waitForLine(regex, timeout, { fromLine })
  }

  /** The server's resident set size in KiB (/proc/<pid>/status VmRSS). */
  rssKiB () {
    const m = readFileSync(`/proc/${this.pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m)
    return Number(m[1])
  }

  /** GET /metrics parsed into {"name{labels}": value}. */
  async metrics () {
    const res = await withTimeout(fetch(`${this.httpUrl}/metrics`), WAIT_MS, 'GET /metrics')
    const out = {}
    for (const line of (await res.text()).split('\n')) {
      if (!line || line.startsWith('#')) continue
      const i = line.lastIndexOf(' ')
      out[line.slice(0, i)] = Number(line.slice(i + 1))
    }
    return out
  }

  async healthy () {
    const res = await withTimeout(fetch(`${this.httpUrl}/healthz`), WAIT_MS, 'GET /healthz')
    return res.status === 200 && (await res.text()).trim() === 'ok'
  }

  /** Lines where a sanitizer (ASan, UBSan, LSan) reported an error. */
  sanitizerReports () {
    return this.lines.filter(l => /ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: \w+Sanitizer/.test(l))
  }

  /**
   * Sends `signal` (SIGTERM) and resolves with {code, signal} once the server exited; rejects if
   * a sanitizer reported anything during the run.
   */
  async stop (signal = 'SIGTERM', timeout) {
    const exit = await this.child.stop(signal, timeout)
    const reports = this.sanitizerReports()
    if (reports.length > 0) throw new Error(`sanitizer reports from ${this.child.command}:\n${this.tail(60)}`)
    return exit
  }

  tail (n) { return this.child.tail(n) }
}

/**
 * The embedded peer: a program that embeds yws through the net embedding API (see
 * tests/interop/embedded/main.cpp) and answers JSON requests about rooms on stdin/stdout.
 */
export async function startEmbedded () {
  const buildDir = process.env.YWS_BUILD_DIR
  if (!buildDir) throw new Error('YWS_BUILD_DIR is not set: run through scripts/interop-test build/<dir>')
  const child = new Child(join(buildDir, 'tests/interop/embedded/yws-embedded-peer'), [])
  let port
  try {
    port = Number((await child.waitForLine(/^\{"listening":(\d+)\}$/, START_MS))[1])
  } catch (err) {
    child.proc.kill('SIGKILL')
    throw err
  }
  return new EmbeddedPeer(child, port)
}

export class EmbeddedPeer extends Server {
  constructor (child, port) {
    super(child, port)
    this.nextId = 1
    this.pending = new Map()
    child.onStdoutLine = line => {
      if (!line.startsWith('{"id"')) return
      const reply = JSON.parse(line)
      const waiter = this.pending.get(reply.id)
      if (!waiter) return
      this.pending.delete(reply.id)
      if (reply.error) waiter.reject(new Error(`yws-embedded-peer: ${reply.error}`))
      else waiter.resolve(reply)
    }
  }

  /** Sends one request and resolves with its answer. */
  request (fields, timeout = WAIT_MS) {
    const id = this.nextId++
    const answered = new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }))
    this.child.proc.stdin.write(JSON.stringify({ id, ...fields }) + '\n')
    return withTimeout(answered, timeout, () => `yws-embedded-peer's answer to ${JSON.stringify(fields)}\n${this.tail()}`)
  }

  /**
   * The room's document as the server holds it (doc.to_json()), after opening `roots`
   * ({name: 'text' | 'array' | 'map' | 'xml_fragment'}).
   */
  async docJson (room, roots = {}) { return (await this.request({ cmd: 'json', room, roots })).json }

  /** Stops the embedded server (close 1001 to clients) and waits for the exit. */
  async shutdown () {
    if (!this.exitInfo) {
      await this.request({ cmd: 'stop' }, 30_000)
      await withTimeout(this.child.exited, 15_000, 'yws-embedded-peer to exit')
    }
    if (this.sanitizerReports().length > 0) throw new Error(`sanitizer reports from yws-embedded-peer:\n${this.tail(60)}`)
    return this.exitInfo
  }
}
