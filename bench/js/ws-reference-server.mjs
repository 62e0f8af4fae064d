// bench/js/ws-reference-server.mjs: the JS reference server of the server benchmark
// (bench/server.sh): @y/websocket-server 0.1.1 as its own `src/server.js` runs it (its
// setupWSConnection on its own bundled `ws`, one Y.Doc per room, no persistence), but on a port
// given on the command line (0 = ephemeral) and printing the port actually bound, which the
// package's server cannot do.
//
//   node bench/js/ws-reference-server.mjs [--host 127.0.0.1] [--port 0]
//   -> stdout: listening host=127.0.0.1 port=40123 pid=4242 ws=6.2.7 server=@y/websocket-server@0.1.1
//
// SIGTERM / SIGINT close the listener and every socket and exit 0.
import http from 'node:http'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const packageDir = join(repoRoot, 'tests/interop/node_modules/@y/websocket-server')
// The package's server.js imports `ws` from its own node_modules (6.x), not the 8.x the interop
// tests use; resolve it from the package so the reference runs exactly its own stack.
const packageRequire = createRequire(join(packageDir, 'package.json'))
const WebSocket = packageRequire('ws')
const { setupWSConnection } = await import(pathToFileURL(join(packageDir, 'src/utils.js')).href)

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' }
  }
})

const wss = new WebSocket.Server({ noServer: true })
wss.on('connection', setupWSConnection)

const server = http.createServer((_request, response) => {
  response.writeHead(200, { 'Content-Type': 'text/plain' })
  response.end('okay')
})
server.on('upgrade', (request, socket, head) => {
  wss.handleUpgrade(request, socket, head, ws => wss.emit('connection', ws, request))
})

// The same listen backlog as yws (SOMAXCONN, 4096 here) instead of Node's 511: with 1,000
// clients connecting at once, a shorter queue drops SYNs, and the kernel's 1 s retry would be
// counted as the server's time.
server.listen({ port: Number(values.port), host: values.host, backlog: 4096 }, () => {
  const { port } = server.address()
  const wsVersion = packageRequire('ws/package.json').version
  const serverVersion = packageRequire('./package.json').version
  process.stdout.write(`listening host=${values.host} port=${port} pid=${process.pid} ws=${wsVersion} ` +
    `server=@y/websocket-server@${serverVersion}\n`)
})

const shutdown = () => {
  for (const ws of wss.clients) ws.terminate()
  server.close(() => process.exit(0))
  setTimeout(() => process.exit(0), 2000).unref()
}
process.on('SIGTERM', shutdown)
process.on('SIGINT', shutdown)
