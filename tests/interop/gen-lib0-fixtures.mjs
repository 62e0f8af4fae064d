// Writes the lib0 golden fixtures: bytes and texts produced by the real lib0 (npm, pinned in
// package.json), TextDecoder, JSON.stringify and JSON.parse, for tests/encoding/golden_test.cpp.
//
//   node tests/interop/gen-lib0-fixtures.mjs [out_dir]      (default: tests/fixtures/lib0)
//
// Output: <out_dir>/golden.txt, one case per line, fields separated by one space, byte strings
// as lowercase hex ("-" when empty). The first field is the kind:
//   var_uint       <name> <decimal> <bytes>
//   var_int        <name> <decimal, "-0" allowed> <bytes>
//   string         <name> <input wtf-8> <string read back, utf-8> <bytes>      (writeVarString)
//   utf8_decode    <name> <bytes> <TextDecoder result, utf-8>                  (non-fatal)
//   any            <name> <bytes>          writeAny of a value that golden_test.cpp builds by name
//   any_read       <name> <bytes> <bytes>  readAny of foreign (yrs-style) bytes, then writeAny
//   number         <name> <float64 bits> <Number#toString>
//   json_stringify <name> <writeAny bytes> <JSON.stringify text, utf-8>
//   json_parse     <name> <text> <writeAny(JSON.parse(text))> <JSON.stringify(JSON.parse(text))>
//   json_invalid   <name> <text>           JSON.parse throws
// JSON texts are bytes; JS sees them as new TextDecoder('utf-8', {ignoreBOM: true}) decodes
// them, which is what yws' parse_json does. An "input wtf-8" encodes a lone surrogate of the JS
// string as a 3-byte sequence (see include/yws/encoding/utf8.hpp).
//
// Everything is deterministic (fixed PRNG seed), so tests/interop/lib0-golden.test.mjs can
// regenerate and compare.
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const lib0Version = JSON.parse(readFileSync(join(here, 'node_modules/lib0/package.json'), 'utf8')).version

const hex = (bytes) => bytes.length === 0 ? '-' : Buffer.from(bytes).toString('hex')
const utf8 = (s) => new TextEncoder().encode(s)
const lenientDecoder = new TextDecoder('utf-8', { ignoreBOM: true })

// The WTF-8 of a JS string: like UTF-8, but a lone surrogate is encoded as its own code point.
const wtf8 = (s) => {
  const out = []
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00)
        i++
      }
    }
    if (c < 0x80) out.push(c)
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f))
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f))
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f))
  }
  return Uint8Array.from(out)
}

const encode = (write) => {
  const e = encoding.createEncoder()
  write(e)
  return encoding.toUint8Array(e)
}

// mulberry32: a small deterministic PRNG.
const prng = (seed) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = seed
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const lines = []
const names = new Set()
const add = (kind, name, ...fields) => {
  if (names.has(kind + ' ' + name)) throw new Error(`duplicate case ${kind} ${name}`)
  names.add(kind + ' ' + name)
  lines.push([kind, name, ...fields].join(' '))
}

// ---- varUint ---------------------------------------------------------------------------------
const varUints = { zero: 0, one: 1, max_1byte: 127, min_2byte: 128, n300: 300, max_2byte: 16383, min_3byte: 16384, p32m1: 2 ** 32 - 1, p32: 2 ** 32, p53m1: 2 ** 53 - 1 }
for (const [name, n] of Object.entries(varUints)) {
  add('var_uint', name, String(n), hex(encode((e) => encoding.writeVarUint(e, n))))
}
// lib0 writes with floating-point division and cannot go past 2^53: these LEB128 bytes are
// written here by hand (the format is the same 7-bit groups, low group first).
const leb128 = (n) => {
  const out = []
  while (n > 0x7fn) { out.push(Number(0x80n | (n & 0x7fn))); n >>= 7n }
  out.push(Number(n))
  return out
}
for (const [name, n] of Object.entries({ by_hand_p63: 2n ** 63n, by_hand_p64m1: 2n ** 64n - 1n })) {
  add('var_uint', name, n.toString(), hex(leb128(n)))
}

// ---- varInt ----------------------------------------------------------------------------------
const varInts = { zero: 0, neg_zero: -0, one: 1, neg_one: -1, max_1byte: 63, min_2byte: 64, neg_min_2byte: -64, p31m1: 2 ** 31 - 1, neg_p31m1: -(2 ** 31 - 1), p31: 2 ** 31, neg_p31: -(2 ** 31), p53m1: 2 ** 53 - 1, neg_p53m1: -(2 ** 53 - 1) }
for (const [name, n] of Object.entries(varInts)) {
  add('var_int', name, Object.is(n, -0) ? '-0' : String(n), hex(encode((e) => encoding.writeVarInt(e, n))))
}
// Magnitude 2^63-1, past lib0's range, by hand: 6 bits in the first byte, 7 per byte after.
add('var_int', 'by_hand_p63m1', '9223372036854775807', 'bf' + 'ff'.repeat(8) + '01')
add('var_int', 'by_hand_neg_p63m1', '-9223372036854775807', 'ff' + 'ff'.repeat(8) + '01')

// ---- varString -------------------------------------------------------------------------------
const strings = {
  empty: '', ascii: 'hello', two_byte: 'é', three_byte: '€', four_byte: '😀', mixed: 'aé€😀z',
  nul: '\0', bom: '\ufeff', max: '\u{10ffff}', lone_high: '\ud800', lone_low: '\udc00',
  reversed_pair: '\ude00\ud83d', high_then_ascii: '\ud83dx', pair_then_lone: '😀\ud83d',
  long_300: 'ab'.repeat(150), long_10001: 'x'.repeat(10001)
}
for (const [name, s] of Object.entries(strings)) {
  const bytes = encode((e) => encoding.writeVarString(e, s))
  const back = decoding.readVarString(decoding.createDecoder(bytes))
  add('string', name, hex(wtf8(s)), hex(utf8(back)), hex(bytes))
}

// ---- TextDecoder on invalid UTF-8 (what yws' read_var_string must reproduce) ------------------
const badUtf8 = {
  lone_cont: [0x80], ff: [0xff], fe: [0xfe], c0_80_overlong: [0xc0, 0x80], c1: [0xc1, 0xbf],
  c3_28: [0xc3, 0x28], a0_a1: [0xa0, 0xa1], e2_28_a1: [0xe2, 0x28, 0xa1], e2_82_28: [0xe2, 0x82, 0x28],
  e0_80_80_overlong: [0xe0, 0x80, 0x80], e0_9f_bf_overlong: [0xe0, 0x9f, 0xbf],
  ed_a0_80_surrogate: [0xed, 0xa0, 0x80], ed_bf_bf_surrogate: [0xed, 0xbf, 0xbf],
  cesu_pair: [0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80], f0_28_8c_bc: [0xf0, 0x28, 0x8c, 0xbc],
  f0_90_28_bc: [0xf0, 0x90, 0x28, 0xbc], f0_80_80_80_overlong: [0xf0, 0x80, 0x80, 0x80],
  f4_90_80_80_too_big: [0xf4, 0x90, 0x80, 0x80], f5: [0xf5, 0x80, 0x80, 0x80],
  truncated_3: [0x41, 0xe2, 0x82], truncated_4: [0xf0, 0x9f, 0x98], truncated_4_then_a: [0xf0, 0x9f, 0x98, 0x41],
  bom_kept: [0xef, 0xbb, 0xbf, 0x41], mixed: [0x61, 0xc3, 0xa9, 0xff, 0xe2, 0x82, 0xac, 0xed, 0xa0, 0x80, 0x62]
}
for (const [name, bytes] of Object.entries(badUtf8)) {
  add('utf8_decode', name, hex(bytes), hex(utf8(lenientDecoder.decode(Uint8Array.from(bytes)))))
}
{
  const rand = prng(0x5eed)
  const favoured = [0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xff]
  for (let i = 0; i < 300; i++) {
    const len = 1 + Math.floor(rand() * 10)
    const bytes = []
    for (let j = 0; j < len; j++) {
      bytes.push(rand() < 0.7 ? favoured[Math.floor(rand() * favoured.length)] : Math.floor(rand() * 256))
    }
    add('utf8_decode', `random_${String(i).padStart(3, '0')}`, hex(bytes), hex(utf8(lenientDecoder.decode(Uint8Array.from(bytes)))))
  }
}

// ---- writeAny (golden_test.cpp builds the same values by name) --------------------------------
const numericKeys = { x: 1, 1: 2, 10: 3, '01': 4, '-1': 5, 4294967294: 6, 4294967295: 7, 2: 8, '1.5': 9 }
const anys = {
  undefined, null: null, true: true, false: false,
  int_zero: 0, int_one: 1, int_neg_one: -1, int_p31m1: 2 ** 31 - 1, int_neg_p31m1: -(2 ** 31 - 1),
  neg_zero: -0, num_p31: 2 ** 31, num_neg_p31: -(2 ** 31), num_half: 0.5, num_1_1: 1.1, num_neg_1_5: -1.5,
  num_nan: NaN, num_inf: Infinity, num_neg_inf: -Infinity, num_1e21: 1e21, num_1e_7: 1e-7,
  num_p53m1: 2 ** 53 - 1, num_float32_max: 3.4028234663852886e38, num_min_subnormal: 5e-324,
  bigint_zero: 0n, bigint_neg_one: -1n, bigint_max: 2n ** 63n - 1n, bigint_min: -(2n ** 63n),
  string_empty: '', string_ascii: 'hello', string_two_byte: 'é', string_three_byte: '€',
  string_four_byte: '😀', string_lone_surrogate: '\ud800',
  object_empty: {}, object_simple: { a: 1, b: 'x' }, object_numeric_keys: numericKeys,
  object_nested: { a: { b: { c: [1, { d: null }] } }, '7': { '3': true, z: false, '0': 'zero' } },
  object_unicode_keys: { 'é': 1, '😀': 2, '': 3 },
  array_empty: [], array_mixed: [1, 'a', null, undefined, true, [], {}, new Uint8Array([1, 2])],
  array_200_ints: Array.from({ length: 200 }, (_, i) => i * 1000 - 100000),
  binary_empty: new Uint8Array(0), binary_bytes: new Uint8Array([0, 1, 127, 128, 255])
}
for (const [name, v] of Object.entries(anys)) add('any', name, hex(encode((e) => encoding.writeAny(e, v))))

// ---- readAny of encodings lib0 does not write (yrs writes some), re-encoded by lib0 ------------
const foreignAnys = {
  yrs_int_p31: '7d8080808010', yrs_int_neg_p31: '7dc080808010', yrs_int_p53m1: '7dbfffffffffffff1f',
  yrs_neg_zero_as_zero: '7d00', int_as_float64: '7b3ff0000000000000', half_as_float64: '7b3fe0000000000000',
  non_minimal_varint: '7d8100', non_minimal_count: '7581007e', duplicate_keys: '7602016178016179',
  duplicate_keys_order: '76030162780161 7d020162 79'.replace(/ /g, ''), numeric_key_after_name: '760201787d0101317d02',
  float64_nan_payload: '7b7ff0000000000001', float32_nan_payload: '7c7f800001', float32_qnan_payload: '7c7fc00001'
}
for (const [name, h] of Object.entries(foreignAnys)) {
  const v = decoding.readAny(decoding.createDecoder(Buffer.from(h, 'hex')))
  add('any_read', name, h, hex(encode((e) => encoding.writeAny(e, v))))
}

// ---- Number#toString -------------------------------------------------------------------------
const f64hex = (v) => {
  const b = new DataView(new ArrayBuffer(8))
  b.setFloat64(0, v)
  return hex(new Uint8Array(b.buffer))
}
const numbers = {
  zero: 0, neg_zero: -0, one: 1, neg_one: -1, nan: NaN, inf: Infinity, neg_inf: -Infinity,
  tenth: 0.1, point3: 0.1 + 0.2, e21: 1e21, e21_minus: 999999999999999900000, e20: 1e20,
  big_int_digits: 123456789012345680000, e_7: 1e-7, e_6: 1e-6, p1_5e_7: 1.5e-7, p1_23e_6: 0.00000123,
  max: Number.MAX_VALUE, min_normal: 2.2250738585072014e-308, min_subnormal: 5e-324,
  p53: 2 ** 53, p64: 2 ** 64, neg_small: -1.5e-10, frac: 12345.6789, third: 1 / 3
}
for (const [name, v] of Object.entries(numbers)) add('number', name, f64hex(v), String(v))
{
  const rand = prng(0x0dd)
  const bits = new DataView(new ArrayBuffer(8))
  for (let i = 0; i < 600; i++) {
    let v
    switch (i % 4) {
      case 0: // any finite bit pattern
        do {
          bits.setUint32(0, Math.floor(rand() * 2 ** 32))
          bits.setUint32(4, Math.floor(rand() * 2 ** 32))
          v = bits.getFloat64(0)
        } while (!Number.isFinite(v))
        break
      case 1: // an integer of 1 to 25 digits
        v = Math.floor(rand() * 10 ** (1 + Math.floor(rand() * 25)))
        break
      case 2: // a short decimal at any scale
        v = Math.floor(rand() * 100000) * 10 ** (Math.floor(rand() * 60) - 30)
        break
      default: // around the fixed/exponent switch points
        v = [1e21, 1e-6, 1e-7, 1e20][i % 16 >> 2] * (1 + (rand() - 0.5) * 1e-3)
    }
    if (rand() < 0.3) v = -v
    add('number', `random_${String(i).padStart(3, '0')}`, f64hex(v), String(v))
  }
}

// ---- JSON.stringify ----------------------------------------------------------------------------
const controls = Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join('') + '\x7f'
const stringifies = {
  null: null, true: true, false: false, zero: 0, neg_zero: -0, int: 42, neg: -7.25, tenth: 0.1,
  e21: 1e21, e_7: 1e-7, p1_5e_7: 1.5e-7, big: 123456789012345680000, p53: 2 ** 53, nan: NaN,
  inf: Infinity, neg_inf: -Infinity, min_subnormal: 5e-324, max: Number.MAX_VALUE,
  string_empty: '', string_plain: 'abc', string_quotes: '"\\/', string_short_escapes: '\b\f\n\r\t',
  string_controls: controls, string_unicode: 'é€😀', string_separators: '\u2028\u2029',
  string_html: '<script>&</script>', undefined,
  object: { b: 1, a: [1, 2, { c: 'd' }], e: {} }, object_undefined_values: { a: undefined, b: 1, c: undefined },
  object_numeric_keys: numericKeys, array_undefined: [undefined, 1, undefined],
  array_nested: [[[]], [{}], [null]], binary: new Uint8Array([0, 255, 16]), binary_empty: new Uint8Array(0),
  object_binary: { data: new Uint8Array([7]) }, keys_escaped: { 'a"b': 1, '\n': 2, 'é': 3 }
}
for (const [name, v] of Object.entries(stringifies)) {
  const text = JSON.stringify(v)
  add('json_stringify', name, hex(encode((e) => encoding.writeAny(e, v))), hex(text === undefined ? [] : utf8(text)))
}

// ---- JSON.parse --------------------------------------------------------------------------------
const deep = (n) => '['.repeat(n) + ']'.repeat(n)
const parses = {
  whitespace: ' \t\n\r{ "a" : [ 1 , 2.5e3 , -0 , true , false , null ] }\r\n',
  escapes: '"\\"\\\\\\/\\b\\f\\n\\r\\t"', unicode_escapes: '"\\u00e9\\u20ac\\ud83d\\ude00"',
  unicode_escapes_upper: '"\\u00E9\\uD83D\\uDE00"', lone_high: '"\\ud800"', lone_low: '"\\udc00"',
  reversed_pair: '"\\udc00\\ud800"', high_then_escape: '"\\ud800\\u0041"', high_then_raw: '"\\ud800A"',
  escaped_nul: '"\\u0000"', raw_unicode: '"é€😀"', raw_del: '"\x7f"',
  num_zero: '0', num_neg_zero: '-0', num_int: '-123', num_frac: '0.1', num_sum: '0.30000000000000004',
  num_exp: '1E+2', num_exp_neg: '-12.5E-3', num_max: '1.7976931348623157e308',
  num_overflow: '1.7976931348623159e308', num_huge: '1e400', num_neg_huge: '-1e400',
  num_tiny: '1e-400', num_neg_tiny: '-1e-400', num_min_normal: '2.2250738585072011e-308',
  num_subnormal: '5e-324', num_round_to_zero: '2e-324', num_round_up: '3e-324',
  num_long_int: '123456789012345678901234567890', num_2p53p1: '9007199254740993',
  num_long_frac: '3.141592653589793238462643383279502884197', num_exp_huge: '0e99999999999999999999',
  num_small_mantissa_big_exp: '0.0000000000000000000000000000001e330',
  duplicate_keys: '{"b":1,"a":2,"b":3}', proto_key: '{"__proto__":1}', numeric_keys: '{"1":1,"x":2,"0":3,"01":4}',
  empty_array: '[]', empty_object: '{}', padded_number: ' 1 ', nested: '{"a":{"b":[{"c":{}}]}}',
  deep_256: deep(256), invalid_utf8_in_string: Buffer.from([0x22, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0x22]),
  bom_in_string: Buffer.from([0x22, 0xef, 0xbb, 0xbf, 0x22])
}
for (const [name, text] of Object.entries(parses)) {
  const bytes = typeof text === 'string' ? utf8(text) : text
  const v = JSON.parse(lenientDecoder.decode(bytes))
  add('json_parse', name, hex(bytes), hex(encode((e) => encoding.writeAny(e, v))), hex(utf8(JSON.stringify(v))))
}

const invalids = [
  '', ' ', '{', '}', '[', ']', '[1', '[1,]', '[,1]', '[1 2]', '{"a":1,}', '{,}', '{a:1}', '{"a"}',
  '{"a":}', '{"a" 1}', '{"a":1 "b":2}', "'a'", '01', '-01', '1.', '.1', '-', '+1', '1e', '1e+',
  '1e1.5', '0x10', 'NaN', 'Infinity', '-Infinity', 'undefined', 'tru', 'nul', 'fals', 'True', 'NULL',
  '"abc', '"\\x"', '"\\', '"\\u12"', '"\\u12G4"', '"\\U0041"', '"a\nb"', '"\t"', '"\x00"', '"\x1f"',
  '\ufeff1', '1 2', '//c\n1', '/*c*/1', '\u00a01', '\f1', '\v1', '1,', '[1]]', '{}}', '"a"b'
]
invalids.forEach((text, i) => {
  let threw = false
  try { JSON.parse(text) } catch { threw = true }
  if (!threw) throw new Error(`JSON.parse accepted ${JSON.stringify(text)}`)
  add('json_invalid', `case_${String(i).padStart(2, '0')}`, hex(utf8(text)))
})
{
  // Raw invalid UTF-8 outside string literals: never JSON.
  const bytes = Buffer.from([0xff, 0x31])
  let threw = false
  try { JSON.parse(lenientDecoder.decode(bytes)) } catch { threw = true }
  if (!threw) throw new Error('JSON.parse accepted raw invalid UTF-8')
  add('json_invalid', 'raw_invalid_utf8', hex(bytes))
}

// ---- write -----------------------------------------------------------------------------------
const outDir = process.argv[2] ?? join(here, '../fixtures/lib0')
mkdirSync(outDir, { recursive: true })
const header = [
  `# lib0 ${lib0Version} golden fixtures: generated by tests/interop/gen-lib0-fixtures.mjs, do not edit.`,
  '# Format: see the comment at the top of the generator.'
]
writeFileSync(join(outDir, 'golden.txt'), header.concat(lines).join('\n') + '\n')
console.log(`wrote ${lines.length} cases to ${join(outDir, 'golden.txt')}`)
