/**
 * Fault injection for the Datasets view's file and label input: broken, unusual and hostile files
 * and manifests. Every case is either ingested with its true size / channels / bit depth or listed
 * in the per-file problems with a clear reason, and the rest of the same drop is still ingested.
 */
import { test, expect, type Page } from '@playwright/test';
import { writeTiff } from '../src/core/data/testdata/writeTiff';
import { cmykJpeg, jpeg, png, pngClaimingSize, writeTree } from './faultFiles';

async function openDatasets(page: Page): Promise<void> {
  await page.goto('/');
  await page.getByTestId('nav-datasets').click();
}

/** The "W×H, C ch, B-bit[, P pages]" line of each visible thumbnail's details, by item path. */
async function thumbDetails(page: Page): Promise<Record<string, string>> {
  return page.getByTestId('thumbgrid').evaluate((grid) =>
    Object.fromEntries([...grid.querySelectorAll<HTMLElement>('.thumb')].map((t) => {
      const [path, details] = t.title.split('\n');
      return [path, details];
    })),
  );
}

/** RGBA of a thumbnail at fractional position (fx, fy) of its stored (downscaled) image. */
async function thumbPixel(page: Page, path: string, fx: number, fy: number): Promise<number[]> {
  const thumb = page.getByTestId('thumbgrid').locator('.thumb').filter({ has: page.getByAltText(path, { exact: true }) });
  await expect(thumb.locator('img')).toHaveCount(1);
  return thumb.locator('img').evaluate(async (img: HTMLImageElement, [fx, fy]) => {
    await img.decode();
    const c = new OffscreenCanvas(img.naturalWidth, img.naturalHeight);
    const ctx = c.getContext('2d')!;
    ctx.drawImage(img, 0, 0);
    const x = Math.min(img.naturalWidth - 1, Math.floor(fx * img.naturalWidth));
    const y = Math.min(img.naturalHeight - 1, Math.floor(fy * img.naturalHeight));
    return Array.from(ctx.getImageData(x, y, 1, 1).data);
  }, [fx, fy]);
}

/** Every per-file problem listed for `path`, as [severity, reason]. Opens the list (it starts closed when it holds only warnings). */
async function problems(page: Page, path: string): Promise<string[][]> {
  const list = page.locator('details.file-errors');
  if ((await list.getAttribute('open')) === null) await list.locator('summary').click();
  const rows = page.getByTestId('file-errors').getByRole('row').filter({ has: page.getByRole('cell', { name: path, exact: true }) });
  return rows.evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')).map(([severity, , reason]) => [severity, reason]));
}

async function labelCounts(page: Page, key: string): Promise<Record<string, number>> {
  await page.getByTestId('label-key').selectOption(key);
  const rows = await page.getByTestId('label-counts').getByRole('row').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
  return Object.fromEntries(rows.map(([v, n]) => [v, Number(n)]));
}

test('broken, misnamed and unusual image files are each ingested with their true format or refused with a reason', async ({ page }) => {
  test.setTimeout(600_000);
  const rgb = png(24, 20, 3, (x, y, c) => [x * 10, y * 12, 90][c]);
  const tiff16 = writeTiff([{ width: 40, height: 30, samplesPerPixel: 1, data: Uint16Array.from({ length: 1200 }, (_, i) => 1000 + (i % 40) * 500) }]);
  const floatData = Float32Array.from({ length: 32 * 16 }, (_, i) => (i % 32) / 31);
  floatData[5] = NaN; // masked pixels in float maps are often NaN
  floatData[40] = NaN;
  const jpegBytes = jpeg(32, 24, (x) => [x * 8, 128, 255 - x * 8]);
  const tiffBytes = Buffer.from(tiff16);
  const dir = writeTree('faults', {
    'ok/rgb.png': rgb,
    'ok/one.png': png(1, 1, 3, () => 200),
    // Left half fully transparent, right half opaque green.
    'ok/rgba.png': png(16, 16, 4, (x, _y, c) => (c === 3 ? (x < 8 ? 0 : 255) : c === 1 ? 255 : 0)),
    'ok/gray.png': png(10, 8, 1, (x) => x * 25),
    'ok/gray16.png': png(10, 8, 1, (x) => x * 6000, 16),
    'ok/photo.jpg': rgb, // PNG bytes behind a .jpg name: decoded by content
    'ok/real.jpg': jpegBytes,
    'ok/cmyk.jpg': cmykJpeg(24, 16, [255, 0, 0, 255]), // stored inverted: no cyan, full magenta + yellow, no black = red
    'ok/scan16.tif': tiffBytes,
    'ok/float32.tif': Buffer.from(writeTiff([{ width: 32, height: 16, samplesPerPixel: 1, data: floatData }])),
    'ok/stack.tif': Buffer.from(writeTiff([0, 1, 2].map((p) => ({ width: 20, height: 10, samplesPerPixel: 1, data: new Uint8Array(200).fill(50 + p * 80) })))),
    // 8000×8000 = 64 MP, below the 400 MP limit; horizontal steps so the thumbnail shows a gradient.
    'ok/big.png': png(8000, 8000, 1, (x) => x >> 5),
    'bad/empty.png': Buffer.alloc(0),
    'bad/cut.jpg': jpegBytes.subarray(0, Math.floor(jpegBytes.length / 2)),
    'bad/cut.png': rgb.subarray(0, rgb.length - 30),
    'bad/cut.tif': tiffBytes.subarray(0, Math.floor(tiffBytes.length * 0.6)),
    'bad/notes.png': 'this is a text file, not an image\n',
    'bad/bomb.png': pngClaimingSize(30000, 30000),
  });
  await openDatasets(page);
  await page.getByTestId('folder-input').setInputFiles(dir);
  await expect(page.getByTestId('item-count')).toHaveText('12', { timeout: 480_000 });
  await expect(page.getByTestId('error-count')).toHaveText('6');

  // Refused files, each with its reason.
  expect(await problems(page, 'faults/bad/empty.png')).toEqual([['error', 'empty file (0 bytes)']]);
  expect(await problems(page, 'faults/bad/cut.jpg')).toEqual([['error', 'JPEG is truncated: no end-of-image (FFD9) marker']]);
  expect(await problems(page, 'faults/bad/cut.png')).toEqual([['error', 'PNG is truncated or corrupt: no IEND chunk at the end of the file']]);
  const ifdAt = tiffBytes.readUInt32LE(4);
  expect(await problems(page, 'faults/bad/cut.tif')).toEqual([['error', `TIFF is truncated or corrupt: its first image directory starts at byte ${ifdAt} but the file has ${Math.floor(tiffBytes.length * 0.6)} bytes`]]);
  expect(await problems(page, 'faults/bad/notes.png')).toEqual([['error', 'not an image: content is not PNG, JPEG, WebP, BMP, GIF or TIFF']]);
  expect(await problems(page, 'faults/bad/bomb.png')).toEqual([['error', 'image is too large (30000×30000 pixels)']]);
  // The misnamed PNG is ingested, with a warning (not an error) about its extension.
  expect(await problems(page, 'faults/ok/photo.jpg')).toEqual([['warning', 'content is PNG but extension is .jpg']]);

  // Ingested files report their true size, channels, bit depth and pages.
  const details = await thumbDetails(page);
  expect(details).toEqual({
    'faults/ok/rgb.png': '24×20, 3 ch, 8-bit',
    'faults/ok/one.png': '1×1, 3 ch, 8-bit',
    'faults/ok/rgba.png': '16×16, 4 ch, 8-bit',
    'faults/ok/gray.png': '10×8, 1 ch, 8-bit',
    'faults/ok/gray16.png': '10×8, 1 ch, 16-bit',
    'faults/ok/photo.jpg': '24×20, 3 ch, 8-bit',
    'faults/ok/real.jpg': '32×24, 3 ch, 8-bit',
    'faults/ok/cmyk.jpg': '24×16, 3 ch, 8-bit', // CMYK is converted to RGB on decode: no alpha channel
    'faults/ok/scan16.tif': '40×30, 1 ch, 16-bit',
    'faults/ok/float32.tif': '32×16, 1 ch, 32-bit',
    'faults/ok/stack.tif': '20×10, 1 ch, 8-bit, 3 pages',
    'faults/ok/big.png': '8000×8000, 1 ch, 8-bit',
  });

  // Thumbnails hold the decoded pixels: CMYK as red, alpha kept, float and 8000² gradients visible.
  const [r, g, b] = await thumbPixel(page, 'faults/ok/cmyk.jpg', 0.5, 0.5);
  expect(r).toBeGreaterThan(230);
  expect(g).toBeLessThan(25);
  expect(b).toBeLessThan(25);
  expect((await thumbPixel(page, 'faults/ok/rgba.png', 0.1, 0.5))[3]).toBeLessThan(10);
  const opaque = await thumbPixel(page, 'faults/ok/rgba.png', 0.9, 0.5);
  expect(opaque[3]).toBeGreaterThan(245);
  expect(opaque[1]).toBeGreaterThan(230);
  expect((await thumbPixel(page, 'faults/ok/float32.tif', 0.95, 0.5))[0] - (await thumbPixel(page, 'faults/ok/float32.tif', 0.05, 0.5))[0]).toBeGreaterThan(180);
  const bigLeft = (await thumbPixel(page, 'faults/ok/big.png', 0.05, 0.5))[0];
  const bigRight = (await thumbPixel(page, 'faults/ok/big.png', 0.95, 0.5))[0];
  expect(bigLeft).toBeLessThan(30);
  expect(bigRight).toBeGreaterThan(220);
  expect(await thumbPixel(page, 'faults/ok/one.png', 0, 0)).toEqual([200, 200, 200, 255].map((v) => expect.closeTo(v, -1)));

  // The tab survived the 64 MP decode: it still navigates.
  await page.getByTestId('nav-jobs').click();
  await expect(page.getByTestId('job-ingest')).toHaveAttribute('data-status', 'done');
});

test('unicode, spaces, "../" segments, duplicate names and empty folders keep paths distinct and inside the dataset', async ({ page }) => {
  const img = (v: number) => png(6, 6, 3, () => v);
  const nfd = 'cafe\u0301.png'; // macOS writes decomposed names
  const dir = writeTree('names', {
    'Zellen Ü/Zelle 1 – α 日本.png': img(10),
    [`Zellen Ü/${nfd}`]: img(20),
    'a/same.png': img(30),
    'b/same.png': img(40),
    'empty/': '',
    'deep/empty2/': '',
  });
  await openDatasets(page);
  await page.getByTestId('folder-input').setInputFiles(dir);
  await expect(page.getByTestId('item-count')).toHaveText('4');
  await expect(page.getByTestId('error-count')).toHaveText('0');
  // Duplicate names in different folders are both kept under their own paths; names are NFC.
  expect(Object.keys(await thumbDetails(page)).sort()).toEqual(['names/Zellen Ü/Zelle 1 – α 日本.png', 'names/Zellen Ü/café.png', 'names/a/same.png', 'names/b/same.png'].map((p) => p.normalize('NFC')).sort());
  expect(await labelCounts(page, 'class')).toEqual({ 'Zellen Ü': 2, a: 1, b: 1 }); // empty folders add no class

  // A drop holding only empty folders is refused with a message, and the shown dataset stays.
  await page.getByTestId('folder-input').setInputFiles(writeTree('only-empty', { 'x/': '', 'y/z/': '' }));
  await expect(page.getByText('Nothing to ingest: the drop contained no files (empty folder?).')).toBeVisible();
  await expect(page.getByTestId('item-count')).toHaveText('4');

  // File names carrying '..' segments (a crafted drop) are resolved inside the dataset root.
  await page.getByTestId('files-input').setInputFiles([
    { name: '../../evil.png', mimeType: 'image/png', buffer: img(50) },
    { name: 'x/../../y/escape.png', mimeType: 'image/png', buffer: img(60) },
    { name: '..\\..\\win.png', mimeType: 'image/png', buffer: img(70) },
    { name: 'y/ok.png', mimeType: 'image/png', buffer: img(80) },
    { name: 'z/../y/ok.png', mimeType: 'image/png', buffer: img(90) }, // resolves onto the file before it
  ]);
  await expect(page.getByTestId('item-count')).toHaveText('4');
  await expect(page.getByTestId('error-count')).toHaveText('1');
  await expect(page.getByTestId('dataset-select').locator('option:checked')).not.toContainText('..');
  const paths = Object.keys(await thumbDetails(page)).sort();
  expect(paths).toEqual(['evil.png', 'win.png', 'y/escape.png', 'y/ok.png']);
  expect(await problems(page, 'evil.png')).toEqual([
    ['warning', "name '../../evil.png' has '..' segments; stored as 'evil.png' inside the dropped folder"],
    ['warning', "labels: path 'evil.png' has 0 folder levels but template 'class' needs 1"],
  ]);
  expect(await problems(page, 'y/escape.png')).toEqual([['warning', "name 'x/../../y/escape.png' has '..' segments; stored as 'y/escape.png' inside the dropped folder"]]);
  expect(await problems(page, 'win.png')).toEqual([
    ['warning', "name '../../win.png' has '..' segments; stored as 'win.png' inside the dropped folder"],
    ['warning', "labels: path 'win.png' has 0 folder levels but template 'class' needs 1"],
  ]);
  expect(await problems(page, 'y/ok.png')).toEqual([['error', "another file of this drop has the same path 'y/ok.png' after resolving '..' segments; skipped"]]);
  expect(await labelCounts(page, 'class')).toEqual({ y: 2 }); // no '..' class; loose files get no class
});

test('a folder of 10,000 small images is ingested completely while the app stays usable', async ({ page }) => {
  test.setTimeout(900_000);
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < 10_000; i++) files[`${i % 2 ? 'class_b' : 'class_a'}/${String(i).padStart(5, '0')}.png`] = png(8, 8, 3, (x, y, c) => (i * 7 + x * 31 + y * 17 + c * 50) & 0xff);
  const dir = writeTree('many', files);
  await openDatasets(page);
  await page.getByTestId('folder-input').setInputFiles(dir);
  await expect(page.getByTestId('ingest-progress')).toBeVisible({ timeout: 120_000 });
  // Navigate while the ingest job runs: the views switch and the job is listed as running.
  await page.getByTestId('nav-jobs').click();
  await expect(page.getByTestId('view-jobs')).toBeVisible();
  await expect(page.getByTestId('job-ingest')).toHaveAttribute('data-status', 'running');
  await page.getByTestId('nav-detection').click();
  await expect(page.getByTestId('view-detection')).toBeVisible();
  await page.getByTestId('nav-datasets').click();
  await expect(page.getByTestId('view-datasets')).toBeVisible();
  await expect(page.getByTestId('item-count')).toHaveText('10000', { timeout: 780_000 });
  await expect(page.getByTestId('error-count')).toHaveText('0');
  expect(await labelCounts(page, 'class')).toEqual({ class_a: 5000, class_b: 5000 });
  // The virtualised grid scrolls to the last row and shows thumbnails there.
  await page.getByTestId('thumbgrid').evaluate((el) => el.scrollTo(0, el.scrollHeight));
  await expect(page.getByTestId('thumbgrid').locator('img').last()).toBeVisible();
  // The job itself finished (not interrupted) and counted every file.
  await page.getByTestId('nav-jobs').click();
  const job = page.getByTestId('job-ingest');
  await expect(job).toHaveAttribute('data-status', 'done');
  await expect(job).toContainText('"itemCount":10000,"errorCount":0');
});

test('manifest faults and a folder layout that does not fit the template are reported per row and file; the rest is labelled', async ({ page }) => {
  const img = (v: number) => png(6, 6, 3, () => v);
  const nfd = 'cafe\u0301.png';
  const labelled = writeTree('labelled', {
    'cat/c1.png': img(1), 'cat/c2.png': img(2), 'cat/c3.png': img(3), [`cat/${nfd}`]: img(4), 'cat/same.png': img(5),
    'dog/d1.png': img(6), 'dog/d2.png': img(7), 'dog/same.png': img(8),
  });
  await openDatasets(page);
  await page.getByTestId('folder-input').setInputFiles(labelled);
  await expect(page.getByTestId('item-count')).toHaveText('8');
  expect(await labelCounts(page, 'class')).toEqual({ cat: 5, dog: 3 });

  // UTF-8 BOM, ';' separators, a short row, a duplicate row, an unknown file, an ambiguous name, an NFC name.
  const csv = '\uFEFFpath;stain;plate\n'
    + 'labelled/cat/c1.png;DAPI;P1\n'
    + 'cat/c2.png;GFP;P1\n'
    + 'c3.png;DAPI\n'
    + 'dog/d1.png;GFP;P2\n'
    + 'dog/d1.png;DAPI;P2\n'
    + 'ghost.png;GFP;P3\n'
    + 'same.png;GFP;P9\n'
    + 'cat/café.png;GFP;P1\n';
  await page.getByTestId('manifest-input').setInputFiles({ name: 'labels.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
  const report = page.getByTestId('manifest-report');
  await expect(report).toContainText('labels.csv: labelled 5 of 8 files.');
  await expect(report).toContainText('labels.csv line 4: row has 2 cells but the header has 3 columns');
  await expect(report).toContainText("labels.csv line 4: missing value for 'plate' (path 'c3.png')");
  await expect(report).toContainText("labels.csv line 6: duplicate path 'dog/d1.png' (first on line 5); kept line 5");
  await expect(report).toContainText('1 manifest rows match no file: ghost.png');
  await expect(report).toContainText("manifest row 'same.png' fits 2 files (labelled/cat/same.png, labelled/dog/same.png)");
  await expect(report).toContainText('3 files have no manifest row.');
  expect(await labelCounts(page, 'stain')).toEqual({ DAPI: 2, GFP: 3 });
  expect(await labelCounts(page, 'plate')).toEqual({ P1: 3, P2: 1 });
  expect(await labelCounts(page, 'class')).toEqual({ cat: 5, dog: 3 }); // folder labels untouched

  // A manifest without a path column changes nothing and says which columns it found.
  await page.getByTestId('manifest-input').setInputFiles({ name: 'nopath.csv', mimeType: 'text/csv', buffer: Buffer.from('sample,stain\nc1,Hoechst\n') });
  await expect(report).toContainText("nopath.csv line 1: no path column (expected one of path, filepath, file_path, relative_path, relpath, file, filename, file_name, … or FileName_*); columns found: 'sample', 'stain'");
  expect(await labelCounts(page, 'stain')).toEqual({ DAPI: 2, GFP: 3 });

  // domain/class layout with a file missing its domain folder and a loose file at the top.
  const layout = writeTree('layout', {
    'photo/dog/a.png': img(1), 'photo/cat/b.png': img(2), 'art/dog/c.png': img(3),
    'dog/d.png': img(4), 'e.png': img(5),
  });
  await page.getByTestId('template').selectOption('domain/class');
  await page.getByTestId('folder-input').setInputFiles(layout);
  await expect(page.getByTestId('item-count')).toHaveText('5');
  await expect(page.getByTestId('error-count')).toHaveText('0');
  expect(await problems(page, 'layout/dog/d.png')).toEqual([['warning', "labels: path 'layout/dog/d.png' has 1 folder level below the dropped folder 'layout' but template 'domain/class' needs 2"]]);
  expect(await problems(page, 'layout/e.png')).toEqual([['warning', "labels: path 'layout/e.png' has 0 folder levels below the dropped folder 'layout' but template 'domain/class' needs 2"]]);
  expect(await labelCounts(page, 'domain')).toEqual({ photo: 2, art: 1 }); // the dropped folder never becomes a domain
  expect(await labelCounts(page, 'class')).toEqual({ dog: 2, cat: 1 });
  // Re-labelled with 'class', only the loose file lacks a class folder.
  await page.getByTestId('template').selectOption('class');
  await page.getByRole('button', { name: 'Re-label with template' }).click();
  await expect(report).toHaveText("layout/e.png: labels: path 'layout/e.png' has 0 folder levels below the dropped folder 'layout' but template 'class' needs 1");
  expect(await labelCounts(page, 'class')).toEqual({ dog: 3, cat: 1 });
});
