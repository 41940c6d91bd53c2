import { describe, expect, it } from 'vitest';
import {
  boxFromMask,
  clipBox,
  countFromFileName,
  lineColumn,
  locateJsonError,
  parseAnnotationJson,
  parseBoxListJson,
  parseCocoBoxes,
} from './annotations';

const coco = (images: unknown[], annotations: unknown[]) => JSON.stringify({ images, annotations, categories: [{ id: 1, name: 'nucleus' }] });

describe('parseCocoBoxes', () => {
  it('turns [x, y, w, h] into exclusive corner boxes per file name, images without annotations get []', () => {
    const text = coco(
      [
        { id: 1, file_name: 'a.png', width: 100, height: 50 },
        { id: 2, file_name: 'sub/b.png', width: 64, height: 64 },
      ],
      [
        { id: 10, image_id: 1, bbox: [3, 4, 10, 6], category_id: 1, iscrowd: 0 },
        { id: 11, image_id: 1, bbox: [0, 0, 100, 50], category_id: 1 },
        { id: 12, image_id: 1, bbox: [2.5, 1.25, 0.5, 0.75], category_id: 1 },
      ],
    );
    const r = parseCocoBoxes(text, 'instances.json');
    expect(r.format).toBe('coco');
    expect(r.problems).toEqual([]);
    expect([...r.images.keys()]).toEqual(['a.png', 'sub/b.png']);
    expect(r.images.get('a.png')).toEqual({
      width: 100,
      height: 50,
      boxes: [
        { x1: 3, y1: 4, x2: 13, y2: 10 },
        { x1: 0, y1: 0, x2: 100, y2: 50 },
        { x1: 2.5, y1: 1.25, x2: 3, y2: 2 },
      ],
    });
    expect(r.images.get('sub/b.png')).toEqual({ width: 64, height: 64, boxes: [] });
  });

  it('reports malformed JSON with the file name, line, column and offset', () => {
    const text = '{"images": [ {"id": 1,} ]}';
    const r = parseCocoBoxes(text, 'instances.json');
    expect(r.format).toBeNull();
    expect(r.images.size).toBe(0);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0].entry).toBe('(file)');
    // The '}' after "1," is at offset 22: a property name was expected there.
    expect(r.problems[0].message).toMatch(/^instances\.json: invalid JSON at line 1, column 23 \(character offset 22\): expected a property name in double quotes, found character "}"/);
  });

  it('counts lines and columns across line breaks and reports truncated files', () => {
    const text = '{\n  "images": [],\n  "annotations": [\n    {"image_id": 1 "bbox": [0, 0, 1, 1]}\n  ]\n}';
    const r = parseCocoBoxes(text, 'data/coco.json');
    // Line 4 is '    {"image_id": 1 "bbox": ...': the '"' of "bbox" is column 20.
    expect(r.problems[0].message).toMatch(/^data\/coco\.json: invalid JSON at line 4, column 20 \(character offset 56\): expected ',' or '}', found character "\\""/);
    const cut = parseCocoBoxes('{"images": [{"id": 1', 'cut.json');
    expect(cut.problems[0].message).toMatch(/^cut\.json: invalid JSON at line 1, column 21 \(character offset 20\): expected ',' or '}', found end of input/);
  });

  it('reports a well-formed file that is not COCO', () => {
    const r = parseCocoBoxes('[1, 2]', 'x.json');
    expect(r.format).toBeNull();
    expect(r.problems[0].message).toBe('x.json, (file): not a COCO annotation file: the top level is an array, not an object');
    expect(parseCocoBoxes('{"images": []}', 'y.json').problems[0].message).toBe('y.json, (file): not a COCO annotation file: "annotations" is not an array');
  });

  it('tolerates a UTF-8 byte-order mark', () => {
    const r = parseCocoBoxes('\uFEFF' + coco([{ id: 1, file_name: 'a.png', width: 2, height: 2 }], []), 'bom.json');
    expect(r.problems).toEqual([]);
    expect(r.images.get('a.png')?.boxes).toEqual([]);
  });

  it('clips boxes that leave the image, drops degenerate or fully outside ones, and says which', () => {
    const text = coco(
      [{ id: 7, file_name: 'a.png', width: 100, height: 50 }],
      [
        { id: 1, image_id: 7, bbox: [90, 40, 20, 20] }, // → [90, 40, 110, 60] → clipped to [90, 40, 100, 50]
        { id: 2, image_id: 7, bbox: [-5, 10, 10, 10] }, // → [-5, 10, 5, 20] → [0, 10, 5, 20]
        { id: 3, image_id: 7, bbox: [120, 0, 10, 10] }, // entirely right of the image: dropped
        { id: 4, image_id: 7, bbox: [10, 10, 0, 5] }, // zero width: dropped
        { id: 5, image_id: 7, bbox: [10, 10, 5] }, // malformed
        { id: 6, image_id: 7, bbox: [0, 0, 100.0000000001, 50] }, // round-off: clipped silently
      ],
    );
    const r = parseCocoBoxes(text, 'c.json');
    expect(r.images.get('a.png')!.boxes).toEqual([
      { x1: 90, y1: 40, x2: 100, y2: 50 },
      { x1: 0, y1: 10, x2: 5, y2: 20 },
      { x1: 0, y1: 0, x2: 100, y2: 50 },
    ]);
    expect(r.problems.map((p) => p.message)).toEqual([
      'c.json, annotations[0] (id 1): bbox [90, 40, 20, 20] as corners [90, 40, 110, 60] extends outside the 100×50 image; clipped to [90, 40, 100, 50]',
      'c.json, annotations[1] (id 2): bbox [-5, 10, 10, 10] as corners [-5, 10, 5, 20] extends outside the 100×50 image; clipped to [0, 10, 5, 20]',
      'c.json, annotations[2] (id 3): bbox [120, 0, 10, 10] as corners [120, 0, 130, 10] lies entirely outside the 100×50 image; dropped',
      'c.json, annotations[3] (id 4): bbox [10, 10, 0, 5] as corners [10, 10, 10, 15] has zero or negative width or height; dropped',
      'c.json, annotations[4] (id 5): "bbox" is [10,10,5] (needs [x, y, width, height]); skipped',
    ]);
    expect(r.problems.map((p) => p.entry)).toEqual(['annotations[0] (id 1)', 'annotations[1] (id 2)', 'annotations[2] (id 3)', 'annotations[3] (id 4)', 'annotations[4] (id 5)']);
  });

  it('reports unknown image ids, images with missing fields (and their annotations), duplicates and crowd regions', () => {
    const text = coco(
      [
        { id: 1, file_name: 'a.png', width: 10, height: 10 },
        { id: 2, file_name: 'b.png', height: 10 },
        { id: 1, file_name: 'c.png', width: 10, height: 10 },
        { id: 3, file_name: 'a.png', width: 10, height: 10 },
        { file_name: 'd.png', width: 10, height: 10 },
      ],
      [
        { id: 1, image_id: 99, bbox: [0, 0, 1, 1] },
        { id: 2, image_id: 2, bbox: [0, 0, 1, 1] },
        { id: 3, image_id: 1, bbox: [0, 0, 4, 4], iscrowd: 1 },
        { image_id: 1, bbox: [1, 1, 2, 2] },
        { id: 5, bbox: [1, 1, 2, 2] },
      ],
    );
    const r = parseCocoBoxes(text, 'bad.json');
    expect([...r.images.keys()]).toEqual(['a.png']);
    expect(r.images.get('a.png')!.boxes).toEqual([{ x1: 1, y1: 1, x2: 3, y2: 3 }]);
    expect(r.problems.map((p) => p.message)).toEqual([
      'bad.json, images[1]: "width" is missing (needs a positive integer); image skipped',
      'bad.json, images[2]: duplicate image id 1; skipped (the first entry with this id is kept)',
      'bad.json, images[3]: duplicate file_name "a.png"; skipped',
      'bad.json, images[4]: "id" is missing; image skipped',
      'bad.json, annotations[0] (id 1): unknown image id 99 (no entry in "images"); skipped',
      'bad.json, annotations[1] (id 2): image id 2 was skipped (see images[1]); annotation ignored',
      'bad.json, annotations[2] (id 3): crowd region (iscrowd = 1) covers several objects and is skipped; the count for image 1 is a lower bound',
      'bad.json, annotations[4] (id 5): "image_id" is missing; skipped',
    ]);
  });

  it('filters categories on request', () => {
    const text = coco(
      [{ id: 1, file_name: 'a.png', width: 10, height: 10 }],
      [
        { image_id: 1, bbox: [0, 0, 1, 1], category_id: 1 },
        { image_id: 1, bbox: [2, 2, 1, 1], category_id: 2 },
      ],
    );
    expect(parseCocoBoxes(text, 'a.json', { categories: [2] }).images.get('a.png')!.boxes).toEqual([{ x1: 2, y1: 2, x2: 3, y2: 3 }]);
    expect(parseCocoBoxes(text, 'a.json').images.get('a.png')!.boxes).toHaveLength(2);
  });
});

describe('parseBoxListJson (the DSB2018 subset format)', () => {
  it('reads corner boxes, reports count mismatches, bad boxes and clipping', () => {
    const text = JSON.stringify({
      box_format: '[x0, y0, x1, y1] in pixels, origin top-left, x1 and y1 exclusive',
      images: [
        { file: 'images/a.png', id: 'a', width: 20, height: 10, count: 2, boxes: [[0, 0, 5, 5], [15, 8, 20, 10]] },
        { file: 'images/b.png', id: 'b', width: 20, height: 10, count: 3, boxes: [[1, 2, 3, 4], [18, 0, 25, 4], 'x'] },
        { file: 'images/c.png', width: 20, count: 0, boxes: [] },
      ],
    });
    const r = parseBoxListJson(text, 'annotations.json');
    expect(r.format).toBe('box-list');
    expect(r.images.get('images/a.png')).toEqual({ width: 20, height: 10, boxes: [{ x1: 0, y1: 0, x2: 5, y2: 5 }, { x1: 15, y1: 8, x2: 20, y2: 10 }] });
    expect(r.images.get('images/b.png')!.boxes).toEqual([{ x1: 1, y1: 2, x2: 3, y2: 4 }, { x1: 18, y1: 0, x2: 20, y2: 4 }]);
    expect(r.images.has('images/c.png')).toBe(false);
    expect(r.problems.map((p) => p.message)).toEqual([
      'annotations.json, images[1].boxes[1] (images/b.png): [18, 0, 25, 4] extends outside the 20×10 image; clipped to [18, 0, 20, 4]',
      'annotations.json, images[1].boxes[2] (images/b.png): box is "x" (needs [x0, y0, x1, y1]); skipped',
      'annotations.json, images[2] (images/c.png): "height" is missing (needs a positive integer); image skipped',
    ]);
  });

  it('reports a count that disagrees with the listed boxes', () => {
    const text = JSON.stringify({ images: [{ file: 'a.png', width: 4, height: 4, count: 2, boxes: [[0, 0, 1, 1]] }] });
    expect(parseBoxListJson(text, 'l.json').problems.map((p) => p.message)).toEqual(['l.json, images[0] (a.png): "count" is 2 but 1 boxes are listed; the boxes are used']);
  });
});

describe('parseAnnotationJson', () => {
  it('detects COCO, box-list, and neither', () => {
    expect(parseAnnotationJson(coco([], []), 'a.json').format).toBe('coco');
    expect(parseAnnotationJson('{"images": [{"file": "a.png", "width": 1, "height": 1, "boxes": []}]}', 'b.json').format).toBe('box-list');
    const other = parseAnnotationJson('{"name": "not annotations"}', 'meta.json');
    expect(other.format).toBeNull();
    expect(other.problems[0].message).toMatch(/^meta\.json: not a recognised annotation file; expected COCO/);
    expect(parseAnnotationJson('{', 'broken.json').problems[0].message).toMatch(/^broken\.json: invalid JSON at line 1, column 2 \(character offset 1\)/);
  });
});

describe('locateJsonError', () => {
  it('accepts everything JSON.parse accepts', () => {
    const valid = [
      '0', '-0.5e+3', '"a\\u00e9\\n"', 'true', ' null ', '[]', '{}', '[1, [2, {"a": [3, {}]}], "x"]',
      JSON.stringify({ images: [{ id: 1, file_name: 'ü.png', width: 3, height: 4 }], annotations: [], nested: { deep: [[[[]]]] } }, null, 2),
      '['.repeat(50_000) + ']'.repeat(50_000),
    ];
    for (const t of valid) {
      expect(() => JSON.parse(t)).not.toThrow();
      expect(locateJsonError(t)).toBeNull();
    }
  });

  it('finds the first error offset', () => {
    const cases: [string, number][] = [
      ['', 0], ['[1,]', 3], ['[1 2]', 3], ['{"a" 1}', 5], ["{'a': 1}", 1], ['01', 1], ['1.', 1], ['"abc', 0], ['"a\nb"', 2],
      ['"\\x"', 1], ['[1] x', 4], ['{"a": tru}', 6], ['[-]', 1], ['{"a":1,}', 7],
    ];
    for (const [text, offset] of cases) {
      expect(() => JSON.parse(text), text).toThrow();
      expect(locateJsonError(text)?.offset, text).toBe(offset);
    }
  });

  it('lineColumn is 1-based', () => {
    expect(lineColumn('ab\ncd', 0)).toEqual({ line: 1, column: 1 });
    expect(lineColumn('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
  });
});

describe('clipBox', () => {
  it('keeps inside boxes as they are', () => {
    const b = { x1: 1, y1: 2, x2: 3, y2: 4 };
    expect(clipBox(b, 3, 4)).toEqual({ box: b, note: null });
    expect(clipBox({ x1: NaN, y1: 0, x2: 1, y2: 1 }, 3, 4)).toEqual({ box: null, note: 'has a non-finite coordinate; dropped' });
  });
});

describe('boxFromMask', () => {
  it('gives the tight exclusive box of the non-zero pixels', () => {
    // 7 × 5 mask: row 2 columns 3..5, row 3 column 4 → x1 = 3, x2 = 6, y1 = 2, y2 = 4.
    const w = 7;
    const h = 5;
    const m = new Uint8Array(w * h);
    for (const x of [3, 4, 5]) m[2 * w + x] = 255;
    m[3 * w + 4] = 1;
    expect(boxFromMask(m, w, h)).toEqual({ x1: 3, y1: 2, x2: 6, y2: 4 });
  });

  it('handles one-pixel masks, including the corners', () => {
    const w = 6;
    const h = 4;
    const at = (x: number, y: number) => {
      const m = new Uint8Array(w * h);
      m[y * w + x] = 1;
      return boxFromMask(m, w, h);
    };
    expect(at(0, 0)).toEqual({ x1: 0, y1: 0, x2: 1, y2: 1 });
    expect(at(5, 3)).toEqual({ x1: 5, y1: 3, x2: 6, y2: 4 });
    expect(at(2, 1)).toEqual({ x1: 2, y1: 1, x2: 3, y2: 2 });
  });

  it('returns null for an empty mask and spans gaps between parts', () => {
    expect(boxFromMask(new Uint8Array(12), 4, 3)).toBeNull();
    expect(boxFromMask(new Uint8Array(0), 0, 0)).toBeNull();
    // Two separate pixels (0, 2) and (3, 0) in a 4 × 3 mask; other array types and values count as non-zero too.
    const f = new Float32Array(12);
    f[2 * 4 + 0] = 0.5;
    f[0 * 4 + 3] = -1;
    expect(boxFromMask(f, 4, 3)).toEqual({ x1: 0, y1: 0, x2: 4, y2: 3 });
    const u = new Uint16Array(12);
    u[1 * 4 + 1] = 65535;
    expect(boxFromMask(u, 4, 3)).toEqual({ x1: 1, y1: 1, x2: 2, y2: 2 });
  });

  it('refuses a mask whose length does not match its size', () => {
    expect(() => boxFromMask(new Uint8Array(11), 4, 3)).toThrow(/11 values, expected 4×3 = 12/);
  });
});

describe('countFromFileName', () => {
  it('reads BBBC005-style _C<n>_ tokens', () => {
    expect(countFromFileName('SIMCEP_images_A05_C18_F1_s05_w1.TIF')).toBe(18);
    expect(countFromFileName('BBBC005_v1_images/SIMCEP_images_A01_C1_F1_s01_w2.TIF')).toBe(1);
    expect(countFromFileName('x_C0_y.png')).toBe(0);
    expect(countFromFileName('x_C007_y.png')).toBe(7);
    expect(countFromFileName('dir\\a_C12_b.tif')).toBe(12);
    expect(countFromFileName('a_C5_C5_b.tif')).toBe(5);
  });

  it('returns null without a token, for other spellings, for the folder part and for disagreeing tokens', () => {
    expect(countFromFileName('SIMCEP_images_A05_F1_s05_w1.TIF')).toBeNull();
    expect(countFromFileName('image_C18.tif')).toBeNull();
    expect(countFromFileName('C18_image.tif')).toBeNull();
    expect(countFromFileName('image_c18_x.tif')).toBeNull();
    expect(countFromFileName('image_C_x.tif')).toBeNull();
    expect(countFromFileName('run_C5_/image.tif')).toBeNull();
    expect(countFromFileName('a_C5_C6_b.tif')).toBeNull();
  });
});
