import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../../core/data/manifest';
import { auditBias } from './audit';
import { labelValues, twoLabelDataset, type LabelInput } from './labels';

const DRESDEN = '/work/shared/data/camera-dresden';
const haveDresden = existsSync(`${DRESDEN}/labels.csv`);

describe('twoLabelDataset: folders', () => {
  it('reads class/camera from the last two folder levels and lists paths that do not fit', () => {
    const r = twoLabelDataset(
      [{ path: 'drop/mfrA/iPhone/1.png' }, { path: 'mfrB\\Huawei\\2.png' }, { path: 'loose.png' }, { id: 42, path: './mfrA/Vivo/3.png' }],
      { kind: 'folder' },
    );
    expect(r.items).toEqual([
      { id: 0, path: 'drop/mfrA/iPhone/1.png', cls: 'mfrA', camera: 'iPhone' },
      { id: 1, path: 'mfrB/Huawei/2.png', cls: 'mfrB', camera: 'Huawei' },
      { id: 42, path: 'mfrA/Vivo/3.png', cls: 'mfrA', camera: 'Vivo' },
    ]);
    expect(r.problems).toEqual([{ path: 'loose.png', reason: "path 'loose.png' has 0 folder levels but template 'class/camera' needs 2" }]);
  });
});

describe('twoLabelDataset: manifest', () => {
  const csv = ['file,manufacturer,phone,notes', 'a.png,P,iPhone,x', 'b.png,Q,,y', 'c.png,Q,Huawei,', 'ghost.png,P,Redmi,'].join('\n');

  it('takes the chosen columns and reports rows and files that do not match', () => {
    const manifest = parseManifest(csv, 'labels.csv');
    const r = twoLabelDataset([{ path: 'imgs/a.png' }, { path: 'imgs/b.png' }, { path: 'imgs/c.png' }, { path: 'imgs/d.png' }], {
      kind: 'manifest',
      manifest,
      classColumn: 'manufacturer',
      cameraColumn: 'phone',
    });
    expect(r.items).toEqual([
      { id: 0, path: 'imgs/a.png', cls: 'P', camera: 'iPhone' },
      { id: 2, path: 'imgs/c.png', cls: 'Q', camera: 'Huawei' },
    ]);
    expect(r.problems).toEqual([
      { path: 'imgs/b.png', reason: "manifest row has no value for camera column 'phone'" },
      { path: 'imgs/d.png', reason: 'no manifest row for this file' },
      { path: 'ghost.png', reason: 'manifest row matches no image' },
    ]);
  });

  it('explains a column that is not in the manifest', () => {
    const r = twoLabelDataset([{ path: 'a.png' }], { kind: 'manifest', manifest: parseManifest(csv, 'l.csv'), classColumn: 'maker', cameraColumn: 'phone' });
    expect(r.items).toEqual([]);
    expect(r.problems).toEqual([{ path: '', reason: "manifest has no column 'maker' (label columns: manufacturer, phone, notes)" }]);
  });

});

describe.skipIf(!haveDresden)('twoLabelDataset on the Dresden crops (skipped when /work/shared is absent)', () => {
  it('labels the crops by kind × device, and by normalised EXIF make/model columns', () => {
    const files = readdirSync(`${DRESDEN}/crops`).map((f) => `camera-dresden/crops/${f}`);
    const manifest = parseManifest(readFileSync(`${DRESDEN}/labels.csv`, 'utf8'), 'labels.csv');
    const byDevice = twoLabelDataset(files.map((path) => ({ path })), { kind: 'manifest', manifest, classColumn: 'kind', cameraColumn: 'device' });
    expect(byDevice.problems).toEqual([]);
    expect(byDevice.items).toHaveLength(76);
    expect(labelValues(byDevice.items)).toEqual({
      classes: ['flat', 'natural'],
      cameras: ['Nikon_D70_0', 'Nikon_D70_1', 'Nikon_D70s_0', 'Nikon_D70s_1', 'Nikon_D200_0', 'Nikon_D200_1'],
    });
    const byModel = twoLabelDataset(files.map((path) => ({ path })), { kind: 'manifest', manifest, classColumn: 'kind', cameraColumn: ['exif_make', 'exif_model'] });
    expect(labelValues(byModel.items).cameras).toEqual(['Nikon D70', 'Nikon D70s', 'Nikon D200']);
    // Every device has both kinds, but flat-field shots dominate (10 each vs 1–5 natural).
    const audit = auditBias(byDevice.items);
    expect(audit.pureCameras).toEqual([]);
    expect(audit.cheatAccuracy).toBeCloseTo(60 / 76, 12);
    expect(audit.majorityAccuracy).toBeCloseTo(60 / 76, 12);
  });
});

describe('twoLabelDataset: EXIF and existing labels', () => {
  const inputs: LabelInput[] = [
    { id: 5, path: 'P/a.jpg', labels: { exif_camera: 'Apple iPhone 11', class: 'P' } },
    { id: 6, path: 'Q/b.jpg', labels: { exif_camera: 'Google Pixel 5', class: 'Q' } },
    { id: 7, path: 'Q/c.jpg', labels: { class: 'Q' } },
    { id: 8, path: 'd.jpg', labels: { exif_camera: 'Google Pixel 5' } },
  ];

  it('uses exif_camera with the class from the folder, listing images without EXIF', () => {
    const r = twoLabelDataset(inputs, { kind: 'exif' });
    expect(r.items).toEqual([
      { id: 5, path: 'P/a.jpg', cls: 'P', camera: 'Apple iPhone 11' },
      { id: 6, path: 'Q/b.jpg', cls: 'Q', camera: 'Google Pixel 5' },
    ]);
    expect(r.problems).toEqual([
      { path: 'Q/c.jpg', reason: 'no EXIF camera make/model' },
      { path: 'd.jpg', reason: "class from folder: path 'd.jpg' has 0 folder levels but template 'class' needs 1" },
    ]);
  });

  it('can take the class from a label key', () => {
    const r = twoLabelDataset(inputs, { kind: 'exif', classFrom: { from: 'label', key: 'class' } });
    expect(r.items.map((i) => i.id)).toEqual([5, 6]);
    expect(r.problems.map((p) => p.reason)).toEqual(['no EXIF camera make/model', "no 'class' label for the class"]);
  });

  it('reads two existing label keys', () => {
    const r = twoLabelDataset([{ path: 'x.png', labels: { m: 'P', cam: ' iPhone ' } }, { path: 'y.png', labels: { m: 'P' } }], { kind: 'labels', classKey: 'm', cameraKey: 'cam' });
    expect(r.items).toEqual([{ id: 0, path: 'x.png', cls: 'P', camera: 'iPhone' }]);
    expect(r.problems).toEqual([{ path: 'y.png', reason: "no 'cam' label" }]);
  });
});
