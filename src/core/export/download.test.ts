import { afterEach, describe, expect, it, vi } from 'vitest';
import { canDownload, downloadBlob, REVOKE_DELAY_MS } from './download';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe('downloadBlob', () => {
  it('does nothing and returns false without a DOM', () => {
    expect(typeof document).toBe('undefined');
    expect(canDownload()).toBe(false);
    expect(downloadBlob(new Blob(['x']), 'x.txt')).toBe(false);
  });

  it('clicks a temporary download link and revokes its URL later', () => {
    vi.useFakeTimers();
    const clicked: { href: string; download: string; attached: boolean }[] = [];
    const body = { children: new Set<unknown>(), appendChild(el: unknown) { this.children.add(el); } };
    const anchor = {
      href: '', download: '', rel: '', style: { display: '' },
      click() { clicked.push({ href: this.href, download: this.download, attached: body.children.has(this) }); },
      remove() { body.children.delete(this); },
    };
    vi.stubGlobal('document', { body, createElement: (tag: string) => (tag === 'a' ? anchor : null) });
    const create = vi.spyOn(URL, 'createObjectURL').mockReturnValue('blob:fake/1');
    const revoke = vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => undefined);

    const blob = new Blob(['a,b\r\n']);
    expect(downloadBlob(blob, 'runs/table.csv')).toBe(true);
    expect(create).toHaveBeenCalledWith(blob);
    expect(clicked).toEqual([{ href: 'blob:fake/1', download: 'runs_table.csv', attached: true }]);
    expect(body.children.size).toBe(0);
    expect(revoke).not.toHaveBeenCalled();
    vi.advanceTimersByTime(REVOKE_DELAY_MS);
    expect(revoke).toHaveBeenCalledWith('blob:fake/1');
  });
});
