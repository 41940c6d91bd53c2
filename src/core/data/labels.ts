/**
 * Labels from folder structure. Paths are relative with forward slashes.
 *
 * Rule: a template with n keys takes the LAST n folder levels, i.e. the
 * folders closest to the file. So 'pacs/photo/dog/x.jpg' with 'domain/class'
 * gives domain=photo, class=dog whether or not the dropped root ('pacs') is
 * still part of the path, and extra leading folders never shift labels.
 */
import type { LabelTemplateId, Labels } from './types';
import { normalisePath } from './path';

/** Label keys of each template, outermost folder first. */
export const TEMPLATE_KEYS: Record<LabelTemplateId, readonly string[]> = {
  none: [],
  class: ['class'],
  'domain/class': ['domain', 'class'],
  'class/camera': ['class', 'camera'],
};

/** Folder levels a template needs below the root. */
export function templateDepth(template: LabelTemplateId): number {
  return TEMPLATE_KEYS[template].length;
}

export type LabelResult = { labels: Labels } | { error: string };

export interface LabelOptions {
  /** Leading segments to ignore before counting folder levels (e.g. 1 when the dropped root's name is included). */
  rootPrefixDepth?: number;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Labels for one file, or an error explaining why the path does not fit the template. */
export function labelsFromPath(path: string, template: LabelTemplateId, opts: LabelOptions = {}): LabelResult {
  const keys = TEMPLATE_KEYS[template];
  if (!keys) return { error: `unknown label template '${template}'` };
  if (keys.length === 0) return { labels: {} };
  const p = normalisePath(path);
  const skip = opts.rootPrefixDepth ?? 0;
  const folders = p.split('/').slice(0, -1).slice(skip);
  if (folders.length < keys.length) {
    const after = skip > 0 ? ` after skipping ${plural(skip, 'root level')}` : '';
    return { error: `path '${p}' has ${plural(folders.length, 'folder level')}${after} but template '${template}' needs ${keys.length}` };
  }
  const used = folders.slice(folders.length - keys.length);
  return { labels: Object.fromEntries(keys.map((k, i) => [k, used[i]])) };
}

/**
 * Labels for every file of one drop. Paths start with the dropped folder when one was dropped
 * ('cells/cat/a.png'). That folder's name is used as a label only when no file needs it to be
 * skipped, so a single dropped class folder ('cats/a.png') still gives class 'cats'. When other
 * files have more folder levels than the template takes, the dropped folder is a container: a
 * file with too few levels below it ('cells/a.png' beside 'cells/cat/b.png') gets an error
 * instead of silently taking the container's name as its label.
 */
export function labelsForPaths(paths: readonly string[], template: LabelTemplateId): LabelResult[] {
  const need = TEMPLATE_KEYS[template]?.length ?? 0;
  const split = paths.map((p) => normalisePath(p).split('/'));
  const root = split.length > 0 && split.every((s) => s.length > 1 && s[0] === split[0][0]) ? split[0][0] : null;
  const deepest = split.reduce((m, s) => Math.max(m, s.length - 1), 0);
  if (need === 0 || root === null || deepest <= need) return paths.map((p) => labelsFromPath(p, template));
  return paths.map((p, i) => {
    const below = split[i].length - 2;
    if (below >= need) return labelsFromPath(p, template, { rootPrefixDepth: 1 });
    return { error: `path '${split[i].join('/')}' has ${plural(below, 'folder level')} below the dropped folder '${root}' but template '${template}' needs ${need}` };
  });
}

/**
 * The folder prefix shared by all paths that `stripCommonRoot` removes
 * ('' when none). At least `keepFolders` folder levels stay on the shallowest
 * path, so dropping a single class folder ('cats/a.png', 'cats/b.png') keeps
 * 'cats' as the class. Pass `templateDepth(template)` to keep what a template needs.
 */
export function commonRoot(paths: string[], keepFolders = 1): string {
  if (paths.length === 0) return '';
  const split = paths.map((p) => normalisePath(p).split('/').slice(0, -1));
  const minFolders = Math.min(...split.map((s) => s.length));
  let common = 0;
  while (common < minFolders && split.every((s) => s[common] === split[0][common])) common++;
  return split[0].slice(0, Math.max(0, Math.min(common, minFolders - keepFolders))).join('/');
}

/** Paths (normalised) with the common root folder(s) removed; same order and length as the input. */
export function stripCommonRoot(paths: string[], keepFolders = 1): string[] {
  const root = commonRoot(paths, keepFolders);
  const cut = root === '' ? 0 : root.length + 1;
  return paths.map((p) => normalisePath(p).slice(cut));
}

/** Label key → value → number of items. */
export function countLabels(items: Iterable<{ labels: Labels }>): Record<string, Record<string, number>> {
  const counts = new Map<string, Map<string, number>>();
  for (const { labels } of items) {
    for (const [key, value] of Object.entries(labels)) {
      let byValue = counts.get(key);
      if (!byValue) counts.set(key, (byValue = new Map()));
      byValue.set(value, (byValue.get(value) ?? 0) + 1);
    }
  }
  // fromEntries defines own properties, so a key like '__proto__' cannot alter the prototype.
  return Object.fromEntries([...counts].map(([k, m]) => [k, Object.fromEntries(m)]));
}
