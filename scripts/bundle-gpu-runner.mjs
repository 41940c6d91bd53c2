#!/usr/bin/env node
/* global process, console, performance */
/**
 * Builds gpu-runner/: a self-contained folder that runs this project's Node pipelines (by default
 * bench/detection.ts and scripts/train-detector.ts) with tfjs on WebGPU through Dawn, on a Linux
 * x64 GPU machine that has no Node and no network. See docs/gpu-runner.md.
 *
 *   node scripts/bundle-gpu-runner.mjs [--out gpu-runner] [--entry path.ts[=name] ...]
 *                                      [--no-vulkan-fallback] [--vulkan-from /usr/lib/chromium]
 *
 * Contents:
 *   <name>.mjs                    one esbuild bundle per entry (ESM, every JS dependency inlined
 *                                 except `webgpu`), with a prelude that installs WebGPU (Dawn) and
 *                                 selects the backend from --backend webgpu|cpu|auto (default:
 *                                 $WORKBENCH_BACKEND, else auto) before the entry runs
 *   node_modules/webgpu/          the `webgpu` package's JS entry + dist/linux-x64/dawn.node only
 *   node.xz                       this machine's `node` binary (process.execPath), xz -T0 -6
 *   vulkan-fallback.tar.xz        Chromium's Vulkan loader (libvulkan.so.1, used only when the
 *                                 target has none) and SwiftShader (used only with
 *                                 GPU_RUNNER_SWIFTSHADER=1), when /usr/lib/chromium has them
 *   run.sh                        unpacks node (and, if needed, the loader) to /tmp and runs a bundle
 *   MANIFEST.txt                  file sizes and sha256
 *
 * The node.xz of a previous build in the same folder is reused when it was made from the same
 * binary (compressing it takes about a minute on two cores). Fails when the folder is 60 MiB or more.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const LIMIT_BYTES = 60 * 1024 * 1024;
const DEFAULT_ENTRIES = ['bench/detection.ts', 'scripts/train-detector.ts'];

function usage() {
  return [
    'usage: node scripts/bundle-gpu-runner.mjs [options]',
    '  --out DIR                 output folder (default gpu-runner, relative to the repository root)',
    '  --entry FILE[=NAME]       entry to bundle as NAME.mjs (repeatable; default bench/detection.ts,',
    '                            scripts/train-detector.ts as detection, train-detector)',
    '  --no-vulkan-fallback      do not pack a Vulkan loader / SwiftShader',
    '  --vulkan-from DIR         where libvulkan.so.1, libvk_swiftshader.so, vk_swiftshader_icd.json are',
    '                            (default /usr/lib/chromium)',
    '  --help',
  ].join('\n');
}

function parse(argv) {
  const o = { out: 'gpu-runner', entries: [], vulkanFallback: true, vulkanFrom: '/usr/lib/chromium' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--out') o.out = value();
    else if (a === '--entry') o.entries.push(value());
    else if (a === '--no-vulkan-fallback') o.vulkanFallback = false;
    else if (a === '--vulkan-from') o.vulkanFrom = value();
    else if (a === '--help' || a === '-h') o.help = true;
    else if (a === '--') continue;
    else throw new Error(`unknown argument '${a}'`);
  }
  if (o.entries.length === 0) o.entries = DEFAULT_ENTRIES;
  return o;
}

function mib(bytes) {
  return `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
}

function sha256(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...opts });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}`);
  return r;
}

function listFiles(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(p));
    else out.push(p);
  }
  return out;
}

/** Does the entry take a `--backend` option (this project's OptionSpecs style)? Then the runner passes the chosen backend on. */
function takesBackendFlag(file) {
  return /\bbackend\s*:\s*\{\s*type\s*:/.test(readFileSync(file, 'utf8'));
}

/**
 * The bundle's main module: install Dawn, pick the backend, hand the entry its argv, then import
 * the entry (a lazy module in the bundle, so it only starts once the backend is ready).
 */
function prelude(entryFile, passBackendFlag) {
  const spec = './' + relative(root, entryFile).split('\\').join('/');
  return `
import { selectNodeBackend, BACKEND_ENV } from './src/core/backend/nodeWebgpu.ts';

const args = process.argv;
const at = args.findIndex((a, i) => i >= 2 && (a === '--backend' || a.startsWith('--backend=')));
const given = at < 0 ? undefined : args[at].startsWith('--backend=') ? args[at].slice('--backend='.length) : args[at + 1];
const requested = given ?? process.env[BACKEND_ENV] ?? 'auto';
if (requested === 'webgpu' || requested === 'cpu' || requested === 'auto') {
  // tfjs's "install tfjs-node" banner (console.warn) is noise here.
  const warn = console.warn;
  console.warn = (...a) => { if (!(typeof a[0] === 'string' && a[0].includes('tfjs-node'))) warn(...a); };
  const selection = await selectNodeBackend(requested, (m) => console.error('gpu-runner: ' + m));
  console.warn = warn;
  process.env[BACKEND_ENV] = selection.backend;
  if (at >= 0) {
    if (args[at].startsWith('--backend=')) args[at] = '--backend=' + selection.backend;
    else args[at + 1] = selection.backend;
  } else if (${passBackendFlag ? 'true' : 'false'}) {
    args.push('--backend', selection.backend);
  }
} else {
  console.error('gpu-runner: --backend ' + requested + ' is passed to the script unchanged');
}
await import(${JSON.stringify(spec)});
`;
}

function runSh(names, nodeSha) {
  return `#!/bin/sh
# gpu-runner: runs the bundled cv-workbench scripts with Node + tfjs WebGPU (Dawn/Vulkan) on a Linux
# x64 machine without Node or network. Built by scripts/bundle-gpu-runner.mjs; see docs/gpu-runner.md.
#
#   ./run.sh <script> [script options]      scripts: ${names.join(', ')}
#   ./run.sh train-detector --preset thesis --backend webgpu --out /tmp/detector-thesis.zip
#
# --backend webgpu|cpu|auto (default: $WORKBENCH_BACKEND, else auto; auto uses WebGPU unless the
# adapter is a software one) is read before the script starts; a failed WebGPU start falls back to
# cpu with the reason printed. VK_ICD_FILENAMES is left as it is (the system NVIDIA ICD is found by
# the Vulkan loader). Environment:
#   GPU_RUNNER_CACHE=DIR        where node is unpacked (default \${TMPDIR:-/tmp}/gpu-runner-<uid>-<hash>)
#   GPU_RUNNER_SWIFTSHADER=1    use the bundled SwiftShader (software Vulkan), for a check without a GPU
#   GPU_RUNNER_VULKAN_LOADER=bundled|system|auto   which libvulkan.so.1 (default auto: system if any)
#   WORKBENCH_DAWN_OPTIONS      extra Dawn options, e.g. "adapter=NVIDIA backend=vulkan"
set -eu
HERE=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
SCRIPTS="${names.join(' ')}"
NODE_SHA=${nodeSha}

usage() {
  echo "usage: $0 <script> [options]   scripts: $SCRIPTS" >&2
  echo "       $0 <script> --help        the script's own options" >&2
}
if [ $# -lt 1 ]; then usage; exit 2; fi
case "$1" in -h|--help) usage; exit 0 ;; esac
SCRIPT=$1
shift
if [ ! -f "$HERE/$SCRIPT.mjs" ]; then echo "run.sh: unknown script '$SCRIPT'" >&2; usage; exit 2; fi

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) echo "run.sh: this runner is for Linux x86_64, not $(uname -s)-$(uname -m)" >&2; exit 1 ;;
esac
GLIBC=$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}' || true)
if [ -n "$GLIBC" ] && ! awk -v v="$GLIBC" 'BEGIN { split(v, a, "."); exit !(a[1] > 2 || (a[1] == 2 && a[2] >= 34)) }'; then
  echo "run.sh: warning: glibc $GLIBC; dawn.node needs glibc >= 2.34 (WebGPU will fall back to cpu), node needs >= 2.28" >&2
fi

# xz -dc, or Python's lzma where xz is missing.
unxz_to() {
  if command -v xz >/dev/null 2>&1; then xz -dc "$1" > "$2"
  elif command -v python3 >/dev/null 2>&1; then
    python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"
  elif command -v busybox >/dev/null 2>&1; then busybox xz -dc "$1" > "$2"
  else echo "run.sh: need xz, python3 or busybox to unpack $1" >&2; exit 1
  fi
}

CACHE=\${GPU_RUNNER_CACHE:-\${TMPDIR:-/tmp}/gpu-runner-$(id -u)-$(printf %.12s "$NODE_SHA")}
mkdir -p "$CACHE"
if [ ! -x "$CACHE/node" ]; then
  echo "run.sh: unpacking node to $CACHE" >&2
  unxz_to "$HERE/node.xz" "$CACHE/node.tmp.$$" || { rm -f "$CACHE/node.tmp.$$"; exit 1; }
  chmod 755 "$CACHE/node.tmp.$$"
  mv -f "$CACHE/node.tmp.$$" "$CACHE/node"
fi

have_system_vulkan() {
  for l in /sbin/ldconfig ldconfig; do
    if command -v "$l" >/dev/null 2>&1 && "$l" -p 2>/dev/null | grep -q 'libvulkan\\.so\\.1 '; then return 0; fi
  done
  for d in $(printf %s "\${LD_LIBRARY_PATH:-}" | tr ':' ' ') /usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu /usr/lib64 /usr/lib /usr/local/lib; do
    if [ -e "$d/libvulkan.so.1" ]; then return 0; fi
  done
  return 1
}
unpack_vulkan() {
  if [ ! -f "$HERE/vulkan-fallback.tar.xz" ]; then echo "run.sh: no vulkan-fallback.tar.xz in this runner" >&2; return 1; fi
  if [ ! -f "$CACHE/vulkan/libvulkan.so.1" ]; then
    mkdir -p "$CACHE/vulkan"
    unxz_to "$HERE/vulkan-fallback.tar.xz" "$CACHE/vulkan.tar.$$" || { rm -f "$CACHE/vulkan.tar.$$"; exit 1; }
    tar -xf "$CACHE/vulkan.tar.$$" -C "$CACHE/vulkan"
    rm -f "$CACHE/vulkan.tar.$$"
  fi
}

# With --backend cpu (or WORKBENCH_BACKEND=cpu and no --backend) Vulkan is not needed.
BACKEND=\${WORKBENCH_BACKEND:-auto}
PREV=
for a in "$@"; do
  case "$PREV" in --backend) BACKEND=$a ;; esac
  case "$a" in --backend=*) BACKEND=\${a#--backend=} ;; esac
  PREV=$a
done

LOADER=\${GPU_RUNNER_VULKAN_LOADER:-auto}
if [ "$BACKEND" = cpu ]; then
  :
elif [ "$LOADER" = bundled ] || { [ "$LOADER" = auto ] && ! have_system_vulkan; }; then
  if unpack_vulkan; then
    [ "$LOADER" = bundled ] || echo "run.sh: no system libvulkan.so.1; using the bundled Vulkan loader" >&2
    LD_LIBRARY_PATH="$CACHE/vulkan\${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    export LD_LIBRARY_PATH
  fi
fi
if [ "$BACKEND" = cpu ]; then
  :
elif [ "\${GPU_RUNNER_SWIFTSHADER:-0}" = 1 ]; then
  unpack_vulkan
  VK_ICD_FILENAMES="$CACHE/vulkan/vk_swiftshader_icd.json"
  export VK_ICD_FILENAMES
  echo "run.sh: GPU_RUNNER_SWIFTSHADER=1: software Vulkan (SwiftShader)" >&2
elif [ -z "\${VK_ICD_FILENAMES:-}" ] && [ -z "\${VK_DRIVER_FILES:-}" ] && [ ! -e /usr/share/vulkan/icd.d/nvidia_icd.json ] && [ ! -e /etc/vulkan/icd.d/nvidia_icd.json ]; then
  echo "run.sh: note: no NVIDIA Vulkan ICD (/usr/share/vulkan/icd.d/nvidia_icd.json, /etc/vulkan/icd.d/nvidia_icd.json); WebGPU may fall back to cpu" >&2
fi

exec "$CACHE/node" "$HERE/$SCRIPT.mjs" "$@"
`;
}

async function main() {
  const o = parse(process.argv.slice(2));
  if (o.help) {
    console.log(usage());
    return 0;
  }
  if (process.platform !== 'linux' || process.arch !== 'x64') throw new Error(`build on Linux x64 (the runner ships this machine's node binary); this is ${process.platform}-${process.arch}`);
  const { build } = await import('esbuild');
  const out = resolve(root, o.out);
  if (!relative(out, root).startsWith('..')) throw new Error(`refusing to use ${out} as the output folder (it holds the repository)`);
  const t0 = performance.now();

  // A node.xz from the same binary survives the rebuild; everything else is rebuilt.
  const nodeStat = statSync(process.execPath);
  const nodeStamp = `${process.execPath} ${nodeStat.size} ${Math.round(nodeStat.mtimeMs)} ${process.version}`;
  const oldStamp = existsSync(join(out, 'node.stamp')) ? readFileSync(join(out, 'node.stamp'), 'utf8').trim() : '';
  const reuseNode = oldStamp === nodeStamp && existsSync(join(out, 'node.xz'));
  mkdirSync(out, { recursive: true });
  for (const e of readdirSync(out)) {
    if (reuseNode && (e === 'node.xz' || e === 'node.stamp')) continue;
    rmSync(join(out, e), { recursive: true, force: true });
  }

  // 1. Bundles.
  const names = [];
  for (const spec of o.entries) {
    const [file, given] = spec.split('=');
    const entryFile = resolve(root, file);
    if (!existsSync(entryFile)) throw new Error(`no such entry: ${file}`);
    const name = given || basename(entryFile).replace(/\.[cm]?[jt]s$/, '');
    if (names.includes(name)) throw new Error(`two entries named '${name}'`);
    names.push(name);
    const passBackendFlag = takesBackendFlag(entryFile);
    const result = await build({
      stdin: { contents: prelude(entryFile, passBackendFlag), resolveDir: root, sourcefile: `gpu-runner-${name}.ts`, loader: 'ts' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: join(out, `${name}.mjs`),
      // webgpu is a native addon, shipped beside the bundle; tfjs-backend-wasm is only imported for ?backend=wasm in the browser.
      external: ['webgpu', '@tensorflow/tfjs-backend-wasm'],
      // Identifiers are kept (readable stack traces), only whitespace and syntax are minified.
      minifyWhitespace: true,
      minifySyntax: true,
      keepNames: true,
      define: { 'import.meta.env': '{}' },
      banner: {
        js: `// ${relative(root, entryFile)} for gpu-runner, built ${new Date().toISOString()} by scripts/bundle-gpu-runner.mjs\nimport { createRequire as __gpuRunnerRequire } from 'node:module'; const require = __gpuRunnerRequire(import.meta.url);`,
      },
      logLevel: 'warning',
    });
    if (result.errors.length) throw new Error(`esbuild failed for ${file}`);
    console.log(`bundled ${relative(root, entryFile)} -> ${name}.mjs (${mib(statSync(join(out, `${name}.mjs`)).size)})${passBackendFlag ? '' : ' (entry has no --backend option: the runner only sets WORKBENCH_BACKEND)'}`);
  }

  // 2. webgpu: JS entry + the linux-x64 dawn.node (and its licence).
  const webgpuSrc = join(root, 'node_modules', 'webgpu');
  const webgpuPkg = JSON.parse(readFileSync(join(webgpuSrc, 'package.json'), 'utf8'));
  const webgpuOut = join(out, 'node_modules', 'webgpu');
  mkdirSync(join(webgpuOut, 'dist', 'linux-x64'), { recursive: true });
  writeFileSync(
    join(webgpuOut, 'package.json'),
    JSON.stringify({ name: webgpuPkg.name, version: webgpuPkg.version, type: webgpuPkg.type, main: webgpuPkg.main, license: webgpuPkg.license }, null, 2) + '\n',
  );
  copyFileSync(join(webgpuSrc, webgpuPkg.main), join(webgpuOut, webgpuPkg.main));
  if (existsSync(join(webgpuSrc, 'LICENSE.md'))) copyFileSync(join(webgpuSrc, 'LICENSE.md'), join(webgpuOut, 'LICENSE.md'));
  copyFileSync(join(webgpuSrc, 'dist', 'linux-x64', 'dawn.node'), join(webgpuOut, 'dist', 'linux-x64', 'dawn.node'));
  console.log(`copied webgpu ${webgpuPkg.version} (index.js + dist/linux-x64/dawn.node)`);

  // 3. node, xz-compressed.
  const nodeXz = join(out, 'node.xz');
  if (reuseNode) {
    console.log(`reused node.xz (${process.version}, same binary as the last build)`);
  } else {
    const t = performance.now();
    console.log(`compressing ${process.execPath} (${process.version}, ${mib(nodeStat.size)}) with xz -T0 -6 ...`);
    const tmp = `${nodeXz}.tmp`;
    run('sh', ['-c', 'xz -T0 -6 -c -- "$1" > "$2"', 'sh', process.execPath, tmp]);
    renameSync(tmp, nodeXz);
    console.log(`  node.xz ${mib(statSync(nodeXz).size)} in ${((performance.now() - t) / 1000).toFixed(0)} s`);
  }
  writeFileSync(join(out, 'node.stamp'), nodeStamp + '\n');

  // 4. Vulkan loader + SwiftShader fallback.
  if (o.vulkanFallback) {
    const files = ['libvulkan.so.1', 'libvk_swiftshader.so', 'vk_swiftshader_icd.json'];
    const missing = files.filter((f) => !existsSync(join(o.vulkanFrom, f)));
    if (missing.length) {
      console.warn(`warning: no Vulkan fallback packed (${missing.join(', ')} not in ${o.vulkanFrom}); the target then needs its own libvulkan.so.1`);
    } else {
      run('tar', ['-cJf', join(out, 'vulkan-fallback.tar.xz'), '-C', o.vulkanFrom, ...files]);
      console.log(`packed ${files.join(', ')} from ${o.vulkanFrom}`);
    }
  }

  // 5. run.sh, manifest, size check.
  const nodeSha = sha256(nodeXz);
  writeFileSync(join(out, 'run.sh'), runSh(names, nodeSha));
  chmodSync(join(out, 'run.sh'), 0o755);
  const files = listFiles(out).filter((f) => basename(f) !== 'MANIFEST.txt');
  const rows = files.map((f) => ({ path: relative(out, f), bytes: statSync(f).size, sha: sha256(f) }));
  const manifest = [
    `gpu-runner built ${new Date().toISOString()} on ${process.platform}-${process.arch}, node ${process.version}`,
    `scripts: ${names.join(', ')}`,
    '',
    ...rows.map((r) => `${r.sha}  ${String(r.bytes).padStart(10)}  ${r.path}`),
  ].join('\n');
  writeFileSync(join(out, 'MANIFEST.txt'), manifest + '\n');
  const total = listFiles(out).reduce((s, f) => s + statSync(f).size, 0);
  for (const r of rows.sort((a, b) => b.bytes - a.bytes)) console.log(`  ${mib(r.bytes).padStart(11)}  ${r.path}`);
  console.log(`${relative(root, out) || out}: ${mib(total)} in all (limit ${mib(LIMIT_BYTES)}), built in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  if (total >= LIMIT_BYTES) {
    console.error(`bundle-gpu-runner: ${mib(total)} is over the ${mib(LIMIT_BYTES)} limit`);
    return 1;
  }
  console.log(`run it with: ${relative(process.cwd(), join(out, 'run.sh')) || './run.sh'} ${names[0]} --help`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    console.error(`bundle-gpu-runner: ${e instanceof Error ? e.message : String(e)}\n\n${usage()}`);
    process.exitCode = 1;
  },
);
