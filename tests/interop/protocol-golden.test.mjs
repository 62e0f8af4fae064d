// tests/fixtures/protocol/ holds what gen-protocol-fixtures.mjs writes with the pinned yjs,
// y-protocols and lib0. This test runs the generator into a scratch directory and fails on any
// difference, so the C++ golden tests never compare against stale bytes. To accept a deliberate
// change: `node tests/interop/gen-protocol-fixtures.mjs`, review the diff, commit.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const interopDir = dirname(fileURLToPath(import.meta.url))
const fixtureDir = join(process.env.YWS_SOURCE_DIR ?? join(interopDir, '../..'), 'tests/fixtures/protocol')

// The first line where two texts differ, for a readable failure.
const firstDifference = (a, b) => {
  const la = a.split('\n')
  const lb = b.split('\n')
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (la[i] !== lb[i]) return `line ${i + 1}:\n  committed: ${la[i]}\n  generated: ${lb[i]}`
  }
  return null
}

test('protocol fixtures are what y-protocols produces today', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'yws-protocol-fixtures-'))
  try {
    execFileSync(process.execPath, [join(interopDir, 'gen-protocol-fixtures.mjs'), scratch],
      { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 })
    const generated = readdirSync(scratch).sort()
    assert.deepEqual(readdirSync(fixtureDir).sort(), generated, 'the set of fixture files changed')
    for (const name of generated) {
      const committed = readFileSync(join(fixtureDir, name), 'utf8')
      const fresh = readFileSync(join(scratch, name), 'utf8')
      assert.ok(committed === fresh, `${name} is stale at ${firstDifference(committed, fresh)}`)
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
})
