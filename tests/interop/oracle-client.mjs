// Client of yws-oracle (tests/interop/oracle): one child process speaking one JSON object per
// line. Requests may be pipelined: send() returns a promise per request, resolved in order.
//
// If the process dies, every outstanding request rejects with its exit status and the tail of
// its stderr; start a new Oracle to continue.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'

/**
 * The command that runs the oracle: $YWS_ORACLE (a shell-free, space-separated command line,
 * e.g. "node tests/interop/yjs-oracle.mjs" to check the harness against Yjs itself), else the
 * yws-oracle binary of $YWS_BUILD_DIR.
 */
export function oracleCommand () {
  if (process.env.YWS_ORACLE) return process.env.YWS_ORACLE.split(' ').filter(Boolean)
  const dir = process.env.YWS_BUILD_DIR
  if (!dir) throw new Error('YWS_BUILD_DIR is not set (run through scripts/interop-test)')
  const bin = join(dir, 'tests/interop/oracle/yws-oracle')
  if (!existsSync(bin)) throw new Error(`${bin} is missing: build the yws-oracle target`)
  return [bin]
}

export class Oracle {
  constructor (argv = oracleCommand()) {
    this.argv = argv
    this.child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] })
    this.waiting = [] // {resolve, reject} in request order
    this.stderr = ''
    this.dead = null
    this.child.stderr.on('data', d => { this.stderr = (this.stderr + d).slice(-4000) })
    this.child.stdin.on('error', () => {}) // reported through 'exit'
    createInterface({ input: this.child.stdout }).on('line', line => {
      const w = this.waiting.shift()
      if (!w) return
      try {
        w.resolve(JSON.parse(line))
      } catch (e) {
        w.reject(new Error(`oracle wrote a line that is not JSON: ${line.slice(0, 200)}`))
      }
    })
    this.exited = new Promise(resolve => this.child.on('close', (code, signal) => {
      this.dead = new Error(`oracle ${argv.join(' ')} exited (code ${code}, signal ${signal})\n${this.stderr}`)
      for (const w of this.waiting.splice(0)) w.reject(this.dead)
      resolve({ code, signal })
    }))
  }

  /** Sends one request (an object, or a raw line for protocol tests); resolves to the response. */
  send (req) {
    if (this.dead) return Promise.reject(this.dead)
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject })
      this.child.stdin.write((typeof req === 'string' ? req : JSON.stringify(req)) + '\n')
    })
  }

  /** Sends all requests at once; resolves to their responses in order. */
  sendAll (reqs) {
    return Promise.all(reqs.map(r => this.send(r)))
  }

  /**
   * Closes stdin and waits (bounded) for the process to end. Resolves to null after a clean exit,
   * else to a description (exit code or signal, stderr: e.g. a LeakSanitizer report).
   */
  async close (timeoutMs = 30000) {
    this.child.stdin.end()
    let timer
    const timeout = new Promise(resolve => { timer = setTimeout(() => resolve('timeout'), timeoutMs) })
    const end = await Promise.race([this.exited, timeout])
    clearTimeout(timer)
    if (end === 'timeout') {
      this.child.kill('SIGKILL')
      await this.exited
      return `the oracle did not exit within ${timeoutMs} ms of its input closing`
    }
    if (end.code === 0) return null
    return `the oracle exited with code ${end.code}, signal ${end.signal}\n${this.stderr}`
  }
}
