// Child processes for the server interop tests: spawn, collect output lines, wait (bounded) for
// a line, stop with a signal and wait (bounded) for the exit. Every child is killed when the test
// process exits, so a failing test leaves no server behind.
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { withTimeout } from './wait.mjs'

const live = new Set()
process.on('exit', () => { for (const child of live) child.kill('SIGKILL') })

/**
 * A spawned program. `lines` holds every line of stdout and stderr seen so far (stderr lines
 * prefixed by nothing: tests match on content). `exited` resolves with {code, signal}.
 */
export class Child {
  constructor (command, args, { env } = {}) {
    this.command = `${command} ${args.join(' ')}`
    this.proc = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } })
    this.pid = this.proc.pid
    this.lines = []
    this.stdoutLines = []
    this.waiters = []
    live.add(this.proc)
    this.exitInfo = null
    this.exited = new Promise(resolve => {
      this.proc.on('exit', (code, signal) => {
        live.delete(this.proc)
        this.exitInfo = { code, signal }
        for (const w of this.waiters) w.fail(new Error(`${this.command} exited (${code ?? signal}) before printing ${w.regex}\n${this.tail()}`))
        this.waiters = []
        resolve(this.exitInfo)
      })
    })
    this.proc.on('error', err => { for (const w of this.waiters) w.fail(err) })
    const onLine = (stream, isStdout) => createInterface({ input: stream }).on('line', line => {
      this.lines.push(line)
      if (isStdout) this.stdoutLines.push(line)
      if (this.onStdoutLine && isStdout) this.onStdoutLine(line)
      this.waiters = this.waiters.filter(w => {
        const m = line.match(w.regex)
        if (m) w.done(m)
        return !m
      })
    })
    onLine(this.proc.stdout, true)
    onLine(this.proc.stderr, false)
  }

  /** The match of the first line (already seen or coming) that matches `regex`. */
  waitForLine (regex, timeout, { fromLine = 0 } = {}) {
    for (const line of this.lines.slice(fromLine)) {
      const m = line.match(regex)
      if (m) return Promise.resolve(m)
    }
    if (this.exitInfo) return Promise.reject(new Error(`${this.command} has exited; no line matches ${regex}\n${this.tail()}`))
    const found = new Promise((resolve, reject) => this.waiters.push({ regex, done: resolve, fail: reject }))
    return withTimeout(found, timeout, () => `a line matching ${regex} from ${this.command}\n${this.tail()}`)
  }

  /** The last output lines, for failure messages. */
  tail (n = 30) { return this.lines.slice(-n).join('\n') }

  /** Sends `signal` and waits for the exit; SIGKILL after `timeout` ms (and then rejects). */
  async stop (signal = 'SIGTERM', timeout = 30_000) {
    if (this.exitInfo) return this.exitInfo
    this.proc.kill(signal)
    try {
      return await withTimeout(this.exited, timeout, `${this.command} to exit after ${signal}`)
    } catch (err) {
      this.proc.kill('SIGKILL')
      await this.exited
      throw err
    }
  }
}
