#!/usr/bin/env node
/* global process, console */
/**
 * Recompute `bytes` and `sha256` of every registry file from a local models folder.
 *
 *   node scripts/hash-models.mjs <models dir> [--registry models/registry.json] [--write]
 *
 * For each entry the files live in <models dir>/<localPath>/. For `tfjs-layers` entries whose
 * model.json is present, the file list is rebuilt from its weightsManifest (model.json first, then
 * every shard in manifest order), with shard URLs placed beside each model.json URL. A file missing
 * locally keeps its recorded hash; if none is recorded it gets `sha256: null` and a note, and its
 * size comes from the manifest (sum of weight sizes) when that is derivable.
 * Without --write it only reports, and exits 1 when the registry disagrees with the files.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
const write = args.includes('--write');
const regIdx = args.indexOf('--registry');
const registryPath = resolve(regIdx >= 0 ? args[regIdx + 1] : 'models/registry.json');
const modelsDir = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--registry');
if (!modelsDir) {
  console.error('usage: node scripts/hash-models.mjs <models dir> [--registry models/registry.json] [--write]');
  process.exit(2);
}

const DTYPE_BYTES = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2 };
const MISSING_NOTE = 'SHA-256 unknown: this file was not present in the local copy the registry was hashed from. The loader refuses it unless a hash is supplied (options.sha256Overrides).';

function weightBytes(w) {
  const n = w.shape.reduce((a, b) => a * b, 1);
  return n * DTYPE_BYTES[w.quantization?.dtype ?? w.dtype];
}

/** Rebuild a layers model's file list from its manifest; keeps known fields of existing files. */
function layersFiles(entry, dir) {
  const modelJson = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const old = new Map(entry.files.map((f) => [f.name, f]));
  const jsonUrls = old.get('model.json')?.urls ?? [];
  const files = [{ ...old.get('model.json'), name: 'model.json', urls: jsonUrls }];
  for (const group of modelJson.weightsManifest) {
    const groupBytes = group.weights.reduce((s, w) => s + weightBytes(w), 0);
    for (const path of group.paths) {
      const prev = old.get(path) ?? {};
      const spec = { ...prev, name: path, urls: jsonUrls.map((u) => u.replace(/model\.json(\?.*)?$/, path)) };
      // Single-shard groups: the shard size is the group size. Multi-shard sizes come only from disk.
      if (group.paths.length === 1 && spec.bytes === undefined) spec.bytes = groupBytes;
      files.push(spec);
    }
  }
  return files;
}

const registry = JSON.parse(readFileSync(registryPath, 'utf8'));
let changes = 0;
for (const entry of registry.models) {
  const dir = join(modelsDir, entry.localPath);
  if (entry.format === 'tfjs-layers' && existsSync(join(dir, 'model.json'))) entry.files = layersFiles(entry, dir);
  for (const file of entry.files) {
    const path = join(dir, file.name);
    if (!existsSync(path)) {
      if (file.sha256 === undefined) file.sha256 = null;
      if (file.sha256 === null && !file.note) file.note = MISSING_NOTE;
      console.log(`${entry.id}/${file.name}: not present locally (sha256 ${file.sha256 ?? 'null'})`);
      continue;
    }
    const data = readFileSync(path);
    const sha256 = createHash('sha256').update(data).digest('hex');
    if (file.bytes !== data.length || file.sha256 !== sha256) {
      changes++;
      console.log(`${entry.id}/${file.name}: ${file.bytes ?? '?'} -> ${data.length} bytes, ${file.sha256 ?? 'null'} -> ${sha256}`);
    }
    file.bytes = data.length;
    file.sha256 = sha256;
    if (file.note === MISSING_NOTE) delete file.note;
  }
  // Stable key order keeps diffs of the regenerated registry readable.
  entry.files = entry.files.map(({ name, aliases, bytes, sha256, md5, note, urls }) =>
    Object.fromEntries(Object.entries({ name, aliases, bytes, sha256, md5, note, urls }).filter(([, v]) => v !== undefined)));
}

/** 2-space JSON with arrays of numbers/null (shapes, ranges) kept on one line. */
function stringify(value) {
  return JSON.stringify(value, null, 2).replace(/\[\s+((?:-?[\d.e+-]+|null)(?:,\s+(?:-?[\d.e+-]+|null))*)\s+\]/g,
    (_, body) => `[${body.split(/,\s+/).join(', ')}]`);
}

if (write) {
  writeFileSync(registryPath, stringify(registry) + '\n');
  console.log(`wrote ${registryPath} (${changes} file(s) changed)`);
} else {
  console.log(changes ? `${changes} file(s) differ from the registry (run with --write to update)` : 'registry matches the local files');
  process.exit(changes ? 1 : 0);
}
