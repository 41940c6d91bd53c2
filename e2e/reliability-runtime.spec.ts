/**
 * Fault injection for the runtime and storage: no WebGPU, a GPU device lost mid-training, a reload
 * during a job, cancel, two jobs at once, and full storage. Training runs use the smallest settings
 * (a few steps, two validation images) because WebGPU here is SwiftShader, emulated on the CPU.
 */
import { test, expect, type CDPSession, type Page } from '@playwright/test';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { encodePng, writeFiles } from './fixtures';

const shippedCheckpoint = resolve(import.meta.dirname, '../models/detector-small/detector-small.zip');
const sharedModels = resolve(import.meta.dirname, '../../shared/models');

type Workbench = { destroyJobGpuDevice: (id?: string) => Promise<number> };

interface TrainSettings {
  maxSteps: number;
  evalEvery: number;
  seed: number;
  backend?: 'webgpu' | 'cpu';
}

async function openDetection(page: Page): Promise<void> {
  await page.goto('/');
  await expect(page.getByTestId('backend')).toHaveText('webgpu');
  await page.getByTestId('nav-detection').click();
  await expect(page.getByTestId('detection-training')).toBeVisible({ timeout: 60_000 });
}

/** Fill the training form with a tiny run: one epoch, two validation images. */
async function configureTraining(page: Page, s: TrainSettings): Promise<void> {
  const t = page.getByTestId('detection-training');
  await t.getByTestId('train-epochs').fill('1');
  await t.getByTestId('train-max-steps').fill(String(s.maxSteps));
  await t.getByTestId('train-eval-every').fill(String(s.evalEvery));
  await t.getByTestId('train-val-images').fill('2');
  await t.getByTestId('train-seed').fill(String(s.seed));
  if (s.backend) await t.getByTestId('train-backend').selectOption(s.backend);
}

/** Steps listed in the validation table (one row per evaluation, i.e. per saved checkpoint). */
async function evalSteps(page: Page): Promise<number[]> {
  return (await page.getByTestId('detection-training').getByTestId('eval-table').locator('tbody tr td:first-child').allTextContents()).map(Number);
}

test.describe('WebGPU unavailable', () => {
  const cases: { name: string; reason: RegExp; script: () => void }[] = [
    {
      name: 'navigator.gpu is missing',
      reason: /webgpu: navigator\.gpu is missing/,
      script: () => Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true }),
    },
    {
      name: 'requestAdapter() returns null',
      reason: /webgpu: navigator\.gpu\.requestAdapter\(\) returned no adapter/,
      script: () => {
        GPU.prototype.requestAdapter = async () => null;
      },
    },
  ];
  for (const c of cases) {
    test(`the app falls back and says which backend it runs on (${c.name})`, async ({ page }) => {
      await page.addInitScript(c.script);
      await page.goto('/');
      const backend = page.getByTestId('backend');
      await expect(backend).not.toHaveText(/starting|none/);
      const name = (await backend.textContent())!;
      expect(['webgl', 'cpu']).toContain(name);
      const notice = page.getByTestId('fallback-notice');
      await expect(notice).toContainText(`Running on ${name} instead of webgpu`);
      await expect(notice).toContainText(c.reason);
      await expect(page.getByTestId('adapter')).toContainText('n/a');
      // The fallback backend computes.
      const sum = await page.evaluate(async () => {
        const tf = (window as unknown as { __tf: typeof import('@tensorflow/tfjs') }).__tf;
        const s = tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4]));
        const v = { backend: tf.getBackend(), values: Array.from(await s.data()) };
        s.dispose();
        return v;
      });
      expect(sum).toEqual({ backend: name, values: [4, 6] });
    });
  }
});

test('the training worker loses its GPU device: the job stops with a clear message and resumes from its last checkpoint', async ({ page }) => {
  test.setTimeout(600_000);
  await openDetection(page);
  const t = page.getByTestId('detection-training');
  await configureTraining(page, { maxSteps: 8, evalEvery: 1, seed: 4242, backend: 'webgpu' });
  await t.getByTestId('train-start').click();
  await expect(t.getByTestId('train-job-backend')).toHaveText('webgpu', { timeout: 120_000 });
  // Once a checkpoint is saved, destroy the device of the worker that trains.
  await expect(t.getByTestId('use-checkpoint')).toBeVisible({ timeout: 300_000 });
  const destroyed = await page.evaluate(() => (window as unknown as { __workbench: Workbench }).__workbench.destroyJobGpuDevice());
  expect(destroyed).toBe(1);
  const status = t.getByTestId('train-status');
  await expect(status).toHaveAttribute('data-status', 'error', { timeout: 60_000 });
  await expect(t.getByTestId('train-message')).toContainText('GPU device lost during the job (destroyed');
  const saved = await evalSteps(page);
  const checkpointStep = saved[saved.length - 1];
  expect(checkpointStep).toBeGreaterThanOrEqual(1);
  expect(checkpointStep).toBeLessThan(8);
  const resume = t.getByTestId('train-resume');
  await expect(resume).toHaveAttribute('data-step', String(checkpointStep));

  await resume.click();
  await expect(status).toHaveAttribute('data-status', 'running');
  await expect(t.getByTestId('train-resumed-from')).toContainText(`step ${checkpointStep}`);
  await expect(t.getByTestId('train-job-backend')).toHaveText('webgpu', { timeout: 120_000 }); // a new worker, a new device
  await expect(status).toHaveAttribute('data-status', 'done', { timeout: 400_000 });
  const summary = t.getByTestId('loss-summary');
  await expect(summary).toHaveAttribute('data-first-step', String(checkpointStep + 1));
  await expect(summary).toHaveAttribute('data-last-step', '8');
  expect((await evalSteps(page)).every((s) => s > checkpointStep)).toBe(true);
});

test('a reload during a job keeps datasets, settings, checkpoints and finished results, and shows the job as interrupted', async ({ page }) => {
  test.setTimeout(480_000);
  await page.goto('/');
  await expect(page.getByTestId('backend')).toHaveText('webgpu');
  // A dataset.
  await page.getByTestId('nav-datasets').click();
  await page.getByTestId('folder-input').setInputFiles(writeFiles({
    'a/one.png': encodePng(12, 10, (x) => [x * 20, 0, 0]),
    'a/two.png': encodePng(12, 10, (_x, y) => [0, y * 20, 0]),
    'b/three.png': encodePng(12, 10, () => [0, 0, 200]),
  }));
  await expect(page.getByTestId('item-count')).toHaveText('3');
  // A setting.
  await page.getByTestId('nav-models').click();
  await page.getByTestId('model-base-url').fill('/my-model-folder');
  // A finished training run (its checkpoint and its result).
  await page.getByTestId('nav-detection').click();
  const t = page.getByTestId('detection-training');
  await configureTraining(page, { maxSteps: 2, evalEvery: 1, seed: 501 });
  await t.getByTestId('train-start').click();
  await expect(t.getByTestId('train-status')).toHaveAttribute('data-status', 'done', { timeout: 200_000 });
  // A second run, paused after its first checkpoint so the reload lands while it runs.
  await configureTraining(page, { maxSteps: 12, evalEvery: 1, seed: 502 });
  await t.getByTestId('train-start').click();
  await expect(t.getByTestId('train-status')).toHaveAttribute('data-status', 'running');
  await expect(t.getByTestId('use-checkpoint')).toBeVisible({ timeout: 200_000 });
  await t.getByRole('button', { name: 'Pause' }).click();
  await expect(t.getByTestId('train-status')).toContainText('(paused)');
  await page.reload();

  await expect(page.getByTestId('backend')).toHaveText('webgpu');
  await page.getByTestId('nav-datasets').click();
  await expect(page.getByTestId('item-count')).toHaveText('3');
  await expect(page.getByTestId('dataset-select').locator('option')).toHaveText(['—', /cells-folder \(3 images\)/]);
  await page.getByTestId('nav-models').click();
  await expect(page.getByTestId('model-base-url')).toHaveValue('/my-model-folder');
  await page.getByTestId('nav-jobs').click();
  const rows = page.getByTestId('job-detection-train');
  await expect(rows).toHaveCount(2);
  const interrupted = rows.filter({ has: page.locator('td', { hasText: /^502$/ }) });
  await expect(interrupted).toHaveAttribute('data-status', 'interrupted');
  await expect(interrupted).toContainText('Interrupted: the page was closed or reloaded while the job ran');
  const finished = rows.filter({ has: page.locator('td', { hasText: /^501$/ }) });
  await expect(finished).toHaveAttribute('data-status', 'done');
  await expect(finished.locator('code.result')).toContainText('"evals"');
  await expect(page.getByTestId('nav-jobs').locator('.badge')).toHaveCount(0);
  const checkpoints = page.getByTestId('checkpoints');
  await expect(checkpoints).toContainText('seed 501, step 2');
  await expect(checkpoints).toContainText(/seed 502, step ([1-9]|1[01])(?!\d)/);

  // The panel shows the interrupted run, and it resumes from its checkpoint to the end.
  await page.getByTestId('nav-detection').click();
  await expect(t.getByTestId('train-status')).toHaveAttribute('data-status', 'interrupted');
  const resume = t.getByTestId('train-resume');
  const step = Number(await resume.getAttribute('data-step'));
  expect(step).toBeGreaterThanOrEqual(1);
  await resume.click();
  await expect(t.getByTestId('train-status')).toHaveAttribute('data-status', 'done', { timeout: 200_000 });
  await expect(t.getByTestId('train-resumed-from')).toContainText(`step ${step}`);
  await expect(t.getByTestId('loss-summary')).toHaveAttribute('data-first-step', String(step + 1));
  await expect(t.getByTestId('loss-summary')).toHaveAttribute('data-last-step', '12');
});

test('cancel mid-training leaves a consistent state: the last complete checkpoint, no result, and the panel starts again', async ({ page }) => {
  test.setTimeout(400_000);
  await openDetection(page);
  const t = page.getByTestId('detection-training');
  await configureTraining(page, { maxSteps: 400, evalEvery: 2, seed: 601 });
  await t.getByTestId('train-start').click();
  await expect(t.getByTestId('use-checkpoint')).toBeVisible({ timeout: 200_000 });
  await t.getByRole('button', { name: 'Cancel' }).click();
  await expect(t.getByTestId('train-status')).toHaveAttribute('data-status', 'cancelled', { timeout: 60_000 });
  const steps = await evalSteps(page);
  const last = steps[steps.length - 1];
  expect(last).toBeLessThan(400);
  // The checkpoint kept is the one of the last evaluation shown, and it loads whole.
  await t.getByTestId('use-checkpoint').click();
  await expect(page.getByTestId('model-info')).toContainText(`seed 601, step ${last}`);
  await expect(t.getByTestId('train-resume')).toHaveAttribute('data-step', String(last));

  await page.getByTestId('nav-jobs').click();
  const row = page.getByTestId('job-detection-train');
  await expect(row).toHaveCount(1);
  await expect(row).toHaveAttribute('data-status', 'cancelled');
  await expect(row.locator('code.result')).toHaveCount(0);
  const listed = page.getByTestId('checkpoints').locator('tr', { hasText: 'seed 601' });
  await expect(listed).toHaveCount(1);
  await expect(listed).toContainText(`seed 601, step ${last}`);

  // The panel starts a new run, which finishes.
  await page.getByTestId('nav-detection').click();
  await configureTraining(page, { maxSteps: 2, evalEvery: 1, seed: 602 });
  await expect(t.getByTestId('train-start')).toBeEnabled();
  await t.getByTestId('train-start').click();
  await expect(t.getByTestId('train-status')).toHaveAttribute('data-status', 'done', { timeout: 200_000 });
  await expect(t.getByTestId('train-status')).toContainText('seed 602');
  expect(await evalSteps(page)).toEqual([1, 2]);
});

test('two jobs at once: a training run and a dataset generation run side by side and both finish correctly', async ({ page }) => {
  test.setTimeout(400_000);
  await openDetection(page);
  const t = page.getByTestId('detection-training');
  await configureTraining(page, { maxSteps: 6, evalEvery: 3, seed: 701 });
  await t.getByTestId('train-start').click();
  await expect(t.getByTestId('train-status')).toHaveAttribute('data-status', 'running');
  await expect(t.getByTestId('train-start')).toBeDisabled();
  // Hold the training between two steps so it is certainly still running when the second job starts.
  await t.getByRole('button', { name: 'Pause' }).click();
  await page.getByTestId('nav-datasets').click();
  await page.getByTestId('generate-synthetic').click();
  await expect(page.getByTestId('nav-jobs').locator('.badge')).toHaveText('2');
  await expect(page.getByTestId('generate-synthetic')).toBeDisabled();
  await page.getByTestId('nav-jobs').click();
  await expect(page.locator('[data-testid^="job-"][data-status="running"]')).toHaveCount(2);
  await page.getByTestId('nav-detection').click();
  await t.getByRole('button', { name: 'Resume', exact: true }).click();

  await expect(t.getByTestId('train-status')).toHaveAttribute('data-status', 'done', { timeout: 300_000 });
  expect(await evalSteps(page)).toEqual([3, 6]);
  await expect(t.getByTestId('loss-summary')).toHaveAttribute('data-last-step', '6');
  await page.getByTestId('nav-datasets').click();
  await expect(page.getByTestId('item-count')).toHaveText('90', { timeout: 200_000 });
  const counts = page.getByTestId('label-counts');
  for (const shape of ['disc', 'square', 'triangle']) await expect(counts).toContainText(new RegExp(`${shape}\\s*30`));
  await page.getByTestId('nav-jobs').click();
  await expect(page.locator('[data-testid="job-detection-train"][data-status="done"]')).toHaveCount(1);
  await expect(page.locator('[data-testid="job-synthetic-dataset"][data-status="done"]')).toHaveCount(1);
  await expect(page.getByTestId('nav-jobs').locator('.badge')).toHaveCount(0);
});

/** A write to a scratch IndexedDB database of the page's origin: 'ok' or the error's name. */
function probeWrite(): Promise<string> {
  return new Promise((resolve) => {
    const open = indexedDB.open('quota-probe', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('s');
    open.onerror = () => resolve(open.error?.name ?? 'error');
    open.onsuccess = () => {
      const db = open.result;
      const tx = db.transaction('s', 'readwrite');
      tx.objectStore('s').put(new Uint8Array(4096), Date.now());
      tx.oncomplete = () => (db.close(), resolve('ok'));
      tx.onabort = () => (db.close(), resolve(tx.error?.name ?? 'aborted'));
    };
  });
}

/**
 * Make every write of this origin fail with the browser's own QuotaExceededError (in the page and
 * in workers, IndexedDB and Cache Storage alike). The browser caches the space left for a while,
 * so wait until a probe write is refused.
 */
async function fillStorage(page: Page): Promise<{ release: () => Promise<void> }> {
  const origin = new URL(page.url()).origin;
  const cdp: CDPSession = await page.context().newCDPSession(page);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 1 });
  await expect.poll(() => page.evaluate(probeWrite), { timeout: 90_000, intervals: [1000, 2000, 5000] }).toBe('QuotaExceededError');
  return { release: () => cdp.send('Storage.overrideQuotaForOrigin', { origin }).then(() => undefined) };
}

test('full storage: the user is told what could not be saved, and nothing saved before is lost', async ({ page }) => {
  test.setTimeout(400_000);
  await page.goto('/');
  await expect(page.getByTestId('backend')).toHaveText('webgpu');
  // Saved while there is room: a dataset, a setting and a checkpoint.
  await page.getByTestId('nav-datasets').click();
  await page.getByTestId('folder-input').setInputFiles(writeFiles({
    'a/one.png': encodePng(12, 10, (x) => [x * 20, 0, 0]),
    'b/two.png': encodePng(12, 10, () => [0, 0, 200]),
    'b/three.png': encodePng(12, 10, (_x, y) => [0, y * 20, 0]),
  }));
  await expect(page.getByTestId('item-count')).toHaveText('3');
  await page.getByTestId('nav-models').click();
  await page.getByTestId('model-base-url').fill('/before-full');
  await page.getByTestId('nav-jobs').click();
  const checkpointInput = page.getByTestId('checkpoints').locator('input[type="file"]');
  await checkpointInput.setInputFiles(shippedCheckpoint);
  await expect(page.getByTestId('checkpoints')).toContainText('detector-small');

  const storage = await fillStorage(page);
  try {
    // A dataset generated in a worker.
    await page.getByTestId('nav-datasets').click();
    await page.getByTestId('generate-synthetic').click();
    await expect(page.getByTestId('dataset-job-error')).toContainText(
      "Could not finish 'Synthetic shapes (30/class)': Storage is full: could not save 32 images of dataset", { timeout: 120_000 });
    await expect(page.getByTestId('item-count')).toHaveText('3');
    await expect(page.getByTestId('dataset-select').locator('option')).toHaveCount(2); // '—' and the saved dataset
    // A checkpoint import on the page.
    await page.getByTestId('nav-jobs').click();
    await checkpointInput.setInputFiles({ name: 'second.zip', mimeType: 'application/zip', buffer: readFileSync(shippedCheckpoint) });
    await expect(page.getByRole('alert').filter({ hasText: "Could not import second.zip: Storage is full: could not save checkpoint 'second'" })).toBeVisible();
    // A setting.
    await page.getByTestId('nav-models').click();
    await page.getByTestId('model-base-url').fill('/after-full');
    await expect(page.getByRole('alert').filter({ hasText: "Storage is full: could not save setting 'settings'" }).first()).toBeVisible();
    // A training run's checkpoint, saved from its worker.
    await page.getByTestId('nav-detection').click();
    const t = page.getByTestId('detection-training');
    await configureTraining(page, { maxSteps: 2, evalEvery: 1, seed: 801 });
    await t.getByTestId('train-start').click();
    await expect(t.getByTestId('train-status')).toHaveAttribute('data-status', 'error', { timeout: 200_000 });
    await expect(t.getByTestId('train-message')).toContainText("Storage is full: could not save checkpoint 'Detector small, responsibility, seed 801, step 1'");

    // Reload (storage still full): everything saved before is there, nothing half-saved is listed.
    await page.reload();
    await expect(page.getByTestId('backend')).toHaveText('webgpu');
    await page.getByTestId('nav-datasets').click();
    await expect(page.getByTestId('item-count')).toHaveText('3');
    await expect(page.getByTestId('dataset-select').locator('option')).toHaveCount(2);
    await page.getByTestId('nav-models').click();
    await expect(page.getByTestId('model-base-url')).toHaveValue('/before-full');
    await page.getByTestId('nav-jobs').click();
    const rows = page.getByTestId('checkpoints').locator('tbody tr');
    await expect(rows).toHaveCount(1);
    await expect(rows).toContainText('detector-small');
  } finally {
    await storage.release();
  }
});

test('a model whose files cannot be cached (storage full) still loads, and says it was not cached', async ({ page }) => {
  test.skip(!existsSync(resolve(sharedModels, 'tiny-darknet')), `needs ${sharedModels}/tiny-darknet (the shared model files beside the checkout)`);
  await page.goto('/');
  await page.getByTestId('nav-models').click();
  const storage = await fillStorage(page);
  try {
    await page.getByTestId('model-tiny-darknet').getByRole('button', { name: 'Download & verify' }).click();
    const status = page.getByTestId('model-status-tiny-darknet');
    await expect(status).toContainText('verified', { timeout: 120_000 });
    await expect(status).toContainText('not cached (storage is full)');
    const cached = await page.evaluate(async () => (await (await caches.open('workbench-models')).keys()).length);
    expect(cached).toBe(0);
  } finally {
    await storage.release();
  }
});
