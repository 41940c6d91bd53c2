/**
 * Fault injection for model files: registry downloads with altered or truncated bytes, tfjs layers
 * models and checkpoints whose weights do not match, an HDF5 file without VGG16's layers, and
 * TFLite files the port cannot run. Every case must be refused with a message naming the problem,
 * leave nothing behind in Cache Storage or IndexedDB, and never evaluate anything in the files.
 * Bad bytes are served with `page.route`, so these tests do not need ../shared (the one that
 * does is skipped without it).
 */
import { test, expect, type Page, type Route } from '@playwright/test';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { encodePng, writeFiles } from './fixtures';
import { kerasH5, tfliteWithOperator, tinyLayersModel, type LayersModelFiles } from './modelFiles';
import { cachedFiles, putCached, registryFile, SHIPPED_DETECTOR, storeKeys, watchForPlantedCode } from './probes';

const SHARED_MODELS = resolve(import.meta.dirname, '../../shared/models');

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Deterministic bytes that are not the model file. */
function otherBytes(n: number, seed: number): Buffer {
  let s = seed >>> 0;
  return Buffer.from(Uint8Array.from({ length: n }, () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 24));
}

/**
 * Serve `body` for one registry file wherever it is fetched from (page or worker): the dev base
 * URL (/local-models/<folder>/<name>) or any of its official URLs. Returns the URLs served.
 */
async function serveInstead(page: Page, modelId: string, name: string, body: Buffer): Promise<string[]> {
  const { model, file } = registryFile(modelId, name);
  const served: string[] = [];
  const matches = (u: URL) => u.pathname === `/local-models/${model.localPath}/${name}` || file.urls.includes(u.href);
  await page.route(matches, async (route: Route) => {
    served.push(route.request().url());
    await route.fulfill({ status: 200, body, headers: { 'Content-Type': 'application/octet-stream' } });
  });
  return served;
}

async function openModels(page: Page) {
  await page.goto('/');
  await expect(page.getByTestId('backend')).not.toBeEmpty();
  await page.getByTestId('nav-models').click();
}

test('a registry download whose bytes do not match the sha256 is refused, named, and purges the model from the cache', async ({ page }) => {
  const id = 'magenta-style-transfer-int8';
  const { file } = registryFile(id, 'transfer_int8.tflite');
  const body = otherBytes(file.bytes, 1);
  const served = await serveInstead(page, id, file.name, body);
  await openModels(page);
  // An entry left by an earlier load of this model, and one of another model.
  await putCached(page, `${id}/transfer_int8.tflite#${'0'.repeat(64)}`);
  await putCached(page, `tiny-darknet/model.json#${'1'.repeat(64)}`);
  await page.getByTestId(`model-${id}`).getByRole('button', { name: 'Download & verify' }).click();
  const status = page.getByTestId(`model-status-${id}`);
  await expect(status).toContainText('failed:');
  expect(served).toHaveLength(1);
  await expect(status).toHaveText(`failed: sha256 mismatch for "transfer_int8.tflite" (model ${id}) from ${new URL(served[0]).pathname}: expected ${file.sha256}, got ${sha256(body)}`);
  expect(await cachedFiles(page, id)).toEqual([]);
  expect(await cachedFiles(page, 'tiny-darknet')).toEqual([`tiny-darknet/model.json#${'1'.repeat(64)}`]);
});

test('a registry download cut short is refused as truncated and nothing is cached', async ({ page }) => {
  const id = 'magenta-style-predict-int8';
  const { file } = registryFile(id, 'predict_int8.tflite');
  const served = await serveInstead(page, id, file.name, otherBytes(1000, 2));
  await openModels(page);
  await page.getByTestId(`model-${id}`).getByRole('button', { name: 'Download & verify' }).click();
  const status = page.getByTestId(`model-status-${id}`);
  await expect(status).toContainText('failed:');
  await expect(status).toHaveText(`failed: "predict_int8.tflite" from ${new URL(served[0]).pathname} is truncated: got 1000 of ${file.bytes} bytes`);
  expect(await cachedFiles(page, id)).toEqual([]);
});

test('one altered shard of a multi-file model leaves none of its verified files cached', async ({ page }) => {
  test.skip(!existsSync(join(SHARED_MODELS, 'tiny-darknet')), `needs ${SHARED_MODELS}/tiny-darknet (the shared model files beside the checkout)`);
  const id = 'tiny-darknet';
  const { file } = registryFile(id, 'group17-shard1of1');
  const real = readFileSync(join(SHARED_MODELS, 'tiny-darknet', file.name));
  const altered = Buffer.from(real);
  altered[1000] ^= 1; // one bit
  await serveInstead(page, id, file.name, altered);
  const fetched: string[] = [];
  page.on('requestfinished', (r) => { if (r.url().includes('/local-models/tiny-darknet/')) fetched.push(r.url()); });
  await openModels(page);
  await page.getByTestId(`model-${id}`).getByRole('button', { name: 'Download & verify' }).click();
  const status = page.getByTestId(`model-status-${id}`);
  await expect(status).toContainText('failed:', { timeout: 120_000 });
  await expect(status).toContainText(`sha256 mismatch for "${file.name}" (model ${id})`);
  // Other files of the model arrived intact (they verify), yet none of them stays cached.
  expect(fetched.filter((u) => !u.endsWith(`/${file.name}`)).length).toBeGreaterThan(0);
  expect(await cachedFiles(page, id)).toEqual([]);
});

/** The phenotype panel with a dropped folder of three small PNGs as its dataset. */
async function phenotypeWithImages(page: Page) {
  const png = (seed: number) => encodePng(24, 20, (x, y) => [(x * 9 + seed * 50) % 256, (y * 11 + seed * 30) % 256, (x * y + seed) % 256]);
  const images = writeFiles({ 'a.png': png(1), 'b.png': png(2), 'c.png': png(3) });
  await page.goto('/');
  await expect(page.getByTestId('backend')).not.toBeEmpty();
  await page.getByTestId('nav-phenotype').click();
  await page.getByTestId('phenotype-data').getByTestId('folder-input').setInputFiles(images);
  await expect(page.getByTestId('run-features')).toBeVisible({ timeout: 60_000 });
}

/** Write a model folder (model.json, its shard, and whatever `extra` holds) and pick it in the features section. */
async function pickModelFolder(page: Page, m: LayersModelFiles, extra: Record<string, string | Buffer> = {}) {
  const dir = writeFiles({ 'model.json': JSON.stringify(m.json), [m.shardName]: m.shard, ...extra });
  await page.getByTestId('phenotype-features').locator('input[type="file"][webkitdirectory]').setInputFiles(dir);
}

async function extractFeatures(page: Page): Promise<string> {
  await page.getByTestId('run-features').click();
  const message = page.getByTestId('features-message');
  await expect(message).toContainText(/features|failed|cancelled/, { timeout: 120_000 });
  return message.innerText();
}

test('a custom tfjs model with truncated weights or shapes that do not match its shard or topology is refused; model files are data only', async ({ page }) => {
  test.setTimeout(300_000);
  const planted = watchForPlantedCode(page);
  await phenotypeWithImages(page);
  await page.getByTestId('backbone').selectOption('custom');
  await page.getByTestId('layers').fill('conv1, conv2');

  // The intact model, with script-looking strings inside and scripts beside it, works.
  const planting = (m: LayersModelFiles) => {
    m.json.userDefinedMetadata = { note: '<img src=x onerror="fetch(\'/pwned-metadata\')">', run: "javascript:fetch('/pwned-url')" };
    m.json.generatedBy = "');fetch('/pwned-generatedBy');//";
    return { 'loader.js': "fetch('/pwned-js')", 'index.html': "<script>fetch('/pwned-html')</script>" };
  };
  const good = tinyLayersModel();
  await pickModelFolder(page, good, planting(good));
  expect(await extractFeatures(page)).toContain('3 images × 12 features');
  const afterGood = await storeKeys(page, 'features');
  expect(afterGood).toHaveLength(1);

  // A shard shorter than the manifest says.
  const truncated = tinyLayersModel();
  truncated.shard = truncated.shard.subarray(0, truncated.shard.length - 40);
  await pickModelFolder(page, truncated);
  expect(await extractFeatures(page)).toBe('Feature extraction failed: Weight "conv2/kernel" [3,3,4,8] float32 needs bytes up to 1600 but shard(s) group1-shard1of1.bin hold only 1592: its shape does not match the shard data');

  // A manifest shape that asks for more bytes than the shard holds.
  const bigger = tinyLayersModel();
  bigger.json.weightsManifest[0].weights[2].shape = [3, 3, 4, 9];
  await pickModelFolder(page, bigger);
  expect(await extractFeatures(page)).toBe('Feature extraction failed: Weight "conv2/kernel" [3,3,4,9] float32 needs bytes up to 1744 but shard(s) group1-shard1of1.bin hold only 1632: its shape does not match the shard data');

  // Same byte count, but the manifest's shape is not the one the topology builds: refused, although
  // every file has the name and size of the good model's (whose features are cached).
  const permuted = tinyLayersModel();
  const extra = planting(permuted);
  permuted.json.weightsManifest[0].weights[2].shape = [3, 3, 8, 4];
  expect(JSON.stringify(permuted.json).length).toBe(JSON.stringify(good.json).length);
  await pickModelFolder(page, permuted, extra);
  expect(await extractFeatures(page)).toBe('Feature extraction failed: Weight "conv2/kernel": the model expects shape [3,3,4,8], the manifest has [3,3,8,4]');

  expect(await storeKeys(page, 'features')).toEqual(afterGood);
  expect(planted).toEqual([]);
  expect(await page.evaluate(() => document.querySelectorAll('img[src="x"]').length)).toBe(0);
});

test('an imported checkpoint with truncated weights or weights that do not fit its detector is refused and not stored', async ({ page }) => {
  const shipped = unzipSync(readFileSync(SHIPPED_DETECTOR));
  const json = strFromU8(shipped['model.json']);
  const dir = mkdtempSync(join(tmpdir(), 'ckpt-'));
  const truncatedZip = join(dir, 'truncated.zip');
  const swappedZip = join(dir, 'swapped.zip');
  writeFileSync(truncatedZip, zipSync({ 'model.json': shipped['model.json'], 'weights.bin': shipped['weights.bin'].subarray(0, 4000) }));
  // conv2/kernel [3,3,8,12] written as [3,3,12,8]: the same bytes, a shape the detector config does not have.
  writeFileSync(swappedZip, zipSync({ 'model.json': strToU8(json.replace('"conv2/kernel","shape":[3,3,8,12]', '"conv2/kernel","shape":[3,3,12,8]')), 'weights.bin': shipped['weights.bin'] }));
  expect(json).toContain('"conv2/kernel","shape":[3,3,8,12]');

  await page.goto('/');
  await expect(page.getByTestId('backend')).not.toBeEmpty();
  await page.getByTestId('nav-jobs').click();
  const input = page.getByTestId('checkpoints').locator('input[type="file"]');
  await input.setInputFiles(truncatedZip);
  await expect(page.getByRole('alert').filter({ hasText: 'truncated.zip' })).toHaveText(
    /^Could not import truncated\.zip: truncated\.zip: shard\(s\) weights\.bin hold 4000 bytes but their weights \(conv1\/kernel \[5,5,1,8\], .*\) need 147436: truncated, or shapes that do not match the data/);
  await input.setInputFiles(swappedZip);
  await expect(page.getByRole('alert').filter({ hasText: 'swapped.zip' })).toContainText(
    'Could not import swapped.zip: detector weights: conv2/kernel should have shape [3,3,8,12], got [3,3,12,8]');
  expect(await storeKeys(page, 'checkpoints')).toEqual([]);
  await expect(page.getByTestId('checkpoints')).toContainText('No checkpoints yet');

  // The detection panel's own loader refuses it too, keeps the working detector, and leaves no tensors behind.
  await page.getByTestId('nav-detection').click();
  await expect(page.getByTestId('model-info')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('detected-count')).not.toHaveText('–');
  const tensors = () => page.evaluate(() => (window as unknown as { __tf: { memory: () => { numTensors: number } } }).__tf.memory().numTensors);
  const before = await tensors();
  await page.getByTestId('view-detection').locator('input[type="file"][accept=".zip"]').setInputFiles(swappedZip);
  await expect(page.getByTestId('view-detection').getByRole('alert')).toHaveText('Could not load swapped.zip: detector weights: conv2/kernel should have shape [3,3,8,12], got [3,3,12,8]');
  await expect(page.getByTestId('model-picker')).toHaveValue(/Shipped checkpoint/);
  expect(await tensors()).toBe(before);
});

test('VGG16 weights without the expected layers are refused: by the registry check in the panel, by layer in the reader', async ({ page }) => {
  test.setTimeout(240_000);
  const h5 = await kerasH5(['block1_conv1', 'block1_conv2']);
  const dir = writeFiles({ 'my-vgg16-copy.h5': h5 });
  const vgg = registryFile('vgg16-notop-keras', 'vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5').file;
  await phenotypeWithImages(page);
  await page.getByTestId('backbone').selectOption('vgg16');
  await page.getByTestId('phenotype-features').locator('input[type="file"][accept=".h5,.hdf5"]').setInputFiles(join(dir, 'my-vgg16-copy.h5'));
  // Any name is taken as the registry's file; its size (then MD5) is what refuses it.
  expect(await extractFeatures(page)).toBe(`Feature extraction failed: "${vgg.name}" from the picked folder is truncated: got ${h5.length} of ${vgg.bytes} bytes`);
  expect(await storeKeys(page, 'features')).toEqual([]);
  expect(await cachedFiles(page, 'vgg16-notop-keras')).toEqual([]);

  // The HDF5 reader itself (h5wasm in the browser) names the first missing layer and leaves no copy in its file system.
  const result = await page.evaluate(async (b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const vggModule = await import('/src/pipelines/phenotype/features/vgg16.ts' as string) as typeof import('../src/pipelines/phenotype/features/vgg16');
    const error = await vggModule.loadVgg16FromH5(bytes, ['block3_conv1', 'block3_conv3', 'block4_conv2']).then(() => 'loaded', (e: Error) => e.message);
    const h5 = await vggModule.withH5File(bytes, (_file, m) => m);
    const left = (await h5.ready).FS.readdir('/').filter((n: string) => n.endsWith('.h5'));
    return { error, left };
  }, h5.toString('base64'));
  expect(result.error).toBe('Layer "block2_conv1" is not in the weights file (layer_names: block1_conv1, block1_conv2)');
  expect(result.left).toEqual([]);
});

test('TFLite: the style panel refuses an altered file by its hash; the port refuses an unsupported operator and a malformed flatbuffer', async ({ page }) => {
  test.setTimeout(240_000);
  const id = 'magenta-style-predict-int8';
  const { file } = registryFile(id, 'predict_int8.tflite');
  // A real TFLite flatbuffer with an operator the port does not map, padded to the registry's size.
  const unsupported = Buffer.from(tfliteWithOperator('HARD_SWISH'));
  const padded = Buffer.concat([unsupported, Buffer.alloc(file.bytes - unsupported.length)]);
  const served = await serveInstead(page, id, file.name, padded);
  await page.goto('/');
  await expect(page.getByTestId('backend')).not.toBeEmpty();
  await page.getByTestId('nav-style').click();
  await expect.poll(() => served.length, { timeout: 60_000 }).toBe(1); // fetched by the style worker
  await expect(page.getByTestId('style-service-error')).toContainText(
    `Could not load the style networks: sha256 mismatch for "predict_int8.tflite" (model ${id}) from ${new URL(served[0]).pathname}: expected ${file.sha256}, got ${sha256(padded)}`, { timeout: 120_000 });
  expect(await cachedFiles(page, id)).toEqual([]);

  // The same bytes given straight to the port (what the worker calls once a file verified).
  const supported = Buffer.from(tfliteWithOperator('LOGISTIC'));
  const r = await page.evaluate(async ([badB64, okB64]) => {
    const bytes = (b: string) => Uint8Array.from(atob(b), (c) => c.charCodeAt(0));
    const port = await import('/src/pipelines/style/tflite/index.ts' as string) as typeof import('../src/pipelines/style/tflite');
    const tf = (window as unknown as { __tf: typeof import('@tensorflow/tfjs') }).__tf;
    const message = (f: () => unknown) => { try { f(); return 'accepted'; } catch (e) { return (e as Error).message; } };
    const before = tf.memory().numTensors;
    const bad = bytes(badB64);
    const ok = bytes(okB64);
    const out = {
      unsupported: message(() => port.StyleNetwork.load({ predictor: bad, transformer: ok })),
      truncated: message(() => port.loadTfliteGraph(ok.subarray(0, Math.floor(ok.length / 2)))),
      notTflite: message(() => port.loadTfliteGraph(new TextEncoder().encode('<html>not a model</html>'))),
      leaked: 0,
      control: 0,
    };
    out.leaked = tf.memory().numTensors - before;
    const g = port.loadTfliteGraph(ok);
    const y = g.execute({ image: tf.zeros([1, 4, 4, 3]) });
    out.control = (await Object.values(y)[0].data())[0]; // sigmoid(0)
    tf.dispose(Object.values(y));
    g.dispose();
    return out;
  }, [unsupported.toString('base64'), supported.toString('base64')]);
  expect(r.unsupported).toBe('Unsupported TFLite operator HARD_SWISH at operator index 0');
  expect(r.truncated).toMatch(/^Malformed TFLite file: \d+ byte\(s\) at offset \d+ lie outside the \d+-byte file \(truncated or corrupt\)$/);
  expect(r.notTflite).toBe('Not a TFLite model: file identifier is "l>no", expected "TFL3"');
  expect(r.leaked).toBe(0);
  expect(r.control).toBeCloseTo(0.5, 6);
});
