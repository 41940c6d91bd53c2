import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import Papa from 'papaparse';
import { cleanExifText, normaliseCamera, readCamera } from './exif';
import { writeTiff } from './testdata/writeTiff';

/**
 * Minimal JPEG: SOI, APP1 'Exif' with a TIFF header and IFD0 holding ASCII
 * Make (0x010F) and Model (0x0110), then EOI. No image data is needed by exifr.
 */
function jpegWithExif(make: string, model: string, bigEndian = false): Uint8Array {
  const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0)).concat(0);
  const u16 = (v: number) => (bigEndian ? [v >> 8, v & 255] : [v & 255, v >> 8]);
  const u32 = (v: number) => {
    const le = [v & 255, (v >> 8) & 255, (v >> 16) & 255, v >>> 24];
    return bigEndian ? le.reverse() : le;
  };
  const mk = ascii(make);
  const md = ascii(model);
  const values = 8 + 2 + 2 * 12 + 4; // header, entry count, two entries, next-IFD pointer
  const tiff = [
    ...(bigEndian ? [0x4d, 0x4d] : [0x49, 0x49]), ...u16(42), ...u32(8),
    ...u16(2),
    ...u16(0x010f), ...u16(2), ...u32(mk.length), ...u32(values),
    ...u16(0x0110), ...u16(2), ...u32(md.length), ...u32(values + mk.length),
    ...u32(0),
    ...mk, ...md,
  ];
  const payload = [...'Exif'].map((c) => c.charCodeAt(0)).concat(0, 0, ...tiff);
  const length = payload.length + 2;
  return Uint8Array.from([0xff, 0xd8, 0xff, 0xe1, length >> 8, length & 255, ...payload, 0xff, 0xd9]);
}

describe('normaliseCamera', () => {
  it.each([
    ['NIKON CORPORATION', 'NIKON D70', 'Nikon D70'],
    ['NIKON CORPORATION', 'NIKON D70s', 'Nikon D70s'],
    ['Canon', 'Canon PowerShot A640', 'Canon PowerShot A640'],
    ['Canon', 'Canon EOS 5D Mark II', 'Canon EOS 5D Mark II'],
    ['Canon', 'Canonet QL17', 'Canon Canonet QL17'], // a word that merely starts with the make stays
    ['  SONY ', 'DSC-H50', 'Sony DSC-H50'],
    ['OLYMPUS IMAGING CORP.', 'E-500', 'Olympus E-500'],
    ['OLYMPUS OPTICAL CO.,LTD', 'C2500L', 'Olympus C2500L'],
    ['EASTMAN KODAK COMPANY', 'KODAK EASYSHARE C813 ZOOM DIGITAL CAMERA', 'Kodak EASYSHARE C813 ZOOM DIGITAL CAMERA'],
    ['CASIO COMPUTER CO.,LTD.', 'EX-Z150', 'Casio EX-Z150'],
    ['PENTAX Corporation', 'PENTAX Optio A40', 'Pentax Optio A40'],
    ['SAMSUNG TECHWIN', 'Digimax 301', 'Samsung Digimax 301'],
    ['samsung', 'SM-G991B', 'Samsung SM-G991B'],
    ['FUJIFILM', 'FinePix J50', 'Fujifilm FinePix J50'],
    ['LG Electronics', 'LG-H815', 'LG H815'],
    ['Konica Minolta Camera, Inc.', 'DiMAGE Z2', 'Konica Minolta DiMAGE Z2'],
    ['Apple', 'iPhone 11', 'Apple iPhone 11'],
    ['Google', 'Pixel 5', 'Google Pixel 5'],
    ['Acme   Cams', ' X1 ', 'Acme Cams X1'], // unknown makes are kept, spaces collapsed
    ['NIKON\0\0', 'NIKON D200\0 ', 'Nikon D200'], // NUL padding from EXIF ASCII fields
    ['NIKON', 'NIKON', 'Nikon'],
    ['', 'iPhone 11', 'iPhone 11'],
    ['Canon', '', 'Canon'],
  ])('%j + %j → %j', (make, model, camera) => {
    expect(normaliseCamera(make, model)).toBe(camera);
  });

  it('returns undefined without make and model', () => {
    expect(normaliseCamera(undefined, undefined)).toBeUndefined();
    expect(normaliseCamera(' ', '\0')).toBeUndefined();
  });

  it('cleanExifText trims, drops NULs and collapses spaces', () => {
    expect(cleanExifText('  NIKON \0 D70\0 ')).toBe('NIKON D70');
    expect(cleanExifText(undefined)).toBe('');
  });
});

describe('readCamera', () => {
  it('reads Make/Model from a JPEG APP1 segment (both byte orders)', async () => {
    const expected = { make: 'NIKON CORPORATION', model: 'NIKON D70', camera: 'Nikon D70' };
    expect(await readCamera(jpegWithExif('NIKON CORPORATION', 'NIKON D70'))).toEqual(expected);
    expect(await readCamera(jpegWithExif('NIKON CORPORATION', 'NIKON D70', true))).toEqual(expected);
    const j = jpegWithExif('Canon', 'Canon PowerShot A640  ');
    expect(await readCamera(j.buffer as ArrayBuffer)).toEqual({ make: 'Canon', model: 'Canon PowerShot A640', camera: 'Canon PowerShot A640' });
  });

  it('reads Make/Model from TIFF IFD0', async () => {
    const tif = writeTiff([{ width: 1, height: 1, samplesPerPixel: 1, data: new Uint8Array(1), ascii: { 271: 'Apple', 272: 'iPhone 11' } }]);
    expect(await readCamera(tif)).toEqual({ make: 'Apple', model: 'iPhone 11', camera: 'Apple iPhone 11' });
  });

  it('returns {} without EXIF, for unsupported formats and for empty input', async () => {
    expect(await readCamera(Uint8Array.from([0xff, 0xd8, 0xff, 0xd9]))).toEqual({});
    expect(await readCamera(Uint8Array.from([0x42, 0x4d, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]))).toEqual({});
    expect(await readCamera(new Uint8Array(0))).toEqual({});
    // Make only: camera is the canonical make.
    const makeOnly = writeTiff([{ width: 1, height: 1, samplesPerPixel: 1, data: new Uint8Array(1), ascii: { 271: 'SONY' } }]);
    expect(await readCamera(makeOnly)).toEqual({ make: 'SONY', camera: 'Sony' });
  });
});

const SHARED = '/work/shared/data';
const haveShared = existsSync(`${SHARED}/camera-dresden`) && existsSync(`${SHARED}/camera-phones`);
if (!haveShared) console.log(`exif: real-file tests skipped because ${SHARED}/camera-* is not present`);
describe.skipIf(!haveShared)('camera datasets in /work/shared', () => {
  const labels = (set: string) =>
    Papa.parse<Record<string, string>>(readFileSync(`${SHARED}/${set}/labels.csv`, 'utf8'), { header: true, skipEmptyLines: true }).data;

  it('normalises the recorded EXIF make/model of every crop to one camera per model', () => {
    const dresden = new Set(labels('camera-dresden').map((r) => normaliseCamera(r.exif_make, r.exif_model)));
    expect([...dresden].sort()).toEqual(['Nikon D200', 'Nikon D70', 'Nikon D70s']);
    const phones = new Set(labels('camera-phones').map((r) => normaliseCamera(r.exif_make, r.exif_model)));
    expect([...phones].sort()).toEqual(['Apple iPhone 11', 'Google Pixel 5']);
  });

  it('finds no EXIF in the crops themselves (their README: metadata is not carried over)', async () => {
    for (const file of ['camera-dresden/crops/Nikon_D70_0_19939.png', 'camera-phones/crops/IMG_5817.png', 'camera-phones/crops/PXL_20210515_181259473.png']) {
      expect(await readCamera(new Uint8Array(readFileSync(`${SHARED}/${file}`)))).toEqual({});
    }
  });
});
