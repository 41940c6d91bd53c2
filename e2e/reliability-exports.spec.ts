/**
 * Fault injection for exports and the network: zip exports whose entry names come from user data
 * (an imported checkpoint with traversal and absolute paths) are written with safe names; CSV
 * exports of user labels that look like spreadsheet formulas are neutralised; and a whole session
 * (ingest, train, export) makes no request beyond the app's own origin, and with official model
 * URLs selected, none beyond the URLs listed in models/registry.json.
 */
import { test, expect, type Page, type Request } from '@playwright/test';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import Papa from 'papaparse';
import { encodePng, mixedFolder, writeFiles } from './fixtures';
import { REGISTRY, SHIPPED_DETECTOR, watchForPlantedCode } from './probes';

const REGISTRY_URLS = new Set(REGISTRY.models.flatMap((m) => m.files.flatMap((f) => f.urls)));

/** Click, wait for the download it starts, and read the file. */
async function download(page: Page, click: () => Promise<unknown>): Promise<{ name: string; bytes: Buffer }> {
  const [d] = await Promise.all([page.waitForEvent('download'), click()]);
  return { name: d.suggestedFilename(), bytes: readFileSync((await d.path())!) };
}

/**
 * The shipped detector checkpoint re-zipped the way a hostile or careless tool might: traversal
 * and absolute entry names, a script and a web page beside the model, script-looking metadata.
 */
function hostileCheckpoint(): { path: string; weights: Uint8Array; metadataNote: string } {
  const shipped = unzipSync(readFileSync(SHIPPED_DETECTOR));
  const json = JSON.parse(strFromU8(shipped['model.json'])) as { userDefinedMetadata?: Record<string, unknown> };
  const metadataNote = '<img src=x onerror="fetch(\'/pwned-metadata\')">';
  json.userDefinedMetadata = { ...json.userDefinedMetadata, note: metadataNote };
  const dir = mkdtempSync(join(tmpdir(), 'hostile-'));
  const path = join(dir, 'hostile-checkpoint.zip');
  writeFileSync(path, zipSync({
    '../../model.json': strToU8(JSON.stringify(json)),
    '/weights.bin': shipped['weights.bin'],
    'C:\\Users\\Public\\run.js': strToU8("fetch('/pwned-js')"),
    '../../../../tmp/index.html': strToU8("<script>fetch('/pwned-html')</script>"),
  }));
  return { path, weights: shipped['weights.bin'], metadataNote };
}

function expectSafeEntries(bytes: Buffer, weights: Uint8Array) {
  const entries = unzipSync(new Uint8Array(bytes));
  expect(Object.keys(entries).sort()).toEqual(['model.json', 'weights.bin']);
  for (const name of Object.keys(entries)) expect(name).not.toMatch(/(^|[\\/])\.\.([\\/]|$)|^[\\/]|^[A-Za-z]:/);
  expect(Buffer.from(entries['weights.bin']).equals(Buffer.from(weights))).toBe(true);
  return JSON.parse(strFromU8(entries['model.json'])) as { userDefinedMetadata?: Record<string, unknown> };
}

test('an imported checkpoint with traversal and absolute entry names exports with safe names; its scripts are dropped, never run', async ({ page }) => {
  const planted = watchForPlantedCode(page);
  const ckpt = hostileCheckpoint();
  await page.goto('/');
  await expect(page.getByTestId('backend')).not.toBeEmpty();
  await page.getByTestId('nav-jobs').click();
  await page.getByTestId('checkpoints').locator('input[type="file"]').setInputFiles(ckpt.path);
  const row = page.getByTestId('checkpoints').locator('tr', { hasText: 'hostile-checkpoint' });
  await expect(row).toContainText('detection');
  const exported = await download(page, () => row.getByRole('button', { name: 'Export (zip)' }).click());
  expect(exported.name).toBe('hostile-checkpoint.zip');
  const json = expectSafeEntries(exported.bytes, ckpt.weights);
  expect(json.userDefinedMetadata?.note).toBe(ckpt.metadataNote); // kept as data
  expect(planted).toEqual([]);
  expect(await page.evaluate(() => document.querySelectorAll('img[src="x"]').length)).toBe(0);
});

test('the detection panel exports a checkpoint it loaded from a hostile zip with safe entry names', async ({ page }) => {
  const planted = watchForPlantedCode(page);
  const ckpt = hostileCheckpoint();
  await page.goto('/');
  await expect(page.getByTestId('backend')).not.toBeEmpty();
  await page.getByTestId('nav-detection').click();
  await expect(page.getByTestId('model-info')).toBeVisible({ timeout: 60_000 });
  await page.getByTestId('view-detection').locator('input[type="file"][accept=".zip"]').setInputFiles(ckpt.path);
  await expect(page.getByTestId('model-picker')).toHaveValue('hostile-checkpoint.zip');
  await expect(page.getByTestId('model-info')).toContainText('small detector');
  const exported = await download(page, () => page.getByRole('button', { name: 'Export checkpoint (zip)' }).click());
  expectSafeEntries(exported.bytes, ckpt.weights);
  expect(planted).toEqual([]);
});

test('CSV exports neutralise labels that start like spreadsheet formulas; JSON keeps them as they are', async ({ page }) => {
  const png = (seed: number) => encodePng(12, 10, (x, y) => [(x * 20 + seed * 40) % 256, (y * 25) % 256, (seed * 60) % 256]);
  const labels = ['=SUM(A1:A9)', '+1', '-5', '@cmd', '=HYPERLINK("x.test","y")', 'cells'];
  const dir = writeFiles(Object.fromEntries(labels.map((l, i) => [`${l}/img${i}.png`, png(i)])));
  await page.goto('/');
  await page.getByTestId('nav-datasets').click();
  await page.getByTestId('folder-input').setInputFiles(dir);
  await expect(page.getByTestId('item-count')).toHaveText(String(labels.length));
  const plot = page.locator('[data-testid^="plot-label-counts"]').first();
  await expect(plot.locator('.main-svg').first()).toBeVisible();
  const csv = await download(page, () => plot.getByRole('button', { name: 'CSV', exact: true }).click());
  const rows = Papa.parse<string[]>(csv.bytes.toString('utf8'), { skipEmptyLines: true }).data;
  expect(rows[0][1]).toBe('count');
  const cells = rows.slice(1).map((r) => r[0]).sort();
  expect(cells).toEqual([`'+1`, `'-5`, `'=HYPERLINK("x.test","y")`, `'=SUM(A1:A9)`, `'@cmd`, 'cells'].sort());
  for (const c of cells) expect(c).not.toMatch(/^[=+\-@\t\r]/);
  const json = await download(page, () => plot.getByRole('button', { name: 'JSON', exact: true }).click());
  const objects = JSON.parse(json.bytes.toString('utf8')) as Record<string, string | number>[];
  expect(objects.map((o) => o[rows[0][0]]).sort()).toEqual([...labels].sort());
});

/** Every request of the context (pages and their workers), and the URLs that left the app's origin. */
function recordRequests(page: Page, origin: string) {
  const all: string[] = [];
  page.context().on('request', (r: Request) => all.push(r.url()));
  const outside = () => [...new Set(all.filter((u) => !u.startsWith('blob:') && !u.startsWith('data:') && new URL(u).origin !== origin))];
  return { all, outside };
}

test('a whole session (ingest, train, export) stays on the app origin; official model URLs are the only outside requests', async ({ page, context, baseURL }) => {
  test.setTimeout(420_000);
  const origin = new URL(baseURL!).origin;
  // Nothing here may reach the internet: outside requests are recorded, then refused.
  await context.route((u) => u.origin !== origin, (route) => route.abort('blockedbyclient'));
  const requests = recordRequests(page, origin);

  await page.goto('/');
  await expect(page.getByTestId('backend')).not.toBeEmpty();
  // Ingest a folder.
  await page.getByTestId('nav-datasets').click();
  await page.getByTestId('folder-input').setInputFiles(mixedFolder());
  await expect(page.getByTestId('item-count')).toHaveText('6');
  const plot = page.locator('[data-testid^="plot-label-counts"]').first();
  await expect(plot.locator('.main-svg').first()).toBeVisible();
  await download(page, () => plot.getByRole('button', { name: 'CSV', exact: true }).click());
  // Train the detector for a few steps in a worker, use the checkpoint, export it.
  await page.getByTestId('nav-detection').click();
  await expect(page.getByTestId('model-info')).toBeVisible({ timeout: 60_000 });
  await page.getByTestId('train-max-steps').fill('3');
  await page.getByTestId('train-val-images').fill('2');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', 'done', { timeout: 240_000 });
  await page.getByTestId('use-checkpoint').click();
  await expect(page.getByTestId('model-info')).toContainText('step 3');
  const zip = await download(page, () => page.getByRole('button', { name: 'Export checkpoint (zip)' }).click());
  expect(Object.keys(unzipSync(new Uint8Array(zip.bytes))).sort()).toEqual(['model.json', 'weights.bin']);
  // Every other view, opened once (the style panel loads its networks from the dev base URL).
  for (const id of ['style', 'phenotype', 'camera', 'jobs', 'models']) {
    await page.getByTestId(`nav-${id}`).click();
    await expect(page.getByTestId(`view-${id}`)).toBeVisible();
  }
  await page.getByTestId('nav-style').click();
  await expect(page.getByTestId('style-service').or(page.getByTestId('style-service-error'))).toBeVisible({ timeout: 120_000 });

  expect(requests.all.some((u) => u.includes('worker'))).toBe(true); // the recorder sees worker scripts
  expect(requests.outside()).toEqual([]);

  // With official URLs chosen, a model download and the style worker ask only for registry URLs.
  await page.getByTestId('nav-models').click();
  await page.getByRole('radio', { name: /Official URLs/ }).check();
  await page.getByTestId('model-magenta-style-transfer-int8').getByRole('button', { name: 'Download & verify' }).click();
  await expect(page.getByTestId('model-status-magenta-style-transfer-int8')).toContainText('failed:');
  // Drop the verified files cached from the base URL above (a cache hit needs no request), reload.
  await page.evaluate(() => caches.delete('workbench-models'));
  await page.reload();
  await page.getByTestId('nav-models').click();
  await expect(page.getByRole('radio', { name: /Official URLs/ })).toBeChecked();
  await page.getByTestId('nav-style').click();
  await expect(page.getByTestId('style-service-error')).toBeVisible({ timeout: 120_000 });
  const outside = requests.outside();
  const predictorUrls = REGISTRY.models.find((m) => m.id === 'magenta-style-predict-int8')!.files[0].urls;
  expect(outside).toEqual(expect.arrayContaining([...REGISTRY.models.find((m) => m.id === 'magenta-style-transfer-int8')!.files[0].urls, predictorUrls[0]]));
  expect(outside.filter((u) => !REGISTRY_URLS.has(u))).toEqual([]);
});
