// The C++ provider seen from the interop tests: `yws client URL --commands` (a net::blocking_provider
// driven line by line over stdin), and @y/websocket-server from npm as a second server to join.
import { join } from 'node:path'
import { Child } from './process.mjs'
import { ywsBin, START_MS } from './server.mjs'
import { WAIT_MS, withTimeout, waitFor } from './wait.mjs'

/**
 * Starts `yws client url --commands --watch-awareness --text t --map m` plus `args`; resolves once
 * it synced (its --json line arrived).
 *
 *   const c = await startCppClient(server.url + '/room')
 *   await c.command('insert-text t:0:hi'); await c.command('flush'); const doc = await c.json()
 */
export async function startCppClient (url, args = []) {
  const child = new Child(ywsBin(), ['client', url, '--commands', '--json', '--watch-awareness', '--text', 't', '--map', 'm',
    '--timeout', '20', ...args])
  const client = new CppClient(child)
  try {
    client.initial = JSON.parse(await withTimeout(client.nextAnswer(), START_MS, () => `yws client to sync\n${child.tail()}`))
  } catch (err) {
    child.proc.kill('SIGKILL')
    throw err
  }
  return client
}

export class CppClient {
  constructor (child) {
    this.child = child
    this.answers = []
    this.waiting = []
    this.awareness = {}  // the last {"<client id>": state} it printed
    child.onStdoutLine = line => {
      if (line.startsWith('{"awareness"')) {
        this.awareness = JSON.parse(line).awareness
        return
      }
      const w = this.waiting.shift()
      if (w) w(line)
      else this.answers.push(line)
    }
  }

  nextAnswer () {
    if (this.answers.length > 0) return Promise.resolve(this.answers.shift())
    return new Promise(resolve => this.waiting.push(resolve))
  }

  /** Sends one command line; resolves with its answer line, rejects on `error: ...`. */
  async command (line, timeout = 30_000) {
    this.child.proc.stdin.write(line + '\n')
    const answer = await withTimeout(this.nextAnswer(), timeout, () => `yws client's answer to ${line}\n${this.child.tail()}`)
    if (answer.startsWith('error:')) throw new Error(`yws client: ${line}: ${answer}`)
    return answer
  }

  async json () { return JSON.parse(await this.command('json')) }

  /** States it sees whose JSON matches `pred`, waited for. */
  waitAwareness (pred, what) {
    return waitFor(() => pred(Object.values(this.awareness)), { what, describe: () => JSON.stringify(this.awareness) })
  }

  /** `quit` (a clean close: awareness goodbye, close 1000) and the exit. */
  async quit () {
    if (this.child.exitInfo) return this.child.exitInfo
    await this.command('quit')
    this.child.proc.stdin.end()
    return withTimeout(this.child.exited, WAIT_MS, 'yws client to exit')
  }

  kill () { if (!this.child.exitInfo) this.child.proc.kill('SIGKILL') }
}

/** @y/websocket-server 0.1.1 (bench/js/ws-reference-server.mjs) on an ephemeral port. */
export async function startReferenceServer () {
  const script = join(process.env.YWS_SOURCE_DIR, 'bench/js/ws-reference-server.mjs')
  const child = new Child(process.execPath, [script, '--port', '0'])
  const m = await child.waitForLine(/^listening .*\bport=(\d+)/, START_MS)
  const port = Number(m[1])
  return { child, port, url: `ws://127.0.0.1:${port}`, stop: () => child.stop('SIGTERM', WAIT_MS) }
}
