/**
 * Which metadata column plays which role in the validation metrics (plate, well, compound,
 * concentration, MoA, chemical cluster). Columns come from file-name patterns, joined CSVs or
 * imported profiles under many spellings (`well`, `Metadata_Well`, `Image_Metadata_Well_DAPI`), so
 * roles are guessed from the names and can be overridden in the panel.
 */
export type MetadataRole = 'plate' | 'well' | 'site' | 'compound' | 'concentration' | 'moa' | 'chemicalCluster';

export const METADATA_ROLES: readonly MetadataRole[] = ['plate', 'well', 'site', 'compound', 'concentration', 'moa', 'chemicalCluster'];

export type RoleMap = Partial<Record<MetadataRole, string>>;

const PATTERNS: Record<MetadataRole, RegExp> = {
  plate: /(^|_)plate(_|$)|^plate/i,
  well: /(^|_)well(_|$)|^well/i,
  site: /(^|_)(site|field)(_|$)/i,
  compound: /(^|_)(compound|treatment|drug|pert_iname)(_|$)/i,
  concentration: /(^|_)(concentration|conc|dose)(_|$)/i,
  moa: /(^|_)moa(_|$)|mechanism/i,
  chemicalCluster: /(chemical_?cluster|chem_?cluster|^cluster$|_cluster$)/i,
};

/** Strip the usual prefixes/suffixes so `Image_Metadata_Well_DAPI` reads as `Well`. */
function core(column: string): string {
  return column.replace(/^(image_)?metadata_/i, '').replace(/_(dapi|tubulin|actin|ch\d+|w\d+)$/i, '');
}

/** Guess roles from column names; the first matching column wins for each role. */
export function detectRoles(columns: readonly string[]): RoleMap {
  const out: RoleMap = {};
  for (const role of METADATA_ROLES) {
    const hit = columns.find((c) => PATTERNS[role].test(core(c)) && !Object.values(out).includes(c));
    if (hit) out[role] = hit;
  }
  return out;
}

/** Per-row values of one role (undefined when the role has no column; '' cells become null). */
export function roleValues(metadata: readonly Record<string, string>[], roles: RoleMap, role: MetadataRole): (string | null)[] | undefined {
  const col = roles[role];
  if (!col) return undefined;
  return metadata.map((m) => {
    const v = m[col];
    return v === undefined || v === '' ? null : v;
  });
}

/** Well key that includes the plate when known (the same well name on two plates is two wells). */
export function wellKeys(metadata: readonly Record<string, string>[], roles: RoleMap): (string | null)[] | undefined {
  const wells = roleValues(metadata, roles, 'well');
  if (!wells) return undefined;
  const plates = roleValues(metadata, roles, 'plate');
  return wells.map((w, i) => (w === null ? null : plates?.[i] ? `${plates[i]}/${w}` : w));
}
