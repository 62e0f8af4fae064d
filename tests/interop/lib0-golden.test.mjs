// The committed lib0 golden fixtures (tests/fixtures/lib0) must be exactly what the generator
// produces with the pinned lib0 and this Node: regenerate into a temporary directory and compare.
// After a deliberate change, rerun `node tests/interop/gen-lib0-fixtures.mjs` and commit.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const source = process.env.YWS_SOURCE_DIR ?? join(here, '../..')
const committed = join(source, 'tests/fixtures/lib0')

test('lib0 golden fixtures match a fresh generation', () => {
  const out = mkdtempSync(join(tmpdir(), 'yws-lib0-'))
  try {
    const run = spawnSync(process.execPath, [join(here, 'gen-lib0-fixtures.mjs'), out],
      { encoding: 'utf8', timeout: 60_000 })
    assert.equal(run.status, 0, `generator failed: ${run.stderr}`)
    const files = readdirSync(out).sort()
    assert.deepEqual(readdirSync(committed).sort(), files, 'fixture file list differs')
    for (const f of files) {
      const fresh = readFileSync(join(out, f), 'utf8').split('\n')
      const kept = readFileSync(join(committed, f), 'utf8').split('\n')
      const at = fresh.findIndex((line, i) => line !== kept[i])
      assert.equal(at === -1 && fresh.length === kept.length, true,
        `${f} differs from a fresh generation at line ${at + 1}:\n  committed: ${kept[at]}\n  generated: ${fresh[at]}`)
    }
  } finally {
    rmSync(out, { recursive: true, force: true })
  }
})
